// Use cases of screening: what a reviewer sees next, recording (and changing) a decision, a reviewer's own
// decisions, conflicts, progress, the team report, direct inclusions and possible duplicates. The HTTP API
// (Lambda and local server), the terminal `screen` command and the CLI all call these; none of them reads the
// store or applies the workflow on its own.
//
// ## Recording an event (a decision, a confirmed duplicate, a direct inclusion), primary course
//   1. Check the reviewer is listed on the review with a screening role and the reason is from the protocol.
//   2. Read the record's heading and its log; replay it and build the event at the next position
//      (seq = version + 1).
//   3. Check the event against the workflow (a rejected decision changes nothing and says why).
//   4. Append it with a conditional write at that position, in one item with its tally delta (tallies after -
//      before) and the writer's mark (when it began projecting). If a concurrent writer took the position first,
//      go back to 2: the decision is judged again against the log as it now is, so nothing is lost and no
//      decision is accepted against a state that no longer holds.
//   5. Project it, in parallel: the reviewer's decision row ("my decisions"); the record's status and queue,
//      after handing a record that became included to onIncluded (includeStudy) or one that became excluded to
//      onExcluded (withdraws a study an arbiter's new result excluded), so an "included" status is only stored
//      once the inclusion is.
//   6. Remove the mark from the event.
// A retry carrying the same eventId finds its event already in the log, completes the projections (and removes
// the mark) and returns without appending. A writer that dies after 4 leaves its mark on the event, whose delta
// waits among those not yet added to the sums (a roll-up leaves a marked event there): the next progress read
// finds a mark older than repairAfterMs, projects that record again from its whole log (every write is
// idempotent, and an event's delta is never written again elsewhere), then removes the mark. So re-running
// converges, and nothing is counted twice (shared/adapters/dynamodb/screening-store.ts).
//
// ## Reading at any size
// Nothing on the path of `next`, a decision or progress reads every record, and each takes a fixed number of
// requests (bench/screening.bench.ts prints them by operation):
// - progress reads the review's tallies (the sums, plus the deltas not yet added to them): 3 requests. The
//   writers' marks are on the events among those deltas (older versions': on the tallies item), so finding the
//   ones to repair costs nothing more;
// - `next` reads the review's board (the tallies item and the reviewers' cursors: one request) and, at once, the
//   heads of the queues that can hold a record for this reviewer (awaiting a first decision, and awaiting a
//   second one after each other screener: a screener's own first decisions are in a queue they never read),
//   oldest first (title/abstract's; full text's after them when those are empty).
//   For the record it picks it stores the reviewer's cursor (the record is held for them for holdMs; the write
//   answers every cursor stored before it) while reading its log (checked, and a projection that lags
//   repaired), the record and its pending pairs. It skips records that others are holding: a record needs two
//   screeners, so two screeners starting together get the same one (both are needed), a third gets the next.
//   1 + queues + 4 requests;
// - a decision: the heading and the log; the append; the decision row and the queue; the mark removed: 6
//   requests.
import type { Citation } from '../domain/citation/citation.ts';
import type { Protocol, Reviewer } from '../domain/protocol/protocol.ts';
import { type RecordView, type StageView, viewFor } from '../domain/screening/blinding.ts';
import {
  type DecisionEvent,
  INCLUDED_DIRECTLY,
  type ReviewerRole,
  type ScreeningEvent,
  STAGES,
  type Stage,
  type Vote,
} from '../domain/screening/events.ts';
import {
  arrivalTallies,
  countsFromTallies,
  type PersonalProgress,
  personalFromTallies,
  recordTallies,
  type ScreeningCounts,
  statusesFromTallies,
  type Tallies,
  talliesDelta,
} from '../domain/screening/report.ts';
import {
  apply,
  awaits,
  decisionRoleFor,
  directInclusionStage,
  firstDecider,
  initialState,
  type RecordState,
  replay,
  ScreeningRuleError,
  type ScreeningStatus,
  stageState,
  statusOf,
} from '../domain/screening/workflow.ts';
import { LivingReviewError, StoreError } from '../errors.ts';
import type {
  CitationHeading,
  Cursor,
  DirtyMark,
  LoggedEvent,
  PossibleDuplicate,
  QueueHead,
  QueueName,
  ReviewBoard,
  ReviewerDecision,
  ScreeningStore,
} from '../ports/screening-store.ts';
import { mapLimited } from './map-limited.ts';

export interface ScreeningDeps {
  /** Only the record is needed (CitationStore fits; so does DynamoScreeningStore.getCitation). */
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  screening: ScreeningStore;
  clock: () => Date;
  /** A fresh unique id (event ids the client did not choose, dirty-mark tokens). */
  newId: () => string;
  /** Appends tried when concurrent writers keep taking the position (default 25). */
  maxAttempts?: number;
  /** How long a record handed out by `next` is held for its reviewer (default 5 minutes). */
  holdMs?: number;
  /** A dirty mark older than this is taken for a writer that died, and its record projected again (10 s). */
  repairAfterMs?: number;
  /**
   * Called when a record becomes included (the composition roots pass includeStudy, so the study enters
   * extraction and statistics; `direct` for an inclusion recorded outside screening). Must be idempotent: it
   * runs before the "included" status is written, and again from a repair if the process died in between.
   */
  onIncluded?: (inclusion: {
    reviewId: string;
    citationId: string;
    includedBy: string;
    direct: boolean;
  }) => Promise<void>;
  /**
   * Called when a record becomes excluded (the composition roots withdraw its study if it had been included:
   * an arbiter changed a settled inclusion). Idempotent, like onIncluded.
   */
  onExcluded?: (exclusion: {
    reviewId: string;
    citationId: string;
    excludedBy: string;
    reasonIds: string[];
  }) => Promise<void>;
}

