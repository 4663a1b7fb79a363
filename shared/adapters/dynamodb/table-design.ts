// The single DynamoDB table behind the CitationStore port: item shapes, key builders and the CreateTable
// definition. The same design runs on AWS (the CDK stack creates the table) and on the embedded dynalite
// server (ensureTable creates it).
//
// ## Table design
//
// One table (name from LIVING_REVIEW_TABLE, default "living-review"), on-demand billing, string keys
// pk (partition) and sk (sort), and one global secondary index "queue" on (gsi1pk, gsi1sk). Every item of a
// review lives in the review's partition, so nothing ever needs a Scan. Every item carries a `type`
// ("citation", "redirect", "key", "watermark", "run"). Other adapters add their own items to the same
// partition: screening-store.ts (screening events, tally deltas, the tallies, reviewers' decision rows,
// cursors, dirty marks, possible duplicates; it also moves the citation's screening projection and queue),
// full-text-store.ts (attachments; the citation's cached Unpaywall answer), evidence-store.ts, digest-store.ts.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | citation | `REVIEW#<reviewId>` | `CITATION#<citationId>` | citation (the Citation as a map), keys (list, strongest first), aliasKeys (string set), sourceRecords (string set, "<source>:<sourceRecordId>"), queuedAt, screeningStatus ("awaiting-screening" when recorded), screeningVersion, firstDecider, openAccess, pmid, doi, title, year, gsi1pk `QUEUE#<reviewId>#<screeningStatus>` (+ `#<firstDecider>` while awaiting a second decision), gsi1sk `<queuedAt>#<citationId>` |
// | tally delta | `REVIEW#<reviewId>` | `TALLY_DELTA#<citationId>#<seq, 6 digits>` | written with a new citation (seq 0, its arrival) and by screening-store.ts (one per event): delta, at, gsi1pk `TALLY_DELTAS#<reviewId>`, gsi1sk `U#...` then `R#<generation>#...` |
// | redirect | `REVIEW#<reviewId>` | `CITATION#<citationId>` | redirectTo, matchedKey: an id that turned out to be another citation's duplicate; it can never become a citation |
// | key claim | `REVIEW#<reviewId>` | `KEY#<citationKey>` (KEY#pmid:123, KEY#doi:10.1/x; a key over the 1 KB sort key limit as KEY#title:sha256:<hex>) | key, owner (citationId), claimedAt |
// | watermark | `REVIEW#<reviewId>` | `WATERMARK#<source>` | completedThrough (YYYY-MM-DD), runId, updatedAt |
// | run log | `REVIEW#<reviewId>` | `RUN#<startedAt>#<runId>` | the RunLog |
//
// Access patterns:
// - record a citation: GetItem of the citation item (a record seen before costs one read, no write), then a
//   conditional PutItem of each key claim (attribute_not_exists(pk) OR owner = me), then a conditional
//   PutItem of the citation item (citation-store.ts explains duplicates, redirects and crashed writers), then
//   a conditional PutItem of its arrival's tally delta. Single-item conditional writes only: no
//   TransactWriteItems (dynalite has none, and a transaction costs twice the write units on DynamoDB). A new
//   record with a PMID and a DOI: 1 read + 4 writes.
// - screening (screening-store.ts): a record's log, Query begins_with SCREENING#<id>#; the next records for a
//   reviewer, Query on "queue" per queue that can hold one (Limit a page); progress, GetItem TALLIES + Query on
//   "queue" (TALLY_DELTAS#, after the read generation) + BatchGetItem of those deltas; a reviewer's decisions,
//   Query on "queue" (DECIDED#<review>#<reviewer>, newest first) + BatchGetItem.
// - the screening queue in arrival order: Query on "queue" with gsi1pk = QUEUE#<reviewId>#awaiting-screening,
//   ascending gsi1sk. The citation and its queue entry are ONE item, so neither can exist without the other;
//   changing screeningStatus later moves the item to another queue (or out of the sparse index) in the same
//   write. The index projects only the small queue fields (INCLUDE), not the citation map.
// - a citation: GetItem (pk, CITATION#<id>); a key's owner: GetItem (pk, KEY#<key>).
// - a watermark: GetItem (pk, WATERMARK#<source>), moved forward only by a conditional UpdateItem.
// - run logs newest first: Query pk with begins_with(sk, "RUN#"), ScanIndexForward=false.
//
// Citation ids are deterministic (shared/domain/citation/citation-id.ts): "c" + 20 hex digits of SHA-256 of
// the record's strongest key.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Citation } from '../../domain/citation/citation.ts';
import { sha256Hex } from '../../domain/citation/citation-id.ts';
import type { CitationKey } from '../../domain/citation/citation-keys.ts';

export const DEFAULT_TABLE_NAME = 'living-review';
export const QUEUE_INDEX = 'queue';
export const AWAITING_SCREENING = 'awaiting-screening';

/** LIVING_REVIEW_TABLE, else "living-review". */
export function tableNameFromEnv(env: Record<string, string | undefined> = process.env): string {
  const name = env.LIVING_REVIEW_TABLE?.trim();
  return name ? name : DEFAULT_TABLE_NAME;
}

export interface ItemKey {
  pk: string;
  sk: string;
}

export const CITATION_PREFIX = 'CITATION#';
export const KEY_PREFIX = 'KEY#';
export const WATERMARK_PREFIX = 'WATERMARK#';
export const RUN_PREFIX = 'RUN#';

