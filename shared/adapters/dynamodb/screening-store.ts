// ScreeningStore over the single table (see table-design.ts for the citation items this adds to).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | screening event | `REVIEW#<reviewId>` | `SCREENING#<citationId>#<seq, 6 digits>` | type "screening-event", event (map); since events carry their own tally delta: delta, at, gsi1pk/gsi1sk as a tally delta's, and projecting (the time its writer began projecting it: the writer's dirty mark, removed when the projections are written) |
// | citation (existing item) | `REVIEW#<reviewId>` | `CITATION#<citationId>` | + screeningStatus, screeningVersion (the log position it reflects), firstDecider, gsi1pk `QUEUE#<reviewId>#<screeningStatus>` (+ `#<firstDecider>` while awaiting a second decision) |
// | tally delta | `REVIEW#<reviewId>` | `TALLY_DELTA#<citationId>#<seq, 6 digits>` (seq 0: the arrival; other seqs: events of earlier versions, which did not carry their delta) | type "tally-delta", delta (map name -> change), at, gsi1pk `TALLY_DELTAS#<reviewId>`, gsi1sk `U#<at>#<citationId>#<seq>` until added to the sums, then `R#<generation, 12 digits>#...` |
// | tallies | `REVIEW#<reviewId>` | `TALLIES` | type "tallies", `n:<name>` (one number per tally name), generation, pending (string set: the deltas of the batch being added), lockToken, lockAt, projectionVersion, `d:<citationId>#<token>` (one map {citationId, token, at} per dirty mark an earlier version put before appending; still read and repaired) |
// | reviewer decision | `REVIEW#<reviewId>` | `DECIDED#<reviewerId>#<citationId>#<stage>` | type "reviewer-decision", the ReviewerDecision, gsi1pk `DECIDED#<reviewId>#<reviewerId>`, gsi1sk `<at>#<citationId>#<stage>` |
// | cursors | `REVIEW#<reviewId>` | `CURSORS` | type "cursors", `c:<reviewerId>` (one map per reviewer: the Cursor, the record last handed to them, held until `until`). Earlier versions kept one `CURSOR#<reviewerId>` item per reviewer: no longer read (a hold lasts minutes) |
// | dirty mark (earlier versions) | `REVIEW#<reviewId>` | `DIRTY#<citationId>#<token>` | type "dirty", at: a writer started updating the record's projections. Marks are now on the event a writer appends (found among the deltas progress reads anyway: no listing of their own); listDirty still finds these, and the conflicts and the status report repair them |
// | possible duplicate | `REVIEW#<reviewId>` | `POSSIBLE_DUPLICATE#<a>#<b>` (a < b) | type "possible-duplicate", the PossibleDuplicate fields |
// | its mirror | `REVIEW#<reviewId>` | `POSSIBLE_DUPLICATE#<b>#<a>` (b > a) | type "possible-duplicate-mirror", pairId: a pointer, so the pairs of one citation are one Query on `POSSIBLE_DUPLICATE#<citationId>#` whichever side of the pair it is |
//
// Writes, all conditional or idempotent single-item writes with deterministic keys (dynalite has no
// transactions):
// - append: PutItem of the event at its seq, if absent, with its tally delta and its writer's mark (so the
//   event is counted exactly when it is appended, and marked until its projections are written). Two writers
//   racing for one position: one wins, the other is told so and re-reads (shared/app/screening.ts).
// - the mark's removal: UpdateItem REMOVE projecting on the event, once its projections are written.
// - projection: UpdateItem of the citation item, only if it is a citation and its screeningVersion is older
//   (or equal with another queue: a rebuild moving an item to the per-screener queue), so out-of-order writers
//   never move a status backwards. Moving gsi1pk in the same write moves the citation to its new queue.
// - tally delta (an arrival's, or a repair's for an event of an earlier version without its own): PutItem if
//   absent. A delta is never deleted, so a retry or a repair can never add it twice; a repair never writes one
//   for an event that carries its own.
// - adding deltas to the sums ("rolling up"): one process at a time holds the lock on the tallies item (a
//   token with a time; a lock older than LOCK_STALE_MS is taken over). For a batch of waiting deltas it
//   (1) adds their sums, moves `generation` on and records the batch's keys in `pending`, all in one
//   conditional UpdateItem on its token; (2) re-keys each delta in the index from U# to R#<generation>;
//   (3) empties `pending`. A holder that died after (1) left `pending`: the next holder finishes (2) and (3)
//   for those keys without adding them again. Every write of a holder is conditional on its token, so a holder
//   paused past the stale time (its lock taken over) cannot add anything afterwards. A marked event is left
//   waiting (its mark stays among the deltas readTallies reads); once its mark is removed it is added as any.
// - cursors: UpdateItem of one attribute of the cursors item answering the whole item (ALL_NEW): the cursors
//   stored before it, atomically.
// - reading the tallies: the tallies item (sums through generation g, and g's pending keys), then the deltas
//   in the index after R#<g> (those added after the read, and those still waiting), less the pending ones:
//   each delta counted exactly once, however a roll-up interleaves (see readTallies).
// - reviewer decision: PutItem if absent or older (seq): the newest decision of the reviewer stays.
// - a pair's resolution: UpdateItem only while the pair is pending (the first resolution wins).
// Reads of one log are strongly consistent, so a writer always judges a decision against the latest log. The
// index is eventually consistent on AWS: a queue read there may show an item that just moved (the use cases
// check each record they hand out against its log) and progress may lag a write by a moment.
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Citation, citationSchema } from '../../domain/citation/citation.ts';
import {
  decisionRoleSchema,
  type ScreeningEvent,
  screeningEventSchema,
  stageSchema,
  voteSchema,
} from '../../domain/screening/events.ts';
import type { Tallies } from '../../domain/screening/report.ts';
import { SCREENING_STATUSES, type ScreeningStatus } from '../../domain/screening/workflow.ts';
import { InputError, StoreError } from '../../errors.ts';
import {
  type CitationHeading,
  type CountedAppend,
  type Cursor,
  type DirtyMark,
  type LoggedEvent,
  type PossibleDuplicate,
  possibleDuplicatePairId,
  type QueueHead,
  type QueueName,
  type RecordProjection,
  type ReviewBoard,
  type ReviewerDecision,
  type ScreeningQueueEntry,
  type ScreeningStore,
} from '../../ports/screening-store.ts';
import { parseItem, TableAccess } from './table-access.ts';
import {
  CITATION_PREFIX,
  citationItemKey,
  type ItemKey,
  QUEUE_INDEX,
  queuePartition,
  reviewPk,
  seq6,
  TALLY_DELTA_PREFIX,
  tallyDeltaItem,
  tallyDeltaPartition,
} from './table-design.ts';

