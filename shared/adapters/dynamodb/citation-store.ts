// CitationStore over one DynamoDB table (the design is in table-design.ts). Runs unchanged on AWS and on the
// embedded dynalite server.
//
// ## How recordCitation deduplicates without transactions
//
// A citation is known by its keys (pmid, doi, pmcid, or a title key for id-less records), strongest first.
// Every key has at most one claim item naming the citation that owns it. The citation id is derived from the
// strongest key, so every process computes the same id for the same record and aims at the same items.
//
//   0. Fast path: GetItem the citation item of our id. If it exists and all of the record's keys are already
//      claimed for it: 'already-known' with nothing written when it lists this source record (the common
//      case: the overlap days every scheduled run re-reads), else one ADD of the source record
//      ('duplicate': another source's record of the same work with the same strongest key).
//   1. Claim each key in order: PutItem KEY#<key> if absent or already ours.
//   2. A key owned by another citation makes this record a duplicate of it:
//      a. if we already claimed stronger keys, our own id becomes a redirect (a CITATION# item holding
//         redirectTo, written only if the id is still free), so it can never become a citation later;
//      b. our claims are re-pointed to the owner, our remaining keys claimed for it where free;
//      c. the source record (and the keys now pointing at the owner) are ADDed to the owner's string sets.
//   3. Otherwise PutItem the citation item (citation + queue entry in one item) if absent: 'new'. If it
//      exists, the same work was stored before: the source record is ADDed to it, and the outcome is
//      'already-known' when it was already listed, 'duplicate' when another record with the same strongest
//      key stored it.
//   4. A citation of our own id ('new', or found again by a re-run) gets its arrival counted in the review's
//      screening tallies: a PutItem of its tally delta 0 if absent (screening-store.ts adds each delta to the
//      sums exactly once), so a crash between 3 and 4 is completed by the re-run.
//
// Every write is a conditional single-item write that is a no-op or the same change when repeated, and each
// step only starts after the one it depends on is durable, so a process that dies at any point leaves state
// that the next call with the same record completes (tests: test/integration/store/crash.test.ts). Concurrent
// calls for the same record race on the same conditional writes: exactly one PutItem of the citation
// succeeds, so exactly one of them answers 'new'.
//
// ## Claims whose citation does not exist (yet)
//
// Between claiming its keys (step 1) and writing its citation (step 3) a writer holds claims that name a
// citation nobody can read. Another record meeting such a claim cannot tell a writer that is a few
// milliseconds from finishing from one that crashed. This is the "in-progress record" problem of the
// Powertools idempotency utility, solved the same way, with a lease: the claim carries claimedAt; a reader
// first waits (pendingWaitMs, default 10 s, polling with backoff) for the concurrent writer, whose next write
// is its citation but which may be slowed by throttling and SDK retries; if the citation is still missing
// and the claim is older than the lease (claimLeaseMs, 10 minutes: far longer than one recordCitation call,
// which takes milliseconds, even with every SDK retry), the writer is taken to have died and the claim is
// taken over with a conditional update on the exact claimedAt it read (so two readers cannot both take it).
// A younger claim is reported as a retryable StoreError: the next run finds the citation written, or the
// lease expired. A crashed writer that re-runs its own record simply finishes it (the claim is still its own
// and is refreshed).
//
// ## Known limit
//
// A record that carries keys of two different stored citations (say its PMID is citation A's and its DOI is
// citation B's) is recorded as a duplicate of the citation owning its strongest shared key; the other key stays
// with its owner. The store never merges two stored citations: that is a decision for a reviewer.
import type {
  DynamoDBDocumentClient,
  PutCommandInput,
  QueryCommandInput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Citation, citationSchema } from '../../domain/citation/citation.ts';
