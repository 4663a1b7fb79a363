// The screening workflow, as pure functions over a record's event log.
//
// ## Stages and the decision rule
// A record starts at title/abstract. Each stage needs two independent decisions from two different screeners;
// a screener's latest decision at a stage is the one that counts (changing one's mind is a new event). With two
// decisions in:
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
// the stage settles by agreement (the arbiter's view of the conflict goes away).
//
// ## Changing a decision after the stage settled
// A settled stage's result stays in force, but it is not beyond question:
// - one of its two screeners may still change their decision: the stage is then "reopened", back with an
//   arbiter (not one of its screeners), who sees the change and settles it again (keeping or changing the
//   result); a screener who changes back before that withdraws the question;
// - the arbiter who settled a stage may change that settlement (an arbiter's undo);
// - while a stage is reopened, the record waits there: a later stage's screening pauses until it is settled
//   again. If the new result excludes the record, the later stages' decisions stay in the log (the audit) but no
//   longer count; if it includes a record that was excluded, the next stage opens.
//
// ## Included directly
// `living-review include` of a record still in screening records a "direct" decision (role "direct", by the
// person who included it, note "included directly"): it settles the record's open stage, and every later stage
// as it is reached, on "include". Screeners may still decide on a directly settled stage while it has room for
// them; if both exclude it, that contradicts the inclusion and the stage is reopened for the arbiter (a conflict,
// not a silent contradiction). A direct inclusion of a record whose stage settled on "exclude" reopens that
// stage for the arbiter instead of overriding the screeners.
//
// A record confirmed as a duplicate of another citation leaves screening for good ("duplicate" outcome).
import type { Reviewer } from '../protocol/protocol.ts';
import type { DecisionEvent, ReviewerRole, ScreeningEvent, Stage, Vote } from './events.ts';
import { STAGES } from './events.ts';

/** "reopened": settled, its result in force, but back with an arbiter (see above). */
export type Phase = 'awaiting-first' | 'awaiting-second' | 'conflict' | 'settled' | 'reopened';

export interface StageResult {
  decision: 'include' | 'exclude';
  /** For an exclusion: the arbiter's reason, or the screeners' reasons (first decider's first, no repeats). */
  reasonIds: string[];
  settledBy: 'agreement' | 'arbiter' | 'direct';
  settledAt: string;
  /** The seq of the event that settled the stage. */
  settledSeq: number;
  /** The arbiter, or the person who included directly; null for an agreement. */
  settler: string | null;
}

/** A screener's decision as it stood when the stage was settled. */
export interface SettledDecision {
  reviewerId: string;
  decision: Vote;
  reasonId: string | null;
}

export interface StageState {
  stage: Stage;
  phase: Phase;
  /** Each screener's latest decision, in the order the screeners first decided (at most two screeners). */
  screenerDecisions: DecisionEvent[];
  /** The latest arbiter decision (the one that settled the stage, if an arbiter did). */
  arbiterDecision: DecisionEvent | null;
  /** Every decision event of the stage in log order, changes of mind included. */
  history: DecisionEvent[];
  /** The result in force: set once settled, kept while reopened. */
  result: StageResult | null;
  /** The screeners' decisions the result was settled with (what a later change is compared with). */
  settledWith: SettledDecision[];
  /** Why a reopened stage is back with the arbiter: the decisions since its settlement that question it. */
  questionedBy: DecisionEvent[];
}

export type Outcome = 'included' | 'excluded' | 'duplicate';

