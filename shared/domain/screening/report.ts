// Team-level screening figures, derived from every record's state: per stage, how many records await a first
// or a second decision, are in conflict or are settled (and how), and Cohen's kappa between each pair of
// screeners over the records both decided at that stage (their latest, counting decisions).
//
// These figures are for arbiters and the local `status` command: a screener's own progress page shows only
// their own queue (./progress.ts), because a per-stage conflict count next to "I just decided this one" gives
// the other screener's decision away.
import type { Reviewer } from '../protocol/protocol.ts';
import { STAGES, type Stage, type Vote } from './events.ts';
import { cohensKappa, type KappaResult } from './kappa.ts';
import { awaits, type RecordState } from './workflow.ts';

export interface StageCounts {
  stage: Stage;
  awaitingFirst: number;
  awaitingSecond: number;
  inConflict: number;
  settled: number;
  settledIncluded: number;
  settledExcluded: number;
  /** Settled by the arbiter (the rest by agreement). */
  settledByArbiter: number;
}

export interface PairAgreement extends KappaResult {
  stage: Stage;
  reviewers: [string, string];
}

export interface ScreeningReport {
  records: number;
  included: number;
  excluded: number;
  duplicates: number;
  stages: StageCounts[];
  agreement: PairAgreement[];
  /** Records in conflict now, oldest stage first. */
  conflicts: Array<{ citationId: string; stage: Stage }>;
}

function emptyCounts(stage: Stage): StageCounts {
  return {
    stage,
    awaitingFirst: 0,
    awaitingSecond: 0,
    inConflict: 0,
    settled: 0,
    settledIncluded: 0,
    settledExcluded: 0,
    settledByArbiter: 0,
  };
}

/** Kappa per stage and per pair of screeners (ids in alphabetical order, A = the first). */
export function screenerAgreement(states: readonly RecordState[]): PairAgreement[] {
  const pairs = new Map<
    string,
    { stage: Stage; reviewers: [string, string]; ratings: Array<[Vote, Vote]> }
  >();
  for (const state of states) {
    if (state.outcome === 'duplicate') continue;
    for (const stage of state.stages) {
      const [x, y] = stage.screenerDecisions;
      if (!x || !y) continue;
      const [a, b] = x.reviewerId < y.reviewerId ? [x, y] : [y, x];
      const key = `${stage.stage}|${a.reviewerId}|${b.reviewerId}`;
      const entry = pairs.get(key) ?? {
        stage: stage.stage,
        reviewers: [a.reviewerId, b.reviewerId] as [string, string],
        ratings: [],
      };
      entry.ratings.push([a.decision, b.decision]);
      pairs.set(key, entry);
    }
  }
  return [...pairs.values()]
    .sort(
      (p, q) =>
        STAGES.indexOf(p.stage) - STAGES.indexOf(q.stage) ||
        p.reviewers.join('|').localeCompare(q.reviewers.join('|')),
    )
    .map((p) => ({ stage: p.stage, reviewers: p.reviewers, ...cohensKappa(p.ratings) }));
}

export function screeningReport(states: readonly RecordState[]): ScreeningReport {
  const stages = new Map(STAGES.map((stage) => [stage, emptyCounts(stage)]));
  const report: ScreeningReport = {
    records: states.length,
    included: 0,
    excluded: 0,
    duplicates: 0,
    stages: [],
    agreement: screenerAgreement(states),
    conflicts: [],
  };
  for (const state of states) {
    if (state.outcome === 'duplicate') {
      report.duplicates++;
      continue;
    }
    if (state.outcome === 'included') report.included++;
    if (state.outcome === 'excluded') report.excluded++;
    for (const stage of state.stages) {
      const counts = stages.get(stage.stage)!;
      if (stage.phase === 'awaiting-first') counts.awaitingFirst++;
      else if (stage.phase === 'awaiting-second') counts.awaitingSecond++;
      else if (stage.phase === 'conflict') {
        counts.inConflict++;
        report.conflicts.push({ citationId: state.citationId, stage: stage.stage });
      } else {
        counts.settled++;
        if (stage.result?.decision === 'include') counts.settledIncluded++;
        else counts.settledExcluded++;
        if (stage.result?.settledBy === 'arbiter') counts.settledByArbiter++;
      }
    }
  }
  report.stages = STAGES.map((stage) => stages.get(stage)!);
  report.conflicts.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  return report;
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

/** One reviewer's own progress: nothing in it depends on another reviewer's decision. */
export function personalProgress(
  states: readonly RecordState[],
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
): PersonalProgress {
  const stages = STAGES.map((stage) => ({ stage, decided: 0, awaitingMe: 0 }));
  let conflicts = 0;
  for (const state of states) {
    if (state.outcome === 'duplicate') continue;
    for (const stage of state.stages) {
      const entry = stages.find((s) => s.stage === stage.stage)!;
      if (stage.screenerDecisions.some((d) => d.reviewerId === reviewer.id)) entry.decided++;
    }
    if (state.stage && awaits(state, reviewer, 'screener')) {
      stages.find((s) => s.stage === state.stage)!.awaitingMe++;
    }
    if (awaits(state, reviewer, 'arbiter')) conflicts++;
  }
  return { reviewerId: reviewer.id, stages, conflictsAwaitingMe: conflicts };
}
