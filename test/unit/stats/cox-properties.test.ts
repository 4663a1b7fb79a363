// Properties of the Cox fit that hold for any data, checked on random data sets (fast-check): what changes
// nothing, what scales, and what R's algorithm makes exact. Coefficients that should be mathematically equal
// come from different floating-point paths, so they are compared relative to their standard error; the fits
// use a tight convergence criterion (eps 1e-12) so that both sides are at the maximum, not one step short.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CoxFit, type CoxOptions, fitCox } from '../../../shared/domain/stats/cox.ts';

const rowArbitrary = fc.record({
  time: fc.integer({ min: 1, max: 25 }),
  event: fc.constantFrom<0 | 1>(0, 1, 1),
  x: fc
    .double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true })
    .map((value) => Math.round(value * 100) / 100),
  group: fc.constantFrom('a', 'b', 'c'),
  study: fc.constantFrom('s1', 's2', 's3'),
});
const rowsArbitrary = fc.array(rowArbitrary, { minLength: 20, maxLength: 80 });

const OPTIONS: CoxOptions = {
  time: 'time',
  event: 'event',
  covariates: ['x', 'group'],
  control: { eps: 1e-12 },
};

/** A fit worth comparing: converged, every term estimable, nothing possibly infinite. */
function wellBehaved(fit: CoxFit): boolean {
  return (
    fit.converged &&
    fit.df === fit.terms.length &&
    !fit.warnings.some((warning) => warning.code === 'infinite-coefficient') &&
    fit.terms.every((term) => term.se! < 10)
  );
}

/** Fits, or undefined when the data cannot be fitted (e.g. a factor with one level). */
function tryFit(rows: readonly unknown[], options: CoxOptions): CoxFit | undefined {
  try {
    return fitCox(rows, options);
  } catch {
    return undefined;
  }
}

function expectSameCoefficients(actual: CoxFit, expected: CoxFit, tolerance = 1e-7) {
  expect(actual.terms.map((term) => term.term)).toEqual(expected.terms.map((term) => term.term));
  actual.terms.forEach((term, j) => {
    const other = expected.terms[j]!;
    expect(
      Math.abs(term.coef! - other.coef!),
      `${term.term}: ${term.coef} vs ${other.coef}`,
    ).toBeLessThanOrEqual(tolerance * other.se);
    expect(Math.abs(term.se - other.se)).toBeLessThanOrEqual(1e-6 * other.se);
  });
}