/** The reviewer is not listed on the review, or not in a role that may do this. HTTP 403. */
export class NotAllowedError extends LivingReviewError {}
/** No such citation or pair in the review. HTTP 404. */
export class NotFoundError extends LivingReviewError {}
/** The request is malformed for this review (a reason the protocol does not list). HTTP 400. */
export class InvalidRequestError extends LivingReviewError {}
/** The workflow does not accept the decision in the record's current state. HTTP 409. */
export class DecisionRejectedError extends LivingReviewError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who is asking, as authenticated by the edge (a local token or a Cognito JWT). */
export interface Actor {
  reviewerId: string;
}

/**
 * The projection format this code writes; a review whose items are older is brought up to it once:
 * 2: the queues, tallies and reviewers' decision rows; 3: every possible-duplicate pair findable from both
 * of its citations.
 */
export const PROJECTION_VERSION = 3;
const DEFAULT_HOLD_MS = 5 * 60_000;
const DEFAULT_REPAIR_AFTER_MS = 10_000;
/** Deltas waiting to be added to the sums before a progress read adds them (bounds what every read reads). */
const ROLLUP_BACKLOG = 100;

function reviewerOf(protocol: Protocol, actor: Actor): Reviewer {
  const reviewer = protocol.reviewers.find((r) => r.id === actor.reviewerId);
  if (!reviewer) {
    throw new NotAllowedError(`${actor.reviewerId} is not a reviewer of review "${protocol.id}"`);
  }
  return reviewer;
}

function screeningReviewerOf(protocol: Protocol, actor: Actor): Reviewer {
  const reviewer = reviewerOf(protocol, actor);
  if (!reviewer.roles.includes('screener') && !reviewer.roles.includes('arbiter')) {
    throw new NotAllowedError(`${reviewer.id} neither screens nor arbitrates review "${protocol.id}"`);
  }
  return reviewer;
}

export interface ReviewSummary {
  id: string;
  title: string;
  stages: readonly Stage[];
  exclusionReasons: Array<{ id: string; label: string }>;
  keyTerms: string[];
  me: { id: string; name: string; roles: Reviewer['roles'] };
  /** The review declares an appraisal (the page offers its appraisal view to appraisers and arbiters). */
  appraises: boolean;
  /**
   * The review declares extraction verification and the reviewer takes part in it (verifies, extracts or
   * arbitrates): the page offers its verification view.
   */
  verifies: boolean;
}

export function reviewSummary(protocol: Protocol, actor: Actor): ReviewSummary {
  const me = reviewerOf(protocol, actor);
  return {
    id: protocol.id,
    title: protocol.title,
    stages: STAGES,
    exclusionReasons: protocol.exclusionReasons.map((r) => ({ id: r.id, label: r.label })),
    keyTerms: protocol.keyTerms,
    me: { id: me.id, name: me.name, roles: me.roles },
    appraises: protocol.appraisal !== undefined,
    verifies:
      protocol.verification !== undefined &&
      me.roles.some(
        (role) => role === protocol.verification!.role || role === 'extractor' || role === 'arbiter',
      ),
  };
}

/** The reviews `actor` is listed on. */
export function reviewsOf(protocols: readonly Protocol[], actor: Actor) {
  return protocols
    .filter((p) => p.reviewers.some((r) => r.id === actor.reviewerId))
    .map((p) => ({
      id: p.id,
      title: p.title,
      roles: p.reviewers.find((r) => r.id === actor.reviewerId)!.roles,
    }));
}

// ---------------------------------------------------------------------------------------------------------
// Projections

/** Every state of a log, from the initial one (index 0) to the last (index = version). */
function statesOf(citationId: string, events: readonly ScreeningEvent[]): RecordState[] {
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  const states = [initialState(citationId)];
  for (let i = 1; i <= ordered.length; i++) states.push(replay(citationId, ordered.slice(0, i)));
  return states;
}

function reviewerDecisionOf(event: DecisionEvent, citation: CitationHeading): ReviewerDecision {
  return {
    reviewerId: event.reviewerId,
    citationId: event.citationId,
    stage: event.stage,
    role: event.role,
    decision: event.decision,
    reasonId: event.reasonId,
    note: event.note,
    at: event.at,
    seq: event.seq,
    title: citation.title,
    year: citation.year,
  };
}

/** Hands an inclusion or exclusion on, then stores the record's status and queue. */
async function saveOutcome(deps: ScreeningDeps, reviewId: string, state: RecordState): Promise<void> {
  const status = statusOf(state);
  const last = state.stages[state.stages.length - 1];
  const lastEvent = state.events[state.events.length - 1];
  if (status === 'included' && deps.onIncluded && last?.result) {
    await deps.onIncluded({
      reviewId,
      citationId: state.citationId,
      includedBy: last.result.settler ?? lastEvent?.reviewerId ?? 'screening',
      direct: last.result.settledBy === 'direct',
    });
  }
  if (status === 'excluded' && deps.onExcluded && last?.result) {
    await deps.onExcluded({
      reviewId,
      citationId: state.citationId,
      excludedBy: last.result.settler ?? lastEvent?.reviewerId ?? 'screening',
      reasonIds: last.result.reasonIds,
    });
  }
  await deps.screening.saveProjection(reviewId, state.citationId, {
    version: state.version,
    status,
    firstDecider: firstDecider(state),
  });
}

/** Step 5 for one new event (its tally delta came with the append). */
async function projectEvent(
  deps: ScreeningDeps,
  reviewId: string,
  after: RecordState,
  event: ScreeningEvent,
  citation: CitationHeading,
): Promise<void> {
  await Promise.all([
    event.type === 'decision' && event.role !== 'direct'
      ? deps.screening.putReviewerDecision(reviewId, reviewerDecisionOf(event, citation))
      : Promise.resolve(),
    saveOutcome(deps, reviewId, after),
  ]);
}

/**
 * Every projection of one record from its whole log (a repair, a rebuild): each event's tally delta (and the
 * arrival's) unless its item carries it, each reviewer's latest decision per stage, the status. Every write
 * is idempotent.
 */
