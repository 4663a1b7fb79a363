// Team-level screening figures and one reviewer's own progress, derived from tallies: every record contributes
// a small set of named counts (recordTallies), and every figure here is a function of their sums. So the store
// can keep the sums up to date on the write path (each event adds tallies(after) - tallies(before), its delta)
// and answer progress without reading every record; screeningReport and personalProgress over a list of states
// fold the same tallies, so both ways give the same numbers.
//
// Per stage: how many records await a first or a second decision, are in conflict (a reopened stage counts as
// in conflict), or are settled (and how); Cohen's kappa between each pair of screeners over the records both
// decided at that stage (their latest decisions, which are final once the stage settles).
//
// A screener's own progress (personalProgress) holds only their own queue and decisions: a per-stage conflict
// count next to "I just decided this one" would give the other screener's decision away; the team figures go to
// arbiters who do not screen and to the local `status` command.
import type { Reviewer } from '../protocol/protocol.ts';
import { STAGES, type Stage, type Vote } from './events.ts';
import { cohensKappaFromTable, type KappaResult } from './kappa.ts';
import {
  initialState,
  type RecordState,
  SCREENING_STATUSES,
  type ScreeningStatus,
  statusOf,
} from './workflow.ts';

/** Named counts: what one record contributes, or their sum over a review. */
export type Tallies = Record<string, number>;

const VOTES: readonly Vote[] = ['include', 'exclude', 'maybe'];

export const tally = {
  records: 'records',
  outcome: (outcome: 'included' | 'excluded' | 'duplicate') => `outcome:${outcome}`,
  status: (status: ScreeningStatus) => `status:${status}`,
  phase: (stage: Stage, phase: 'awaiting-first' | 'awaiting-second' | 'conflict' | 'settled') =>
    `${stage}:${phase}`,
  settledAs: (stage: Stage, decision: 'include' | 'exclude') => `${stage}:settled-${decision}`,
  settledByArbiter: (stage: Stage) => `${stage}:settled-by-arbiter`,
  decidedBy: (stage: Stage, reviewerId: string) => `${stage}:decided-by:${reviewerId}`,
  pair: (stage: Stage, a: string, b: string, va: Vote, vb: Vote) => `${stage}:pair:${a}|${b}:${va}|${vb}`,
  /** Records whose open stage waits for a screener decision (awaiting a first or second one). */
  awaiting: (stage: Stage) => `${stage}:awaiting`,
  /** ... of which this screener already decided (so they do not wait for them). */
  awaitingDecidedBy: (stage: Stage, reviewerId: string) => `${stage}:awaiting-decided-by:${reviewerId}`,
  /** Records with a stage in conflict or reopened: they wait for an arbiter. */
  arbitrate: 'arbitrate',
  /** ... of which this reviewer screened the stage (so they cannot arbitrate it). */
  arbitrateScreenedBy: (reviewerId: string) => `arbitrate:screened-by:${reviewerId}`,
};

/** What one record contributes to the review's tallies. */
export function recordTallies(state: RecordState): Tallies {
  const t: Tallies = { [tally.records]: 1, [tally.status(statusOf(state))]: 1 };
  if (state.outcome) t[tally.outcome(state.outcome)] = 1;
  if (state.outcome === 'duplicate') return t;
  for (const stage of state.stages) {
    const phase = stage.phase === 'reopened' ? 'conflict' : stage.phase;
    t[tally.phase(stage.stage, phase)] = 1;
    if (phase === 'settled') {
      t[tally.settledAs(stage.stage, stage.result!.decision)] = 1;
      if (stage.result!.settledBy === 'arbiter') t[tally.settledByArbiter(stage.stage)] = 1;
    }
    for (const d of stage.screenerDecisions) t[tally.decidedBy(stage.stage, d.reviewerId)] = 1;
    const [x, y] = stage.screenerDecisions;
    if (x && y) {
      const [a, b] = x.reviewerId < y.reviewerId ? [x, y] : [y, x];
      t[tally.pair(stage.stage, a.reviewerId, b.reviewerId, a.decision, b.decision)] = 1;
    }
  }
  const open = state.stages.find((s) => s.stage === state.stage);
  if (open) {
    if (open.phase === 'awaiting-first' || open.phase === 'awaiting-second') {
      t[tally.awaiting(open.stage)] = 1;
      for (const d of open.screenerDecisions) t[tally.awaitingDecidedBy(open.stage, d.reviewerId)] = 1;
    } else {
      t[tally.arbitrate] = 1;
      for (const d of open.screenerDecisions) t[tally.arbitrateScreenedBy(d.reviewerId)] = 1;
    }
  }
  return t;
}

/** after - before, without zeros (a record's change; an arrival is recordTallies(initial) - {}). */
export function talliesDelta(before: Tallies | null, after: Tallies): Tallies {
  const delta: Tallies = {};
  for (const [name, value] of Object.entries(after)) {
    const change = value - (before?.[name] ?? 0);
    if (change !== 0) delta[name] = change;
  }
  for (const [name, value] of Object.entries(before ?? {})) {
    if (!(name in after) && value !== 0) delta[name] = -value;
  }
  return delta;
}

/** What a new record adds to its review's tallies (the delta of its arrival, event 0). */
export function arrivalTallies(citationId: string): Tallies {
  return talliesDelta(null, recordTallies(initialState(citationId)));
}

/** Adds `more` into `into` (dropping names that come to zero) and returns it. */
export function addTallies(into: Tallies, more: Tallies): Tallies {
  for (const [name, value] of Object.entries(more)) {
    const sum = (into[name] ?? 0) + value;
    if (sum === 0) delete into[name];
    else into[name] = sum;
  }
  return into;
}