export const SCREENING_PREFIX = 'SCREENING#';
export const POSSIBLE_DUPLICATE_PREFIX = 'POSSIBLE_DUPLICATE#';
export const DECIDED_PREFIX = 'DECIDED#';
export const CURSORS_SK = 'CURSORS';
export const DIRTY_PREFIX = 'DIRTY#';
export const TALLIES_SK = 'TALLIES';

/** A roll-up lock older than this is taken over (a roll-up batch takes well under a second). */
export const LOCK_STALE_MS = 30_000;
/** Deltas added per roll-up batch (also bounds the distinct names in one UpdateItem). */
const ROLLUP_BATCH = 200;
const MAX_NAMES_PER_UPDATE = 200;

const generation12 = (generation: number) => String(generation).padStart(12, '0');

export function screeningEventKey(reviewId: string, citationId: string, seq: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${SCREENING_PREFIX}${citationId}#${seq6(seq)}` };
}

export function possibleDuplicateKey(reviewId: string, pairId: string): ItemKey {
  const [a, b] = pairId.split('~');
  return { pk: reviewPk(reviewId), sk: `${POSSIBLE_DUPLICATE_PREFIX}${a}#${b}` };
}

/** A pair as stored under its first citation (the one whose id sorts first). */
export function possibleDuplicateItem(reviewId: string, pair: PossibleDuplicate): Record<string, unknown> {
  return { ...possibleDuplicateKey(reviewId, pair.pairId), type: 'possible-duplicate', reviewId, ...pair };
}

export const POSSIBLE_DUPLICATE_MIRROR = 'possible-duplicate-mirror';

/** The pair's pointer under its second citation: the key with the ids the other way round. */
export function possibleDuplicateMirrorItem(reviewId: string, pairId: string): Record<string, unknown> {
  const [a, b] = pairId.split('~');
  return {
    pk: reviewPk(reviewId),
    sk: `${POSSIBLE_DUPLICATE_PREFIX}${b}#${a}`,
    type: POSSIBLE_DUPLICATE_MIRROR,
    reviewId,
    pairId,
  };
}

export function talliesKey(reviewId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: TALLIES_SK };
}

export function reviewerDecisionKey(
  reviewId: string,
  d: Pick<ReviewerDecision, 'reviewerId' | 'citationId' | 'stage'>,
): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${DECIDED_PREFIX}${d.reviewerId}#${d.citationId}#${d.stage}` };
}

export function cursorsKey(reviewId: string): ItemKey {
  return { pk: reviewPk(reviewId), sk: CURSORS_SK };
}

/** The attribute of the cursors item holding one reviewer's cursor. */
const CURSOR_ATTRIBUTE_PREFIX = 'c:';

export function dirtyKey(reviewId: string, mark: Pick<DirtyMark, 'citationId' | 'token'>): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${DIRTY_PREFIX}${mark.citationId}#${mark.token}` };
}

export const decidedPartition = (reviewId: string, reviewerId: string) => `DECIDED#${reviewId}#${reviewerId}`;

/** A reviewer-decision item as putReviewerDecision writes it. */
export function reviewerDecisionItem(reviewId: string, d: ReviewerDecision): Record<string, unknown> {
  return {
    ...reviewerDecisionKey(reviewId, d),
    type: 'reviewer-decision',
    reviewId,
    ...d,
    gsi1pk: decidedPartition(reviewId, d.reviewerId),
    gsi1sk: `${d.at}#${d.citationId}#${d.stage}`,
  };
}

/**
 * A screening-event item as appendEvent writes it. With `counted` (every append of this version) the event
 * carries its own tally delta, in the delta index like a tally-delta item (so the one conditional write that
 * appends it also counts it), and `projecting`: its writer's mark, removed once the projections are written.
 */
export function screeningEventItem(
  reviewId: string,
  event: ScreeningEvent,
  counted?: CountedAppend,
): Record<string, unknown> {
  return {
    ...screeningEventKey(reviewId, event.citationId, event.seq),
    type: 'screening-event',
    reviewId,
    event,
    ...(counted
      ? {
          delta: counted.delta,
          at: event.at,
          projecting: counted.projecting,
          gsi1pk: tallyDeltaPartition(reviewId),
          gsi1sk: `U#${event.at}#${event.citationId}#${seq6(event.seq)}`,
        }
      : {}),
  };
}

