// PRISMA 2020 counts from citations, replayed screening logs, included studies and run logs: every box adds up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPrismaFlow, type PrismaRecord, prismaRecordOf } from '../../../shared/domain/report/prisma.ts';
import type { DecisionEvent, ScreeningEvent, Stage, Vote } from '../../../shared/domain/screening/events.ts';
import { replay } from '../../../shared/domain/screening/workflow.ts';

const REASONS = [
  { id: 'not-iesm', label: 'Not an IESM' },
  { id: 'paediatric', label: 'Patients younger than 18 years' },
];

/** A screening log: each step is [reviewer, role, stage, vote, reason]. */
function logOf(
  citationId: string,
  steps: Array<[string, DecisionEvent['role'], Stage, Vote, string | null]>,
) {
  const events: ScreeningEvent[] = steps.map(([reviewerId, role, stage, decision, reasonId], index) => ({
    type: 'decision',
    seq: index + 1,
    eventId: `${citationId}-${index + 1}`,
    citationId,
    reviewerId,
    role,
    stage,
    decision,
    reasonId,
    note: null,
    at: new Date(Date.UTC(2026, 0, 2, 0, index)).toISOString(),
  }));
  return replay(citationId, events);
}

const TA = 'title-abstract' as const;
const FT = 'full-text' as const;

function record(id: string, sources: string[], queuedAt: string, steps: Parameters<typeof logOf>[1] | null) {
  return prismaRecordOf(
    { citationId: id, sourceRecords: sources, queuedAt },
    steps ? logOf(id, steps) : null,
  );
}

const runs = [
  {
    runId: 'run-1',
    source: 'pubmed',
    window: { from: '2025-12-29', to: '2026-01-05' },
    startedAt: '2026-01-05T06:00:00.000Z',
    finishedAt: '2026-01-05T06:01:00.000Z',
    outcome: 'succeeded' as const,
    counts: { found: 7, new: 5, duplicates: 2 },
  },
];

const records: PrismaRecord[] = [
  // Excluded at title/abstract by agreement.
  record('c1', ['pubmed:1'], '2026-01-05T06:00:10.000Z', [
    ['pp', 'screener', TA, 'exclude', 'not-iesm'],
    ['alc', 'screener', TA, 'exclude', 'not-iesm'],
  ]),
  // Included (both stages), with two source records (one duplicate folded in by the store).
  record('c2', ['europepmc:PMC9', 'pubmed:2'], '2026-01-05T06:00:20.000Z', [
    ['pp', 'screener', TA, 'include', null],
    ['alc', 'screener', TA, 'include', null],
    ['pp', 'screener', FT, 'include', null],
    ['alc', 'screener', FT, 'include', null],
  ]),
  // Excluded at full text after a conflict settled by the arbiter.
  record('c3', ['pubmed:3'], '2026-01-05T06:00:30.000Z', [
    ['pp', 'screener', TA, 'include', null],
    ['alc', 'screener', TA, 'include', null],
    ['pp', 'screener', FT, 'exclude', 'paediatric'],
    ['alc', 'screener', FT, 'exclude', 'not-iesm'],
    ['ash', 'arbiter', FT, 'exclude', 'paediatric'],
  ]),
  // Waiting at full text (one decision in).
  record('c4', ['pubmed:4', 'pubmed:44'], '2026-01-05T06:00:40.000Z', [
    ['pp', 'screener', TA, 'include', null],
    ['alc', 'screener', TA, 'include', null],
    ['pp', 'screener', FT, 'include', null],
  ]),
  // Waiting at title/abstract: never screened, and one conflict.
  record('c5', ['pubmed:5'], '2026-01-05T06:00:50.000Z', null),
  record('c6', ['pubmed:6'], '2025-06-01T00:00:00.000Z', [
    ['pp', 'screener', TA, 'include', null],
    ['alc', 'screener', TA, 'exclude', 'not-iesm'],
  ]),
];

const flow = buildPrismaFlow({
  records,
  exclusionReasons: REASONS,
  studies: [
    { citationId: 'c2', source: 'screening', retracted: false },
    { citationId: 'old1', source: 'manual', retracted: false },
    { citationId: 'old2', source: 'manual', retracted: true },
  ],
  runs,
  onRetraction: 'exclude-patients',
  snapshot: { studies: 2, patients: 9 },
});

