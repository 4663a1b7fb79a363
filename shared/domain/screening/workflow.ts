// The screening workflow, as pure functions over a record's event log.
//
// ## Stages and the decision rule
// A record starts at title/abstract. Each stage needs two independent decisions from two different screeners;
// a screener's latest decision at a stage is the one that counts (changing one's mind is a new event and is
// allowed until the stage settles). With two decisions in:
//
// | screener A | screener B | result |
// |---|---|---|
// | include | include | settled: include (title/abstract -> full text; full text -> included) |
// | exclude (reason r) | exclude (reason r) | settled: excluded with r |
// | exclude (r1) | exclude (r2), title/abstract | settled: excluded, both reasons kept (the first decider's first) |
// | exclude (r1) | exclude (r2), full text | conflict: PRISMA reports one reason per excluded full text, so the arbiter picks it |
// | any other pair (include/exclude, or any "maybe") | | conflict |
//
// "maybe" never agrees with anything, not even another "maybe": it means "I cannot decide from what I see",
// and a record two screeners could not decide on is exactly what the arbiter is for. It is never an exclusion,
// so a "maybe" can only keep a record in the review or bring it to the arbiter.
//
// A stage in conflict is settled by one decision (include or exclude with a reason) of an arbiter who was not
// one of its two screeners. Until then either screener may still change their mind, and if the two then agree
// the stage settles by agreement (the arbiter's view of the conflict goes away). Once a stage settles it is
// closed: no decision on it is accepted any more.
//
// A record confirmed as a duplicate of another citation leaves screening for good ("duplicate" outcome).
import type { Reviewer } from '../protocol/protocol.ts';
import type { DecisionEvent, DecisionRole, ScreeningEvent, Stage } from './events.ts';
import { STAGES } from './events.ts';

export type Phase = 'awaiting-first' | 'awaiting-second' | 'conflict' | 'settled';

export interface StageResult {
  decision: 'include' | 'exclude';
  /** For an exclusion: the arbiter's reason, or the screeners' reasons (first decider's first, no repeats). */
  reasonIds: string[];
  settledBy: 'agreement' | 'arbiter';
  settledAt: string;
  /** The seq of the event that settled the stage. */
  settledSeq: number;
}

export interface StageState {
  stage: Stage;
  phase: Phase;
  /** Each screener's latest decision, in the order the screeners first decided (at most two screeners). */
  screenerDecisions: DecisionEvent[];
  arbiterDecision: DecisionEvent | null;
  /** Every decision event of the stage in log order, changes of mind included. */
  history: DecisionEvent[];
  result: StageResult | null;
}

export type Outcome = 'included' | 'excluded' | 'duplicate';

export interface RecordState {
  citationId: string;
  /** The open stage; null once the record has an outcome. */
  stage: Stage | null;
  /** The stages reached so far, in order. */
  stages: StageState[];
  outcome: Outcome | null;
  duplicateOf: string | null;
  /** The seq of the last event (0 before any): the next event must carry version + 1. */
  version: number;
  events: ScreeningEvent[];
}

/** The derived status a citation carries in the store (its screening queue). Arrival is "awaiting-screening". */
export type ScreeningStatus =
  | 'awaiting-screening'
  | 'title-abstract-awaiting-second'
  | 'title-abstract-conflict'
  | 'full-text-awaiting-first'
  | 'full-text-awaiting-second'
  | 'full-text-conflict'
  | 'included'
  | 'excluded'
  | 'duplicate';

export const SCREENING_STATUSES: readonly ScreeningStatus[] = [
  'awaiting-screening',
  'title-abstract-awaiting-second',
  'title-abstract-conflict',
  'full-text-awaiting-first',
  'full-text-awaiting-second',
  'full-text-conflict',
  'included',
  'excluded',
  'duplicate',
];

export type ScreeningRuleCode =
  | 'out-of-order'
  | 'record-closed'
  | 'wrong-stage'
  | 'stage-full'
  | 'not-in-conflict'
  | 'arbiter-was-screener'
  | 'arbiter-must-decide'
  | 'reason-required'
  | 'reason-not-allowed'
  | 'event-id-reused'
  | 'not-allowed';

/** A decision the workflow does not accept in the record's current state. */
export class ScreeningRuleError extends Error {
  override name = 'ScreeningRuleError';
  constructor(
    readonly code: ScreeningRuleCode,
    message: string,
  ) {
    super(message);
  }
}