describe('Function: fitCox, properties', () => {
  it('gives the same hazard ratios whatever the order of the rows', () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.integer(), (rows, seed) => {
        const fit = tryFit(rows, OPTIONS);
        fc.pre(fit !== undefined && wellBehaved(fit));
        const shuffled = fc.sample(fc.shuffledSubarray(rows, { minLength: rows.length }), {
          numRuns: 1,
          seed,
        })[0]!;

        const refit = fitCox(shuffled, OPTIONS);

        expectSameCoefficients(refit, fit!);
        expect(Math.abs(refit.loglik[1] - fit!.loglik[1])).toBeLessThanOrEqual(
          1e-9 * Math.abs(fit!.loglik[1]),
        );
      }),
    );
  });

  it('divides the coefficient of a covariate multiplied by c by c (z, p and the likelihoods unchanged)', () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.constantFrom(-1000, -3, -1, 0.001, 0.5, 2, 7.25, 1e6), (rows, c) => {
        const fit = tryFit(rows, OPTIONS);
        fc.pre(fit !== undefined && wellBehaved(fit));

        const scaled = fitCox(
          rows.map((row) => ({ ...row, x: row.x * c })),
          OPTIONS,
        );

        const [x, scaledX] = [fit!.terms[0]!, scaled.terms[0]!];
        expect(Math.abs(scaledX.coef! * c - x.coef!)).toBeLessThanOrEqual(1e-7 * x.se);
        expect(Math.abs(scaledX.se * Math.abs(c) - x.se)).toBeLessThanOrEqual(1e-6 * x.se);
        expect(Math.abs(scaledX.z! * Math.sign(c) - x.z!)).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(x.z!)),
        );
        expectSameCoefficients(
          { ...scaled, terms: scaled.terms.slice(1) },
          { ...fit!, terms: fit!.terms.slice(1) },
        );
        expect(Math.abs(scaled.loglik[1] - fit!.loglik[1])).toBeLessThanOrEqual(
          1e-9 * Math.abs(fit!.loglik[1]),
        );
        expect(Math.abs(scaled.score! - fit!.score!)).toBeLessThanOrEqual(1e-8 * Math.max(1, fit!.score!));
      }),
    );
  });

  it('with every row in one stratum, is the unstratified fit, to the last bit', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const fit = tryFit(rows, OPTIONS);
        fc.pre(fit !== undefined);

        const stratified = fitCox(
          rows.map((row) => ({ ...row, study: 'only-study' })),
          { ...OPTIONS, strata: 'study' },
        );

        const numbers = ({ terms, loglik, wald, score, lr, variance, iterations }: CoxFit) => ({
          terms,
          loglik,
          wald,
          score,
          lr,
          variance,
          iterations,
        });
        expect(numbers(stratified)).toEqual(numbers(fit!));
        expect(stratified.strata?.levels).toEqual([{ label: 'only-study', n: fit!.n, events: fit!.events }]);
      }),
    );
  });

  it('is unchanged by a stratum in which every subject is censored (it contributes nothing)', () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.array(rowArbitrary, { minLength: 1, maxLength: 20 }), (rows, extra) => {
        const options = { ...OPTIONS, strata: 'study' };
        const fit = tryFit(rows, options);
        fc.pre(fit !== undefined && wellBehaved(fit));
        const censored = extra.map((row) => ({ ...row, event: 0 as const, study: 'all-censored' }));

        const withCensored = tryFit([...rows, ...censored], options);
        fc.pre(withCensored !== undefined); // an extra level of group seen only there makes a new term

        fc.pre(withCensored!.terms.length === fit!.terms.length);
        expectSameCoefficients(withCensored!, fit!);
        expect(withCensored!.n).toBe(fit!.n + censored.length);
        expect(withCensored!.warnings.map((warning) => warning.code)).toContain('stratum-without-events');
        expect(Math.abs(withCensored!.loglik[1] - fit!.loglik[1])).toBeLessThanOrEqual(
          1e-9 * Math.abs(fit!.loglik[1]),
        );
      }),
    );
  });

  it('depends on the times only through their order (a strictly increasing transform changes nothing)', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const fit = tryFit(rows, OPTIONS);
        fc.pre(fit !== undefined);

        const transformed = fitCox(
          rows.map((row) => ({ ...row, time: row.time * row.time * 3 + 0.5 })),
          OPTIONS,
        );

        expect(transformed.terms).toEqual(fit!.terms);
        expect(transformed.loglik).toEqual(fit!.loglik);
      }),
    );
  });

  it('gives Efron = Breslow when no two events share a time', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const distinct = rows.map((row, i) => ({ ...row, time: i + 1 }));
        const efron = tryFit(distinct, OPTIONS);
        fc.pre(efron !== undefined);

        const breslow = fitCox(distinct, { ...OPTIONS, ties: 'breslow' });

        expect(breslow.terms).toEqual(efron!.terms);
        expect(breslow.loglik).toEqual(efron!.loglik);
      }),
    );
  });

  it('with Breslow ties, every row twice gives the same coefficients and se / sqrt(2)', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const options = { ...OPTIONS, ties: 'breslow' as const };
        const fit = tryFit(rows, options);
        fc.pre(fit !== undefined && wellBehaved(fit));

        const doubled = fitCox([...rows, ...rows], options);

        doubled.terms.forEach((term, j) => {
          const once = fit!.terms[j]!;
          expect(Math.abs(term.coef! - once.coef!)).toBeLessThanOrEqual(1e-7 * once.se);
          expect(Math.abs(term.se * Math.SQRT2 - once.se)).toBeLessThanOrEqual(1e-6 * once.se);
        });
      }),
    );
  });

  it('turns a two-level factor around when the reference changes: coef -> -coef, HR -> 1 / HR', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const twoLevels = rows.map((row) => ({ ...row, group: row.group === 'a' ? 'a' : 'b' }));
        const options = { ...OPTIONS, covariates: ['group', 'x'] };
        const fit = tryFit(twoLevels, options);
        fc.pre(fit !== undefined && wellBehaved(fit));

        const turned = fitCox(twoLevels, { ...options, levels: { group: ['b', 'a'] } });

        expect(turned.terms[0]!.term).toBe('groupa');
        expect(fit!.terms[0]!.term).toBe('groupb');
        expect(Math.abs(turned.terms[0]!.coef! + fit!.terms[0]!.coef!)).toBeLessThanOrEqual(
          1e-7 * fit!.terms[0]!.se,
        );
        expect(Math.abs(turned.terms[0]!.hr! * fit!.terms[0]!.hr! - 1)).toBeLessThanOrEqual(1e-7);
        expect(Math.abs(turned.terms[0]!.p! - fit!.terms[0]!.p!)).toBeLessThanOrEqual(1e-7);
      }),
    );
  });

  it('leaves out rows with a missing covariate and counts them, as if they were not there', () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.array(rowArbitrary, { minLength: 1, maxLength: 10 }), (rows, extra) => {
        const fit = tryFit(rows, OPTIONS);
        fc.pre(fit !== undefined);
        const incomplete = extra.map((row, i) =>
          i % 2 === 0 ? { ...row, x: null } : { ...row, group: undefined },
        );

        const withMissing = fitCox([...incomplete, ...rows], OPTIONS);

        expect(withMissing.terms).toEqual(fit!.terms);
        expect(withMissing.n).toBe(fit!.n);
        expect(withMissing.notUsed.rows).toBe(extra.length);
        expect(withMissing.notUsed.byColumn).toEqual({
          ...(extra.length > 0 ? { x: Math.ceil(extra.length / 2) } : {}),
          ...(extra.length > 1 ? { group: Math.floor(extra.length / 2) } : {}),
        });
      }),
    );
  });
});
