// The digest marker, one-time claims, notices and trigger crossings over the single table (table-design.ts): the digest marker, one-time claims, notices on included
// studies and update-trigger crossings, all in the review's partition.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | digest marker | `REVIEW#<reviewId>` | `DIGEST_MARKER` | type "digest-marker", reviewId, through (ISO), messageId, sentAt, updatedAt |
// | one-time claim | `REVIEW#<reviewId>` | `ONCE#<scope>#<id>` (scope digest / report / trigger-notice) | type "once-claim", scope, id, status ("in-progress", "done", "released"), attempt, claimedAt, payload (map), result (map), reason |
// | notice | `REVIEW#<reviewId>` | `NOTICE#<citationId>#<notice key>` (e.g. NOTICE#c0f3...#retraction:195582) | type "publication-notice", the StoredNotice fields |
// | trigger crossing | `REVIEW#<reviewId>` | `TRIGGER#<triggerId>#<version, 9 digits>` | type "trigger-crossing", the TriggerCrossing fields (trigger as a map) |
//
// Ids used for the claims: digest `<period start ISO, or "beginning">`; report `v<version>-<content hash>`;
// trigger-notice `v<version>`.
//
// Access patterns, all single-item conditional writes (dynalite has no transactions):
// - the marker: GetItem; moved by PutItem conditional on `through = :from` (or absent for the first digest), so
//   two senders of one period cannot both move it and it never moves back.
// - a claim: PutItem if absent (attempt 1). Already there: GetItem (consistent), then "done" is answered as
//   done, an "in-progress" claim younger than the lease as busy, and anything else (released, or a holder whose
//   lease ran out) is taken over by an UpdateItem conditional on the attempt read (so two takers cannot both
//   win). Completing or releasing is an UpdateItem conditional on the holder's attempt.
// - notices and crossings: PutItem if absent (a notice or a crossing seen again writes nothing), listed with a
//   Query on their prefix.
// - citation sources for the PRISMA counts: Query begins_with(sk, "CITATION#") projecting type, citationId,
//   sourceRecords and queuedAt: a read of the items citation-store.ts writes (redirect items are skipped).
//
// The table's stream carries NOTICE# inserts to functions/publish-report (with the SNAPSHOT_LATEST pointer), so
// a retraction regenerates the report even when the protocol keeps the study's patients (flag-only).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { updateTriggerSchema } from '../../domain/protocol/update-triggers.ts';
import { NOTICE_KINDS } from '../../domain/retraction/notices.ts';
import { StoreError } from '../../errors.ts';
import type { CitationSourceListing, CitationSources } from '../../ports/citation-store.ts';
import type { DigestMarker, DigestMarkerStore } from '../../ports/digest-marker.ts';
import type { NoticeLog, StoredNotice } from '../../ports/notice-log.ts';
import type { OnceClaim, OnceClaims, OnceScope } from '../../ports/once-claims.ts';
import type { TriggerCrossing, TriggerCrossingLog } from '../../ports/trigger-crossings.ts';
import { parseItem, TableAccess } from './table-access.ts';
import { CITATION_PREFIX, type ItemKey, keyPart, reviewPk } from './table-design.ts';

export const DIGEST_MARKER_SK = 'DIGEST_MARKER';
export const ONCE_PREFIX = 'ONCE#';
export const NOTICE_PREFIX = 'NOTICE#';
export const TRIGGER_PREFIX = 'TRIGGER#';

export function digestMarkerKey(reviewId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: DIGEST_MARKER_SK };
}

export function onceClaimKey(reviewId: string, scope: OnceScope, id: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${ONCE_PREFIX}${scope}#${keyPart(id, 'a claim id')}` };
}

export function noticeKey(reviewId: string, citationId: string, key: string): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${NOTICE_PREFIX}${keyPart(citationId, 'a citation id')}#${keyPart(key, 'a notice key')}`,
  };
}