import { citationId } from '../../domain/citation/citation-id.ts';
import { type CitationKey, citationKeys } from '../../domain/citation/citation-keys.ts';
import { judgeRun, type RunOwnerRef } from '../../domain/monitor/run-liveness.ts';
import { arrivalTallies } from '../../domain/screening/report.ts';
import { SCREENING_STATUSES, type ScreeningStatus } from '../../domain/screening/workflow.ts';
import { InputError, StoreError } from '../../errors.ts';
import type {
  CitationListing,
  CitationLookup,
  CitationRedirect,
  CitationStore,
  CitationSlot as PortSlot,
  QueueEntry,
  RecordHints,
  RecordOutcome,
  RunLog,
  StoredCitation,
  Watermark,
} from '../../ports/citation-store.ts';
import { isProcessRunning } from '../process/process-identity.ts';
import { parseItem, TableAccess } from './table-access.ts';
import {
  CITATION_PREFIX,
  citationItem,
  citationItemKey,
  type ItemKey,
  keyClaimItem,
  keyClaimItemKey,
  QUEUE_INDEX,
  queuePartition,
  RUN_PREFIX,
  reviewPk,
  runLogItemKey,
  tallyDeltaItem,
  watermarkItemKey,
} from './table-design.ts';

export interface DynamoCitationStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How old a claim whose citation was never written must be before another record may take it over. */
  claimLeaseMs?: number;
  /** How long to wait for a concurrent writer to finish the citation a claim names. */
  pendingWaitMs?: number;
  /**
   * Whether a run's owner process still runs (null: cannot tell), for showing runs whose owner is gone as
   * abandoned. Default: this machine's processes (adapters/process).
   */
  isRunOwnerRunning?: (owner: RunOwnerRef) => boolean | null;
  /** Default: the system clock. */
  clock?: () => Date;
}

export const DEFAULT_CLAIM_LEASE_MS = 10 * 60 * 1000;
export const DEFAULT_PENDING_WAIT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------
// Item schemas: everything read back is validated here before it leaves the adapter.

const citationKeySchema = z
  .string()
  .regex(/^(pmid|doi|pmcid|title|record):/)
  .transform((key) => key as CitationKey);

const stringSetSchema = z.union([z.set(z.string()), z.array(z.string())]).transform((value) => [...value]);

/** Attribute holding why a source record merged into a citation fuzzily: "mergedBecause#<source record>". */
const MERGE_REASON_PREFIX = 'mergedBecause#';

const citationItemSchema = z
  .object({
    type: z.literal('citation'),
    reviewId: z.string(),
    citationId: z.string(),
    citation: citationSchema,
    keys: z.array(citationKeySchema).min(1),
    aliasKeys: z
      .union([z.set(citationKeySchema), z.array(citationKeySchema)])
      .transform((value) => [...value])
      .optional(),
    sourceRecords: stringSetSchema,
    queuedAt: z.string(),
    // recordCitation writes "awaiting-screening"; the screening store (screening-store.ts) moves it on.
    screeningStatus: z.enum(SCREENING_STATUSES as [ScreeningStatus, ...ScreeningStatus[]]),
  })
  .catchall(z.unknown());

const redirectItemSchema = z.object({
  type: z.literal('redirect'),
  citationId: z.string(),
  redirectTo: z.string(),
  matchedKey: citationKeySchema,
});

const citationSlotSchema = z.discriminatedUnion('type', [citationItemSchema, redirectItemSchema]);
type CitationSlot = z.infer<typeof citationSlotSchema>;
type CitationItem = z.infer<typeof citationItemSchema>;

const claimItemSchema = z.object({
  owner: z.string(),
  claimedAt: z.string(),
});
type Claim = z.infer<typeof claimItemSchema>;

const queueEntrySchema = z.object({
  citationId: z.string(),
  pmid: z.string().nullable(),
  doi: z.string().nullable(),
  title: z.string(),
  year: z.number().int().nullable(),
  queuedAt: z.string(),
});

const watermarkSchema = z.object({
  reviewId: z.string(),
  source: z.string(),
  completedThrough: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  runId: z.string(),
  updatedAt: z.string(),
});