export interface RecordState {
  citationId: string;
  /** The stage that needs a decision (open, in conflict or reopened); null once the record has an outcome. */
  stage: Stage | null;
  /** The stages reached so far (each earlier stage's result in force is "include"), in order. */
  stages: StageState[];
  outcome: Outcome | null;
  duplicateOf: string | null;
  /** The direct inclusion, if one was recorded. */
  includedDirectly: DecisionEvent | null;
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
  | 'stage-settled'
  | 'not-in-conflict'
  | 'arbiter-was-screener'
  | 'arbiter-must-decide'
  | 'reason-required'
  | 'reason-not-allowed'
  | 'already-included'
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

const STAGE_NAMES: Record<Stage, string> = { 'title-abstract': 'title/abstract', 'full-text': 'full text' };

function openStage(stage: Stage): StageState {
  return {
    stage,
    phase: 'awaiting-first',
    screenerDecisions: [],
    arbiterDecision: null,
    history: [],
    result: null,
    settledWith: [],
    questionedBy: [],
  };
}

export function initialState(citationId: string): RecordState {
  return {
    citationId,
    stage: 'title-abstract',
    stages: [openStage('title-abstract')],
    outcome: null,
    duplicateOf: null,
    includedDirectly: null,
    version: 0,
    events: [],
  };
}

/** Two screeners' latest decisions -> the stage result, or null for a conflict (see the table above). */
export function agreement(
  stage: Stage,
  first: DecisionEvent,
  second: DecisionEvent,
): Omit<StageResult, 'settledAt' | 'settledSeq' | 'settler'> | null {
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

// ---------------------------------------------------------------------------------------------------------
// Replay. Every stage is kept (a later stage's decisions survive an earlier stage being reopened); which stages
// are reached, which one is open and the outcome are derived after each event.

interface Replaying {
  state: RecordState;
  /** Every stage ever opened, reached or not. */
  all: Map<Stage, StageState>;
}

function snapshot(decisions: readonly DecisionEvent[]): SettledDecision[] {
  return decisions.map((d) => ({ reviewerId: d.reviewerId, decision: d.decision, reasonId: d.reasonId }));
}

function sameDecisions(a: readonly SettledDecision[], b: readonly SettledDecision[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x) =>
    b.some((y) => y.reviewerId === x.reviewerId && y.decision === x.decision && y.reasonId === x.reasonId),
  );
}

function settle(
  stage: StageState,
  result: Omit<StageResult, 'settledAt' | 'settledSeq' | 'settler'>,
  event: { at: string; seq: number },
  settler: string | null,
): void {
  stage.result = { ...result, settledAt: event.at, settledSeq: event.seq, settler };
  stage.settledWith = snapshot(stage.screenerDecisions);
}

/** The decisions since the stage settled that question its result (empty: not reopened). */
function questioning(stage: StageState, direct: DecisionEvent | null): DecisionEvent[] {
  const result = stage.result;
  if (!result) return [];
  if (result.settledBy === 'direct') {
    const [first, second] = stage.screenerDecisions;
    const agreed = first && second ? agreement(stage.stage, first, second) : null;
    return agreed && agreed.decision !== result.decision ? [first!, second!] : [];
  }
  const questions: DecisionEvent[] = [];
  if (!sameDecisions(snapshot(stage.screenerDecisions), stage.settledWith)) {
    questions.push(
      ...stage.screenerDecisions.filter(
        (d) =>
          !stage.settledWith.some(
            (s) => s.reviewerId === d.reviewerId && s.decision === d.decision && s.reasonId === d.reasonId,
          ),
      ),
    );
  }
  if (
    direct &&
    direct.stage === stage.stage &&
    direct.seq > result.settledSeq &&
    result.decision === 'exclude'
  ) {
    questions.push(direct);
  }
  return questions;
}

function derive(r: Replaying, at: { at: string; seq: number }): void {
  const { state } = r;
  const reached: StageState[] = [];
  for (const name of STAGES) {
    let stage = r.all.get(name);
    if (!stage) {
      stage = openStage(name);
      r.all.set(name, stage);
    }
    if (!stage.result && state.includedDirectly) {
      // A direct inclusion settles each stage as it is reached.
      settle(
        stage,
        { decision: 'include', reasonIds: [], settledBy: 'direct' },
        at,
        state.includedDirectly.reviewerId,
      );
    }
    stage.questionedBy = questioning(stage, state.includedDirectly);
    if (stage.result) stage.phase = stage.questionedBy.length > 0 ? 'reopened' : 'settled';
    else {
      const n = stage.screenerDecisions.length;
      stage.phase = n === 0 ? 'awaiting-first' : n === 1 ? 'awaiting-second' : 'conflict';
    }
    reached.push(stage);
    if (stage.result?.decision !== 'include') break;
  }
  state.stages = reached;
  if (state.duplicateOf !== null) {
    state.stage = null;
    state.outcome = 'duplicate';
    return;
  }
  const open = reached.find((s) => s.phase !== 'settled');
  state.stage = open ? open.stage : null;
  if (open) state.outcome = null;
  else state.outcome = reached[reached.length - 1]!.result!.decision === 'exclude' ? 'excluded' : 'included';
}

function stageOf(r: Replaying, stage: Stage): StageState {
  return r.all.get(stage)!;
}

/** The stage's screeners, in the order they first decided. */
function screenersOf(stage: StageState): string[] {
  return stage.screenerDecisions.map((d) => d.reviewerId);
}

function checkDecision(state: RecordState, stage: StageState | undefined, event: DecisionEvent): void {
  if (state.outcome === 'duplicate') {
    throw new ScreeningRuleError(
      'record-closed',
      `${state.citationId} is a confirmed duplicate: screening is over`,
    );
  }
  if (!stage) {
    throw new ScreeningRuleError(
      'wrong-stage',
      `${state.citationId} has not reached ${STAGE_NAMES[event.stage]}${state.outcome === 'excluded' ? ' (it was excluded)' : ''}`,
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
  const name = STAGE_NAMES[stage.stage];
  const screened = screenersOf(stage).includes(event.reviewerId);
  if (event.role === 'direct') {
    if (event.decision !== 'include') {
      throw new ScreeningRuleError('not-allowed', 'a direct decision is an inclusion');
    }
    if (stage.result?.decision === 'include') {
      throw new ScreeningRuleError(
        'already-included',
        `${name} of ${state.citationId} is already settled on include`,
      );
    }
    return;
  }
  if (!stage.result) {
    if (stage.stage !== state.stage) {
      throw new ScreeningRuleError(
        'wrong-stage',
        `${name} of ${state.citationId} waits until ${STAGE_NAMES[state.stage!]} is settled again by the arbiter`,
      );
    }
    if (event.role === 'arbiter') {
      if (stage.phase !== 'conflict') {
        throw new ScreeningRuleError('not-in-conflict', `${name} of ${state.citationId} is not in conflict`);
      }
    } else if (!screened && stage.screenerDecisions.length >= 2) {
      throw new ScreeningRuleError(
        'stage-full',
        `${name} of ${state.citationId} already has two screeners' decisions`,
      );
    }
  } else if (event.role === 'screener') {
    const room = stage.result.settledBy === 'direct' && stage.screenerDecisions.length < 2;
    if (!screened && !room) {
      throw new ScreeningRuleError(
        'stage-settled',
        `${name} of ${state.citationId} is settled; only its two screeners may ask the arbiter to change it`,
      );
    }
  } else {
    const ownSettlement =
      stage.result.settledBy === 'arbiter' && stage.arbiterDecision?.reviewerId === event.reviewerId;
    if (stage.phase !== 'reopened' && !ownSettlement) {
      throw new ScreeningRuleError(
        'not-in-conflict',
        `${name} of ${state.citationId} is settled and nobody asked to change it`,
      );
    }
  }
  if (event.role === 'arbiter') {
    if (screened) {
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
  }
}

function applyDecision(r: Replaying, event: DecisionEvent): void {
  const stage = stageOf(r, event.stage);
  stage.history.push(event);
  if (event.role === 'direct') {
    r.state.includedDirectly = event;
    if (!stage.result) {
      settle(stage, { decision: 'include', reasonIds: [], settledBy: 'direct' }, event, event.reviewerId);
    }
    return;
  }
  if (event.role === 'arbiter') {
    stage.arbiterDecision = event;
    settle(
      stage,
      {
        decision: event.decision === 'include' ? 'include' : 'exclude',
        reasonIds: event.reasonId ? [event.reasonId] : [],
        settledBy: 'arbiter',
      },
      event,
      event.reviewerId,
    );
    return;
  }
  const index = stage.screenerDecisions.findIndex((d) => d.reviewerId === event.reviewerId);
  if (index >= 0) stage.screenerDecisions[index] = event;
  else stage.screenerDecisions.push(event);
  if (stage.result) return;
  const [first, second] = stage.screenerDecisions;
  const agreed = first && second ? agreement(stage.stage, first, second) : null;
  if (agreed) settle(stage, agreed, event, null);
}

function check(r: Replaying, event: ScreeningEvent): void {
  const { state } = r;
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
  checkDecision(
    state,
    state.stages.find((s) => s.stage === event.stage),
    event,
  );
}

/** Throws ScreeningRuleError when `event` cannot follow `state`; the store writes only events that pass. */
export function checkEvent(state: RecordState, event: ScreeningEvent): void {
  apply(state, event);
}

/** The state after `events` (a record's whole log, in seq order). Throws on a log that breaks the rules. */
export function replay(citationId: string, events: readonly ScreeningEvent[]): RecordState {
  const r: Replaying = { state: initialState(citationId), all: new Map() };
  r.all.set('title-abstract', r.state.stages[0]!);
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (event.citationId !== citationId) {
      throw new ScreeningRuleError('not-allowed', `event of ${event.citationId} in the log of ${citationId}`);
    }
    check(r, event);
    r.state.events.push(event);
    r.state.version = event.seq;
    if (event.type === 'duplicate-confirmed') r.state.duplicateOf = event.duplicateOf;
    else applyDecision(r, event);
    derive(r, event);
  }
  return r.state;
}

/** The state after one more event; throws ScreeningRuleError (and changes nothing) when it is not allowed. */
export function apply(state: RecordState, event: ScreeningEvent): RecordState {
  return replay(state.citationId, [...state.events, event]);
}

export function statusOf(state: RecordState): ScreeningStatus {
  if (state.outcome) return state.outcome;
  const current = stageState(state, state.stage!)!;
  if (current.phase === 'conflict' || current.phase === 'reopened') return `${current.stage}-conflict`;
  if (current.stage === 'title-abstract') {
    return current.phase === 'awaiting-first' ? 'awaiting-screening' : 'title-abstract-awaiting-second';
  }
  return current.phase === 'awaiting-first' ? 'full-text-awaiting-first' : 'full-text-awaiting-second';
}

/** The screener whose decision a record awaiting a second one holds (its queue depends on who), else null. */
export function firstDecider(state: RecordState): string | null {
  if (state.stage === null) return null;
  const current = stageState(state, state.stage)!;
  return current.phase === 'awaiting-second' ? current.screenerDecisions[0]!.reviewerId : null;
}

export function stageState(state: RecordState, stage: Stage): StageState | null {
  return state.stages.find((s) => s.stage === stage) ?? null;
}

/**
 * The role `reviewer` would decide in at `stage` (default: the stage that needs a decision), or null when they
 * cannot decide there: on an open stage, an arbiter (who was not one of its screeners) when it is in conflict,
 * else a screener while the stage has room for them; on a settled stage, one of its screeners (a change goes to
 * the arbiter), a screener while a directly settled stage has room, or an eligible arbiter when it is reopened
 * or when they settled it themselves.
 */
export function decisionRoleFor(
  state: RecordState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
  stage: Stage | null = state.stage,
): ReviewerRole | null {
  if (stage === null || state.outcome === 'duplicate') return null;
  const current = stageState(state, stage);
  if (!current) return null;
  const screened = current.screenerDecisions.some((d) => d.reviewerId === reviewer.id);
  const arbiter = reviewer.roles.includes('arbiter') && !screened;
  const screener = reviewer.roles.includes('screener');
  if (!current.result) {
    if (stage !== state.stage) return null;
    if (current.phase === 'conflict' && arbiter) return 'arbiter';
    if (screener && (screened || current.screenerDecisions.length < 2)) return 'screener';
    return null;
  }
  if (screened) return 'screener';
  if (screener && current.result.settledBy === 'direct' && current.screenerDecisions.length < 2)
    return 'screener';
  const ownSettlement =
    current.result.settledBy === 'arbiter' && current.arbiterDecision?.reviewerId === reviewer.id;
  if (arbiter && (current.phase === 'reopened' || ownSettlement)) return 'arbiter';
  return null;
}

/**
 * True when the record waits for `reviewer` (their queue): a screener who has not yet decided at the open
 * stage while it has room, or an eligible arbiter of a stage in conflict or reopened.
 */
export function awaits(
  state: RecordState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
  as: ReviewerRole,
): boolean {
  if (state.stage === null) return false;
  const current = stageState(state, state.stage)!;
  const screened = current.screenerDecisions.some((d) => d.reviewerId === reviewer.id);
  if (as === 'arbiter') {
    return (
      (current.phase === 'conflict' || current.phase === 'reopened') &&
      reviewer.roles.includes('arbiter') &&
      !screened
    );
  }
  return (
    !current.result &&
    reviewer.roles.includes('screener') &&
    !screened &&
    current.screenerDecisions.length < 2
  );
}

/**
 * The stage a direct inclusion applies to: the first reached stage whose result in force is not "include", or
 * null when the record is included already (or a duplicate).
 */
export function directInclusionStage(state: RecordState): Stage | null {
  if (state.outcome === 'duplicate') return null;
  return state.stages.find((s) => s.result?.decision !== 'include')?.stage ?? null;
}
