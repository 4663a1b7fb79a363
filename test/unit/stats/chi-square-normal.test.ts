// The distribution functions behind the p-values and confidence bands: chi-square upper tail (incomplete
// gamma), log-gamma and the normal quantile, checked against R's values in the reference files and against
// closed forms that hold exactly in mathematics.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareUpperTail } from '../../../shared/domain/stats/chi-square.ts';
import { logGamma } from '../../../shared/domain/stats/log-gamma.ts';
import { normalQuantile } from '../../../shared/domain/stats/normal.ts';
import { regularizedGammaQ } from '../../../shared/domain/stats/regularized-gamma.ts';
import { expectRClose, type Json, loadReference, referenceDirectory } from './reference.ts';

const logRankCases: Json[] = [
  ...loadReference('ref-logrank.json').cases,
  ...loadReference('iesm-km-reference.json').logrank,
].filter((kase: Json) => kase.error === undefined);

describe('Function: chiSquareUpperTail', () => {
  for (const kase of logRankCases) {
    it(`${kase.id}: pchisq(${kase.chisq}, ${kase.df}, lower.tail = FALSE) to 1e-12 relative`, () => {
      expectRClose(chiSquareUpperTail(kase.chisq, kase.df), kase.p_value, 'p', 1e-12);
    });
  }

  it('equals exp(-x/2) for df = 2 and exp(-x/2)(1 + x/2) for df = 4, far into the tail', () => {
    for (const x of [0.001, 0.5, 1, 3, 10, 50, 200, 1000]) {
      expectRClose(chiSquareUpperTail(x, 2), Math.exp(-x / 2), `df 2, x ${x}`, 1e-12);
      expectRClose(chiSquareUpperTail(x, 4), Math.exp(-x / 2) * (1 + x / 2), `df 4, x ${x}`, 1e-12);
    }
  });

  it('is 1 at x = 0 and rejects df <= 0 or x < 0', () => {
    expect(chiSquareUpperTail(0, 3)).toBe(1);
    expect(() => chiSquareUpperTail(1, 0)).toThrow('chiSquareUpperTail requires df > 0');
    expect(() => chiSquareUpperTail(-1, 1)).toThrow('chiSquareUpperTail requires x >= 0');
  });
});

describe('Function: regularizedGammaQ and logGamma', () => {
  it('Q(1, x) = exp(-x)', () => {
    for (const x of [0.01, 0.7, 1.5, 2, 20, 300])
      expectRClose(regularizedGammaQ(1, x), Math.exp(-x), `x ${x}`, 1e-13);
  });

  it('logGamma(n + 1) = ln n! and logGamma(1/2) = ln sqrt(pi)', () => {
    let factorial = 1;
    for (let n = 1; n <= 25; n++) {
      factorial *= n;
      expect(Math.abs(logGamma(n + 1) - Math.log(factorial)), `n ${n}`).toBeLessThan(1e-13);
    }
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-15);
    expect(() => logGamma(0)).toThrow('logGamma requires a positive argument');
    expect(() => regularizedGammaQ(0, 1)).toThrow('regularizedGammaQ requires a > 0 and x >= 0');
  });
});

describe('Function: normalQuantile', () => {
  it("gives R's qnorm(0.975) as the same double (the README's z), also as 1 - (1 - 0.95) / 2", () => {
    const readme = readFileSync(`${referenceDirectory}README.md`, 'utf8');
    const z = Number(/z = qnorm\(0\.975\) = (\d+\.\d+)/.exec(readme)![1]);

    expect(normalQuantile(0.975)).toBe(z);
    expect(normalQuantile(1 - (1 - 0.95) / 2)).toBe(z);
  });

  it('inverts the chi-square(1) tail: P(chi2(1) > q(p)^2) = 2 min(p, 1 - p), in all three regions', () => {
    for (const p of [
      1e-300, 1e-50, 1e-12, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.45, 0.7, 0.95, 0.999,
    ]) {
      const z = normalQuantile(p);
      expect(Math.sign(z), `p ${p}`).toBe(p < 0.5 ? -1 : 1);
      expectRClose(chiSquareUpperTail(z * z, 1), 2 * Math.min(p, 1 - p), `p ${p}`, 1e-12);
    }
  });

  it('is 0 at 1/2, infinite at 0 and 1, and rejects other values', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.1)).toThrow('normalQuantile requires a probability between 0 and 1');
    expect(() => normalQuantile(Number.NaN)).toThrow('normalQuantile requires a probability between 0 and 1');
  });
});
