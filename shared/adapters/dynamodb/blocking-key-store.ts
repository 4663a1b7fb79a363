// The blocking index of fuzzy deduplication (shared/app/fuzzy-dedup.ts) on the single table, beside the
// citation store's items (table-design.ts), so candidates for an arriving record are found by key: no Scan,
// no GSI.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | blocking entry | `REVIEW#<reviewId>` | `BLOCK#<blockingKey>#<citationId>#<variant>` | type "block", key, citationId, recordId ("<source>:<sourceRecordId>"), record (the DedupRecord: title, authors (at most 12), year, journal, volume, issue, pages, doi, pmid, the abstract's beginning, type) |
// | blocking key marker | `REVIEW#<reviewId>` | `BLOCKKEY#<blockingKey>` | type "block-key", key; large: true once a Query found more entries than maxBlockSize |
// | markers complete | `REVIEW#<reviewId>` | `BLOCKMARKERS` | type "block-markers": every blocking key of the review has its marker (written once, after markers were added for entries stored before markers existed) |
//
// - blockingKey is a key of domain/dedup/blocking.ts ("t:<first words>", "w:<longest words>",
//   "l:<year|volume|page>", "a:<author|year|page>", "d:<doi>", "p:<pmid>") with "%" and "#" escaped (%25, %23),
//   so the "#" after it always ends it; a key too long for the 1 KB sort key is stored as "h:<sha256>".
// - variant is "v" + 12 hex digits of SHA-256 of recordId: a citation's own record and every record merged
//   into it fuzzily or by key are separate entries, so a later arrival is compared with each variant.
// - Each entry carries the compact record, so scoring candidates needs no read of their citations: one Query
//   per blocking key (begins_with(sk, "BLOCK#<key>#"), at most maxBlockSize + 1 items) finds them all.
// - A key's marker tells, in one BatchGetItem for a hundred keys, which keys hold entries at all: most keys of
//   an arriving record hold none, and only occupied keys are queried. A key found holding more entries than
//   maxBlockSize is marked large and never queried again.
// - Records are indexed in batches: the markers of new keys and every entry but each record's last in
//   BatchWriteItem requests (25 items each, no conditions: each item is the same whenever it is written),
//   then the records' last entries. A record's last entry existing means it is indexed, and that its other
//   entries and its keys' markers exist (indexedOf reads the last entries of many records in one
//   BatchGetItem).
//
// It also reads the citation store's key claims (KEY#<key>, one BatchGetItem) and writes one claim for a
// fuzzy merge (the same conditional PutItem recordCitation makes), through table-design.ts's builders.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { sha256Hex } from '../../domain/citation/citation-id.ts';
import type { CitationKey } from '../../domain/citation/citation-keys.ts';
import type { DedupRecord } from '../../domain/dedup/dedup-record.ts';
import { StoreError } from '../../errors.ts';
import type { BlockCandidate, BlockingIndex, FuzzyDedupPorts, IndexJob } from '../../ports/blocking-index.ts';
import { DynamoScreeningStore } from './screening-store.ts';
import { parseItem, TableAccess } from './table-access.ts';
import { type ItemKey, keyClaimItem, keyClaimItemKey, MAX_SORT_KEY_BYTES, reviewPk } from './table-design.ts';

export const BLOCK_PREFIX = 'BLOCK#';
export const BLOCK_KEY_PREFIX = 'BLOCKKEY#';
const MARKERS_COMPLETE_SK = 'BLOCKMARKERS';
/** Authors kept in an entry: enough for the author comparison (lists are often cut to the first few). */
export const MAX_INDEXED_AUTHORS = 12;

const encoder = new TextEncoder();

