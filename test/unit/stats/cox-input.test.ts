// What fitCox accepts and how it says no: every bad value is named by row and column, in one line.
import { describe, expect, it } from 'vitest';
import { fitCox } from '../../../shared/domain/stats/cox.ts';

const rows = [
  { t: 5, e: 1, age: 60, arm: 'b', study: 'A' },
  { t: 8, e: 0, age: 52, arm: 'a', study: 'A' },
  { t: 3, e: 1, age: 71, arm: 'a', study: 'B' },
  { t: 9, e: 1, age: 66, arm: 'b', study: 'B' },
  { t: 4, e: 0, age: 58, arm: 'a', study: 'A' },
  { t: 7, e: 1, age: 49, arm: 'b', study: 'B' },
];
const model = { time: 't', event: 'e', covariates: ['age', 'arm'], strata: 'study' };

describe('Function: fitCox, input', () => {
  it.each([
    [
      'a time that is text',
      { t: 'five' },
      'rows[2].t: the time must be a finite number (null if missing), not "five"',
    ],
    ['an infinite time', { t: Number.POSITIVE_INFINITY }, 'rows[2].t: the time must be a finite number'],
    [
      'an event of 2',
      { e: 2 },
      'rows[2].e: the event must be 0 (censored) or 1 (event), null if missing, not 2',
    ],
    ['an event of true', { e: true }, 'rows[2].e: the event must be 0 (censored) or 1 (event)'],
    ['a covariate of another kind', { age: 'old' }, 'rows[2].age: "old" is text but rows[0].age is a number'],
    [
      'a covariate that is an object',
      { arm: { a: 1 } },
      'rows[2].arm: expected a number, text, true/false or null, not an object',
    ],
    [
      'a stratum that is an array',
      { study: ['A'] },
      'rows[2].study: expected a number, text, true/false or null, not an array',
    ],
  ])('names the row and column of %s', (_, change, message) => {
    const bad = rows.map((row, i) => (i === 2 ? { ...row, ...change } : row));

    expect(() => fitCox(bad, model)).toThrow(message);
  });

  it('names a column that is in no row', () => {
    expect(() => fitCox(rows, { ...model, covariates: ['age', 'agee'] })).toThrow(
      'column "agee" is in no row (rows[0] has t, e, age, arm, study)',
    );
  });

  it('refuses rows that are not objects, naming the row', () => {
    expect(() => fitCox([...rows, 7], model)).toThrow('rows[6]: expected an object, got 7');
    expect(() => fitCox([null], model)).toThrow('rows[0]: expected an object, got null');
  });

  it('refuses a column used twice', () => {
    expect(() => fitCox(rows, { ...model, covariates: ['age', 't'] })).toThrow(
      'fitCox requires distinct columns: t is used twice',
    );
  });

  it('refuses a categorical covariate with one level among the rows used, as R does', () => {
    const oneArm = rows.map((row) => ({ ...row, arm: row.arm === 'a' ? null : row.arm }));

    expect(() => fitCox(oneArm, model)).toThrow(
      'covariate "arm" has one level ("b") in the 3 rows used: it cannot be compared (R: "contrasts can be applied only to factors with 2 or more levels")',
    );
  });

  it('refuses data with no complete row, as R does', () => {
    expect(() =>
      fitCox(
        rows.map((row) => ({ ...row, age: null })),
        model,
      ),
    ).toThrow(
      'fitCox requires at least one row without a missing value (R: "No (non-missing) observations"); 6 rows, all incomplete',
    );
  });

  it('refuses a level order that lacks a level of the data, naming the covariate', () => {
    expect(() => fitCox(rows, { ...model, levels: { arm: ['a'] } })).toThrow(
      'covariate "arm": factorLevels requires every group in levels: "b" is not',
    );
  });

  it('takes null and absent keys as missing, and true/false as a factor with levels FALSE, TRUE', () => {
    const withLogical = rows.map((row, i) => ({
      ...row,
      arm: row.arm === 'b',
      age: i === 0 ? null : row.age,
    }));
    delete (withLogical[1] as { age?: number }).age;

    const fit = fitCox(withLogical, model);

    expect(fit.terms.map((term) => term.term)).toEqual(['age', 'armTRUE']);
    expect(fit.factors).toEqual([{ covariate: 'arm', reference: 'FALSE', levels: ['FALSE', 'TRUE'] }]);
    expect(fit.n).toBe(4);
    expect(fit.notUsed).toEqual({ rows: 2, byColumn: { age: 2 } });
    expect(fit.warnings[0]).toEqual({
      code: 'rows-left-out',
      message:
        '2 rows left out for a missing value (R: "2 observations deleted due to missingness"); missing per column: age 2',
    });
  });

  it('refuses a ties method other than efron or breslow', () => {
    expect(() => fitCox(rows, { ...model, ties: 'exact' as 'efron' })).toThrow(
      'fitCox: ties must be efron or breslow, not exact',
    );
  });

  it('says which level occurs in one stratum only', () => {
    const levelInA = [
      ...rows,
      { t: 6, e: 1, age: 55, arm: 'c', study: 'A' },
      { t: 2, e: 0, age: 62, arm: 'c', study: 'A' },
    ];

    const fit = fitCox(levelInA, model);

    expect(fit.warnings).toContainEqual({
      code: 'level-in-one-stratum',
      terms: ['armc'],
      message: 'arm: "c" occurs in study A only; its comparison rests on that stratum alone',
    });
  });

  it('fits the null model when there are no covariates: loglik only, no tests', () => {
    const fit = fitCox(rows, { time: 't', event: 'e' });

    expect(fit.terms).toEqual([]);
    expect(fit.loglik[0]).toBe(fit.loglik[1]);
    expect(fit.df).toBe(0);
    expect(fit.iterations).toBe(0);
    expect([fit.wald, fit.score, fit.lr]).toEqual([null, null, null]);
    expect(fit.tests).toEqual({ wald: null, score: null, lr: null });
  });
});
