// The tallies the store keeps up to date on the write path must give exactly the figures a full reading of
// every record gives. The oracle below computes them record by record from the workflow's own predicates
// (awaits, the stage phases), as the report did before tallies; random logs (fast-check) drive both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STAGES, type Vote } from '../../../shared/domain/screening/events.ts';
import { cohensKappa } from '../../../shared/domain/screening/kappa.ts';
import {
  addTallies,
  countsFromTallies,
  personalFromTallies,
  recordTallies,
  statusesFromTallies,
  sumTallies,
  talliesDelta,
} from '../../../shared/domain/screening/report.ts';
import {
  awaits,
  directInclusionStage,
  initialState,
  type RecordState,
  replay,
  ScreeningRuleError,
  statusOf,
} from '../../../shared/domain/screening/workflow.ts';
import { LogBuilder, screeners } from './events-builder.ts';

const REVIEWERS = [screeners.pp, screeners.alc, screeners.third, screeners.ash, screeners.both];

type Action =
  | { kind: 'screen' | 'arbitrate'; who: string; vote: Vote; reason: string; stage: 0 | 1 }
  | { kind: 'direct' }
  | { kind: 'duplicate' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('screen' as const),
      who: fc.constantFrom('pp', 'alc', 'third', 'both'),
      vote: fc.constantFrom<Vote>('include', 'exclude', 'maybe'),
      reason: fc.constantFrom('not-iesm', 'paediatric'),
      stage: fc.constantFrom(0 as const, 1 as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('arbitrate' as const),
      who: fc.constantFrom('ash', 'both'),
      vote: fc.constantFrom<Vote>('include', 'exclude'),
      reason: fc.constantFrom('not-iesm', 'paediatric'),
      stage: fc.constantFrom(0 as const, 1 as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'direct' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
);

/** The log an action list leaves, skipping actions the workflow refuses (as the API would). */
function logOf(
  citationId: string,
  actions: readonly Action[],
): { states: RecordState[]; final: RecordState } {
  const b = new LogBuilder(citationId);
  const states = [initialState(citationId)];
  for (const a of actions) {
    const current = states[states.length - 1]!;
    if (a.kind === 'duplicate') b.duplicateOf('pp', 'c0');
    else if (a.kind === 'direct') {
      const stage = directInclusionStage(current);
      if (!stage) continue;
      b.events.push(b.decision('operator', 'direct', stage, 'include', null, 'included directly'));
    } else {
      const role = a.kind === 'screen' ? 'screener' : 'arbiter';
      const reason = a.vote === 'exclude' ? a.reason : null;
      b.events.push(b.decision(a.who, role, STAGES[a.stage]!, a.vote, reason));
    }
    try {
      states.push(replay(citationId, b.events));
    } catch (error) {
      if (!(error instanceof ScreeningRuleError)) throw error;
      b.events.pop();
    }
  }
  return { states, final: states[states.length - 1]! };
}

/** The figures, record by record (the oracle). */
function oracle(states: readonly RecordState[]) {
  const counts = STAGES.map((stage) => ({
    stage,
    awaitingFirst: 0,
    awaitingSecond: 0,
    inConflict: 0,
    settled: 0,
    settledIncluded: 0,
    settledExcluded: 0,
    settledByArbiter: 0,
  }));
  const pairs = new Map<string, Array<[Vote, Vote]>>();
  let included = 0;
  let excluded = 0;
  let duplicates = 0;
  const statuses: Record<string, number> = {};
  for (const s of states) {
    statuses[statusOf(s)] = (statuses[statusOf(s)] ?? 0) + 1;
    if (s.outcome === 'duplicate') {
      duplicates++;
      continue;
    }
    if (s.outcome === 'included') included++;
    if (s.outcome === 'excluded') excluded++;
    for (const stage of s.stages) {
      const c = counts[STAGES.indexOf(stage.stage)]!;
      if (stage.phase === 'awaiting-first') c.awaitingFirst++;
      else if (stage.phase === 'awaiting-second') c.awaitingSecond++;
      else if (stage.phase === 'conflict' || stage.phase === 'reopened') c.inConflict++;
      else {
        c.settled++;
        if (stage.result!.decision === 'include') c.settledIncluded++;
        else c.settledExcluded++;
        if (stage.result!.settledBy === 'arbiter') c.settledByArbiter++;
      }
      const [x, y] = stage.screenerDecisions;
      if (x && y) {
        const [a, b] = x.reviewerId < y.reviewerId ? [x, y] : [y, x];
        const key = `${stage.stage}|${a.reviewerId}|${b.reviewerId}`;
        pairs.set(key, [...(pairs.get(key) ?? []), [a.decision, b.decision]]);
      }
    }
  }
  const personal = (reviewer: (typeof REVIEWERS)[number]) => ({
    reviewerId: reviewer.id,
    stages: STAGES.map((stage) => ({
      stage,
      decided: states.filter(
        (s) =>
          s.outcome !== 'duplicate' &&
          s.stages.some(
            (x) => x.stage === stage && x.screenerDecisions.some((d) => d.reviewerId === reviewer.id),
          ),
      ).length,
      awaitingMe: states.filter((s) => s.stage === stage && awaits(s, reviewer, 'screener')).length,
    })),
    conflictsAwaitingMe: states.filter((s) => awaits(s, reviewer, 'arbiter')).length,
  });
  return {
    counts: { records: states.length, included, excluded, duplicates, stages: counts },
    kappa: [...pairs.entries()].map(([key, ratings]) => ({ key, ...cohensKappa(ratings) })),
    statuses,
    personal: REVIEWERS.map(personal),
  };
}

describe('tallies', () => {
  it('give the same figures as reading every record, whatever the logs', () => {
    fc.assert(
      fc.property(fc.array(fc.array(action, { maxLength: 14 }), { minLength: 1, maxLength: 12 }), (logs) => {
        const finals = logs.map((actions, i) => logOf(`c${i + 1}`, actions).final);
        const t = sumTallies(finals);
        const expected = oracle(finals);
        const counts = countsFromTallies(t);
        expect({ ...counts, agreement: undefined }).toEqual({ ...expected.counts, agreement: undefined });
        expect(
          counts.agreement.map((a) => ({
            key: `${a.stage}|${a.reviewers.join('|')}`,
            n: a.n,
            kappa: a.kappa === null ? null : Number(a.kappa.toFixed(12)),
          })),
        ).toEqual(
          expected.kappa
            .sort(
              (p, q) =>
                STAGES.indexOf(p.key.split('|')[0] as never) - STAGES.indexOf(q.key.split('|')[0] as never) ||
                p.key.localeCompare(q.key),
            )
            .map((k) => ({
              key: k.key,
              n: k.n,
              kappa: k.kappa === null ? null : Number(k.kappa.toFixed(12)),
            })),
        );
        expect(statusesFromTallies(t)).toEqual(expected.statuses);
        expect(REVIEWERS.map((r) => personalFromTallies(t, r))).toEqual(expected.personal);
      }),
      { numRuns: 300 },
    );
  });

  it('add up event by event: the deltas of a log sum to the tallies of its last state', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 20 }), (actions) => {
        const { states, final } = logOf('c1', actions);
        const sum = talliesDelta(null, recordTallies(states[0]!));
        for (let i = 1; i < states.length; i++) {
          addTallies(sum, talliesDelta(recordTallies(states[i - 1]!), recordTallies(states[i]!)));
        }
        expect(sum).toEqual(recordTallies(final));
      }),
      { numRuns: 300 },
    );
  });
});
