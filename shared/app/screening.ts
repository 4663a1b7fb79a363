// Use cases of screening: what a reviewer sees next, recording a decision, conflicts, progress, the team
// report and possible duplicates. The HTTP API (Lambda and local server) and the terminal `screen` command all
// call these; none of them reads the store or applies the workflow on its own.
//
// Recording a decision, primary course:
//   1. Check the reviewer is listed on the review with a screening role and the reason is from the protocol.
//   2. Read the record's log, replay it, and build the event at the next position (seq = version + 1).
//   3. Check the event against the workflow (a rejected decision changes nothing and says why).
//   4. Append it with a conditional write at that position. If a concurrent writer took the position first,
//      go back to 2: the decision is judged again against the log as it now is, so nothing is lost and no
//      decision is accepted against a state that no longer holds.
//   5. Write the derived status onto the citation (its queue); a record whose full text settles on "include"
//      is first handed to onIncluded (includeStudy). If either write is lost (a crash), the next read of the
//      review sees the status lag the log and completes both.
// A retry carrying the same eventId finds its event already in the log and returns without writing.
import type { Citation } from '../domain/citation/citation.ts';
import type { Protocol, Reviewer } from '../domain/protocol/protocol.ts';
import { type RecordView, viewFor } from '../domain/screening/blinding.ts';
import { type ScreeningEvent, STAGES, type Stage, type Vote } from '../domain/screening/events.ts';
import {
  type PersonalProgress,
  personalProgress,
  type ScreeningReport,
  screeningReport,
} from '../domain/screening/report.ts';
import {
  apply,
  awaits,
  decisionRoleFor,
  type RecordState,
  replay,
  ScreeningRuleError,
  type ScreeningStatus,
  statusOf,
} from '../domain/screening/workflow.ts';
import { LivingReviewError, StoreError } from '../errors.ts';
import type { PossibleDuplicate, ScreeningQueueEntry, ScreeningStore } from '../ports/screening-store.ts';

