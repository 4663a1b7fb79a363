// FullTextStore over the single table (see table-design.ts).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | citation (existing item) | `REVIEW#<reviewId>` | `CITATION#<citationId>` | + openAccess: the last Unpaywall answer (doi, checkedAt, found, location) |
// | attachment | `REVIEW#<reviewId>` | `ATTACHMENT#<citationId>#<attachmentId>` | type "attachment", the Attachment (fileName, size, key, uploadedBy, uploadedAt) |
//
// Writes: openAccess is SET on the citation item only if it is a citation (a later check replaces it); an
// attachment is a PutItem if absent (confirming an upload twice records it once).
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { StoreError } from '../../errors.ts';
import type { Attachment, CachedOpenAccess, FullTextStore } from '../../ports/full-text.ts';
import { isConditionFailure, toStoreError } from './citation-store.ts';
import { putIfAbsent, queryReviewPrefix } from './query-pages.ts';
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
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async getOpenAccess(reviewId: string, citationId: string): Promise<CachedOpenAccess | null> {
    const key = citationItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: key,
          ProjectionExpression: 'openAccess',
          ConsistentRead: true,
        }),
      );
      if (!Item?.openAccess) return null;
      const parsed = openAccessSchema.safeParse(Item.openAccess);
      // A cache entry this code cannot read is as good as none: it is looked up again and replaced.
      return parsed.success ? parsed.data : null;
    } catch (error) {
      throw toStoreError(error, 'GetItem', what);
    }
  }

  async saveOpenAccess(reviewId: string, citationId: string, answer: CachedOpenAccess): Promise<void> {
    const key = citationItemKey(reviewId, citationId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET openAccess = :answer',
          ConditionExpression: '#type = :citation',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':answer': answer, ':citation': 'citation' },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new StoreError(`review "${reviewId}": ${citationId} is not a stored citation`);
      }
      throw toStoreError(error, 'UpdateItem', this.describe(reviewId, key));
    }
  }

  async putAttachment(reviewId: string, attachment: Attachment): Promise<void> {
    const key = attachmentKey(reviewId, attachment.citationId, attachment.attachmentId);
    await putIfAbsent(
      this.client,
      this.tableName,
      { ...key, type: 'attachment', reviewId, ...attachment },
      this.describe(reviewId, key),
    );
  }

  async listAttachments(reviewId: string, citationId: string): Promise<Attachment[]> {
    const what = `the attachments of ${citationId} in review "${reviewId}"`;
    const items = await queryReviewPrefix(
      this.client,
      this.tableName,
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

  private describe(reviewId: string, key: ItemKey): string {
    return `review "${reviewId}", item ${key.sk} in table "${this.tableName}"`;
  }
}
