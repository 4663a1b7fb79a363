// A review's items exactly as stored (the ReviewArchive port): read for an export, written back by a restore.
//
// Every item of a review lives in its partition REVIEW#<id> (table-design.ts), so one paged Query reads them
// all (citations, key claims, redirects, blocking keys, screening events, possible duplicates, studies, patient
// rows, snapshots and their parts, run logs, watermarks, digest markers, notices, and whatever later issues
// store there). Each item is kept in DynamoDB's JSON form (util-dynamodb's marshall of what the document client
// reads; binary as base64), so a restore writes back the same items: the stores find their claims, redirects
// and queues as they left them, and a second export of the restored review is the first one again.
//
// Restore (conditional on what the partition holds, not on a transaction: dynalite has none):
//   1. Validate every item (a pk of this review, an sk, DynamoDB JSON) before writing anything.
//   2. Read the partition. Every stored item must be an archived item, exactly as archived; anything else
//      (another review's data, a different version of an item) refuses the restore.
//   3. Write the items not yet present with idempotent puts, the snapshot pointer and the watermarks last, so
//      a restore that stops part-way never shows a statistics pointer without its snapshot or a watermark past
//      records it has not written; running it again completes it.

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { InputError } from '../../errors.ts';
import type { ArchivedItem, RestoreOutcome, ReviewArchive } from '../../ports/review-archive.ts';
import { POSSIBLE_DUPLICATE_MIRROR } from './screening-store.ts';
import { TableAccess } from './table-access.ts';
import { reviewPk, WATERMARK_PREFIX } from './table-design.ts';

/** Written after every other item (see the restore's step 3). */
const WRITTEN_LAST = [WATERMARK_PREFIX, 'SNAPSHOT_LATEST'];

/**
 * Items a read may write (the screening tallies and reviewers' cursors are projections that `status` or `next`
 * bring up to date): they are derived from the review's record, not part of it, so one that differs from the
 * export, or is not in it, does not make a restored review "hold other data"; the restored review keeps its own.
 */
const DERIVED = ['TALLIES', 'CURSORS', 'CURSOR#'];
/** So are the mirrors of possible-duplicate pairs (screening-store.ts): pointers a read may add to old reviews. */
const isDerived = (item: ArchivedItem) =>
  DERIVED.some((prefix) => sortKey(item).startsWith(prefix)) ||
  (item.type as { S?: string } | undefined)?.S === POSSIBLE_DUPLICATE_MIRROR;

/**
 * Attributes a read may change on items that are part of the record: the roll-up re-keys a tally delta, and an
 * event carrying its own delta, into a generation (gsi1sk, rolledGeneration), and a repair removes a writer's
 * mark from its event (projecting). A restore compares such items without them.
 */
const READ_STATE: Record<string, readonly string[]> = {
  'tally-delta': ['gsi1sk', 'rolledGeneration', 'projecting'],
  'screening-event': ['gsi1sk', 'rolledGeneration', 'projecting'],
};
function recordPart(item: ArchivedItem): ArchivedItem {
  const changing = READ_STATE[(item.type as { S?: string } | undefined)?.S ?? ''];
  if (!changing) return item;
  return Object.fromEntries(Object.entries(item).filter(([name]) => !changing.includes(name)));
}

const TYPE_TAGS = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** An attribute value with its binary parts as base64 text (JSON has no bytes). */
function encode(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.M !== undefined) return { M: encodeItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(encode) };
  return value;
}

function encodeItem(item: Record<string, AttributeValue>): ArchivedItem {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, encode(value)]));
}