async function projectRecord(
  deps: ScreeningDeps,
  reviewId: string,
  citationId: string,
  options: { log?: LoggedEvent[]; skipDeltas?: ReadonlySet<string>; queuedAt?: string } = {},
): Promise<RecordState> {
  const [log, heading] = await Promise.all([
    options.log ?? deps.screening.listLog(reviewId, citationId),
    deps.screening.citationHeading(reviewId, citationId),
  ]);
  const events = log.map((entry) => entry.event);
  const counted = new Set(log.filter((entry) => entry.counted).map((entry) => entry.event.seq));
  const states = statesOf(citationId, events);
  const final = states[states.length - 1]!;
  if (!heading) return final;
  const has = (seq: number) => counted.has(seq) || (options.skipDeltas?.has(`${citationId}#${seq}`) ?? false);
  const writes: Promise<unknown>[] = [];
  if (!has(0)) {
    const at = options.queuedAt ?? events[0]?.at ?? deps.clock().toISOString();
    writes.push(deps.screening.putTallyDelta(reviewId, citationId, 0, arrivalTallies(citationId), at));
  }
  for (let i = 1; i < states.length; i++) {
    const event = final.events[i - 1]!;
    if (has(event.seq)) continue;
    writes.push(
      deps.screening.putTallyDelta(
        reviewId,
        citationId,
        event.seq,
        talliesDelta(recordTallies(states[i - 1]!), recordTallies(states[i]!)),
        event.at,
      ),
    );
  }
  const latest = new Map<string, DecisionEvent>();
  for (const event of final.events) {
    if (event.type === 'decision' && event.role !== 'direct')
      latest.set(`${event.reviewerId}|${event.stage}`, event);
  }
  for (const event of latest.values()) {
    writes.push(deps.screening.putReviewerDecision(reviewId, reviewerDecisionOf(event, heading)));
  }
  await Promise.all(writes);
  await saveOutcome(deps, reviewId, final);
  return final;
}

/**
 * Completes the projections of records whose writer left a dirty mark older than repairAfterMs. `known`: the
 * marks the caller read with the board or the tallies (the hot paths); else every mark is listed, those left
 * by earlier versions too (conflicts, the status report).
 */
async function repairDirty(deps: ScreeningDeps, reviewId: string, known?: DirtyMark[]): Promise<number> {
  const marks = known ?? (await deps.screening.listDirty(reviewId));
  const cutoff = deps.clock().getTime() - (deps.repairAfterMs ?? DEFAULT_REPAIR_AFTER_MS);
  const stale = marks.filter((m) => Date.parse(m.at) < cutoff);
  if (stale.length === 0) return 0;
  const records = [...new Set(stale.map((m) => m.citationId))];
  await mapLimited(records, 4, (citationId) => projectRecord(deps, reviewId, citationId));
  await Promise.all(stale.map((mark) => deps.screening.clearDirty(reviewId, mark)));
  return records.length;
}

/**
 * Brings a review's projections up to PROJECTION_VERSION once (a review screened before they existed, one
 * whose citations were imported before anyone screened it, or one whose pairs have no mirrors yet), writing
 * only what is missing or out of date. Idempotent; two processes doing it at once is harmless.
 */
async function ensureProjected(deps: ScreeningDeps, reviewId: string, version: number): Promise<void> {
  if (version >= PROJECTION_VERSION) return;
  if (version < 2) await projectWholeReview(deps, reviewId);
  await deps.screening.mirrorPossibleDuplicates(reviewId);
  await deps.screening.setProjectionVersion(reviewId, PROJECTION_VERSION);
}

/** Version 2: every record's queue, tallies and decision rows, written where missing or out of date. */
async function projectWholeReview(deps: ScreeningDeps, reviewId: string): Promise<void> {
  // Every key of a delta stored (events that carry their own included), so none is written twice.
  const [entries, events, deltaKeys] = await Promise.all([
    deps.screening.listCitations(reviewId),
    deps.screening.listReviewEvents(reviewId),
    deps.screening.listTallyDeltaKeys(reviewId),
  ]);
  const logs = groupEvents(events);
  await mapLimited(entries, 8, async (entry) => {
    const log = logs.get(entry.citationId) ?? [];
    const state = replay(entry.citationId, log);
    const missingDelta = [0, ...log.map((e) => e.seq)].some(
      (seq) => !deltaKeys.has(`${entry.citationId}#${seq}`),
    );
    const lagging =
      entry.version !== state.version ||
      entry.status !== statusOf(state) ||
      entry.firstDecider !== firstDecider(state);
    if (missingDelta || lagging || log.length > 0) {
      await projectRecord(deps, reviewId, entry.citationId, {
        log: log.map((event) => ({ event, counted: false, projecting: null })),
        skipDeltas: deltaKeys,
        queuedAt: entry.queuedAt,
      });
    }
  });
}

export function groupEvents(events: readonly ScreeningEvent[]): Map<string, ScreeningEvent[]> {
  const logs = new Map<string, ScreeningEvent[]>();
  for (const event of events) {
    const log = logs.get(event.citationId) ?? [];
    log.push(event);
    logs.set(event.citationId, log);
  }
  return logs;
}

/** Steps 2-6 of recording an event (see the header). */
async function appendWithProjections(
  deps: ScreeningDeps,
  reviewId: string,
  citationId: string,
  eventId: string | null,
  build: (state: RecordState) => ScreeningEvent | null,
): Promise<{ recorded: boolean; state: RecordState; existing: ScreeningEvent | null }> {
  // The record's heading and its log at once.
  let [heading, log] = await Promise.all([
    deps.screening.citationHeading(reviewId, citationId),
    deps.screening.listLog(reviewId, citationId),
  ]);
  if (!heading) throw new NotFoundError(`no citation ${citationId} in review "${reviewId}"`);
  const attempts = deps.maxAttempts ?? 25;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const state = replay(
      citationId,
      log.map((entry) => entry.event),
    );
    const logged = eventId ? log.find((entry) => entry.event.eventId === eventId) : undefined;
    const existing = logged?.event ?? null;
    const event = existing ? null : build(state);
    if (!event) {
      // A retry: complete what its first attempt may have left undone (and remove its mark). Or nothing to do.
      if (logged) {
        await projectRecord(deps, reviewId, citationId, { log });
        if (logged.projecting)
          await deps.screening.clearDirty(reviewId, markOf(logged.event, logged.projecting));
      }
      return { recorded: false, state, existing };
    }
    const next = apply(state, event);
    // The event, its tally delta and the writer's mark in one conditional write: a writer that dies after it
    // leaves the mark for the next read of the tallies to find (repairDirty).
    const projecting = deps.clock().toISOString();
    const delta = talliesDelta(recordTallies(state), recordTallies(next));
    if (await deps.screening.appendEvent(reviewId, event, { delta, projecting })) {
      await projectEvent(deps, reviewId, next, event, heading);
      await deps.screening.clearDirty(reviewId, markOf(event, projecting));
      return { recorded: true, state: next, existing: null };
    }
    log = await deps.screening.listLog(reviewId, citationId);
  }
  throw new StoreError(`could not record on ${citationId}: too many concurrent writers`, { retryable: true });
}