/** The sort key part of a blocking key: "#" and "%" escaped; a key too long for a sort key hashed. */
export function blockKeyPart(key: string): string {
  const escaped = key.replace(/%/g, '%25').replace(/#/g, '%23');
  // Room for the prefix, two "#", a citation id (21) and a variant (13).
  return encoder.encode(escaped).length <= MAX_SORT_KEY_BYTES - 64
    ? escaped
    : `h:${sha256Hex(encoder.encode(key))}`;
}

export function recordVariant(recordId: string): string {
  return `v${sha256Hex(encoder.encode(recordId)).slice(0, 12)}`;
}

export function blockEntryKey(reviewId: string, key: string, citationId: string, recordId: string): ItemKey {
  return {
    pk: reviewPk(reviewId),
    sk: `${BLOCK_PREFIX}${blockKeyPart(key)}#${citationId}#${recordVariant(recordId)}`,
  };
}

function compact(record: DedupRecord): DedupRecord {
  return {
    ...record,
    authors: Array.isArray(record.authors) ? record.authors.slice(0, MAX_INDEXED_AUTHORS) : record.authors,
  };
}

export function blockMarkerKey(reviewId: string, key: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${BLOCK_KEY_PREFIX}${blockKeyPart(key)}` };
}

/** The item saying every blocking key of a review has its marker (exported for the benchmark's seed). */
export function blockMarkersCompleteItem(reviewId: string): Record<string, unknown> {
  return { pk: reviewPk(reviewId), sk: MARKERS_COMPLETE_SK, type: 'block-markers' };
}

/** The marker saying `key` holds entries (exported for the benchmark's seed). */
export function blockMarkerItem(reviewId: string, key: string): Record<string, unknown> {
  return { ...blockMarkerKey(reviewId, key), type: 'block-key', key };
}

/** A blocking entry as written (exported for the benchmark's seed). */
export function blockEntryItem(
  reviewId: string,
  key: string,
  citationId: string,
  record: DedupRecord,
): Record<string, unknown> {
  return {
    ...blockEntryKey(reviewId, key, citationId, record.id),
    type: 'block',
    key,
    citationId,
    recordId: record.id,
    record: compact(record),
  };
}

const nullableString = z.string().nullable();
const dedupRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  authors: z
    .union([
      z.string(),
      z.array(
        z.union([
          z.object({ collective: z.string() }),
          z.object({
            family: z.string(),
            given: nullableString.optional(),
            initials: nullableString.optional(),
          }),
        ]),
      ),
    ])
    .nullable(),
  year: z.number().int().nullable(),
  journal: nullableString,
  volume: nullableString,
  issue: nullableString,
  pages: nullableString,
  doi: nullableString,
  pmid: nullableString,
  abstract: nullableString.optional(),
  type: nullableString.optional(),
});

const entrySchema = z.object({ type: z.literal('block'), citationId: z.string(), record: dedupRecordSchema });
const claimSchema = z.object({ key: z.string(), owner: z.string() });
const markerSchema = z.object({ key: z.string(), large: z.boolean().optional() });

export class DynamoBlockingIndex implements BlockingIndex {
  /** Reviews whose markers are known complete (see ensureMarkers). */
  private readonly marked = new Map<string, Promise<void>>();

  private readonly table: TableAccess;

  constructor(
    client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.table = new TableAccess(client, tableName);
  }

  /** Items by key, a hundred keys a BatchGetItem, retrying what DynamoDB leaves unprocessed. */
  private batchGet(
    keys: readonly ItemKey[],
    what: string,
    projection?: { expression: string; names: Record<string, string> },
  ): Promise<Record<string, unknown>[]> {
    return this.table.batchGet(keys, what, projection);
  }

  /** Puts every item, 25 a BatchWriteItem, a few requests at once, retrying unprocessed items. */
  private batchWrite(items: readonly Record<string, unknown>[], what: string): Promise<void> {
    return this.table.batchWrite(
      items.map((Item) => ({ PutRequest: { Item } })),
      what,
    );
  }

  async keyOwners(reviewId: string, keys: readonly CitationKey[]): Promise<Map<CitationKey, string>> {
    const owners = new Map<CitationKey, string>();
    const unique = [...new Set(keys)];
    if (unique.length === 0) return owners;
    const what = `the key claims of records in review "${reviewId}" (table "${this.tableName}")`;
    const items = await this.batchGet(
      unique.map((key) => keyClaimItemKey(reviewId, key)),
      what,
      { expression: '#key, #owner', names: { '#key': 'key', '#owner': 'owner' } },
    );
    for (const item of items) {
      const claim = claimSchema.safeParse(item);
      if (!claim.success) throw new StoreError(`${what}: a claim item does not have the expected shape`);
      owners.set(claim.data.key as CitationKey, claim.data.owner);
    }
    return owners;
  }

  async occupiedKeys(
    reviewId: string,
    keys: readonly string[],
  ): Promise<{ occupied: Set<string>; large: Set<string> }> {
    await this.ensureMarkers(reviewId);
    const occupied = new Set<string>();
    const large = new Set<string>();
    const unique = [...new Set(keys)];
    const what = `the blocking key markers of review "${reviewId}" (table "${this.tableName}")`;
    const items = await this.batchGet(
      unique.map((key) => blockMarkerKey(reviewId, key)),
      what,
      { expression: '#key, #large', names: { '#key': 'key', '#large': 'large' } },
    );
    for (const item of items) {
      const marker = markerSchema.safeParse(item);
      if (!marker.success) throw new StoreError(`${what}: a marker does not have the expected shape`);
      occupied.add(marker.data.key);
      if (marker.data.large) large.add(marker.data.key);
    }
    return { occupied, large };
  }

  async markLarge(reviewId: string, keys: readonly string[]): Promise<void> {
    for (const key of new Set(keys)) {
      const itemKey = blockMarkerKey(reviewId, key);
      await this.table.update(
        {
          Key: itemKey,
          UpdateExpression: 'SET #type = :type, #key = :key, #large = :true',
          ExpressionAttributeNames: { '#type': 'type', '#key': 'key', '#large': 'large' },
          ExpressionAttributeValues: { ':type': 'block-key', ':key': key, ':true': true },
        },
        this.table.describe(reviewId, itemKey),
      );
    }
  }

  /**
   * Markers came after blocking entries: a review indexed before them gets a marker for every key it has
   * entries under (one Query through its entries, once), then the item saying its markers are complete.
   */
  private ensureMarkers(reviewId: string): Promise<void> {
    let done = this.marked.get(reviewId);
    if (!done) {
      done = this.addMissingMarkers(reviewId).catch((error) => {
        this.marked.delete(reviewId);
        throw error;
      });
      this.marked.set(reviewId, done);
    }
    return done;
  }

  private async addMissingMarkers(reviewId: string): Promise<void> {
    const what = `the blocking key markers of review "${reviewId}" (table "${this.tableName}")`;
    const completeKey = { pk: reviewPk(reviewId), sk: MARKERS_COMPLETE_SK };
    if (await this.table.get(completeKey, what, { ProjectionExpression: 'pk' })) return;
    const entries = await this.table.queryPrefix(
      { reviewId, prefix: BLOCK_PREFIX, projection: '#key', names: { '#key': 'key' } },
      what,
    );
    const keys = new Set<string>();
    for (const item of entries) if (typeof item.key === 'string') keys.add(item.key);
    await this.batchWrite(
      [...keys].map((key) => blockMarkerItem(reviewId, key)),
      what,
    );
    await this.table.put({ Item: blockMarkersCompleteItem(reviewId) }, what);
  }

  async candidates(
    reviewId: string,
    keys: readonly string[],
    maxBlockSize: number,
  ): Promise<{ candidates: BlockCandidate[]; skipped: string[] }> {
    const blocks = await Promise.all(
      [...new Set(keys)].map(async (key) => ({
        key,
        entries: await this.block(reviewId, key, maxBlockSize),
      })),
    );
    const candidates: BlockCandidate[] = [];
    const skipped: string[] = [];
    for (const { key, entries } of blocks) {
      if (entries === null) skipped.push(key);
      else candidates.push(...entries);
    }
    return { candidates, skipped };
  }

  /** The entries under one key, or null when it holds more than `maxBlockSize`. */
  private async block(reviewId: string, key: string, maxBlockSize: number): Promise<BlockCandidate[] | null> {
    const entries: BlockCandidate[] = [];
    const prefix = `${BLOCK_PREFIX}${blockKeyPart(key)}#`;
    const what = `blocking key "${key}" of review "${reviewId}" (table "${this.tableName}")`;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.queryPage(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': prefix },
          ConsistentRead: true,
          Limit: maxBlockSize + 1 - entries.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        },
        what,
      );
      for (const item of page.Items ?? []) {
        const entry = parseItem(entrySchema, item, `an entry of ${what}`);
        entries.push({ citationId: entry.citationId, record: entry.record as DedupRecord });
      }
      startKey = page.LastEvaluatedKey;
      if (entries.length > maxBlockSize) return null;
    } while (startKey);
    return entries;
  }

  async indexRecords(
    reviewId: string,
    jobs: readonly IndexJob[],
    options: { occupied?: ReadonlySet<string> } = {},
  ): Promise<void> {
    const what = `the blocking entries of ${jobs.length} record(s) in review "${reviewId}" (table "${this.tableName}")`;
    // One item per key in a BatchWriteItem: a record arriving twice in a batch is indexed once.
    const first = new Map<string, Record<string, unknown>>();
    const last = new Map<string, Record<string, unknown>>();
    const markers = new Set<string>();
    for (const { citationId, record, keys } of jobs) {
      const unique = [...new Set(keys)];
      const end = unique.pop();
      if (end === undefined) continue;
      for (const key of unique) {
        const item = blockEntryItem(reviewId, key, citationId, record);
        first.set(String(item.sk), item);
      }
      const item = blockEntryItem(reviewId, end, citationId, record);
      last.set(String(item.sk), item);
      for (const key of [...unique, end]) if (!options.occupied?.has(key)) markers.add(key);
    }
    for (const sk of last.keys()) first.delete(sk);
    // Markers and all entries but the last of each record, then the last entries: a last entry written means
    // the record's other entries and markers were written before it.
    await this.batchWrite(
      [...[...markers].map((key) => blockMarkerItem(reviewId, key)), ...first.values()],
      what,
    );
    await this.batchWrite([...last.values()], what);
  }

  async indexRecord(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<void> {
    await this.indexRecords(reviewId, [{ citationId, record, keys }]);
  }

  async indexedOf(reviewId: string, jobs: readonly IndexJob[]): Promise<boolean[]> {
    const lastKeys = jobs.map(({ citationId, record, keys }) => {
      const unique = [...new Set(keys)];
      const last = unique[unique.length - 1];
      return last === undefined ? null : blockEntryKey(reviewId, last, citationId, record.id);
    });
    const wanted = [
      ...new Map(lastKeys.filter((key): key is ItemKey => key !== null).map((key) => [key.sk, key])).values(),
    ];
    const found = new Set(
      (
        await this.batchGet(wanted, `blocking entries of review "${reviewId}" (table "${this.tableName}")`, {
          expression: 'sk',
          names: {},
        })
      ).map((item) => String(item.sk)),
    );
    return lastKeys.map((key) => key === null || found.has(key.sk));
  }

  async isIndexed(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<boolean> {
    return (await this.indexedOf(reviewId, [{ citationId, record, keys }]))[0]!;
  }

  async claimKeyFor(reviewId: string, key: CitationKey, owner: string, now: Date): Promise<string> {
    const itemKey = keyClaimItemKey(reviewId, key);
    const what = `${itemKey.sk} of review "${reviewId}" (table "${this.tableName}")`;
    const claimed = await this.table.conditionalPut(
      {
        Item: keyClaimItem({ reviewId, key, owner, claimedAt: now.toISOString() }),
        ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      },
      what,
    );
    if (claimed) return owner;
    const claim = claimSchema.safeParse(await this.table.get(itemKey, what));
    if (!claim.success) throw new StoreError(`${what}: the claim that refused ours cannot be read`);
    return claim.data.owner;
  }
}

/** The ports fuzzy deduplication needs, over one table: the blocking index and the possible-duplicate queue. */
export function dynamoFuzzyDedupPorts(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: Pick<FuzzyDedupPorts, 'maxBlockSize' | 'maxPossiblePerRecord'> = {},
): FuzzyDedupPorts {
  return {
    index: new DynamoBlockingIndex(client, tableName),
    possibleDuplicates: new DynamoScreeningStore({ client, tableName }),
    ...options,
  };
}