export interface ScreeningDeps {
  /** Only the record is needed (CitationStore fits; so does DynamoScreeningStore.getCitation). */
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  screening: ScreeningStore;
  clock: () => Date;
  /** A fresh unique id (event ids the client did not choose). */
  newId: () => string;
  /** Appends tried when concurrent writers keep taking the position (default 25). */
  maxAttempts?: number;
  /**
   * Called when a record's full text settles on "include" (the composition roots pass includeStudy, so the
   * study enters extraction and statistics). Must be idempotent: it runs before the "included" status is
   * written, and again from the status repair if the process died in between.
   */
  onIncluded?: (inclusion: { reviewId: string; citationId: string; includedBy: string }) => Promise<void>;
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

interface LoadedRecord {
  entry: ScreeningQueueEntry;
  state: RecordState;
}

/** Every citation of the review with its replayed state, in arrival order; repairs lagging statuses. */
async function loadReview(deps: ScreeningDeps, reviewId: string): Promise<LoadedRecord[]> {
  const [entries, events] = await Promise.all([
    deps.screening.listCitations(reviewId),
    deps.screening.listReviewEvents(reviewId),
  ]);
  const logs = new Map<string, ScreeningEvent[]>();
  for (const event of events) {
    const log = logs.get(event.citationId) ?? [];
    log.push(event);
    logs.set(event.citationId, log);
  }
  const records = entries.map((entry) => ({
    entry,
    state: replay(entry.citationId, logs.get(entry.citationId) ?? []),
  }));
  const lagging = records.filter((r) => r.entry.status !== statusOf(r.state));
  await Promise.all(lagging.map((r) => persistStatus(deps, reviewId, r.state)));
  return records;
}

/**
 * Writes the record's derived status; for a record just included, hands the inclusion on first, so an
 * "included" status is only ever stored once the inclusion is (a crash in between leaves a lagging status,
 * which the next loadReview finds and completes).
 */
async function persistStatus(deps: ScreeningDeps, reviewId: string, state: RecordState): Promise<void> {
  const status = statusOf(state);
  if (status === 'included' && deps.onIncluded) {
    const settling = state.events[state.events.length - 1]!;
    await deps.onIncluded({ reviewId, citationId: state.citationId, includedBy: settling.reviewerId });
  }
  await deps.screening.saveStatus(reviewId, state.citationId, state.version, status);
}

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
): Promise<RecordPayload> {
  const [stored, pairs] = await Promise.all([
    deps.citations.getCitation(protocol.id, state.citationId),
    deps.screening.listPossibleDuplicates(protocol.id),
  ]);
  if (!stored) throw new NotFoundError(`no citation ${state.citationId} in review "${protocol.id}"`);
  const pending = pairs.filter(
    (p) => p.status === 'pending' && (p.citationId === state.citationId || p.twinId === state.citationId),
  );
  const possibleDuplicates = await Promise.all(
    pending.map(async (pair) => {
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
  as: 'screener' | 'arbiter';
  /** Records to pass over (skipped in this session). */
  skip?: readonly string[];
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
  const skip = new Set(options.skip ?? []);
  const records = await loadReview(deps, protocol.id);
  for (const stage of STAGES) {
    const found = records.find(
      (r) =>
        r.state.stage === stage && !skip.has(r.entry.citationId) && awaits(r.state, reviewer, options.as),
    );
    if (found) return payload(deps, protocol, reviewer, found.state);
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
  if (!(await deps.citations.getCitation(protocol.id, citationId))) {
    throw new NotFoundError(`no citation ${citationId} in review "${protocol.id}"`);
  }
  const eventId = input.eventId ?? deps.newId();
  const attempts = deps.maxAttempts ?? 25;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const state = replay(citationId, await deps.screening.listEvents(protocol.id, citationId));
    const earlier = state.events.find((e) => e.eventId === eventId);
    if (earlier) {
      if (earlier.reviewerId !== reviewer.id) {
        throw new DecisionRejectedError('event-id-reused', `event id "${eventId}" is already used`);
      }
      return { recorded: false, view: viewFor(state, reviewer) };
    }
    const role =
      decisionRoleFor(state, reviewer) ?? (reviewer.roles.includes('screener') ? 'screener' : 'arbiter');
    const event: ScreeningEvent = {
      type: 'decision',
      seq: state.version + 1,
      eventId,
      citationId,
      reviewerId: reviewer.id,
      at: deps.clock().toISOString(),
      stage: input.stage,
      role,
      decision: input.decision,
      reasonId: input.reasonId,
      note: input.note,
    };
    let next: RecordState;
    try {
      next = apply(state, event);
    } catch (error) {
      if (error instanceof ScreeningRuleError) throw new DecisionRejectedError(error.code, error.message);
      throw error;
    }
    if (await deps.screening.appendEvent(protocol.id, event)) {
      await persistStatus(deps, protocol.id, next);
      return { recorded: true, view: viewFor(next, reviewer) };
    }
  }
  throw new StoreError(`could not record the decision on ${citationId}: too many concurrent writers`, {
    retryable: true,
  });
}

export interface ConflictEntry {
  citationId: string;
  title: string;
  year: number | null;
  stage: Stage;
  view: RecordView;
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
  const records = await loadReview(deps, protocol.id);
  return STAGES.flatMap((stage) =>
    records
      .filter((r) => r.state.stage === stage && awaits(r.state, reviewer, 'arbiter'))
      .map((r) => ({
        citationId: r.entry.citationId,
        title: r.entry.title,
        year: r.entry.year,
        stage,
        view: viewFor(r.state, reviewer),
      })),
  );
}

export interface ProgressPayload {
  mine: PersonalProgress;
  /**
   * The team's counts and kappa (without the list of conflicts: GET conflicts gives an arbiter theirs). Only
   * for reviewers who arbitrate and do not screen: next to a screener's own decisions, a conflict count gives
   * the other screener's decision away.
   */
  team: Omit<ScreeningReport, 'conflicts'> | null;
}

export async function progress(
  deps: ScreeningDeps,
  protocol: Protocol,
  actor: Actor,
): Promise<ProgressPayload> {
  const reviewer = reviewerOf(protocol, actor);
  const states = (await loadReview(deps, protocol.id)).map((r) => r.state);
  let team: ProgressPayload['team'] = null;
  if (reviewer.roles.includes('arbiter') && !reviewer.roles.includes('screener')) {
    const { conflicts: _conflicts, ...counts } = screeningReport(states);
    team = counts;
  }
  return { mine: personalProgress(states, reviewer), team };
}

export interface StatusReport extends ScreeningReport {
  reviewId: string;
  conflictDetails: Array<{ citationId: string; stage: Stage; title: string }>;
  statuses: Partial<Record<ScreeningStatus, number>>;
}

/** The team report for the local `status` command (the operator has the data directory: no actor). */
export async function statusReport(deps: ScreeningDeps, protocol: Protocol): Promise<StatusReport> {
  const records = await loadReview(deps, protocol.id);
  const report = screeningReport(records.map((r) => r.state));
  const titles = new Map(records.map((r) => [r.entry.citationId, r.entry.title]));
  const statuses: Partial<Record<ScreeningStatus, number>> = {};
  for (const r of records) {
    const status = statusOf(r.state);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return {
    reviewId: protocol.id,
    ...report,
    conflictDetails: report.conflicts.map((c) => ({ ...c, title: titles.get(c.citationId) ?? '' })),
    statuses,
  };
}

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

/** Appends the duplicate-confirmed event once (its id is derived from the pair), then moves the status. */
async function markDuplicate(
  deps: ScreeningDeps,
  reviewId: string,
  pair: PossibleDuplicate,
  reviewerId: string,
) {
  const eventId = `duplicate-${pair.pairId}`;
  const attempts = deps.maxAttempts ?? 25;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const state = replay(pair.citationId, await deps.screening.listEvents(reviewId, pair.citationId));
    if (state.events.some((e) => e.eventId === eventId) || state.outcome === 'duplicate') {
      await deps.screening.saveStatus(reviewId, pair.citationId, state.version, statusOf(state));
      return;
    }
    const event: ScreeningEvent = {
      type: 'duplicate-confirmed',
      seq: state.version + 1,
      eventId,
      citationId: pair.citationId,
      reviewerId,
      at: deps.clock().toISOString(),
      duplicateOf: pair.twinId,
    };
    const next = apply(state, event);
    if (await deps.screening.appendEvent(reviewId, event)) {
      await deps.screening.saveStatus(reviewId, pair.citationId, next.version, statusOf(next));
      return;
    }
  }
  throw new StoreError(`could not mark ${pair.citationId} as a duplicate: too many concurrent writers`, {
    retryable: true,
  });
}