export function sumTallies(states: readonly RecordState[]): Tallies {
  const sum: Tallies = {};
  for (const state of states) addTallies(sum, recordTallies(state));
  return sum;
}

export interface StageCounts {
  stage: Stage;
  awaitingFirst: number;
  awaitingSecond: number;
  inConflict: number;
  settled: number;
  settledIncluded: number;
  settledExcluded: number;
  /** Settled by the arbiter (the rest by agreement or a direct inclusion). */
  settledByArbiter: number;
}

export interface PairAgreement extends KappaResult {
  stage: Stage;
  reviewers: [string, string];
}

export interface ScreeningCounts {
  records: number;
  included: number;
  excluded: number;
  duplicates: number;
  stages: StageCounts[];
  agreement: PairAgreement[];
}

export interface ScreeningReport extends ScreeningCounts {
  /** Records in conflict now (reopened ones too), oldest stage first. */
  conflicts: Array<{ citationId: string; stage: Stage }>;
}

const get = (t: Tallies, name: string) => t[name] ?? 0;

/** Kappa per stage and per pair of screeners (ids in alphabetical order, A = the first). */
export function agreementFromTallies(t: Tallies): PairAgreement[] {
  const pairs = new Map<string, { stage: Stage; reviewers: [string, string]; table: Map<string, number> }>();
  for (const [name, value] of Object.entries(t)) {
    const match = /^(title-abstract|full-text):pair:([^|]+)\|([^:]+):([a-z]+)\|([a-z]+)$/.exec(name);
    if (!match || value === 0) continue;
    const [, stage, a, b, va, vb] = match;
    const key = `${stage}|${a}|${b}`;
    const entry = pairs.get(key) ?? {
      stage: stage as Stage,
      reviewers: [a!, b!] as [string, string],
      table: new Map<string, number>(),
    };
    entry.table.set(`${va}|${vb}`, value);
    pairs.set(key, entry);
  }
  return [...pairs.values()]
    .sort(
      (p, q) =>
        STAGES.indexOf(p.stage) - STAGES.indexOf(q.stage) ||
        p.reviewers.join('|').localeCompare(q.reviewers.join('|')),
    )
    .map((p) => ({
      stage: p.stage,
      reviewers: p.reviewers,
      ...cohensKappaFromTable(VOTES, (a, b) => p.table.get(`${a}|${b}`) ?? 0),
    }));
}

/** The team's counts and kappa from the review's tallies. */
export function countsFromTallies(t: Tallies): ScreeningCounts {
  return {
    records: get(t, tally.records),
    included: get(t, tally.outcome('included')),
    excluded: get(t, tally.outcome('excluded')),
    duplicates: get(t, tally.outcome('duplicate')),
    stages: STAGES.map((stage) => ({
      stage,
      awaitingFirst: get(t, tally.phase(stage, 'awaiting-first')),
      awaitingSecond: get(t, tally.phase(stage, 'awaiting-second')),
      inConflict: get(t, tally.phase(stage, 'conflict')),
      settled: get(t, tally.phase(stage, 'settled')),
      settledIncluded: get(t, tally.settledAs(stage, 'include')),
      settledExcluded: get(t, tally.settledAs(stage, 'exclude')),
      settledByArbiter: get(t, tally.settledByArbiter(stage)),
    })),
    agreement: agreementFromTallies(t),
  };
}

/** How many records are at each derived status. */
export function statusesFromTallies(t: Tallies): Partial<Record<ScreeningStatus, number>> {
  // In the workflow's order, whatever order the tallies were summed in (so a restored review reports the same).
  const statuses: Partial<Record<ScreeningStatus, number>> = {};
  for (const status of SCREENING_STATUSES) {
    const value = t[`status:${status}`] ?? 0;
    if (value !== 0) statuses[status] = value;
  }
  return statuses;
}

export function screeningReport(states: readonly RecordState[]): ScreeningReport {
  const conflicts = STAGES.flatMap((stage) =>
    states
      .filter((s) => s.outcome === null && s.stage === stage)
      .filter((s) => {
        const phase = s.stages.find((x) => x.stage === stage)?.phase;
        return phase === 'conflict' || phase === 'reopened';
      })
      .map((s) => ({ citationId: s.citationId, stage })),
  );
  return { ...countsFromTallies(sumTallies(states)), conflicts };
}

export interface PersonalStageProgress {
  stage: Stage;
  /** Records at this stage with the viewer's counting decision. */
  decided: number;
  /** Records at this stage waiting for the viewer as a screener. */
  awaitingMe: number;
}

export interface PersonalProgress {
  reviewerId: string;
  stages: PersonalStageProgress[];
  /** Conflicts this viewer may settle (arbiters only; 0 otherwise). */
  conflictsAwaitingMe: number;
}

/** One reviewer's own progress from the review's tallies: nothing in it depends on another's decision. */
export function personalFromTallies(t: Tallies, reviewer: Pick<Reviewer, 'id' | 'roles'>): PersonalProgress {
  const screener = reviewer.roles.includes('screener');
  return {
    reviewerId: reviewer.id,
    stages: STAGES.map((stage) => ({
      stage,
      decided: get(t, tally.decidedBy(stage, reviewer.id)),
      awaitingMe: screener
        ? get(t, tally.awaiting(stage)) - get(t, tally.awaitingDecidedBy(stage, reviewer.id))
        : 0,
    })),
    conflictsAwaitingMe: reviewer.roles.includes('arbiter')
      ? get(t, tally.arbitrate) - get(t, tally.arbitrateScreenedBy(reviewer.id))
      : 0,
  };
}

export function personalProgress(
  states: readonly RecordState[],
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
): PersonalProgress {
  return personalFromTallies(sumTallies(states), reviewer);
}