describe('Function: buildPrismaFlow', () => {
  it('counts records per source and the duplicates the store folded in', () => {
    expect(flow.identification).toEqual({
      bySource: [
        { source: 'pubmed', records: 7 },
        { source: 'europepmc', records: 1 },
      ],
      otherMethods: { citationSearching: 0, bySource: [] },
      identified: 8,
      duplicatesRemoved: { automatic: 2, confirmedByReviewers: 0, total: 2 },
    });
  });

  it('follows records through title/abstract and full text, with exclusion reasons', () => {
    expect(flow.screening).toEqual({
      recordsAfterDuplicates: 6,
      awaiting: 2,
      screened: 4,
      excluded: 1,
      exclusionReasons: [{ reasonId: 'not-iesm', label: 'Not an IESM', count: 1 }],
    });
    expect(flow.eligibility).toEqual({
      sought: 3,
      awaiting: 1,
      assessed: 2,
      excluded: 1,
      exclusionReasons: [{ reasonId: 'paediatric', label: 'Patients younger than 18 years', count: 1 }],
    });
    expect(flow.included).toEqual({
      newFromScreening: 1,
      studiesFromScreening: 1,
      studiesOther: 2,
      studies: 3,
      withdrawn: 0,
      withdrawalReasons: [],
      retracted: 1,
      retractedExcluded: 1,
      studiesInStatistics: 2,
      patients: 9,
    });
  });

  it('adds up: every identity holds', () => {
    expect(flow.identities.filter((i) => !i.holds)).toEqual([]);
    expect(flow.identities).toHaveLength(10);
  });

  it('gives each citation to the run that queued it; the rest are one "imported" row', () => {
    expect(flow.updates).toEqual([
      expect.objectContaining({
        runId: 'run-1',
        identified: 7,
        duplicatesRemoved: 2,
        records: 5,
        excluded: 2,
        included: 1,
        inScreening: 2,
      }),
      expect.objectContaining({ runId: null, records: 1, inScreening: 1 }),
    ]);
  });

  it('leaves a study included by hand and never screened out of the flow', () => {
    const manual = record('old1', ['pubmed:900'], '2024-01-01T00:00:00.000Z', null);
    const withManual = buildPrismaFlow({
      records: [...records, manual],
      exclusionReasons: REASONS,
      studies: [{ citationId: 'old1', source: 'manual', retracted: false }],
      runs,
      onRetraction: 'exclude-patients',
      snapshot: null,
    });
    expect(withManual.outsideFlow).toBe(1);
    expect(withManual.identification.identified).toBe(flow.identification.identified);
    expect(withManual.screening).toEqual(flow.screening);
    expect(withManual.identities.every((i) => i.holds)).toBe(true);
  });

  it('counts a withdrawn inclusion as excluded at full text with its reason, and not among the included', () => {
    const withdrawn = buildPrismaFlow({
      records,
      exclusionReasons: REASONS,
      studies: [
        // c2 came through screening and was withdrawn at a full-text re-check (a protocol reason).
        { citationId: 'c2', source: 'screening', retracted: false, withdrawn: { reason: 'not-iesm' } },
        { citationId: 'old1', source: 'manual', retracted: false, withdrawn: null },
        // old2 was included by hand and withdrawn for a free-text reason.
        {
          citationId: 'old2',
          source: 'manual',
          retracted: true,
          withdrawn: { reason: 'duplicate publication' },
        },
      ],
      runs,
      onRetraction: 'exclude-patients',
      snapshot: { studies: 1, patients: 4 },
    });
    expect(withdrawn.eligibility).toEqual({
      sought: 3,
      awaiting: 1,
      assessed: 2,
      excluded: 2,
      exclusionReasons: [
        { reasonId: 'not-iesm', label: 'Not an IESM', count: 1 },
        { reasonId: 'paediatric', label: 'Patients younger than 18 years', count: 1 },
      ],
    });
    expect(withdrawn.included).toEqual({
      newFromScreening: 0,
      studiesFromScreening: 0,
      studiesOther: 1,
      studies: 1,
      withdrawn: 2,
      withdrawalReasons: [
        { reasonId: 'not-iesm', label: 'Not an IESM', count: 1 },
        { reasonId: 'duplicate publication', label: 'duplicate publication', count: 1 },
      ],
      retracted: 0,
      retractedExcluded: 0,
      studiesInStatistics: 1,
      patients: 4,
    });
    expect(withdrawn.updates[0]).toMatchObject({ runId: 'run-1', excluded: 3, included: 0 });
    expect(withdrawn.identities.filter((i) => !i.holds)).toEqual([]);
  });

  it('adds up for any mix of records (property)', () => {
    const stepsArb = fc.constantFrom<Parameters<typeof logOf>[1] | null>(
      null,
      [
        ['pp', 'screener', TA, 'exclude', 'not-iesm'],
        ['alc', 'screener', TA, 'exclude', 'paediatric'],
      ],
      [['pp', 'screener', TA, 'include', null]],
      [
        ['pp', 'screener', TA, 'include', null],
        ['alc', 'screener', TA, 'include', null],
      ],
      [
        ['pp', 'screener', TA, 'include', null],
        ['alc', 'screener', TA, 'include', null],
        ['pp', 'screener', FT, 'exclude', 'not-iesm'],
        ['alc', 'screener', FT, 'exclude', 'not-iesm'],
      ],
      [
        ['pp', 'screener', TA, 'include', null],
        ['alc', 'screener', TA, 'include', null],
        ['pp', 'screener', FT, 'include', null],
        ['alc', 'screener', FT, 'include', null],
      ],
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(stepsArb, fc.integer({ min: 1, max: 3 }), fc.boolean()), { maxLength: 30 }),
        (items) => {
          const built = items.map(([steps, sources, fromEuropePmc], index) =>
            record(
              `c${index}`,
              Array.from(
                { length: sources },
                (_, k) => `${fromEuropePmc && k === 0 ? 'europepmc' : 'pubmed'}:${index}-${k}`,
              ),
              '2026-01-05T06:00:30.000Z',
              steps,
            ),
          );
          const result = buildPrismaFlow({
            records: built,
            exclusionReasons: REASONS,
            studies: [],
            runs,
            onRetraction: 'flag-only',
            snapshot: null,
          });
          return result.identities.every((identity) => identity.holds);
        },
      ),
    );
  });
});