/** The mark a writer put on the event it appended. */
function markOf(event: ScreeningEvent, projecting: string): DirtyMark {
  return { citationId: event.citationId, token: event.eventId, at: projecting, seq: event.seq };
}

// ---------------------------------------------------------------------------------------------------------
// Records as a reviewer sees them

export interface TwinSummary {
  citationId: string;
  title: string;
  authors: Citation['authors'];
  journal: string | null;
  year: number | null;
  pmid: string | null;
  doi: string | null;
}

export interface RecordPayload {
  citation: Citation;
  view: RecordView;
  possibleDuplicates: Array<{
    pairId: string;
    reason: string;
    /** The fields that agreed and those that differed, as the dedup gave them (empty for older pairs). */
    agreed: string[];
    differed: string[];
    score: number | null;
    twin: TwinSummary | null;
  }>;
}

function twinSummary(citationId: string, citation: Citation): TwinSummary {
  return {
    citationId,
    title: citation.title,
    authors: citation.authors,
    journal: citation.journal?.title ?? citation.bookTitle,
    year: citation.year,
    pmid: citation.pmid,
    doi: citation.doi,
  };
}

async function payload(
  deps: ScreeningDeps,
  protocol: Protocol,
  reviewer: Reviewer,
  state: RecordState,
  known?: { stored: { citation: Citation } | null; pairs: PossibleDuplicate[] },
): Promise<RecordPayload> {
  const { stored, pairs } = known ?? {
    stored: await deps.citations.getCitation(protocol.id, state.citationId),
    pairs: await deps.screening.listPendingDuplicatesOf(protocol.id, state.citationId),
  };
  if (!stored) throw new NotFoundError(`no citation ${state.citationId} in review "${protocol.id}"`);
  const possibleDuplicates = await Promise.all(
    pairs.map(async (pair) => {
      const twinId = pair.citationId === state.citationId ? pair.twinId : pair.citationId;
      const twin = await deps.citations.getCitation(protocol.id, twinId);
      return {
        pairId: pair.pairId,
        reason: pair.reason,
        agreed: pair.agreed ?? [],
        differed: pair.differed ?? [],
        score: pair.score,
        twin: twin ? twinSummary(twinId, twin.citation) : null,
      };
    }),
  );
  return { citation: stored.citation, view: viewFor(state, reviewer), possibleDuplicates };
}

export interface NextOptions {
  /** "screener": the next record awaiting my decision; "arbiter": the next conflict I may settle. */
  as: ReviewerRole;
  /** Records to pass over (skipped in this session). */
  skip?: readonly string[];
}

const AWAITING_FIRST: Record<Stage, ScreeningStatus> = {
  'title-abstract': 'awaiting-screening',
  'full-text': 'full-text-awaiting-first',
};
const AWAITING_SECOND: Record<Stage, ScreeningStatus> = {
  'title-abstract': 'title-abstract-awaiting-second',
  'full-text': 'full-text-awaiting-second',
};
const IN_CONFLICT: Record<Stage, ScreeningStatus> = {
  'title-abstract': 'title-abstract-conflict',
  'full-text': 'full-text-conflict',
};

/** Screeners whose first decisions may be waiting for a second one: the protocol's, and any in the tallies. */
function firstDeciders(protocol: Protocol, tallies: Tallies): string[] {
  const ids = new Set(protocol.reviewers.filter((r) => r.roles.includes('screener')).map((r) => r.id));
  for (const [name, value] of Object.entries(tallies)) {
    const match = /^(?:title-abstract|full-text):awaiting-decided-by:(.+)$/.exec(name);
    if (match && value > 0) ids.add(match[1]!);
  }
  return [...ids];
}

interface QueueSlot {
  queue: QueueName;
  /** How many reviewers the record still needs in this role (2 awaiting a first decision, else 1). */
  capacity: number;
}

type QueuePage = { entries: QueueHead[]; more: boolean };
const queueKey = (queue: QueueName) => `${queue.status}#${queue.firstDecider ?? ''}`;

/** The queues that can hold a record for `reviewerId` at `stage` (deciders: the screeners who decided first). */
function queueSlots(as: ReviewerRole, stage: Stage, deciders: readonly string[]): QueueSlot[] {
  return as === 'arbiter'
    ? [{ queue: { status: IN_CONFLICT[stage] }, capacity: 1 }]
    : [
        { queue: { status: AWAITING_FIRST[stage] }, capacity: 2 },
        ...deciders.map((id) => ({
          queue: { status: AWAITING_SECOND[stage], firstDecider: id },
          capacity: 1,
        })),
      ];
}

