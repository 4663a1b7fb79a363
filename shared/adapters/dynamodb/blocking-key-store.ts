// The blocking index of fuzzy deduplication (shared/app/fuzzy-dedup.ts) on the single table, beside the
// citation store's items (table-design.ts), so candidates for an arriving record are found by key: no Scan,
// no GSI.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | blocking entry | `REVIEW#<reviewId>` | `BLOCK#<blockingKey>#<citationId>#<variant>` | type "block", key, citationId, recordId ("<source>:<sourceRecordId>"), record (the DedupRecord: title, authors (at most 12), year, journal, volume, issue, pages, doi, pmid, publicationTypes) |
//
// - blockingKey is a key of domain/dedup/blocking.ts ("t:<first words>", "w:<longest words>",
//   "l:<year|volume|page>", "a:<author|year|page>", "d:<doi>", "p:<pmid>") with "%" and "#" escaped (%25, %23),
//   so the "#" after it always ends it; a key too long for the 1 KB sort key is stored as "h:<sha256>".
// - variant is "v" + 12 hex digits of SHA-256 of recordId: a citation's own record and every record merged
//   into it fuzzily or by key are separate entries, so a later arrival is compared with each variant.
// - Each entry carries the compact record, so scoring candidates needs no read of their citations: one Query
//   per blocking key (begins_with(sk, "BLOCK#<key>#"), at most maxBlockSize + 1 items) finds them all.
// - A record's entries are written in one BatchWriteItem (25 a request), then its last key's entry alone:
//   that entry existing means the record is indexed (isIndexed is one GetItem).
//
// It also reads the citation store's key claims (KEY#<key>, one BatchGetItem) and writes one claim for a
// fuzzy merge (the same conditional PutItem recordCitation makes), through table-design.ts's builders.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { sha256Hex } from '../../domain/citation/citation-id.ts';
import type { CitationKey } from '../../domain/citation/citation-keys.ts';
import type { DedupRecord } from '../../domain/dedup/dedup-record.ts';
import type { BlockCandidate, BlockingIndex, FuzzyDedupPorts } from '../../app/fuzzy-dedup.ts';
import { StoreError } from '../../errors.ts';
import { toStoreError } from './citation-store.ts';
import { DynamoScreeningStore } from './screening-store.ts';
import { type ItemKey, keyClaimItem, keyClaimItemKey, MAX_SORT_KEY_BYTES, reviewPk } from './table-design.ts';

export const BLOCK_PREFIX = 'BLOCK#';
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
  // Entries written before publication types were kept have none.
  publicationTypes: z.array(z.string()).optional(),
});

const entrySchema = z.object({ type: z.literal('block'), citationId: z.string(), record: dedupRecordSchema });
const claimSchema = z.object({ key: z.string(), owner: z.string() });

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoBlockingIndex implements BlockingIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async keyOwners(reviewId: string, keys: readonly CitationKey[]): Promise<Map<CitationKey, string>> {
    const owners = new Map<CitationKey, string>();
    const unique = [...new Set(keys)];
    if (unique.length === 0) return owners;
    let pending: Record<string, unknown>[] = unique.map(
      (key) => keyClaimItemKey(reviewId, key) as unknown as Record<string, unknown>,
    );
    const what = `the key claims of a record in review "${reviewId}" (table "${this.tableName}")`;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      if (attempt > 8)
        throw new StoreError(`${what}: BatchGetItem left keys unprocessed ${attempt} times`, {
          retryable: true,
        });
      try {
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: '#key, #owner',
                ExpressionAttributeNames: { '#key': 'key', '#owner': 'owner' },
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const claim = claimSchema.safeParse(item);
          if (!claim.success) throw new StoreError(`${what}: a claim item does not have the expected shape`);
          owners.set(claim.data.key as CitationKey, claim.data.owner);
        }
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      } catch (error) {
        throw toStoreError(error, 'BatchGetItem', what);
      }
    }
    return owners;
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
      try {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': prefix },
            ConsistentRead: true,
            Limit: maxBlockSize + 1 - entries.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          const entry = entrySchema.safeParse(item);
          if (!entry.success) {
            const issues = entry.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
            throw new StoreError(`an entry of ${what} does not have the expected shape: ${issues}`);
          }
          entries.push({ citationId: entry.data.citationId, record: entry.data.record as DedupRecord });
        }
        startKey = page.LastEvaluatedKey;
      } catch (error) {
        throw toStoreError(error, 'Query', what);
      }
      if (entries.length > maxBlockSize) return null;
    } while (startKey);
    return entries;
  }

  async indexRecord(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<void> {
    const unique = [...new Set(keys)];
    const last = unique.pop();
    if (last === undefined) return;
    const what = `the blocking entries of ${record.id} in review "${reviewId}" (table "${this.tableName}")`;
    for (let start = 0; start < unique.length; start += 25) {
      let pending = unique
        .slice(start, start + 25)
        .map((key) => ({ PutRequest: { Item: blockEntryItem(reviewId, key, citationId, record) } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        if (attempt > 8) {
          throw new StoreError(`${what}: BatchWriteItem left items unprocessed ${attempt} times`, {
            retryable: true,
          });
        }
        try {
          const result = await this.client.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
        } catch (error) {
          throw toStoreError(error, 'BatchWriteItem', what);
        }
      }
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: blockEntryItem(reviewId, last, citationId, record),
        }),
      );
    } catch (error) {
      throw toStoreError(error, 'PutItem', what);
    }
  }

  async isIndexed(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<boolean> {
    const unique = [...new Set(keys)];
    const last = unique[unique.length - 1];
    if (last === undefined) return true;
    const key = blockEntryKey(reviewId, last, citationId, record.id);
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: 'pk',
        }),
      );
      return Item !== undefined;
    } catch (error) {
      throw toStoreError(error, 'GetItem', `${key.sk} of review "${reviewId}" (table "${this.tableName}")`);
    }
  }

  async claimKeyFor(reviewId: string, key: CitationKey, owner: string, now: Date): Promise<string> {
    const itemKey = keyClaimItemKey(reviewId, key);
    const what = `${itemKey.sk} of review "${reviewId}" (table "${this.tableName}")`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: keyClaimItem({ reviewId, key, owner, claimedAt: now.toISOString() }),
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return owner;
    } catch (error) {
      if (!isConditionFailure(error)) throw toStoreError(error, 'PutItem', what);
    }
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
      );
      const claim = claimSchema.safeParse(Item);
      if (!claim.success) throw new StoreError(`${what}: the claim that refused ours cannot be read`);
      return claim.data.owner;
    } catch (error) {
      throw toStoreError(error, 'GetItem', what);
    }
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