const eventItemSchema = z.object({
  type: z.literal('screening-event'),
  event: screeningEventSchema,
  delta: z.record(z.string(), z.number()).optional(),
  projecting: z.string().optional(),
});

const possibleDuplicateSchema = z.object({
  pairId: z.string(),
  citationId: z.string(),
  twinId: z.string(),
  reason: z.string(),
  agreed: z.array(z.string()).optional(),
  differed: z.array(z.string()).optional(),
  score: z.number().nullable(),
  foundAt: z.string(),
  status: z.enum(['pending', 'confirmed', 'split']),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
});

const statusSchema = z.enum(SCREENING_STATUSES as [ScreeningStatus, ...ScreeningStatus[]]);

const citationEntrySchema = z.object({
  type: z.string(),
  citationId: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  queuedAt: z.string(),
  screeningStatus: statusSchema,
  screeningVersion: z.number().int().optional(),
  firstDecider: z.string().nullable().optional(),
});

const queueItemSchema = z.object({
  citationId: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  queuedAt: z.string(),
  gsi1sk: z.string(),
});

/** A delta in the index: a tally-delta item, or an event that carries its own (and maybe its writer's mark). */
const deltaItemSchema = z.object({
  type: z.enum(['tally-delta', 'screening-event']),
  sk: z.string(),
  delta: z.record(z.string(), z.number()),
  gsi1sk: z.string(),
  projecting: z.string().optional(),
  event: z.object({ citationId: z.string(), eventId: z.string(), seq: z.number().int() }).optional(),
});

type DeltaItem = z.infer<typeof deltaItemSchema>;

/** The attributes of deltaItemSchema (an event's own delta item is larger: the event itself). */
const DELTA_PROJECTION = {
  expression: '#type, sk, #delta, gsi1sk, projecting, #event.citationId, #event.eventId, #event.seq',
  names: { '#type': 'type', '#delta': 'delta', '#event': 'event' },
};

/** The mark of an event whose writer has not finished its projections (null: none). */
function eventMarkOf(item: DeltaItem): DirtyMark | null {
  if (item.type !== 'screening-event' || !item.projecting || !item.event) return null;
  return {
    citationId: item.event.citationId,
    token: item.event.eventId,
    at: item.projecting,
    seq: item.event.seq,
  };
}

const reviewerDecisionSchema = z.object({
  reviewerId: z.string(),
  citationId: z.string(),
  stage: stageSchema,
  role: decisionRoleSchema,
  decision: voteSchema,
  reasonId: z.string().nullable(),
  note: z.string().nullable(),
  at: z.string(),
  seq: z.number().int(),
  title: z.string(),
  year: z.number().int().nullable(),
});

const cursorSchema = z.object({
  reviewerId: z.string(),
  citationId: z.string(),
  stage: stageSchema,
  as: z.enum(['screener', 'arbiter']),
  since: z.string(),
  until: z.string(),
});

const dirtySchema = z.object({ citationId: z.string(), token: z.string(), at: z.string() });

const headingSchema = z.object({ title: z.string(), year: z.number().int().nullable() });

const citationItemSchema = z.object({ type: z.literal('citation'), citation: citationSchema });

function talliesOf(item: Record<string, unknown> | undefined): Tallies {
  const tallies: Tallies = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith('n:') && typeof value === 'number' && value !== 0) tallies[name.slice(2)] = value;
  }
  return tallies;
}

/** The reviewers' cursors on the cursors item. */
function cursorsOf(item: Record<string, unknown> | undefined, reviewId: string): Cursor[] {
  return Object.entries(item ?? {})
    .filter(([name]) => name.startsWith(CURSOR_ATTRIBUTE_PREFIX))
    .map(([, value]) => parseItem(cursorSchema, value, `a cursor of review "${reviewId}"`));
}

/** The attribute of the tallies item holding a dirty mark (one per writer and record). */
const DIRTY_ATTRIBUTE_PREFIX = 'd:';
const dirtyAttribute = (mark: Pick<DirtyMark, 'citationId' | 'token'>) =>
  `${DIRTY_ATTRIBUTE_PREFIX}${mark.citationId}#${mark.token}`;

/** The dirty marks on the tallies item. */
function dirtyMarksOf(item: Record<string, unknown> | undefined, reviewId: string): DirtyMark[] {
  const marks: DirtyMark[] = [];
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith(DIRTY_ATTRIBUTE_PREFIX))
      marks.push(parseItem(dirtySchema, value, `a dirty mark of review "${reviewId}"`));
  }
  return marks;
}

function stringSet(value: unknown): Set<string> {
  if (value instanceof Set) return value as Set<string>;
  if (Array.isArray(value)) return new Set(value as string[]);
  return new Set();
}

export interface DynamoScreeningStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  clock?: () => Date;
}

export class DynamoScreeningStore implements ScreeningStore {
  private readonly table: TableAccess;
  readonly tableName: string;
  private readonly clock: () => Date;

  constructor(options: DynamoScreeningStoreOptions) {
    this.table = new TableAccess(options.client, options.tableName);
    this.tableName = options.tableName;
    this.clock = options.clock ?? (() => new Date());
  }

  // -------------------------------------------------------------------------------------------------------
  // The log