/** Merges a stage's queues oldest first, reading each a page at a time. */
async function* mergedQueues(
  deps: ScreeningDeps,
  reviewId: string,
  slots: readonly QueueSlot[],
  pageSize: number,
  firstPages?: ReadonlyMap<string, QueuePage>,
): AsyncGenerator<{ head: QueueHead; slot: QueueSlot }> {
  const readers = slots.map((slot) => {
    // A first page already read (while the board was): the reader goes on after it.
    const first = firstPages?.get(queueKey(slot.queue));
    return {
      slot,
      buffer: [...(first?.entries ?? [])],
      more: first?.more ?? true,
      after: first?.entries.at(-1)?.position,
    };
  });
  const fill = async (reader: (typeof readers)[number]) => {
    if (reader.buffer.length > 0 || !reader.more) return;
    const page = await deps.screening.queueHeads(reviewId, reader.slot.queue, {
      limit: pageSize,
      ...(reader.after ? { after: reader.after } : {}),
    });
    reader.buffer.push(...page.entries);
    reader.more = page.more;
    reader.after = page.entries.at(-1)?.position ?? reader.after;
  };
  for (;;) {
    await Promise.all(readers.map(fill));
    const live = readers.filter((r) => r.buffer.length > 0);
    if (live.length === 0) return;
    const oldest = live.reduce((a, b) => (a.buffer[0]!.position <= b.buffer[0]!.position ? a : b));
    yield { head: oldest.buffer.shift()!, slot: oldest.slot };
  }
}

function liveHolds(
  board: Pick<ReviewBoard, 'cursors'>,
  reviewerId: string,
  as: ReviewerRole,
  now: Date,
): Cursor[] {
  return board.cursors.filter(
    (c) => c.reviewerId !== reviewerId && c.as === as && Date.parse(c.until) > now.getTime(),
  );
}

function holdersOf(holds: readonly Cursor[], citationId: string, stage: Stage, queue: QueueName): Cursor[] {
  // The screener whose first decision the record holds is not taking a slot any more.
  return holds.filter(
    (h) => h.citationId === citationId && h.stage === stage && h.reviewerId !== queue.firstDecider,
  );
}

interface Picked {
  state: RecordState;
  stage: Stage;
  /** The reviewer's cursor, already stored: the record is held for them (unless others were earlier). */
  cursor: Cursor;
  /** Every cursor as the write of this one found them: those stored before it. */
  cursors: Cursor[];
  stored: { citation: Citation } | null;
  pairs: PossibleDuplicate[];
}

/**
 * The oldest record that awaits `reviewer` and is not held by as many others as it needs. Each candidate's
 * log, record and pending pairs are read while its cursor is stored (one round trip, not two); a candidate
 * whose log says it does not await the reviewer after all (a projection that lags) is repaired and passed
 * over, and if none is left the cursor is released again.
 */
async function pick(
  deps: ScreeningDeps,
  protocol: Protocol,
  reviewer: Reviewer,
  as: ReviewerRole,
  skip: ReadonlySet<string>,
  board: ReviewBoard,
  now: Date,
  cursorFor: (citationId: string, stage: Stage) => Cursor,
  firstPages?: ReadonlyMap<string, QueuePage>,
): Promise<Picked | null> {
  const holds = liveHolds(board, reviewer.id, as, now);
  const deciders = firstDeciders(protocol, board.rolledTallies).filter((id) => id !== reviewer.id);
  let passedOver: Cursor | null = null;
  for (const stage of STAGES) {
    const slots = queueSlots(as, stage, deciders);
    const pageSize = skip.size + holds.length + 4;
    const first = stage === STAGES[0] ? firstPages : undefined;
    for await (const { head, slot } of mergedQueues(deps, protocol.id, slots, pageSize, first)) {
      if (skip.has(head.citationId)) continue;
      if (holdersOf(holds, head.citationId, stage, slot.queue).length >= slot.capacity) continue;
      const cursor = cursorFor(head.citationId, stage);
      const [log, cursors, stored, pairs] = await Promise.all([
        deps.screening.listLog(protocol.id, head.citationId),
        deps.screening.putCursor(protocol.id, cursor),
        deps.citations.getCitation(protocol.id, head.citationId),
        deps.screening.listPendingDuplicatesOf(protocol.id, head.citationId),
      ]);
      // The queue is a projection: check the record against its log, and repair a projection that lags.
      const state = replay(
        head.citationId,
        log.map((entry) => entry.event),
      );
      if (
        statusOf(state) !== slot.queue.status ||
        firstDecider(state) !== (slot.queue.firstDecider ?? null)
      ) {
        await projectRecord(deps, protocol.id, head.citationId, { log });
      }
      if (state.stage === stage && awaits(state, reviewer, as))
        return { state, stage, cursor, cursors, stored, pairs };
      passedOver = cursor;
    }
  }
  // Nothing for the reviewer: release the record their cursor was just put on (it does not await them).
  if (passedOver) await deps.screening.putCursor(protocol.id, { ...passedOver, until: passedOver.since });
  return null;
}

