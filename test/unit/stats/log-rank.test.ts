// Every survdiff case of the reference files (test/fixtures/reference/PROVENANCE.md): groups, counts,
// observed, expected, variance matrix, chisq, df and p to 1e-9 relative, and R's error for one group.
import { describe, expect, it } from 'vitest';
import { logRank } from '../../../shared/domain/stats/log-rank.ts';
import { expectRClose, expectRCloseArray, type Json, loadReference } from './reference.ts';

const CASES: readonly { file: string; cases: Json[] }[] = [
  { file: 'ref-logrank.json', cases: loadReference('ref-logrank.json').cases },
  { file: 'iesm-km-reference.json', cases: loadReference('iesm-km-reference.json').logrank },
];

describe('Function: logRank against R survdiff (rho = 0)', () => {
  for (const { file, cases } of CASES) {
    describe(file, () => {
      for (const kase of cases) {
        it(kase.id, () => {
          // Prepare: the synthetic cohort's factors have explicit level orders in make_cohort.R (yes before
          // no, complete/partial/biopsy), which rows cannot carry: they are input. The other file's cases
          // use R's default factor order, which logRank must find itself.
          const levels = file.startsWith('iesm') ? kase.groups : undefined;

          if (kase.error !== undefined) {
            expect(() => logRank(kase.input, { levels })).toThrow(kase.error);
            return;
          }

          // Act
          const result = logRank(kase.input, { levels });

          // Assess
          expect(result.groups).toEqual(kase.groups);
          expect(result.n_per_group).toEqual(kase.n_per_group);
          expect(result.observed).toEqual(kase.observed);
          expectRCloseArray(result.expected, kase.expected, 'expected');
          expect(result.variance_matrix.length).toBe(kase.variance_matrix.length);
          kase.variance_matrix.forEach((row: unknown[], g: number) => {
            expectRCloseArray(result.variance_matrix[g]!, row, `variance_matrix[${g}]`);
          });
          expectRClose(result.chisq, kase.chisq, 'chisq');
          expect(result.df).toBe(kase.df);
          expectRClose(result.p_value, kase.p_value, 'p_value');
        });
      }
    });
  }

  it('drops an empty factor level given in levels (levels a, b, c; c has no subjects)', () => {
    const kase = loadReference('ref-logrank.json').cases.find((k: Json) => k.id === 'empty_factor_level');

    const result = logRank(kase.input, { levels: ['a', 'b', 'c'] });

    expect(result.groups).toEqual(kase.groups);
    expect(result.df).toBe(kase.df);
    expectRClose(result.chisq, kase.chisq, 'chisq');
  });

  it('gives the same test whatever the row order', () => {
    const kase = loadReference('ref-logrank.json').cases.find((k: Json) => k.id === 'ties_across_groups');
    const reversed = [...kase.input].reverse();

    expectRClose(logRank(reversed).chisq, kase.chisq, 'chisq');
  });

  it('rejects empty input, bad events and a variance matrix that cannot be inverted', () => {
    expect(() => logRank([])).toThrow('logRank requires at least one observation');
    expect(() => logRank([{ time: 1, event: 3 as 1, group: 'a' }])).toThrow(
      'logRank requires events of 0 or 1: observations[0].event is 3',
    );
    // Everyone at risk dies at the single event time: d (n - d) = 0, so V = 0.
    expect(() =>
      logRank([
        { time: 1, event: 1, group: 'a' },
        { time: 1, event: 1, group: 'b' },
      ]),
    ).toThrow('logRank requires a non-singular variance matrix');
  });
});