function openStage(stage: Stage): StageState {
  return {
    stage,
    phase: 'awaiting-first',
    screenerDecisions: [],
    arbiterDecision: null,
    history: [],
    result: null,
  };
}

export function initialState(citationId: string): RecordState {
  return {
    citationId,
    stage: 'title-abstract',
    stages: [openStage('title-abstract')],
    outcome: null,
    duplicateOf: null,
    version: 0,
    events: [],
  };
}

/** Two screeners' latest decisions -> the stage result, or null for a conflict (see the table above). */
export function agreement(
  stage: Stage,
  first: DecisionEvent,
  second: DecisionEvent,
): Omit<StageResult, 'settledAt' | 'settledSeq'> | null {
  if (first.decision === 'include' && second.decision === 'include') {
    return { decision: 'include', reasonIds: [], settledBy: 'agreement' };
  }
  if (first.decision === 'exclude' && second.decision === 'exclude') {
    const reasons = [...new Set([first.reasonId, second.reasonId].filter((r): r is string => r !== null))];
    if (stage === 'full-text' && reasons.length > 1) return null;
    return { decision: 'exclude', reasonIds: reasons, settledBy: 'agreement' };
  }
  return null;
}

function currentStageState(state: RecordState): StageState | null {
  if (state.stage === null) return null;
  return state.stages.find((s) => s.stage === state.stage) ?? null;
}

/** Throws ScreeningRuleError when `event` cannot follow `state`; the store writes only events that pass. */
export function checkEvent(state: RecordState, event: ScreeningEvent): void {
  if (event.seq !== state.version + 1) {
    throw new ScreeningRuleError(
      'out-of-order',
      `event ${event.seq} cannot follow event ${state.version} of ${state.citationId}`,
    );
  }
  if (state.events.some((e) => e.eventId === event.eventId)) {
    throw new ScreeningRuleError('event-id-reused', `event id "${event.eventId}" is already in the log`);
  }
  if (event.type === 'duplicate-confirmed') {
    if (state.outcome === 'duplicate') {
      throw new ScreeningRuleError('record-closed', `${state.citationId} is already a confirmed duplicate`);
    }
    if (event.duplicateOf === state.citationId) {
      throw new ScreeningRuleError('not-allowed', 'a citation cannot be a duplicate of itself');
    }
    return;
  }
  const current = currentStageState(state);
  if (!current || state.outcome !== null) {
    throw new ScreeningRuleError(
      'record-closed',
      `${state.citationId} is ${state.outcome}: screening is over`,
    );
  }
  if (event.stage !== current.stage) {
    throw new ScreeningRuleError(
      'wrong-stage',
      `${state.citationId} is at ${current.stage}, not ${event.stage}${
        state.stages.some((s) => s.stage === event.stage) ? ' (that stage is settled)' : ''
      }`,
    );
  }
  if (event.decision === 'exclude' && event.reasonId === null) {
    throw new ScreeningRuleError('reason-required', 'an exclusion needs a reason from the protocol list');
  }
  if (event.decision !== 'exclude' && event.reasonId !== null) {
    throw new ScreeningRuleError(
      'reason-not-allowed',
      `a reason goes with "exclude", not "${event.decision}"`,
    );
  }
  if (event.role === 'arbiter') {
    if (current.phase !== 'conflict') {
      throw new ScreeningRuleError(
        'not-in-conflict',
        `${current.stage} of ${state.citationId} is not in conflict`,
      );
    }
    if (current.screenerDecisions.some((d) => d.reviewerId === event.reviewerId)) {
      throw new ScreeningRuleError(
        'arbiter-was-screener',
        `${event.reviewerId} screened this record and cannot also settle it`,
      );
    }
    if (event.decision === 'maybe') {
      throw new ScreeningRuleError(
        'arbiter-must-decide',
        'an arbiter settles a conflict: include or exclude',
      );
    }
    return;
  }
  const known = current.screenerDecisions.some((d) => d.reviewerId === event.reviewerId);
  if (!known && current.screenerDecisions.length >= 2) {
    throw new ScreeningRuleError(
      'stage-full',
      `${current.stage} of ${state.citationId} already has two screeners' decisions`,
    );
  }
}