/** The next record for `actor`: title/abstract before full text, oldest first within a stage. */
export async function nextRecord(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
  options: NextOptions,
): Promise<RecordPayload | null> {
  const reviewer = screeningReviewerOf(protocol, actor);
  if (!reviewer.roles.includes(options.as)) {
    throw new NotAllowedError(`${reviewer.id} is not a ${options.as} of review "${protocol.id}"`);
  }
  const peers = protocol.reviewers.filter((r) => r.roles.includes(options.as)).map((r) => r.id);
  const skip = new Set(options.skip ?? []);
  // The first stage's queues (of the protocol's screeners) are read with the board, not after it: a page as
  // long as any holds could need (the holds are only known from the board).
  const firstSlots = queueSlots(
    options.as,
    STAGES[0],
    firstDeciders(protocol, {}).filter((id) => id !== reviewer.id),
  );
  const [read, pages] = await Promise.all([
    deps.screening.readBoard(protocol.id, peers),
    Promise.all(
      firstSlots.map((slot) =>
        deps.screening.queueHeads(protocol.id, slot.queue, { limit: skip.size + peers.length + 4 }),
      ),
    ),
  ]);
  let board = read;
  let firstPages: Map<string, QueuePage> | undefined = new Map(
    firstSlots.map((slot, i) => [queueKey(slot.queue), pages[i]!]),
  );
  // A repair or an upgrade may move records between queues: read them again after it.
  if ((await repairDirty(deps, protocol.id, board.dirty)) > 0) firstPages = undefined;
  if (board.projectionVersion < PROJECTION_VERSION) {
    await ensureProjected(deps, protocol.id, board.projectionVersion);
    firstPages = undefined;
  }
  const now = deps.clock();
  const holdMs = deps.holdMs ?? DEFAULT_HOLD_MS;
  const cursorFor = (citationId: string, stage: Stage): Cursor => {
    const since = deps.clock();
    return {
      reviewerId: reviewer.id,
      citationId,
      stage,
      as: options.as,
      since: since.toISOString(),
      until: new Date(since.getTime() + holdMs).toISOString(),
    };
  };
  for (let round = 0; round < 3; round++) {
    const picked = await pick(deps, protocol, reviewer, options.as, skip, board, now, cursorFor, firstPages);
    firstPages = undefined; // read before records were skipped: a later round reads its own
    if (!picked) return null;
    const { cursor } = picked;
    // Handed the same record at the same moment as others beyond what it needs? Those whose cursors were
    // stored first keep it: the write of this reviewer's answered the cursors stored before it (and every
    // later writer sees this one), so of any number of claims at once exactly `capacity` hold.
    board = { ...board, cursors: picked.cursors };
    const current = stageState(picked.state, picked.stage)!;
    const queue: QueueName =
      current.phase === 'awaiting-second'
        ? { status: AWAITING_SECOND[picked.stage], firstDecider: current.screenerDecisions[0]!.reviewerId }
        : {
            status:
              current.phase === 'awaiting-first' ? AWAITING_FIRST[picked.stage] : IN_CONFLICT[picked.stage],
          };
    const capacity = options.as === 'arbiter' ? 1 : current.phase === 'awaiting-first' ? 2 : 1;
    const earlier = holdersOf(
      liveHolds(board, reviewer.id, options.as, now),
      cursor.citationId,
      picked.stage,
      queue,
    );
    if (earlier.length < capacity) {
      return payload(deps, protocol, reviewer, picked.state, { stored: picked.stored, pairs: picked.pairs });
    }
    skip.add(cursor.citationId);
  }
  return null;
}

export async function getRecord(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
  citationId: string,
): Promise<RecordPayload> {
  const reviewer = screeningReviewerOf(protocol, actor);
  const events = await deps.screening.listEvents(protocol.id, citationId);
  return payload(deps, protocol, reviewer, replay(citationId, events));
}

// ---------------------------------------------------------------------------------------------------------
// Decisions

export interface DecisionInput {
  stage: Stage;
  decision: Vote;
  reasonId: string | null;
  note: string | null;
  /** Makes a retry safe: the same id is recorded once. */
  eventId?: string;
}

export interface DecisionOutcome {
  /** False when an event with the same id was already recorded (a retry): nothing was written. */
  recorded: boolean;
  /** The record as the decider may now see it. */
  view: RecordView;
}

function rejected(error: unknown): never {
  if (error instanceof ScreeningRuleError) throw new DecisionRejectedError(error.code, error.message);
  throw error;
}

/**
 * Records a decision, or a change of one: until the stage settles a new decision replaces the reviewer's
 * earlier one; afterwards a screener's change reopens the stage for the arbiter (the workflow's rules).
 */
export async function recordDecision(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
  citationId: string,
  input: DecisionInput,
): Promise<DecisionOutcome> {
  const reviewer = screeningReviewerOf(protocol, actor);
  if (input.reasonId !== null && !protocol.exclusionReasons.some((r) => r.id === input.reasonId)) {
    throw new InvalidRequestError(`review "${protocol.id}" has no exclusion reason "${input.reasonId}"`);
  }
  const eventId = input.eventId ?? deps.newId();
  const result = await appendWithProjections(deps, protocol.id, citationId, eventId, (state) => ({
    type: 'decision',
    seq: state.version + 1,
    eventId,
    citationId,
    reviewerId: reviewer.id,
    at: deps.clock().toISOString(),
    stage: input.stage,
    role:
      decisionRoleFor(state, reviewer, input.stage) ??
      (reviewer.roles.includes('screener') ? 'screener' : 'arbiter'),
    decision: input.decision,
    reasonId: input.reasonId,
    note: input.note,
  })).catch(rejected);
  if (result.existing && result.existing.reviewerId !== reviewer.id) {
    throw new DecisionRejectedError('event-id-reused', `event id "${eventId}" is already used`);
  }
  return { recorded: result.recorded, view: viewFor(result.state, reviewer) };
}

export type DirectInclusion =
  /** Recorded: the record is now included (its open stages settled "included directly"). */
  | { kind: 'included'; state: RecordState }
  /** It was included already: nothing recorded. */
  | { kind: 'already-included'; state: RecordState }
  /** Recorded, but a stage had settled on "exclude": the stage is now with the arbiter. */
  | { kind: 'contested'; state: RecordState; stage: Stage }
  /** Excluded: the arbiter kept the exclusion after an earlier direct inclusion. Nothing recorded. */
  | { kind: 'excluded'; state: RecordState }
  /** A confirmed duplicate: nothing recorded. */
  | { kind: 'duplicate'; state: RecordState };

/**
 * `living-review include` of a citation in the review: settles it in screening as a decision by `by` ("included
 * directly"), so screening and the included studies tell one story. See the workflow for what follows.
 */
export async function includeDirectly(
  deps: ScreeningDeps,
  protocol: Protocol,
  citationId: string,
  by: string,
): Promise<DirectInclusion> {
  let target: Stage | null = null;
  const result = await appendWithProjections(deps, protocol.id, citationId, null, (state) => {
    target = directInclusionStage(state);
    const eventId = `direct-${target}`;
    if (!target || state.events.some((e) => e.eventId === eventId)) return null;
    return {
      type: 'decision',
      seq: state.version + 1,
      eventId,
      citationId,
      reviewerId: by,
      at: deps.clock().toISOString(),
      stage: target,
      role: 'direct',
      decision: 'include',
      reasonId: null,
      note: INCLUDED_DIRECTLY,
    };
  });
  const { state } = result;
  if (state.outcome === 'duplicate') return { kind: 'duplicate', state };
  if (state.outcome === 'included') return { kind: result.recorded ? 'included' : 'already-included', state };
  if (state.outcome === 'excluded') return { kind: 'excluded', state };
  // A stage that had settled on "exclude" (now, or at an earlier `include`) is with the arbiter.
  return { kind: 'contested', state, stage: target ?? state.stage ?? 'title-abstract' };
}