const runCountsSchema = z.object({
  found: z.number(),
  fetched: z.number(),
  new: z.number(),
  alreadyKnown: z.number(),
  duplicates: z.number(),
  queued: z.number(),
  deleted: z.number(),
  updated: z.number().optional(),
});

const runLogSchema = z.object({
  runId: z.string(),
  reviewId: z.string(),
  source: z.string(),
  query: z.string(),
  window: z.object({ from: z.string(), to: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  outcome: z.enum(['running', 'succeeded', 'failed', 'abandoned']),
  counts: runCountsSchema,
  warnings: z.array(z.string()),
  error: z.string().nullable(),
  owner: z
    .object({ host: z.string(), pid: z.number().int(), identity: z.string().nullable() })
    .nullable()
    .optional(),
  heartbeatAt: z.string().nullable().optional(),
  requests: z.record(z.string(), z.number()).optional(),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------

interface RecordContext {
  /** Why this record joins another citation fuzzily, when it does (RecordHints.mergeReason). */
  mergeReason?: string;
  reviewId: string;
  citation: Citation;
  keys: CitationKey[];
  /** This record's own (deterministic) citation id. */
  me: string;
  sourceRecord: string;
  now: Date;
}

type ClaimResult = { kind: 'claimed' } | { kind: 'owned'; owner: string };

const TAKEN_OVER = Symbol('taken over');

export class DynamoCitationStore implements CitationStore, CitationLookup, CitationListing {
  private readonly table: TableAccess;
  readonly tableName: string;
  private readonly claimLeaseMs: number;
  private readonly pendingWaitMs: number;
  private readonly isRunOwnerRunning: (owner: RunOwnerRef) => boolean | null;
  private readonly clock: () => Date;

  constructor(options: DynamoCitationStoreOptions) {
    this.table = new TableAccess(options.client, options.tableName);
    this.tableName = options.tableName;
    this.claimLeaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
    this.pendingWaitMs = options.pendingWaitMs ?? DEFAULT_PENDING_WAIT_MS;
    this.isRunOwnerRunning = options.isRunOwnerRunning ?? isProcessRunning;
    this.clock = options.clock ?? (() => new Date());
  }

  async recordCitation(
    reviewId: string,
    citation: Citation,
    now: Date,
    hints: RecordHints = {},
  ): Promise<RecordOutcome> {
    const keys = citationKeys(citation);
    const sourceRecord = `${citation.source}:${citation.sourceRecordId}`;
    const strongest = keys[0];
    if (!strongest) {
      throw new InputError(
        `record ${sourceRecord} ("${citation.title.slice(0, 80)}") has no PMID, DOI, PMCID or title: it cannot be deduplicated`,
      );
    }
    const ctx: RecordContext = {
      reviewId,
      citation,
      keys,
      me: citationId(strongest),
      sourceRecord,
      now,
      ...(hints.mergeReason ? { mergeReason: hints.mergeReason } : {}),
    };

    // 0. Stored before, with every key of this record claimed for it? Then only the source record may be new.
    //    (A slot read in the caller's batch is not read again.)
    const hinted = hints.slots?.get(ctx.me);
    const existing =
      hinted !== undefined
        ? hinted === null || 'redirectTo' in hinted
          ? null
          : { keys: hinted.keys, sourceRecords: hinted.sourceRecords, queuedAt: hinted.queuedAt }
        : await this.readSlot(reviewId, ctx.me).then((slot) =>
            slot?.type === 'citation'
              ? {
                  keys: [...slot.keys, ...(slot.aliasKeys ?? [])],
                  sourceRecords: slot.sourceRecords,
                  queuedAt: slot.queuedAt,
                }
              : null,
          );
    if (existing) {
      const known = new Set(existing.keys);
      if (keys.every((key) => known.has(key))) {
        if (existing.sourceRecords.includes(sourceRecord)) {
          await this.countArrival(reviewId, ctx.me, existing.queuedAt);
          return { kind: 'already-known', citationId: ctx.me };
        }
        return this.attachSource(ctx, ctx.me, strongest, []);
      }
    }

    // Every key already owned by one other stored citation (read in the caller's batch): this record is a
    // duplicate of it, and nothing needs re-pointing. (Claims that name a stored citation never change owner.)
    const owner = hints.owners?.get(strongest);
    const ownerSlot = owner === undefined ? undefined : hints.slots?.get(owner);
    const ownerIsCitation =
      owner !== undefined && ((ownerSlot && !('redirectTo' in ownerSlot)) || hints.citations?.has(owner));
    if (
      owner !== undefined &&
      owner !== ctx.me &&
      ownerIsCitation &&
      keys.every((key) => hints.owners?.get(key) === owner)
    ) {
      return this.attachSource(ctx, owner, strongest, keys.slice(1));
    }

    // 1. Claim the keys, strongest first; 2. the first key owned by another citation decides the duplicate.
    const claimed: CitationKey[] = [];
    for (const [index, key] of keys.entries()) {
      const claim = await this.claimKey(ctx, key);
      if (claim.kind === 'claimed') {
        claimed.push(key);
        continue;
      }
      return this.recordDuplicate(ctx, {
        owner: claim.owner,
        matchedKey: key,
        claimed,
        remaining: keys.slice(index + 1),
      });
    }

    // 3. Every key is ours: the citation and its queue entry, in one item.
    return this.createCitation(ctx);
  }

  /** Claims `key` for this record's id, or finds the (existing) citation that owns it. */
  private async claimKey(ctx: RecordContext, key: CitationKey): Promise<ClaimResult> {
    const itemKey = keyClaimItemKey(ctx.reviewId, key);
    const what = this.describe(ctx.reviewId, itemKey);
    for (let attempt = 0; attempt < 5; attempt++) {
      const claimed = await this.conditionalPut(
        {
          Item: keyClaimItem({
            reviewId: ctx.reviewId,
            key,
            owner: ctx.me,
            claimedAt: ctx.now.toISOString(),
          }),
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': ctx.me },
        },
        what,
      );
      if (claimed) return { kind: 'claimed' };

      const claim = await this.readClaim(ctx.reviewId, key);
      if (!claim || claim.owner === ctx.me) continue; // changed under us: try the put again
      const owner = await this.resolveOwner(ctx, key, claim);
      if (owner === TAKEN_OVER) return { kind: 'claimed' };
      if (owner !== null) return { kind: 'owned', owner };
      // The claim was an orphan and another reader took it over first: look again.
    }
    throw new StoreError(`could not claim ${what}: its owner kept changing`, { retryable: true });
  }

  /**
   * The existing citation a claim leads to (following redirects); TAKEN_OVER when the claim was an orphan of a
   * crashed writer and is now ours; null when another reader took the orphan first (the caller looks again).
   */
  private async resolveOwner(
    ctx: RecordContext,
    key: CitationKey,
    claim: Claim,
  ): Promise<string | typeof TAKEN_OVER | null> {
    let owner = claim.owner;
    let waited = 0;
    let delay = 25;
    for (let hops = 0; hops < 8; ) {
      const slot = await this.readSlot(ctx.reviewId, owner);
      if (slot?.type === 'citation') return owner;
      if (slot?.type === 'redirect') {
        owner = slot.redirectTo;
        hops++;
        continue;
      }
      if (owner !== claim.owner) {
        // Redirects are written only to citations that exist, and citations are never deleted.
        throw new StoreError(
          `review "${ctx.reviewId}": citation ${claim.owner} redirects to ${owner}, which does not exist`,
        );
      }
      if (waited < this.pendingWaitMs) {
        // Probably a concurrent writer between its claims and its citation: give it a moment.
        await sleep(delay);
        waited += delay;
        delay = Math.min(delay * 2, 500);
        continue;
      }
      const age = ctx.now.getTime() - Date.parse(claim.claimedAt);
      if (age >= this.claimLeaseMs) return (await this.takeOverClaim(ctx, key, claim)) ? TAKEN_OVER : null;
      throw new StoreError(
        `review "${ctx.reviewId}", key ${key}: claimed ${Math.round(age / 1000)} s ago by citation ${claim.owner}, which is not written yet (a concurrent run still writing it, or a run that crashed less than ${Math.round(this.claimLeaseMs / 60000)} min ago); retry later`,
        { retryable: true },
      );
    }
    throw new StoreError(
      `review "${ctx.reviewId}", key ${key}: redirect chain from ${claim.owner} is too long`,
    );
  }

  /** Takes over an orphan claim; false when the claim changed since it was read (another reader took it). */
  private async takeOverClaim(ctx: RecordContext, key: CitationKey, claim: Claim): Promise<boolean> {
    const itemKey = keyClaimItemKey(ctx.reviewId, key);
    const updated = await this.conditionalUpdate(
      {
        Key: itemKey,
        UpdateExpression: 'SET #owner = :me, claimedAt = :now, takenOverFrom = :old',
        ConditionExpression: '#owner = :old AND claimedAt = :seen',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':me': ctx.me,
          ':now': ctx.now.toISOString(),
          ':old': claim.owner,
          ':seen': claim.claimedAt,
        },
      },
      this.describe(ctx.reviewId, itemKey),
    );
    return updated !== null;
  }

  private async recordDuplicate(
    ctx: RecordContext,
    found: { owner: string; matchedKey: CitationKey; claimed: CitationKey[]; remaining: CitationKey[] },
  ): Promise<RecordOutcome> {
    let target = found.owner;
    let matchedKey = found.matchedKey;
    if (found.claimed.length > 0) {
      // 2a. Our id holds claims: make it a redirect first, so that no other record with the same strongest
      // key can create it as a citation while (or after) we re-point those claims.
      const slotKey = citationItemKey(ctx.reviewId, ctx.me);
      const written = await this.conditionalPut(
        {
          Item: {
            ...slotKey,
            type: 'redirect',
            citationId: ctx.me,
            redirectTo: target,
            matchedKey,
            createdAt: ctx.now.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
        this.describe(ctx.reviewId, slotKey),
      );
      if (!written) {
        const slot = await this.readSlot(ctx.reviewId, ctx.me);
        if (slot?.type === 'redirect') {
          // An earlier call (or a concurrent one) decided already: follow that decision. Our claims (our
          // strongest key first) are re-pointed to its target, which is what makes it our match.
          target = slot.redirectTo;
          if (target !== found.owner) matchedKey = ctx.keys[0]!;
        } else if (slot?.type === 'citation') {
          // Another record with our strongest key stored our id as a citation first: we belong to it, by the
          // strongest key; the keys owned elsewhere stay there (see "Known limit").
          return this.attachSource(ctx, ctx.me, ctx.keys[0]!, found.claimed);
        } else {
          throw new StoreError(`review "${ctx.reviewId}": citation slot ${ctx.me} vanished`);
        }
      }
    }

    // 2b. Our claims now belong to the target; so do our remaining keys, where nobody else owns them.
    const pointing: CitationKey[] = [matchedKey];
    for (const key of found.claimed) {
      const itemKey = keyClaimItemKey(ctx.reviewId, key);
      const moved = await this.conditionalUpdate(
        {
          Key: itemKey,
          UpdateExpression: 'SET #owner = :target',
          ConditionExpression: '#owner = :me OR #owner = :target',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': ctx.me, ':target': target },
        },
        this.describe(ctx.reviewId, itemKey),
      );
      if (moved && key !== matchedKey) pointing.push(key);
    }
    for (const key of found.remaining) {
      const itemKey = keyClaimItemKey(ctx.reviewId, key);
      const claimed = await this.conditionalPut(
        {
          Item: keyClaimItem({
            reviewId: ctx.reviewId,
            key,
            owner: target,
            claimedAt: ctx.now.toISOString(),
          }),
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :target OR #owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': ctx.me, ':target': target },
        },
        this.describe(ctx.reviewId, itemKey),
      );
      if (claimed && key !== matchedKey) pointing.push(key);
    }

    // 2c. The source record joins the target.
    return this.attachSource(ctx, target, matchedKey, pointing);
  }

  /**
   * ADDs this record's source record (and the keys that now lead to the target) to an existing citation.
   * 'already-known' when the source record was listed before, else 'duplicate'.
   */
  private async attachSource(
    ctx: RecordContext,
    target: string,
    matchedKey: CitationKey,
    aliasKeys: CitationKey[],
  ): Promise<RecordOutcome> {
    const itemKey = citationItemKey(ctx.reviewId, target);
    const why = ctx.mergeReason && target !== ctx.me ? ctx.mergeReason : null;
    const input: Omit<UpdateCommandInput, 'TableName'> = {
      Key: itemKey,
      UpdateExpression: `${why ? 'SET #why = :why ' : ''}${
        aliasKeys.length > 0 ? 'ADD sourceRecords :source, aliasKeys :aliases' : 'ADD sourceRecords :source'
      }`,
      ConditionExpression: 'attribute_exists(#citation)',
      ExpressionAttributeNames: {
        '#citation': 'citation',
        ...(why ? { '#why': `${MERGE_REASON_PREFIX}${ctx.sourceRecord}` } : {}),
      },
      ExpressionAttributeValues: {
        ':source': new Set([ctx.sourceRecord]),
        ...(aliasKeys.length > 0 ? { ':aliases': new Set(aliasKeys) } : {}),
        ...(why ? { ':why': why } : {}),
      },
      ReturnValues: 'UPDATED_OLD',
    };
    const result = await this.conditionalUpdate(input, this.describe(ctx.reviewId, itemKey));
    if (!result) {
      throw new StoreError(`review "${ctx.reviewId}": citation ${target} is not a stored citation`);
    }
    const before = result.Attributes?.sourceRecords as Set<string> | undefined;
    return before?.has(ctx.sourceRecord)
      ? { kind: 'already-known', citationId: target }
      : { kind: 'duplicate', citationId: target, matchedKey };
  }

  private async createCitation(ctx: RecordContext): Promise<RecordOutcome> {
    const { citation, reviewId, me } = ctx;
    const itemKey = citationItemKey(reviewId, me);
    const created = await this.conditionalPut(
      {
        Item: citationItem({
          reviewId,
          citationId: me,
          citation,
          keys: ctx.keys,
          sourceRecord: ctx.sourceRecord,
          queuedAt: ctx.now.toISOString(),
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      this.describe(reviewId, itemKey),
    );
    if (created) {
      await this.countArrival(reviewId, me, ctx.now.toISOString());
      return { kind: 'new', citationId: me };
    }

    // The id is taken: the same work was stored (a re-run, an overlapping window, a concurrent run, another
    // record with the same strongest key), or an earlier call of this record turned it into a redirect.
    const slot = await this.readSlot(reviewId, me);
    if (slot?.type === 'redirect') {
      // Our id leads to another citation: our claims (all made for our id) go there, our strongest key first.
      return this.recordDuplicate(ctx, {
        owner: slot.redirectTo,
        matchedKey: ctx.keys[0]!,
        claimed: ctx.keys,
        remaining: [],
      });
    }
    if (slot?.type !== 'citation') throw new StoreError(`review "${reviewId}": citation ${me} vanished`);
    if (!slot.keys.includes(ctx.keys[0]!)) {
      // Two different strongest keys with the same 80-bit id prefix: refuse rather than merge two works.
      throw new StoreError(
        `review "${reviewId}": citation id ${me} of ${ctx.keys[0]} is already used by ${slot.keys[0]} (id collision)`,
      );
    }
    return this.attachSource(ctx, me, ctx.keys[0]!, ctx.keys);
  }

  /** Step 4: the arrival's tally delta (its `at` is the queue time, so every writer writes the same item). */
  private async countArrival(reviewId: string, citationId: string, queuedAt: string): Promise<void> {
    const item = tallyDeltaItem(reviewId, citationId, 0, arrivalTallies(citationId), queuedAt);
    await this.conditionalPut(
      { Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      this.describe(reviewId, item as unknown as ItemKey),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Reads

  async getCitation(reviewId: string, citationId: string): Promise<StoredCitation | null> {
    const slot = await this.readSlot(reviewId, citationId);
    return slot?.type === 'citation' ? toStoredCitation(slot) : null;
  }

  async getCitationSlots(reviewId: string, citationIds: readonly string[]): Promise<Map<string, PortSlot>> {
    const slots = new Map<string, PortSlot>();
    const unique = [...new Set(citationIds)];
    for (const id of unique) slots.set(id, null);
    const what = `citations of review "${reviewId}" (table "${this.tableName}")`;
    const items = await this.table.batchGet(
      unique.map((id) => citationItemKey(reviewId, id)),
      what,
    );
    for (const item of items) {
      const slot = this.parse(citationSlotSchema, item, `a citation of ${what}`);
      slots.set(
        slot.citationId,
        slot.type === 'citation' ? toStoredCitation(slot) : { redirectTo: slot.redirectTo },
      );
    }
    return slots;
  }

  async listCitations(
    reviewId: string,
  ): Promise<{ citations: StoredCitation[]; redirects: CitationRedirect[] }> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': CITATION_PREFIX },
        ConsistentRead: true,
      },
      undefined,
      `the citations of review "${reviewId}"`,
    );
    const citations: StoredCitation[] = [];
    const redirects: CitationRedirect[] = [];
    for (const item of items) {
      const slot = this.parse(citationSlotSchema, item, `a citation of review "${reviewId}"`);
      if (slot.type === 'citation') citations.push(toStoredCitation(slot));
      else
        redirects.push({
          citationId: slot.citationId,
          redirectTo: slot.redirectTo,
          matchedKey: slot.matchedKey,
        });
    }
    return { citations, redirects };
  }

  async citationIdForKey(reviewId: string, key: CitationKey): Promise<string | null> {
    return (await this.readClaim(reviewId, key))?.owner ?? null;
  }

  async canonicalCitationId(reviewId: string, citationId: string): Promise<string | null> {
    const slot = await this.readSlot(reviewId, citationId);
    if (!slot) return null;
    return slot.type === 'citation' ? citationId : slot.redirectTo;
  }

  async listQueue(reviewId: string, options: { limit?: number } = {}): Promise<QueueEntry[]> {
    const items = await this.queryAll(
      {
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: 'gsi1pk = :queue',
        ExpressionAttributeValues: { ':queue': queuePartition(reviewId) },
        ScanIndexForward: true,
      },
      options.limit,
      `the screening queue of review "${reviewId}"`,
    );
    return items.map((item) => this.parse(queueEntrySchema, item, `queue entry of review "${reviewId}"`));
  }

  async getWatermark(reviewId: string, source: string): Promise<Watermark | null> {
    const itemKey = watermarkItemKey(reviewId, source);
    const Item = await this.get(itemKey, this.describe(reviewId, itemKey));
    return Item ? this.parse(watermarkSchema, Item, this.describe(reviewId, itemKey)) : null;
  }

  async advanceWatermark(watermark: Watermark): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(watermark.completedThrough)) {
      throw new InputError(
        `watermark of review "${watermark.reviewId}" (${watermark.source}): completedThrough "${watermark.completedThrough}" is not YYYY-MM-DD`,
      );
    }
    const itemKey = watermarkItemKey(watermark.reviewId, watermark.source);
    // Forward only: a stale or equal value fails the condition, which is not an error.
    await this.conditionalUpdate(
      {
        Key: itemKey,
        UpdateExpression:
          'SET #type = :type, reviewId = :review, #source = :source, completedThrough = :through, runId = :run, updatedAt = :at',
        ConditionExpression: 'attribute_not_exists(completedThrough) OR completedThrough < :through',
        ExpressionAttributeNames: { '#type': 'type', '#source': 'source' },
        ExpressionAttributeValues: {
          ':type': 'watermark',
          ':review': watermark.reviewId,
          ':source': watermark.source,
          ':through': watermark.completedThrough,
          ':run': watermark.runId,
          ':at': watermark.updatedAt,
        },
      },
      this.describe(watermark.reviewId, itemKey),
    );
  }

  async saveRunLog(run: RunLog): Promise<void> {
    const itemKey = runLogItemKey(run.reviewId, run.startedAt, run.runId);
    const what = this.describe(run.reviewId, itemKey);
    // The same runId and startedAt give the same key: the final log replaces the 'running' one.
    await this.table.put({ Item: { ...itemKey, type: 'run', ...run } }, what);
  }

  async listRunLogs(reviewId: string, options: { limit?: number } = {}): Promise<RunLog[]> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':run': RUN_PREFIX },
        ScanIndexForward: false,
      },
      options.limit,
      `the run logs of review "${reviewId}"`,
    );
    const now = this.clock();
    return items.map((item) => {
      const run: RunLog = this.parse(runLogSchema, item, `run log of review "${reviewId}"`);
      return judgeRun(run, now, run.owner ? this.isRunOwnerRunning(run.owner) : null);
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Primitives

  private describe(reviewId: string, key: ItemKey): string {
    return this.table.describe(reviewId, key);
  }

  private parse<T extends z.ZodType>(schema: T, item: unknown, what: string): z.output<T> {
    return parseItem(schema, item, what);
  }

  private get(key: ItemKey, what: string): Promise<Record<string, unknown> | undefined> {
    return this.table.get(key, what);
  }

  private async readSlot(reviewId: string, id: string): Promise<CitationSlot | null> {
    const itemKey = citationItemKey(reviewId, id);
    const what = this.describe(reviewId, itemKey);
    const Item = await this.get(itemKey, what);
    return Item ? this.parse(citationSlotSchema, Item, what) : null;
  }

  private async readClaim(reviewId: string, key: CitationKey): Promise<Claim | null> {
    const itemKey = keyClaimItemKey(reviewId, key);
    const what = this.describe(reviewId, itemKey);
    const Item = await this.get(itemKey, what);
    return Item ? this.parse(claimItemSchema, Item, what) : null;
  }

  /** True when written, false when the condition failed; anything else throws a StoreError. */
  private conditionalPut(input: Omit<PutCommandInput, 'TableName'>, what: string): Promise<boolean> {
    return this.table.conditionalPut(input, what);
  }

  /** The output when written, null when the condition failed; anything else throws a StoreError. */
  private conditionalUpdate(
    input: Omit<UpdateCommandInput, 'TableName'>,
    what: string,
  ): Promise<UpdateCommandOutput | null> {
    return this.table.conditionalUpdate(input, what);
  }

  private queryAll(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit: number | undefined,
    what: string,
  ): Promise<Record<string, unknown>[]> {
    return this.table.queryAll(input, what, limit);
  }
}

function toStoredCitation(item: CitationItem): StoredCitation {
  const keys = [...item.keys];
  for (const alias of [...(item.aliasKeys ?? [])].sort()) if (!keys.includes(alias)) keys.push(alias);
  return {
    reviewId: item.reviewId,
    citationId: item.citationId,
    citation: item.citation,
    keys,
    sourceRecords: [...item.sourceRecords].sort(),
    queuedAt: item.queuedAt,
    screeningStatus: item.screeningStatus,
    ...mergeReasonsOf(item),
  };
}

function mergeReasonsOf(item: Record<string, unknown>): { mergeReasons?: Record<string, string> } {
  const reasons: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(MERGE_REASON_PREFIX) && typeof value === 'string')
      reasons[name.slice(MERGE_REASON_PREFIX.length)] = value;
  }
  return Object.keys(reasons).length > 0 ? { mergeReasons: reasons } : {};
}