function settle(state: RecordState, stage: StageState, result: StageResult): void {
  stage.phase = 'settled';
  stage.result = result;
  if (result.decision === 'exclude') {
    state.outcome = 'excluded';
    state.stage = null;
    return;
  }
  const next = STAGES[STAGES.indexOf(stage.stage) + 1];
  if (next) {
    state.stage = next;
    state.stages.push(openStage(next));
  } else {
    state.outcome = 'included';
    state.stage = null;
  }
}

function applyDecision(state: RecordState, stage: StageState, event: DecisionEvent): void {
  stage.history.push(event);
  if (event.role === 'arbiter') {
    stage.arbiterDecision = event;
    settle(state, stage, {
      decision: event.decision === 'include' ? 'include' : 'exclude',
      reasonIds: event.reasonId ? [event.reasonId] : [],
      settledBy: 'arbiter',
      settledAt: event.at,
      settledSeq: event.seq,
    });
    return;
  }
  const index = stage.screenerDecisions.findIndex((d) => d.reviewerId === event.reviewerId);
  if (index >= 0) stage.screenerDecisions[index] = event;
  else stage.screenerDecisions.push(event);
  const [first, second] = stage.screenerDecisions;
  if (!first) return;
  if (!second) {
    stage.phase = 'awaiting-second';
    return;
  }
  const result = agreement(stage.stage, first, second);
  if (result) settle(state, stage, { ...result, settledAt: event.at, settledSeq: event.seq });
  else stage.phase = 'conflict';
}

/** The state after `events` (a record's whole log, in seq order). Throws on a log that breaks the rules. */
export function replay(citationId: string, events: readonly ScreeningEvent[]): RecordState {
  const state = initialState(citationId);
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (event.citationId !== citationId) {
      throw new ScreeningRuleError('not-allowed', `event of ${event.citationId} in the log of ${citationId}`);
    }
    checkEvent(state, event);
    state.events.push(event);
    state.version = event.seq;
    if (event.type === 'duplicate-confirmed') {
      state.outcome = 'duplicate';
      state.duplicateOf = event.duplicateOf;
      state.stage = null;
      continue;
    }
    applyDecision(state, currentStageState(state)!, event);
  }
  return state;
}

/** The state after one more event; throws ScreeningRuleError (and changes nothing) when it is not allowed. */
export function apply(state: RecordState, event: ScreeningEvent): RecordState {
  return replay(state.citationId, [...state.events, event]);
}

export function statusOf(state: RecordState): ScreeningStatus {
  if (state.outcome) return state.outcome;
  const current = currentStageState(state)!;
  if (current.stage === 'title-abstract') {
    if (current.phase === 'awaiting-first') return 'awaiting-screening';
    return current.phase === 'conflict' ? 'title-abstract-conflict' : 'title-abstract-awaiting-second';
  }
  if (current.phase === 'awaiting-first') return 'full-text-awaiting-first';
  return current.phase === 'conflict' ? 'full-text-conflict' : 'full-text-awaiting-second';
}

export function stageState(state: RecordState, stage: Stage): StageState | null {
  return state.stages.find((s) => s.stage === stage) ?? null;
}

/**
 * The role `reviewer` would decide in on this record now, or null when they cannot decide at all: an arbiter
 * (who was not one of the stage's screeners) on a stage in conflict, else a screener while the stage has room
 * for them (their own earlier decision, or fewer than two screeners so far).
 */
export function decisionRoleFor(
  state: RecordState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
): DecisionRole | null {
  const current = currentStageState(state);
  if (!current || state.outcome) return null;
  const screened = current.screenerDecisions.some((d) => d.reviewerId === reviewer.id);
  if (current.phase === 'conflict' && reviewer.roles.includes('arbiter') && !screened) return 'arbiter';
  if (!reviewer.roles.includes('screener')) return null;
  if (screened || current.screenerDecisions.length < 2) return 'screener';
  return null;
}

/**
 * True when the record waits for `reviewer` (their queue): a screener who has not yet decided at the open
 * stage while it has room, or an eligible arbiter of a stage in conflict.
 */
export function awaits(
  state: RecordState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
  as: DecisionRole,
): boolean {
  const current = currentStageState(state);
  if (!current || state.outcome) return false;
  const screened = current.screenerDecisions.some((d) => d.reviewerId === reviewer.id);
  if (as === 'arbiter')
    return current.phase === 'conflict' && reviewer.roles.includes('arbiter') && !screened;
  return reviewer.roles.includes('screener') && !screened && current.screenerDecisions.length < 2;
}
