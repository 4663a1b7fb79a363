// FullTextStore over the single table (see table-design.ts).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | citation (existing item) | `REVIEW#<reviewId>` | `CITATION#<citationId>` | + openAccess: the last Unpaywall answer (doi, checkedAt, found, location) |
// | attachment | `REVIEW#<reviewId>` | `ATTACHMENT#<citationId>#<attachmentId>` | type "attachment", the Attachment (fileName, size, key, uploadedBy, uploadedAt) |
//
// Writes: openAccess is SET on the citation item only if it is a citation (a later check replaces it); an
// attachment is a PutItem if absent (confirming an upload twice records it once).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { StoreError } from '../../errors.ts';
import type { Attachment, CachedOpenAccess, FullTextStore } from '../../ports/full-text.ts';
import { TableAccess } from './table-access.ts';
import { citationItemKey, type ItemKey, reviewPk } from './table-design.ts';

export const ATTACHMENT_PREFIX = 'ATTACHMENT#';

export function attachmentKey(reviewId: string, citationId: string, attachmentId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${ATTACHMENT_PREFIX}${citationId}#${attachmentId}` };
}

const openAccessSchema = z.object({
  doi: z.string(),
  checkedAt: z.string(),
  found: z.boolean(),
  location: z
    .object({
      url: z.string(),
      pdfUrl: z.string().nullable(),
      hostType: z.string().nullable(),
      license: z.string().nullable(),
      version: z.string().nullable(),
      repository: z.string().nullable(),
    })
    .nullable(),
});

const attachmentSchema = z.object({
  attachmentId: z.string(),
  citationId: z.string(),
  fileName: z.string(),
  size: z.number().int(),
  key: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
});

export class DynamoFullTextStore implements FullTextStore {
  private readonly table: TableAccess;

  constructor(
    client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.table = new TableAccess(client, tableName);
  }

  async getOpenAccess(reviewId: string, citationId: string): Promise<CachedOpenAccess | null> {
    const key = citationItemKey(reviewId, citationId);
    const what = this.table.describe(reviewId, key);
    const item = await this.table.get(key, what, { ProjectionExpression: 'openAccess' });
    if (!item?.openAccess) return null;
    const parsed = openAccessSchema.safeParse(item.openAccess);
    // A cache entry this code cannot read is as good as none: it is looked up again and replaced.
    return parsed.success ? parsed.data : null;
  }

  async saveOpenAccess(reviewId: string, citationId: string, answer: CachedOpenAccess): Promise<void> {
    const key = citationItemKey(reviewId, citationId);
    const saved = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'SET openAccess = :answer',
        ConditionExpression: '#type = :citation',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':answer': answer, ':citation': 'citation' },
      },
      this.table.describe(reviewId, key),
    );
    if (!saved) throw new StoreError(`review "${reviewId}": ${citationId} is not a stored citation`);
  }

  async putAttachment(reviewId: string, attachment: Attachment): Promise<void> {
    const key = attachmentKey(reviewId, attachment.citationId, attachment.attachmentId);
    await this.table.putIfAbsent(
      { ...key, type: 'attachment', reviewId, ...attachment },
      this.table.describe(reviewId, key),
    );
  }

  async listAttachments(reviewId: string, citationId: string): Promise<Attachment[]> {
    const what = `the attachments of ${citationId} in review "${reviewId}"`;
    const items = await this.table.queryPrefix(
      { reviewId, prefix: `${ATTACHMENT_PREFIX}${citationId}#` },
      what,
    );
    return items
      .map((item) => {
        const parsed = attachmentSchema.safeParse(item);
        if (!parsed.success)
          throw new StoreError(`${what}: an attachment item does not have the expected shape`);
        return parsed.data;
      })
      .sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt));
  }
}