/** The attribute value an archived one stands for; an InputError naming `where` when it is not one. */
function decode(value: unknown, where: string): AttributeValue {
  const entries = value !== null && typeof value === 'object' ? Object.entries(value) : [];
  const [tag, inner] = entries[0] ?? [];
  if (entries.length !== 1 || tag === undefined || !TYPE_TAGS.has(tag)) {
    throw new InputError(
      `${where}: not a DynamoDB JSON value (one of S, N, B, SS, NS, BS, M, L, NULL, BOOL)`,
    );
  }
  const strings = (list: unknown) => {
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
      throw new InputError(`${where}.${tag}: expected a list of strings`);
    }
    return list as string[];
  };
  switch (tag) {
    case 'S':
    case 'N':
      if (typeof inner !== 'string') throw new InputError(`${where}.${tag}: expected a string`);
      return tag === 'S' ? { S: inner } : { N: inner };
    case 'B':
      if (typeof inner !== 'string') throw new InputError(`${where}.B: expected base64 text`);
      return { B: new Uint8Array(Buffer.from(inner, 'base64')) };
    case 'SS':
    case 'NS':
      return tag === 'SS' ? { SS: strings(inner) } : { NS: strings(inner) };
    case 'BS':
      return { BS: strings(inner).map((s) => new Uint8Array(Buffer.from(s, 'base64'))) };
    case 'M':
      return { M: decodeItem(inner, where) };
    case 'L':
      if (!Array.isArray(inner)) throw new InputError(`${where}.L: expected a list`);
      return { L: inner.map((v, i) => decode(v, `${where}.L[${i}]`)) };
    case 'NULL':
    case 'BOOL':
      if (typeof inner !== 'boolean') throw new InputError(`${where}.${tag}: expected true or false`);
      return tag === 'NULL' ? { NULL: inner } : { BOOL: inner };
  }
  throw new InputError(`${where}: not a DynamoDB JSON value`);
}

function decodeItem(item: unknown, where: string): Record<string, AttributeValue> {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InputError(`${where}: expected an object of attributes`);
  }
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, decode(value, `${where}.${name}`)]),
  );
}

/** One text per item content, whatever the order of its attributes or of its set members. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries
      .map(([key, inner]) => {
        const sortedSet = (key === 'SS' || key === 'NS' || key === 'BS') && Array.isArray(inner);
        return `${JSON.stringify(key)}:${canonical(sortedSet ? [...inner].sort() : inner)}`;
      })
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function sortKey(item: ArchivedItem): string {
  return (item.sk as { S: string }).S;
}

export class DynamoReviewArchive implements ReviewArchive {
  private readonly table: TableAccess;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.table = new TableAccess(options.client, options.tableName);
  }

  async readItems(reviewId: string): Promise<ArchivedItem[]> {
    const items = await this.table.queryAll(
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId) },
        ConsistentRead: true,
      },
      `the items of review "${reviewId}"`,
    );
    return items.map((item) => encodeItem(marshall(item, { removeUndefinedValues: true })));
  }

  async restoreItems(reviewId: string, items: readonly ArchivedItem[]): Promise<RestoreOutcome> {
    const pk = reviewPk(reviewId);
    const wanted = new Map<string, { item: ArchivedItem; document: Record<string, unknown> }>();
    items.forEach((item, index) => {
      const where = `items[${index}]`;
      const document = unmarshall(decodeItem(item, where));
      if (document.pk !== pk) {
        throw new InputError(`${where}.pk: "${String(document.pk)}" is not review "${reviewId}"'s partition`);
      }
      if (typeof document.sk !== 'string' || document.sk === '') throw new InputError(`${where}.sk: missing`);
      if (wanted.has(document.sk)) throw new InputError(`${where}.sk: "${document.sk}" appears twice`);
      wanted.set(document.sk, { item, document });
    });

    const stored = await this.readItems(reviewId);
    let present = 0;
    for (const item of stored) {
      const sk = sortKey(item);
      const archived = wanted.get(sk);
      if (isDerived(item)) {
        if (archived) {
          wanted.delete(sk);
          present++;
        }
        continue;
      }
      if (!archived || canonical(recordPart(archived.item)) !== canonical(recordPart(item))) {
        throw new InputError(
          `review "${reviewId}" already holds data (item ${sk}${archived ? ' differs from the export' : ' is not in the export'}): a restore needs an empty review`,
        );
      }
      wanted.delete(sk);
      present++;
    }

    const last = (sk: string) => WRITTEN_LAST.some((prefix) => sk.startsWith(prefix));
    const toWrite = [...wanted.values()];
    const first = toWrite.filter(({ document }) => !last(document.sk as string));
    const final = toWrite.filter(({ document }) => last(document.sk as string));
    for (const group of [first, final]) {
      await this.table.batchWrite(
        group.map(({ document }) => ({ PutRequest: { Item: document } })),
        `the restore of review "${reviewId}"`,
      );
    }
    return { written: toWrite.length, present };
  }
}
