import { describe, expect, it } from 'vitest';
import { personalProgress, screeningReport } from '../../../shared/domain/screening/report.ts';
import { replay } from '../../../shared/domain/screening/workflow.ts';
import { log, screeners } from './events-builder.ts';

// Eight records in every situation a stage can be in.
const records = [
  log('c1'), // awaiting first (title/abstract)
  log('c2').screen('pp', 'include'), // awaiting second
  log('c3').screen('pp', 'include').screen('alc', 'exclude', 'not-iesm'), // conflict
  log('c4').screen('alc', 'exclude', 'not-iesm').screen('pp', 'exclude', 'paediatric'), // excluded by agreement
  log('c5').screen('pp', 'include').screen('alc', 'include'), // settled include, full text awaiting first
  log('c6')
    .screen('pp', 'maybe')
    .screen('alc', 'include')
    .arbitrate('ash', 'include')
    .screen('alc', 'include', null, 'full-text'), // TA settled by arbiter; FT awaiting second
  log('c7')
    .screen('pp', 'include')
    .screen('alc', 'include')
    .screen('pp', 'include', null, 'full-text')
    .screen('alc', 'include', null, 'full-text'), // included
  log('c8').screen('pp', 'include').duplicateOf('ash', 'c7'), // confirmed duplicate: left out of everything
].map((b) => replay(b.citationId, b.events));

describe('Function: screeningReport', () => {
  const report = screeningReport(records);

  it('counts each stage: awaiting first, awaiting second, in conflict, settled', () => {
    expect(report.records).toBe(8);
    expect(report.duplicates).toBe(1);
    expect(report.included).toBe(1);
    expect(report.excluded).toBe(1);
    expect(report.stages).toEqual([
      {
        stage: 'title-abstract',
        awaitingFirst: 1,
        awaitingSecond: 1,
        inConflict: 1,
        settled: 4,
        settledIncluded: 3,
        settledExcluded: 1,
        settledByArbiter: 1,
      },
      {
        stage: 'full-text',
        awaitingFirst: 1,
        awaitingSecond: 1,
        inConflict: 0,
        settled: 1,
        settledIncluded: 1,
        settledExcluded: 0,
        settledByArbiter: 0,
      },
    ]);
    expect(report.conflicts).toEqual([{ citationId: 'c3', stage: 'title-abstract' }]);
  });

  it("computes kappa per stage between the two screeners' counting decisions", () => {
    // Title/abstract pairs (alc, pp): c3 (exclude, include), c4 (exclude, exclude), c5 (include, include),
    // c6 (include, maybe), c7 (include, include). po = 3/5. alc: include 3, exclude 2; pp: include 3,
    // exclude 1, maybe 1. pe = 0.6*0.6 + 0.4*0.2 = 0.44. kappa = (0.6 - 0.44) / 0.56 = 2/7.
    const [ta, ft] = report.agreement;
    expect(ta).toMatchObject({ stage: 'title-abstract', reviewers: ['alc', 'pp'], n: 5 });
    expect(ta?.kappa).toBeCloseTo(2 / 7, 12);
    // Full text: only c7 has both, include/include: one category only, kappa undefined.
    expect(ft).toMatchObject({ stage: 'full-text', reviewers: ['alc', 'pp'], n: 1, kappa: null });
    expect(report.agreement).toHaveLength(2);
  });
});

describe('Function: personalProgress', () => {
  it("counts a screener's own decisions and queue", () => {
    expect(personalProgress(records, screeners.pp)).toEqual({
      reviewerId: 'pp',
      stages: [
        { stage: 'title-abstract', decided: 6, awaitingMe: 1 },
        { stage: 'full-text', decided: 1, awaitingMe: 2 },
      ],
      conflictsAwaitingMe: 0,
    });
    expect(personalProgress(records, screeners.alc).stages).toEqual([
      { stage: 'title-abstract', decided: 5, awaitingMe: 2 },
      { stage: 'full-text', decided: 2, awaitingMe: 1 },
    ]);
  });

  it('counts the conflicts an arbiter may settle', () => {
    expect(personalProgress(records, screeners.ash).conflictsAwaitingMe).toBe(1);
    expect(personalProgress(records, screeners.ash).stages.every((s) => s.awaitingMe === 0)).toBe(true);
  });
});