/** One part of a composite sort key: non-empty, without the "#" that separates the parts. */
export function keyPart(value: string, what: string): string {
  if (value === '' || value.includes('#')) {
    throw new RangeError(`${what} must be non-empty without "#": "${value}"`);
  }
  return value;
}

export function reviewPk(reviewId: string): string {
  return `REVIEW#${reviewId}`;
}

export function citationItemKey(reviewId: string, citationId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${CITATION_PREFIX}${citationId}` };
}

/** DynamoDB's limit on a sort key value, in UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

/**
 * The claim of `key`. A key too long for a sort key (a title key of a very long title) is claimed under
 * its kind and SHA-256 instead: `KEY#title:sha256:<64 hex>`.
 */
export function keyClaimItemKey(reviewId: string, key: CitationKey): ItemKey {
  const sk = `${KEY_PREFIX}${key}`;
  if (new TextEncoder().encode(sk).length <= MAX_SORT_KEY_BYTES) return { pk: reviewPk(reviewId), sk };
  const kind = key.slice(0, key.indexOf(':'));
  return {
    pk: reviewPk(reviewId),
    sk: `${KEY_PREFIX}${kind}:sha256:${sha256Hex(new TextEncoder().encode(key))}`,
  };
}

export function watermarkItemKey(reviewId: string, source: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${WATERMARK_PREFIX}${source}` };
}

export function runLogItemKey(reviewId: string, startedAt: string, runId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${RUN_PREFIX}${startedAt}#${runId}` };
}

/**
 * The queue a citation is in: its screening status, and for a record awaiting a second decision also who made
 * the first (that screener is not waiting for it, everyone else is), so `next` never reads past a screener's own.
 */
export function queuePartition(
  reviewId: string,
  status: string = AWAITING_SCREENING,
  firstDecider: string | null = null,
): string {
  return firstDecider ? `QUEUE#${reviewId}#${status}#${firstDecider}` : `QUEUE#${reviewId}#${status}`;
}

/** Arrival order: ISO timestamps sort as text; the id breaks ties between citations queued in the same ms. */
export function queueSortKey(queuedAt: string, citationId: string): string {
  return `${queuedAt}#${citationId}`;
}

/** A citation item: the citation and its queue entry in one item (as the document client writes it). */
export function citationItem(fields: {
  reviewId: string;
  citationId: string;
  citation: Citation;
  keys: CitationKey[];
  sourceRecord: string;
  queuedAt: string;
}): Record<string, unknown> {
  const { reviewId, citationId, citation, queuedAt } = fields;
  return {
    ...citationItemKey(reviewId, citationId),
    type: 'citation',
    reviewId,
    citationId,
    citation,
    keys: fields.keys,
    sourceRecords: new Set([fields.sourceRecord]),
    queuedAt,
    screeningStatus: AWAITING_SCREENING,
    // The queue index projects these, not the whole citation.
    pmid: citation.pmid,
    doi: citation.doi,
    title: citation.title,
    year: citation.year,
    gsi1pk: queuePartition(reviewId),
    gsi1sk: queueSortKey(queuedAt, citationId),
  };
}

/** A key claim item: `key` belongs to citation `owner`. */
export function keyClaimItem(fields: {
  reviewId: string;
  key: CitationKey;
  owner: string;
  claimedAt: string;
}): Record<string, unknown> {
  return {
    ...keyClaimItemKey(fields.reviewId, fields.key),
    type: 'key',
    key: fields.key,
    owner: fields.owner,
    claimedAt: fields.claimedAt,
  };
}

export const TALLY_DELTA_PREFIX = 'TALLY_DELTA#';

/** A sequence number as sort keys carry it (6 digits, so keys sort in log order). */
export const seq6 = (seq: number) => String(seq).padStart(6, '0');

export function tallyDeltaKey(reviewId: string, citationId: string, seq: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${TALLY_DELTA_PREFIX}${citationId}#${seq6(seq)}` };
}

/** The index partition of a review's tally deltas (screening-store.ts adds them to the sums from there). */
export const tallyDeltaPartition = (reviewId: string) => `TALLY_DELTAS#${reviewId}`;

/**
 * A tally delta: what event `seq` of a citation's screening log (0: its arrival) changed in the review's
 * screening tallies (shared/domain/screening/report.ts). Written once, never changed but for its index key
 * (U#: waiting to be added to the sums; screening-store.ts re-keys it R#<generation> once added).
 */
export function tallyDeltaItem(
  reviewId: string,
  citationId: string,
  seq: number,
  delta: Record<string, number>,
  at: string,
): Record<string, unknown> {
  return {
    ...tallyDeltaKey(reviewId, citationId, seq),
    type: 'tally-delta',
    reviewId,
    citationId,
    seq,
    delta,
    at,
    gsi1pk: tallyDeltaPartition(reviewId),
    gsi1sk: `U#${at}#${citationId}#${seq6(seq)}`,
  };
}

/** Attributes the "queue" index carries besides its keys: what a screener's list shows. */
export const QUEUE_PROJECTED_ATTRIBUTES = ['citationId', 'pmid', 'doi', 'title', 'year', 'queuedAt'];

/** A described table (DescribeTable's Table) that serves requests: it and every index ACTIVE. */
export function tableIsActive(
  table: { TableStatus?: string; GlobalSecondaryIndexes?: { IndexStatus?: string }[] } | undefined,
): boolean {
  return (
    table?.TableStatus === 'ACTIVE' &&
    (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
  );
}

/** The table as ensureTable creates it; infra/ declares the same keys, index and billing in CDK. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: QUEUE_INDEX,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: QUEUE_PROJECTED_ATTRIBUTES },
      },
    ],
  };
}