// ---------------------------------------------------------------------------------------------------------
// My decisions

export interface DecisionFilters {
  stage?: Stage;
  decision?: Vote;
  reasonId?: string;
  /** Words to find in the title or abstract (case and accents ignored). */
  text?: string;
  /** Rows wanted (default 50); a page may hold a few more. */
  limit?: number;
  /** The `next` of the previous page. */
  after?: string | null;
}

export interface MyDecision {
  citationId: string;
  title: string;
  year: number | null;
  stage: Stage;
  role: ReviewerRole | 'direct';
  decision: Vote;
  reasonId: string | null;
  note: string | null;
  at: string;
  /** The stage as the reviewer may see it now (blinded: the other screener's decision shows once settled). */
  stageView: StageView | null;
  /** Where the record stands (its stage that needs a decision; its outcome). */
  record: { stage: Stage | null; outcome: RecordView['outcome'] };
}

function folded(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A reviewer's own decisions, newest first, filtered; each with the blinded view of its stage. */
export async function myDecisions(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
  filters: DecisionFilters = {},
): Promise<{ decisions: MyDecision[]; next: string | null }> {
  const reviewer = screeningReviewerOf(protocol, actor);
  const limit = filters.limit ?? 50;
  const words = filters.text ? folded(filters.text).split(/\s+/).filter(Boolean) : [];
  const matches: ReviewerDecision[] = [];
  let after = filters.after ?? null;
  do {
    const page = await deps.screening.listReviewerDecisions(protocol.id, reviewer.id, {
      limit: Math.max(limit, 100),
      after,
    });
    after = page.next;
    const candidates = page.decisions.filter(
      (d) =>
        (!filters.stage || d.stage === filters.stage) &&
        (!filters.decision || d.decision === filters.decision) &&
        (!filters.reasonId || d.reasonId === filters.reasonId),
    );
    if (words.length === 0) matches.push(...candidates);
    else {
      const found = await mapLimited(candidates, 8, async (d) => {
        const stored = await deps.citations.getCitation(protocol.id, d.citationId);
        const text = folded([d.title, ...(stored?.citation.abstract ?? []).map((s) => s.text)].join(' '));
        return words.every((w) => text.includes(w)) ? d : null;
      });
      matches.push(...found.filter((d): d is ReviewerDecision => d !== null));
    }
  } while (after && matches.length < limit);
  const decisions = await mapLimited(matches, 8, async (d): Promise<MyDecision> => {
    const state = replay(d.citationId, await deps.screening.listEvents(protocol.id, d.citationId));
    const view = viewFor(state, reviewer);
    return {
      citationId: d.citationId,
      title: d.title,
      year: d.year,
      stage: d.stage,
      role: d.role,
      decision: d.decision,
      reasonId: d.reasonId,
      note: d.note,
      at: d.at,
      stageView: view.stages.find((s) => s.stage === d.stage) ?? null,
      record: { stage: view.stage, outcome: view.outcome },
    };
  });
  return { decisions, next: after };
}

// ---------------------------------------------------------------------------------------------------------
// Conflicts, progress, status

export interface ConflictEntry {
  citationId: string;
  title: string;
  year: number | null;
  stage: Stage;
  view: RecordView;
}

/** Every record with a stage in conflict or reopened, checked against its log (repairing lagging ones). */
async function conflictStates(
  deps: ScreeningDeps,
  reviewId: string,
): Promise<Array<{ head: QueueHead; stage: Stage; state: RecordState }>> {
  // The stages' queues at once (a command's requests are most of its time), listed in stage order.
  const perStage = await Promise.all(
    STAGES.map(async (stage) => {
      const heads: QueueHead[] = [];
      for await (const { head } of mergedQueues(
        deps,
        reviewId,
        [{ queue: { status: IN_CONFLICT[stage] }, capacity: 1 }],
        200,
      )) {
        heads.push(head);
      }
      const states = await mapLimited(heads, 8, async (head) => {
        const log = await deps.screening.listLog(reviewId, head.citationId);
        const state = replay(
          head.citationId,
          log.map((entry) => entry.event),
        );
        if (statusOf(state) !== IN_CONFLICT[stage])
          await projectRecord(deps, reviewId, head.citationId, { log });
        return { head, stage, state };
      });
      return states.filter((s) => statusOf(s.state) === IN_CONFLICT[stage]);
    }),
  );
  return perStage.flat();
}

/** The conflicts `actor` (an arbiter) may settle, title/abstract first, oldest first. */
export async function listConflicts(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
): Promise<ConflictEntry[]> {
  const reviewer = reviewerOf(protocol, actor);
  if (!reviewer.roles.includes('arbiter')) {
    throw new NotAllowedError(`${reviewer.id} is not an arbiter of review "${protocol.id}"`);
  }
  await repairDirty(deps, protocol.id);
  const board = await deps.screening.readBoard(protocol.id, []);
  await ensureProjected(deps, protocol.id, board.projectionVersion);
  return (await conflictStates(deps, protocol.id))
    .filter(({ state }) => awaits(state, reviewer, 'arbiter'))
    .map(({ head, stage, state }) => ({
      citationId: head.citationId,
      title: head.title,
      year: head.year,
      stage,
      view: viewFor(state, reviewer),
    }));
}

/**
 * The review's tallies, complete: dirty records repaired, projections brought up to date, and the deltas
 * added to the sums when more than a few wait (so the next read stays small).
 */
async function currentTallies(deps: ScreeningDeps, reviewId: string): Promise<Tallies> {
  const read = await deps.screening.readTallies(reviewId);
  let stale = (await repairDirty(deps, reviewId, read.dirty)) > 0;
  if (read.projectionVersion < PROJECTION_VERSION) {
    await ensureProjected(deps, reviewId, read.projectionVersion);
    stale = true;
  }
  if (read.backlog > ROLLUP_BACKLOG) {
    await deps.screening.rollUpTallies(reviewId);
    stale = true;
  }
  return stale ? (await deps.screening.readTallies(reviewId)).tallies : read.tallies;
}

export interface ProgressPayload {
  mine: PersonalProgress;
  /**
   * The team's counts and kappa (without the list of conflicts: GET conflicts gives an arbiter theirs). Only
   * for reviewers who arbitrate and do not screen: next to a screener's own decisions, a conflict count gives
   * the other screener's decision away.
   */
  team: ScreeningCounts | null;
}

export async function progress(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
): Promise<ProgressPayload> {
  const reviewer = reviewerOf(protocol, actor);
  const tallies = await currentTallies(deps, protocol.id);
  const team =
    reviewer.roles.includes('arbiter') && !reviewer.roles.includes('screener')
      ? countsFromTallies(tallies)
      : null;
  return { mine: personalFromTallies(tallies, reviewer), team };
}

export interface StatusReport extends ScreeningCounts {
  reviewId: string;
  conflicts: Array<{ citationId: string; stage: Stage }>;
  conflictDetails: Array<{ citationId: string; stage: Stage; title: string }>;
  statuses: Partial<Record<ScreeningStatus, number>>;
  /** Included studies as the statistics count them (shared/app/include-study.ts: pooledStudies). */
  includedStudies: number;
  /** As the living report's PRISMA flow counts them: extra source records folded by the dedup, plus confirmed. */
  duplicatesMerged: { automatic: number; confirmedByReviewers: number; total: number };
}

export interface StatusDeps extends ScreeningDeps {
  /** The included studies (withdrawn and retracted ones too) and the protocol's rule for retracted ones. */
  includedStudies: () => Promise<number>;
  /** Every citation's source records (the dedup's merges). */
  citationSources: () => Promise<Array<{ sourceRecords: readonly string[] }>>;
}

/**
 * The team report for the `status` command (the operator has the store: no actor). Its included and duplicate
 * counts are the statistics' and the report's: `included` is the studies the statistics pool, `duplicates` the
 * duplicates merged (automatic and confirmed), so `status` and `stats` tell the same story.
 */
export async function statusReport(deps: StatusDeps, protocol: Protocol): Promise<StatusReport> {
  // Every dirty mark, those of earlier versions too: currentTallies repairs those the tallies read brings (on
  // the tallies item and on events); the marks earlier versions left as items of their own are read beside
  // everything else (a command's requests are most of its time). In the rare case that such a mark was stale
  // and repaired, the tallies and conflicts are read again after the repair.
  const read = () =>
    Promise.all([currentTallies(deps, protocol.id), conflictStates(deps, protocol.id)] as const);
  const [dirty, first, includedStudies, sources] = await Promise.all([
    deps.screening.listDirtyItems(protocol.id),
    read(),
    deps.includedStudies(),
    deps.citationSources(),
  ]);
  const [tallies, conflicts] = (await repairDirty(deps, protocol.id, dirty)) > 0 ? await read() : first;
  const counts = countsFromTallies(tallies);
  const automatic = sources.reduce((sum, c) => sum + Math.max(0, c.sourceRecords.length - 1), 0);
  return {
    reviewId: protocol.id,
    ...counts,
    included: includedStudies,
    duplicates: automatic + counts.duplicates,
    conflicts: conflicts.map((c) => ({ citationId: c.head.citationId, stage: c.stage })),
    conflictDetails: conflicts.map((c) => ({
      citationId: c.head.citationId,
      stage: c.stage,
      title: c.head.title,
    })),
    statuses: statusesFromTallies(tallies),
    includedStudies,
    duplicatesMerged: {
      automatic,
      confirmedByReviewers: counts.duplicates,
      total: automatic + counts.duplicates,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Possible duplicates

/**
 * Confirms (the flagged citation is a duplicate of its twin and leaves screening) or splits (two different
 * works: both stay) a possible-duplicate pair. The first resolution wins; repeating it is harmless.
 */
export async function resolvePossibleDuplicate(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
  pairId: string,
  action: 'confirm' | 'split',
): Promise<PossibleDuplicate> {
  const reviewer = screeningReviewerOf(protocol, actor);
  const existing = await deps.screening.getPossibleDuplicate(protocol.id, pairId);
  if (!existing) throw new NotFoundError(`no possible-duplicate pair ${pairId} in review "${protocol.id}"`);
  const status = action === 'confirm' ? 'confirmed' : 'split';
  const { pair } = await deps.screening.resolvePossibleDuplicate(protocol.id, pairId, {
    status,
    resolvedBy: reviewer.id,
    resolvedAt: deps.clock().toISOString(),
  });
  if (pair.status !== status) {
    throw new DecisionRejectedError(
      'already-resolved',
      `pair ${pairId} was already ${pair.status} by ${pair.resolvedBy}`,
    );
  }
  if (status === 'confirmed') await markDuplicate(deps, protocol.id, pair, reviewer.id);
  return pair;
}

/** Appends the duplicate-confirmed event once (its id is derived from the pair), with its projections. */
async function markDuplicate(
  deps: ScreeningDeps,
  reviewId: string,
  pair: PossibleDuplicate,
  reviewerId: string,
) {
  const eventId = `duplicate-${pair.pairId}`;
  await appendWithProjections(deps, reviewId, pair.citationId, eventId, (state) =>
    state.outcome === 'duplicate'
      ? null
      : {
          type: 'duplicate-confirmed',
          seq: state.version + 1,
          eventId,
          citationId: pair.citationId,
          reviewerId,
          at: deps.clock().toISOString(),
          duplicateOf: pair.twinId,
        },
  );
}