  async listEvents(reviewId: string, citationId: string): Promise<ScreeningEvent[]> {
    return (await this.listLog(reviewId, citationId)).map((entry) => entry.event);
  }

  async listLog(reviewId: string, citationId: string): Promise<LoggedEvent[]> {
    const what = `the screening log of ${citationId}`;
    const items = await this.table.queryPrefix(
      { reviewId, prefix: `${SCREENING_PREFIX}${citationId}#` },
      what,
    );
    return items.map((item) => {
      const { event, delta, projecting } = parseItem(eventItemSchema, item, what);
      return { event, counted: delta !== undefined, projecting: projecting ?? null };
    });
  }

  async listReviewEvents(reviewId: string): Promise<ScreeningEvent[]> {
    return this.queryEvents(reviewId, SCREENING_PREFIX, `the screening logs of review "${reviewId}"`);
  }

  async appendEvent(reviewId: string, event: ScreeningEvent, counted?: CountedAppend): Promise<boolean> {
    return this.putIfAbsent(screeningEventItem(reviewId, event, counted), reviewId);
  }

  async listCitations(reviewId: string): Promise<ScreeningQueueEntry[]> {
    const items = await this.table.queryPrefix(
      {
        reviewId,
        prefix: CITATION_PREFIX,
        projection:
          '#type, citationId, title, #year, queuedAt, screeningStatus, screeningVersion, firstDecider',
        names: { '#type': 'type', '#year': 'year' },
      },
      `the citations of review "${reviewId}"`,
    );
    return items
      .filter((item) => item.type === 'citation')
      .map((item) => {
        const entry = parseItem(citationEntrySchema, item, `a citation of review "${reviewId}"`);
        return {
          citationId: entry.citationId,
          title: entry.title,
          year: entry.year,
          queuedAt: entry.queuedAt,
          status: entry.screeningStatus,
          version: entry.screeningVersion ?? 0,
          firstDecider: entry.firstDecider ?? null,
        };
      })
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.citationId.localeCompare(b.citationId));
  }

  // -------------------------------------------------------------------------------------------------------
  // Projections

  async saveProjection(reviewId: string, citationId: string, projection: RecordProjection): Promise<void> {
    const key = citationItemKey(reviewId, citationId);
    const queue = queuePartition(reviewId, projection.status, projection.firstDecider);
    const what = this.describe(reviewId, key);
    const saved = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression:
          'SET screeningStatus = :status, screeningVersion = :version, firstDecider = :first, gsi1pk = :queue',
        ConditionExpression:
          '#type = :citation AND (attribute_not_exists(screeningVersion) OR screeningVersion < :version OR (screeningVersion = :version AND gsi1pk <> :queue))',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':status': projection.status,
          ':version': projection.version,
          ':first': projection.firstDecider,
          ':queue': queue,
          ':citation': 'citation',
        },
      },
      what,
    );
    if (saved) return;
    // A newer status is there already (fine), or this is not a citation (a caller's mistake).
    const item = await this.get(key, what);
    if (item?.type !== 'citation') {
      throw new StoreError(`review "${reviewId}": ${citationId} is not a stored citation`);
    }
  }

  async queueHeads(
    reviewId: string,
    queue: QueueName,
    options: { limit: number; after?: string },
  ): Promise<{ entries: QueueHead[]; more: boolean }> {
    const partition = queuePartition(reviewId, queue.status, queue.firstDecider ?? null);
    const what = `the queue ${partition}`;
    const page = await this.table.queryPage(
      {
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: options.after ? 'gsi1pk = :queue AND gsi1sk > :after' : 'gsi1pk = :queue',
        ExpressionAttributeValues: {
          ':queue': partition,
          ...(options.after ? { ':after': options.after } : {}),
        },
        Limit: options.limit + 1,
      },
      what,
    );
    const entries = (page.Items ?? []).map((item) => {
      const entry = parseItem(queueItemSchema, item, `an entry of ${what}`);
      return {
        citationId: entry.citationId,
        title: entry.title,
        year: entry.year,
        queuedAt: entry.queuedAt,
        position: entry.gsi1sk,
      };
    });
    return { entries: entries.slice(0, options.limit), more: entries.length > options.limit };
  }

  // -------------------------------------------------------------------------------------------------------
  // Tallies

  async putTallyDelta(
    reviewId: string,
    citationId: string,
    seq: number,
    delta: Tallies,
    at: string,
  ): Promise<void> {
    await this.putIfAbsent(tallyDeltaItem(reviewId, citationId, seq, delta, at), reviewId);
  }

  async listTallyDeltaKeys(reviewId: string): Promise<Set<string>> {
    const what = `the tally deltas of review "${reviewId}"`;
    const [deltas, events] = await Promise.all([
      this.table.queryPrefix({ reviewId, prefix: TALLY_DELTA_PREFIX, projection: 'sk' }, what),
      // Events that carry their own delta are in the delta index (older events are not).
      this.table.queryPrefix({ reviewId, prefix: SCREENING_PREFIX, projection: 'sk, gsi1pk' }, what),
    ]);
    return new Set([
      ...deltas.map((item) => fromSeq6(String(item.sk).slice(TALLY_DELTA_PREFIX.length))),
      ...events
        .filter((item) => item.gsi1pk === tallyDeltaPartition(reviewId))
        .map((item) => fromSeq6(String(item.sk).slice(SCREENING_PREFIX.length))),
    ]);
  }

  async readTallies(
    reviewId: string,
  ): Promise<{ tallies: Tallies; backlog: number; projectionVersion: number; dirty: DirtyMark[] }> {
    const what = `the tallies of review "${reviewId}"`;
    // 1. The sums through generation g, and g's pending batch (added, maybe not yet re-keyed).
    const item = await this.get(talliesKey(reviewId), what);
    const generation = typeof item?.generation === 'number' ? item.generation : 0;
    const pending = stringSet(item?.pending);
    // 2. Every delta added after g (R#<g+1>... sorts after R#<g>~) or still waiting (U#... sorts after R#).
    const entries = await this.table.queryAll(
      {
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: 'gsi1pk = :deltas AND gsi1sk > :after',
        ExpressionAttributeValues: {
          ':deltas': tallyDeltaPartition(reviewId),
          ':after': `R#${generation12(generation)}~`,
        },
      },
      what,
    );
    const keys = new Map<string, ItemKey>();
    for (const entry of entries) {
      const sk = String(entry.sk);
      if (!pending.has(sk)) keys.set(sk, { pk: reviewPk(reviewId), sk });
    }
    // 3. Their changes, read from the items themselves (the index carries only keys for them): of an event,
    // only what the sums and its mark need.
    const deltas = await this.table.batchGet([...keys.values()], what, DELTA_PROJECTION);
    const tallies = talliesOf(item);
    const dirty = dirtyMarksOf(item, reviewId);
    let backlog = 0;
    for (const raw of deltas) {
      const delta = parseItem(deltaItemSchema, raw, `a tally delta of review "${reviewId}"`);
      if (delta.gsi1sk.startsWith('U#')) backlog++;
      const mark = eventMarkOf(delta);
      if (mark) dirty.push(mark);
      for (const [name, value] of Object.entries(delta.delta)) {
        const sum = (tallies[name] ?? 0) + value;
        if (sum === 0) delete tallies[name];
        else tallies[name] = sum;
      }
    }
    const projectionVersion = typeof item?.projectionVersion === 'number' ? item.projectionVersion : 0;
    return { tallies, backlog, projectionVersion, dirty };
  }

  async rollUpTallies(
    reviewId: string,
    options: { max?: number } = {},
  ): Promise<{ rolled: number; left: boolean }> {
    const what = `the tallies of review "${reviewId}"`;
    const token = randomUUID();
    const lock = await this.acquireLock(reviewId, token, what);
    if (!lock) return { rolled: 0, left: true };
    let rolled = 0;
    let left = false;
    try {
      let generation = lock.generation;
      if (lock.pending.size > 0) await this.finishBatch(reviewId, token, generation, [...lock.pending], what);
      const max = options.max ?? Number.POSITIVE_INFINITY;
      while (rolled < max) {
        const page = await this.table.queryPage(
          {
            IndexName: QUEUE_INDEX,
            KeyConditionExpression: 'gsi1pk = :deltas AND begins_with(gsi1sk, :waiting)',
            ExpressionAttributeValues: { ':deltas': tallyDeltaPartition(reviewId), ':waiting': 'U#' },
            Limit: Math.min(ROLLUP_BATCH, max - rolled),
          },
          what,
        );
        const keys = (page.Items ?? []).map((entry) => ({ pk: reviewPk(reviewId), sk: String(entry.sk) }));
        if (keys.length === 0) break;
        const items = (await this.table.batchGet(keys, what))
          .map((raw) => ({
            raw,
            delta: parseItem(deltaItemSchema, raw, `a tally delta of review "${reviewId}"`),
          }))
          // An event whose writer is still projecting it (or died doing so) waits: its mark stays findable
          // among the deltas not yet added until the projections are complete.
          .filter(({ delta }) => delta.gsi1sk.startsWith('U#') && !eventMarkOf(delta));
        // One UpdateItem adds the batch: keep its distinct names within one expression's reach.
        const sums: Tallies = {};
        const batch: typeof items = [];
        for (const entry of items) {
          const names = new Set([...Object.keys(sums), ...Object.keys(entry.delta.delta)]);
          if (batch.length > 0 && names.size > MAX_NAMES_PER_UPDATE) break;
          batch.push(entry);
          for (const [name, value] of Object.entries(entry.delta.delta))
            sums[name] = (sums[name] ?? 0) + value;
        }
        if (batch.length > 0) {
          generation += 1;
          await this.addBatch(
            reviewId,
            token,
            generation,
            sums,
            batch.map((b) => b.delta.sk),
            what,
          );
          await this.finishBatch(
            reviewId,
            token,
            generation,
            batch.map((b) => b.delta.sk),
            what,
            batch.map((b) => b.raw),
          );
          rolled += batch.length;
        }
        if (batch.length === 0 || (!page.LastEvaluatedKey && batch.length === items.length)) break;
      }
      left = rolled >= max;
    } finally {
      await this.releaseLock(reviewId, token, what);
    }
    return { rolled, left };
  }

  private async acquireLock(
    reviewId: string,
    token: string,
    what: string,
  ): Promise<{ generation: number; pending: Set<string> } | null> {
    const now = this.clock();
    const locked = await this.table.conditionalUpdate(
      {
        Key: talliesKey(reviewId),
        UpdateExpression: 'SET #type = :type, lockToken = :token, lockAt = :now',
        ConditionExpression: 'attribute_not_exists(lockToken) OR lockAt < :stale',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'tallies',
          ':token': token,
          ':now': now.toISOString(),
          ':stale': new Date(now.getTime() - LOCK_STALE_MS).toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      },
      what,
    );
    if (!locked) return null; // another process is rolling up
    const { Attributes } = locked;
    return {
      generation: typeof Attributes?.generation === 'number' ? Attributes.generation : 0,
      pending: stringSet(Attributes?.pending),
    };
  }

  private async addBatch(
    reviewId: string,
    token: string,
    generation: number,
    sums: Tallies,
    keys: string[],
    what: string,
  ): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':token': token,
      ':generation': generation,
      ':pending': new Set(keys),
    };
    const adds = Object.entries(sums)
      .filter(([, value]) => value !== 0)
      .map(([name, value], i) => {
        names[`#n${i}`] = `n:${name}`;
        values[`:n${i}`] = value;
        return `#n${i} :n${i}`;
      });
    const input: Omit<UpdateCommandInput, 'TableName'> = {
      Key: talliesKey(reviewId),
      UpdateExpression: `SET generation = :generation, pending = :pending${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
      ConditionExpression: 'lockToken = :token',
      ExpressionAttributeValues: values,
      ...(adds.length ? { ExpressionAttributeNames: names } : {}),
    };
    await this.updateHoldingLock(input, what);
  }

  /** Re-keys a batch's deltas as added in `generation`, then empties `pending`. */
  private async finishBatch(
    reviewId: string,
    token: string,
    generation: number,
    keys: string[],
    what: string,
    known?: Record<string, unknown>[],
  ): Promise<void> {
    const items =
      known ??
      (await this.table.batchGet(
        keys.map((sk) => ({ pk: reviewPk(reviewId), sk })),
        what,
      ));
    const rekeyed = items
      .filter((item) => String(item.gsi1sk).startsWith('U#'))
      .map((item) => ({
        ...item,
        gsi1sk: `R#${generation12(generation)}#${String(item.gsi1sk).slice(2)}`,
        rolledGeneration: generation,
      }));
    await this.table.batchWrite(
      rekeyed.map((Item) => ({ PutRequest: { Item } })),
      what,
    );
    await this.updateHoldingLock(
      {
        Key: talliesKey(reviewId),
        UpdateExpression: 'REMOVE pending',
        ConditionExpression: 'lockToken = :token',
        ExpressionAttributeValues: { ':token': token },
      },
      what,
    );
  }

  private async releaseLock(reviewId: string, token: string, what: string): Promise<void> {
    // A lock taken over meanwhile is not ours to release: the condition fails and nothing changes.
    await this.table.conditionalUpdate(
      {
        Key: talliesKey(reviewId),
        UpdateExpression: 'REMOVE lockToken, lockAt',
        ConditionExpression: 'lockToken = :token',
        ExpressionAttributeValues: { ':token': token },
      },
      what,
    );
  }

  private async updateHoldingLock(input: Omit<UpdateCommandInput, 'TableName'>, what: string): Promise<void> {
    if (!(await this.table.conditionalUpdate(input, what))) {
      throw new StoreError(`${what}: the roll-up lock was taken over (this process was too slow)`, {
        retryable: true,
      });
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Board, cursors, reviewer decisions, dirty marks

  async readBoard(reviewId: string, reviewerIds: readonly string[]): Promise<ReviewBoard> {
    const what = `the screening board of review "${reviewId}"`;
    const items = await this.table.batchGet([talliesKey(reviewId), cursorsKey(reviewId)], what);
    const tallies = items.find((item) => item.sk === TALLIES_SK);
    const peers = new Set(reviewerIds);
    return {
      cursors: cursorsOf(
        items.find((item) => item.sk === CURSORS_SK),
        reviewId,
      ).filter((cursor) => peers.has(cursor.reviewerId)),
      rolledTallies: talliesOf(tallies),
      projectionVersion: typeof tallies?.projectionVersion === 'number' ? tallies.projectionVersion : 0,
      dirty: dirtyMarksOf(tallies, reviewId),
    };
  }

  async setProjectionVersion(reviewId: string, version: number): Promise<void> {
    const key = talliesKey(reviewId);
    await this.table.update(
      {
        Key: key,
        UpdateExpression: 'SET #type = :type, projectionVersion = :version',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'tallies', ':version': version },
      },
      this.describe(reviewId, key),
    );
  }

  async putCursor(reviewId: string, cursor: Cursor): Promise<Cursor[]> {
    const key = cursorsKey(reviewId);
    // One write on one item: what it answers is every cursor put before this one, and none put after.
    const { Attributes } = await this.table.update(
      {
        Key: key,
        UpdateExpression: 'SET #type = :type, #cursor = :cursor',
        ExpressionAttributeNames: {
          '#type': 'type',
          '#cursor': `${CURSOR_ATTRIBUTE_PREFIX}${cursor.reviewerId}`,
        },
        ExpressionAttributeValues: { ':type': 'cursors', ':cursor': { ...cursor } },
        ReturnValues: 'ALL_NEW',
      },
      this.describe(reviewId, key),
    );
    return cursorsOf(Attributes, reviewId);
  }

  async putReviewerDecision(reviewId: string, decision: ReviewerDecision): Promise<void> {
    const item = reviewerDecisionItem(reviewId, decision);
    // A later decision already there stays (the condition fails and nothing is written).
    await this.table.conditionalPut(
      {
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR #seq < :seq',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':seq': decision.seq },
      },
      this.describe(reviewId, item as unknown as ItemKey),
    );
  }

  async listReviewerDecisions(
    reviewId: string,
    reviewerId: string,
    options: { limit: number; after?: string | null },
  ): Promise<{ decisions: ReviewerDecision[]; next: string | null }> {
    const what = `the decisions of ${reviewerId} in review "${reviewId}"`;
    let startKey: Record<string, unknown> | undefined;
    if (options.after) {
      try {
        startKey = JSON.parse(Buffer.from(options.after, 'base64url').toString('utf8'));
      } catch {
        throw new InputError(`${what}: the page token "after" is not one this store gave`);
      }
    }
    const page = await this.table.queryPage(
      {
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: 'gsi1pk = :mine',
        ExpressionAttributeValues: { ':mine': decidedPartition(reviewId, reviewerId) },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      },
      what,
    );
    const keys = (page.Items ?? []).map((entry) => ({ pk: String(entry.pk), sk: String(entry.sk) }));
    const items = new Map((await this.table.batchGet(keys, what)).map((item) => [String(item.sk), item]));
    const decisions = keys
      .map((key) => items.get(key.sk))
      .filter((item): item is Record<string, unknown> => item !== undefined)
      .map((item) => parseItem(reviewerDecisionSchema, item, `a decision of ${reviewerId}`))
      .sort((a, b) => b.at.localeCompare(a.at));
    return {
      decisions,
      next: page.LastEvaluatedKey
        ? Buffer.from(JSON.stringify(page.LastEvaluatedKey), 'utf8').toString('base64url')
        : null,
    };
  }

  async markDirty(reviewId: string, mark: DirtyMark): Promise<void> {
    const key = talliesKey(reviewId);
    await this.table.update(
      {
        Key: key,
        UpdateExpression: 'SET #type = :type, #mark = :mark',
        ExpressionAttributeNames: { '#type': 'type', '#mark': dirtyAttribute(mark) },
        ExpressionAttributeValues: {
          ':type': 'tallies',
          ':mark': { citationId: mark.citationId, token: mark.token, at: mark.at },
        },
      },
      this.describe(reviewId, key),
    );
  }

  async clearDirty(reviewId: string, mark: DirtyMark): Promise<void> {
    if (mark.seq !== undefined) {
      const key = screeningEventKey(reviewId, mark.citationId, mark.seq);
      // The event exists (the mark is on it): the condition only keeps a stray clear from creating an item.
      await this.table.conditionalUpdate(
        {
          Key: key,
          UpdateExpression: 'REMOVE projecting',
          ConditionExpression: 'attribute_exists(pk)',
        },
        this.describe(reviewId, key),
      );
      return;
    }
    if (mark.legacyItem) {
      const key = dirtyKey(reviewId, mark);
      await this.table.delete(key, this.describe(reviewId, key));
      return;
    }
    const key = talliesKey(reviewId);
    // The tallies item exists (the mark is on it): the condition only keeps a stray clear from creating it.
    await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'REMOVE #mark',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#mark': dirtyAttribute(mark) },
      },
      this.describe(reviewId, key),
    );
  }

  async listDirty(reviewId: string): Promise<DirtyMark[]> {
    // The marks on the tallies item and on events (never added to the sums while marked) come with the tallies.
    const [tallies, legacy] = await Promise.all([this.readTallies(reviewId), this.listDirtyItems(reviewId)]);
    return [...tallies.dirty, ...legacy];
  }

  async listDirtyItems(reviewId: string): Promise<DirtyMark[]> {
    const items = await this.table.queryPrefix(
      { reviewId, prefix: DIRTY_PREFIX },
      `the dirty marks of review "${reviewId}"`,
    );
    return items.map((item) => {
      const { citationId, token, at } = parseItem(dirtySchema, item, `a dirty mark of review "${reviewId}"`);
      return { citationId, token, at, legacyItem: true as const };
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Citations and possible duplicates

  /**
   * The citation alone, whatever its screening status (the screening use cases need only the record). Null
   * when there is no citation under that id (nothing, or a duplicate's redirect).
   */
  async getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> {
    const key = citationItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    const item = await this.get(key, what);
    if (item?.type !== 'citation') return null;
    return { citation: parseItem(citationItemSchema, item, what).citation };
  }

  async citationHeading(reviewId: string, citationId: string): Promise<CitationHeading | null> {
    const key = citationItemKey(reviewId, citationId);
    const what = this.describe(reviewId, key);
    // The item's own title and year (the queue index's copy of the record's), not the whole record.
    const item = await this.table.get(key, what, {
      ProjectionExpression: '#type, title, #year',
      ExpressionAttributeNames: { '#type': 'type', '#year': 'year' },
    });
    if (item?.type !== 'citation') return null;
    const { title, year } = parseItem(headingSchema, item, what);
    return { title, year };
  }

  async recordPossibleDuplicate(
    reviewId: string,
    pair: Pick<
      PossibleDuplicate,
      'citationId' | 'twinId' | 'reason' | 'score' | 'foundAt' | 'agreed' | 'differed'
    >,
  ): Promise<PossibleDuplicate> {
    if (pair.citationId === pair.twinId)
      throw new StoreError('a citation cannot be its own possible duplicate');
    const pairId = possibleDuplicatePairId(pair.citationId, pair.twinId);
    const item: PossibleDuplicate = {
      pairId,
      ...pair,
      status: 'pending',
      resolvedBy: null,
      resolvedAt: null,
    };
    // The pair and its mirror at once: the mirror is a pointer (the same every time), and one without its pair
    // is passed over by the readers, so a write that stops between the two leaves nothing wrong; recording the
    // pair again (a re-run) completes it.
    const mirror = possibleDuplicateMirrorItem(reviewId, pairId);
    const [created] = await Promise.all([
      this.putIfAbsent(possibleDuplicateItem(reviewId, item), reviewId),
      this.table.put({ Item: mirror }, this.describe(reviewId, mirror as unknown as ItemKey)),
    ]);
    if (created) return item;
    const existing = await this.getPossibleDuplicate(reviewId, pairId);
    if (!existing) throw new StoreError(`review "${reviewId}": pair ${pairId} vanished`);
    return existing;
  }

  async getPossibleDuplicate(reviewId: string, pairId: string): Promise<PossibleDuplicate | null> {
    if (!/^[^~#]+~[^~#]+$/.test(pairId)) return null;
    const key = possibleDuplicateKey(reviewId, pairId);
    const what = this.describe(reviewId, key);
    const item = await this.get(key, what);
    return item ? parseItem(possibleDuplicateSchema, item, what) : null;
  }

  async listPossibleDuplicates(reviewId: string): Promise<PossibleDuplicate[]> {
    const items = await this.table.queryPrefix(
      { reviewId, prefix: POSSIBLE_DUPLICATE_PREFIX },
      `the possible duplicates of review "${reviewId}"`,
    );
    return items
      .filter((item) => item.type !== POSSIBLE_DUPLICATE_MIRROR)
      .map((item) => parseItem(possibleDuplicateSchema, item, `a possible duplicate of "${reviewId}"`));
  }

  async listPendingDuplicatesOf(reviewId: string, citationId: string): Promise<PossibleDuplicate[]> {
    // One Query reads this citation's pairs only (those where it is first, and the mirrors of those where it
    // is second), however many pairs the review holds; a mirror's pair is read by key.
    const what = `the possible duplicates of ${citationId} in review "${reviewId}"`;
    const items = await this.table.queryPrefix(
      { reviewId, prefix: `${POSSIBLE_DUPLICATE_PREFIX}${citationId}#` },
      what,
    );
    const mirrored = items
      .filter((item) => item.type === POSSIBLE_DUPLICATE_MIRROR && typeof item.pairId === 'string')
      .map((item) => possibleDuplicateKey(reviewId, String(item.pairId)));
    const pairs = [
      ...items.filter((item) => item.type !== POSSIBLE_DUPLICATE_MIRROR),
      ...(mirrored.length > 0 ? await this.table.batchGet(mirrored, what) : []),
    ];
    return pairs
      .map((item) => parseItem(possibleDuplicateSchema, item, `a possible duplicate of "${reviewId}"`))
      .filter((pair) => pair.status === 'pending')
      .sort((x, y) => x.pairId.localeCompare(y.pairId));
  }

  async mirrorPossibleDuplicates(reviewId: string): Promise<void> {
    const pairs = await this.listPossibleDuplicates(reviewId);
    await this.table.batchWrite(
      pairs.map((pair) => ({ PutRequest: { Item: possibleDuplicateMirrorItem(reviewId, pair.pairId) } })),
      `the mirrors of the possible duplicates of review "${reviewId}"`,
    );
  }

  async resolvePossibleDuplicate(
    reviewId: string,
    pairId: string,
    resolution: { status: 'confirmed' | 'split'; resolvedBy: string; resolvedAt: string },
  ): Promise<{ resolved: boolean; pair: PossibleDuplicate }> {
    const key = possibleDuplicateKey(reviewId, pairId);
    const what = this.describe(reviewId, key);
    const resolved = await this.table.conditionalUpdate(
      {
        Key: key,
        UpdateExpression: 'SET #status = :status, resolvedBy = :by, resolvedAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': resolution.status,
          ':by': resolution.resolvedBy,
          ':at': resolution.resolvedAt,
          ':pending': 'pending',
        },
        ReturnValues: 'ALL_NEW',
      },
      what,
    );
    if (resolved)
      return { resolved: true, pair: parseItem(possibleDuplicateSchema, resolved.Attributes, what) };
    const pair = await this.getPossibleDuplicate(reviewId, pairId);
    if (!pair) throw new StoreError(`review "${reviewId}": no possible-duplicate pair ${pairId}`);
    return { resolved: false, pair };
  }

  // -------------------------------------------------------------------------------------------------------

  private async queryEvents(reviewId: string, prefix: string, what: string): Promise<ScreeningEvent[]> {
    const items = await this.table.queryPrefix({ reviewId, prefix }, what);
    return items.map((item) => parseItem(eventItemSchema, item, what).event);
  }

  private putIfAbsent(item: Record<string, unknown>, reviewId: string): Promise<boolean> {
    return this.table.putIfAbsent(item, this.describe(reviewId, item as unknown as ItemKey));
  }

  private describe(reviewId: string, key: ItemKey): string {
    return this.table.describe(reviewId, key);
  }

  private get(key: ItemKey, what: string): Promise<Record<string, unknown> | undefined> {
    return this.table.get(key, what);
  }
}

/** "<citationId>#<seq, 6 digits>" -> "<citationId>#<seq>". */
function fromSeq6(rest: string): string {
  const hash = rest.lastIndexOf('#');
  return `${rest.slice(0, hash)}#${Number(rest.slice(hash + 1))}`;
}