export function crossingKey(reviewId: string, triggerId: string, version: number): ItemKey {
  if (!Number.isInteger(version) || version < 1 || version > 999_999_999) {
    throw new RangeError(`a crossing's version must be an integer from 1 to 999999999, not ${version}`);
  }
  return {
    pk: reviewPk(reviewId),
    sk: `${TRIGGER_PREFIX}${keyPart(triggerId, 'a trigger id')}#${String(version).padStart(9, '0')}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Item schemas: everything read back is validated before it leaves the adapter.

const markerSchema = z.object({
  reviewId: z.string(),
  through: z.string(),
  messageId: z.string().nullable(),
  sentAt: z.string(),
});

const claimSchema = z.object({
  status: z.enum(['in-progress', 'done', 'released']),
  attempt: z.number().int().min(1),
  claimedAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
  result: z.record(z.string(), z.unknown()).nullable().optional(),
});

const noticeSchema = z.object({
  reviewId: z.string(),
  citationId: z.string(),
  studyTitle: z.string(),
  studyPmid: z.string().nullable(),
  kind: z.enum(NOTICE_KINDS),
  noticePmid: z.string().nullable(),
  refSource: z.string().nullable(),
  key: z.string(),
  detectedAt: z.string(),
});

const crossingSchema = z.object({
  reviewId: z.string(),
  triggerId: z.string(),
  trigger: updateTriggerSchema,
  version: z.number().int().min(1),
  baselineVersion: z.number().int().min(0),
  description: z.string(),
  detail: z.string(),
  observed: z.number().nullable(),
  recordedAt: z.string(),
});

const stringSet = z.union([z.set(z.string()), z.array(z.string())]).transform((value) => [...value].sort());

const citationSourcesSchema = z.object({
  type: z.literal('citation'),
  citationId: z.string(),
  sourceRecords: stringSet,
  queuedAt: z.string(),
});

export interface DynamoDigestStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** One class for the ports kept in the review's partition between runs; callers depend on the port they use. */
export class DynamoDigestStore
  implements DigestMarkerStore, OnceClaims, NoticeLog, TriggerCrossingLog, CitationSourceListing
{
  private readonly table: TableAccess;
  readonly tableName: string;

  constructor(options: DynamoDigestStoreOptions) {
    this.table = new TableAccess(options.client, options.tableName);
    this.tableName = options.tableName;
  }

  // -------------------------------------------------------------------------------------------------------
  // Digest marker

  async getDigestMarker(reviewId: string): Promise<DigestMarker | null> {
    const key = digestMarkerKey(reviewId);
    const item = await this.get(key, this.describe(reviewId, key));
    return item ? this.parse(markerSchema, item, this.describe(reviewId, key)) : null;
  }

  async advanceDigestMarker(reviewId: string, from: string | null, marker: DigestMarker): Promise<boolean> {
    const key = digestMarkerKey(reviewId);
    return this.table.conditionalPut(
      {
        Item: { ...key, type: 'digest-marker', ...marker, reviewId, updatedAt: new Date().toISOString() },
        ...(from === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'through = :from',
              ExpressionAttributeValues: { ':from': from },
            }),
      },
      this.describe(reviewId, key),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // One-time claims

  async claimOnce(
    reviewId: string,
    scope: OnceScope,
    id: string,
    payload: Record<string, unknown>,
    now: Date,
    leaseMs: number,
  ): Promise<OnceClaim> {
    const key = onceClaimKey(reviewId, scope, id);
    const what = this.describe(reviewId, key);
    const claimedAt = now.toISOString();
    const first = {
      ...key,
      type: 'once-claim',
      reviewId,
      scope,
      id,
      status: 'in-progress',
      attempt: 1,
      claimedAt,
      payload,
      result: null,
    };
    if (await this.table.putIfAbsent(first, what)) return { state: 'claimed', attempt: 1, payload };
    const item = await this.get(key, what);
    if (!item) throw new StoreError(`${what} was there a moment ago and is gone`, { retryable: true });
    const claim = this.parse(claimSchema, item, what);
    if (claim.status === 'done') return { state: 'done', payload: claim.payload, result: claim.result ?? {} };
    if (claim.status === 'in-progress' && Date.parse(claim.claimedAt) + leaseMs > now.getTime()) {
      return { state: 'busy', claimedAt: claim.claimedAt };
    }
    const attempt = claim.attempt + 1;
    const taken = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'SET #status = :progress, attempt = :next, claimedAt = :at, payload = :payload',
        ConditionExpression: 'attempt = :seen AND #status <> :done',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':progress': 'in-progress',
          ':next': attempt,
          ':at': claimedAt,
          ':payload': payload,
          ':seen': claim.attempt,
          ':done': 'done',
        },
      },
      what,
    );
    if (taken) return { state: 'claimed', attempt, payload };
    // Someone else took it over or finished it between our read and our write: look once more.
    const again = this.parse(claimSchema, (await this.get(key, what)) ?? {}, what);
    if (again.status === 'done') return { state: 'done', payload: again.payload, result: again.result ?? {} };
    return { state: 'busy', claimedAt: again.claimedAt };
  }

  async completeOnce(
    reviewId: string,
    scope: OnceScope,
    id: string,
    attempt: number,
    result: Record<string, unknown>,
  ): Promise<boolean> {
    return this.finishClaim(reviewId, scope, id, attempt, {
      UpdateExpression: 'SET #status = :done, #result = :result, completedAt = :now',
      ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
      ExpressionAttributeValues: { ':done': 'done', ':result': result, ':now': new Date().toISOString() },
    });
  }

  async releaseOnce(
    reviewId: string,
    scope: OnceScope,
    id: string,
    attempt: number,
    reason: string,
  ): Promise<void> {
    await this.finishClaim(reviewId, scope, id, attempt, {
      UpdateExpression: 'SET #status = :released, reason = :reason',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':released': 'released', ':reason': reason },
    });
  }

  private async finishClaim(
    reviewId: string,
    scope: OnceScope,
    id: string,
    attempt: number,
    update: {
      UpdateExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const key = onceClaimKey(reviewId, scope, id);
    const done = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: 'attempt = :attempt AND #status = :inProgress',
        ExpressionAttributeNames: update.ExpressionAttributeNames,
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':attempt': attempt,
          ':inProgress': 'in-progress',
        },
      },
      this.describe(reviewId, key),
    );
    return done !== null;
  }

  // -------------------------------------------------------------------------------------------------------
  // Notices and crossings

  async recordNotice(notice: StoredNotice): Promise<boolean> {
    const key = noticeKey(notice.reviewId, notice.citationId, notice.key);
    return this.putIfAbsent({ ...key, type: 'publication-notice', ...notice }, key, notice.reviewId);
  }

  async listNotices(reviewId: string): Promise<StoredNotice[]> {
    const items = await this.queryPrefix(reviewId, NOTICE_PREFIX, `the notices of review "${reviewId}"`);
    return items
      .map((item) => this.parse(noticeSchema, item, `a notice of review "${reviewId}"`))
      .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.key.localeCompare(b.key));
  }

  async recordCrossing(crossing: TriggerCrossing): Promise<boolean> {
    const key = crossingKey(crossing.reviewId, crossing.triggerId, crossing.version);
    return this.putIfAbsent({ ...key, type: 'trigger-crossing', ...crossing }, key, crossing.reviewId);
  }

  async listCrossings(reviewId: string): Promise<TriggerCrossing[]> {
    const items = await this.queryPrefix(
      reviewId,
      TRIGGER_PREFIX,
      `the trigger crossings of review "${reviewId}"`,
    );
    return items.map((item) =>
      this.parse(crossingSchema, item, `a trigger crossing of review "${reviewId}"`),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Citation sources (read-only)

  async listCitationSources(reviewId: string): Promise<CitationSources[]> {
    const items = await this.queryPrefix(
      reviewId,
      CITATION_PREFIX,
      `the citations of review "${reviewId}"`,
      '#type, citationId, sourceRecords, queuedAt',
    );
    return items
      .filter((item) => item.type === 'citation')
      .map((item) => {
        const { citationId, sourceRecords, queuedAt } = this.parse(
          citationSourcesSchema,
          item,
          `a citation of review "${reviewId}"`,
        );
        return { citationId, sourceRecords, queuedAt };
      });
  }

  // -------------------------------------------------------------------------------------------------------

  private putIfAbsent(item: Record<string, unknown>, key: ItemKey, reviewId: string): Promise<boolean> {
    return this.table.putIfAbsent(item, this.describe(reviewId, key));
  }

  private async get(key: ItemKey, what: string): Promise<Record<string, unknown> | null> {
    return (await this.table.get(key, what)) ?? null;
  }

  private queryPrefix(
    reviewId: string,
    prefix: string,
    what: string,
    projection?: string,
  ): Promise<Record<string, unknown>[]> {
    return this.table.queryPrefix(
      { reviewId, prefix, ...(projection ? { projection, names: { '#type': 'type' } } : {}) },
      what,
    );
  }

  private parse<T extends z.ZodType>(schema: T, item: unknown, what: string): z.output<T> {
    return parseItem(schema, item, what);
  }

  private describe(reviewId: string, key: ItemKey): string {
    return this.table.describe(reviewId, key);
  }
}