describe('updates after an abandoned run', () => {
  // A run killed after its last progress save (06:00:20) went on storing records until it died; the re-run
  // of its window started at 06:05. Each keeps the records it stored, whatever the log's last save said.
  const killed = {
    runId: 'killed',
    source: 'pubmed',
    window: { from: '2025-12-29', to: '2026-01-05' },
    startedAt: '2026-01-05T06:00:00.000Z',
    finishedAt: '2026-01-05T06:00:20.000Z',
    outcome: 'abandoned' as const,
    counts: { found: 4, new: 2, duplicates: 0 },
  };
  const rerun = {
    ...killed,
    runId: 'rerun',
    startedAt: '2026-01-05T06:05:00.000Z',
    finishedAt: '2026-01-05T06:06:00.000Z',
    outcome: 'succeeded' as const,
    counts: { found: 4, new: 1, duplicates: 0 },
  };
  const stored = [
    record('k1', ['pubmed:1'], '2026-01-05T06:00:10.000Z', null),
    record('k2', ['pubmed:2'], '2026-01-05T06:00:20.000Z', null),
    record('k3', ['pubmed:3'], '2026-01-05T06:00:25.000Z', null),
    record('r4', ['pubmed:4'], '2026-01-05T06:05:10.000Z', null),
  ];

  it('gives the abandoned run what it stored up to the next run of its source, and the re-run the rest', () => {
    const result = buildPrismaFlow({
      records: stored,
      exclusionReasons: REASONS,
      studies: [],
      runs: [rerun, killed],
      onRetraction: 'flag-only',
      snapshot: null,
    });
    expect(result.updates.map((u) => [u.runId, u.outcome, u.records])).toEqual([
      ['killed', 'abandoned', 3],
      ['rerun', 'succeeded', 1],
    ]);
    expect(result.identities.every((identity) => identity.holds)).toBe(true);
  });

  it('an abandoned run with no later run keeps every record of its source queued after it started', () => {
    const result = buildPrismaFlow({
      records: stored,
      exclusionReasons: REASONS,
      studies: [],
      runs: [killed],
      onRetraction: 'flag-only',
      snapshot: null,
    });
    expect(result.updates.map((u) => [u.runId, u.records])).toEqual([['killed', 4]]);
  });
});
