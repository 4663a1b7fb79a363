// median(), range() and quantile(type = 1..9) against R (ref-descriptive.json, PROVENANCE.md). R's NA is
// NaN here for median/range over data with a missing value; empty data throw (R gives NA or +-Inf with a
// warning), which is what the reference's null / "Inf" entries for empty data are checked against.
import { describe, expect, it } from 'vitest';
import { median, range } from '../../../shared/domain/stats/median.ts';
import { type QuantileType, quantile } from '../../../shared/domain/stats/quantile.ts';
import { decodeR, type Json, loadReference } from './reference.ts';

const reference = loadReference('ref-descriptive.json');

/** The reference's x with null (NA) as NaN, as callers pass missing values to median/range. */
const withNaN = (x: (number | null)[]) => x.map((value) => (value === null ? Number.NaN : value));
const present = (x: (number | null)[]) => x.filter((value): value is number => value !== null);

/** R's result for a function of x: null (NA) must be NaN, numbers must match exactly. */
function expectR(actual: number, expected: unknown) {
  const value = decodeR(expected);
  if (value === null) expect(actual).toBeNaN();
  else expect(actual).toBe(value);
}

describe('Function: median', () => {
  for (const kase of reference.cases as Json[]) {
    it(`${kase.id}: median(x) and median(x, na.rm = TRUE)`, () => {
      if (kase.x.length === 0) {
        expect(kase.median).toBeNull();
        expect(() => median(kase.x)).toThrow('median requires at least one value');
      } else {
        expectR(median(withNaN(kase.x)), kase.median);
      }
      const kept = present(kase.x);
      if (kept.length === 0) {
        expect(kase.median_na_rm).toBeNull();
        expect(() => median(kept)).toThrow('median requires at least one value');
      } else {
        expect(median(kept)).toBe(kase.median_na_rm);
      }
    });
  }

  it('does not reorder its argument', () => {
    const x = [3, 1, 2];
    median(x);
    expect(x).toEqual([3, 1, 2]);
  });
});

describe('Function: range', () => {
  for (const kase of reference.cases as Json[]) {
    it(`${kase.id}: min/max with and without na.rm`, () => {
      if (kase.x.length === 0) {
        expect(() => range(kase.x)).toThrow('range requires at least one value');
      } else {
        const { min, max } = range(withNaN(kase.x));
        expectR(min, kase.min);
        expectR(max, kase.max);
      }
      const kept = present(kase.x);
      if (kept.length === 0) {
        // R: Inf and -Inf with a warning; here an error.
        expect([decodeR(kase.min_na_rm), decodeR(kase.max_na_rm)]).toEqual([
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
        ]);
        expect(() => range(kept)).toThrow('range requires at least one value');
      } else {
        expect(range(kept)).toEqual({ min: kase.min_na_rm, max: kase.max_na_rm });
      }
    });
  }
});

describe('Function: quantile', () => {
  for (const kase of reference.cases as Json[]) {
    it(`${kase.id}: quantile(x, 0.5, type = 1..9, na.rm = TRUE) as the same doubles`, () => {
      const kept = present(kase.x);
      const types: QuantileType[] = [1, 2, 3, 4, 5, 6, 7, 8, 9];
      if (kept.length === 0) {
        expect(kase.quantile_p50_types_1_to_9).toEqual(types.map(() => null));
        expect(() => quantile(kept, 0.5)).toThrow('quantile requires at least one value');
        return;
      }
      expect(types.map((type) => quantile(kept, 0.5, type))).toEqual(kase.quantile_p50_types_1_to_9);
    });
  }

  it('rejects missing values, p outside [0, 1] and unknown types', () => {
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow('quantile requires values without NaN');
    expect(() => quantile([1, 2], 1.5)).toThrow('quantile requires p between 0 and 1');
    expect(() => quantile([1, 2], 0.5, 10 as QuantileType)).toThrow('quantile requires a type from 1 to 9');
  });

  it('gives the sample minimum and maximum at p = 0 and p = 1 for every type', () => {
    const x = reference.cases.find((k: Json) => k.id === 'months_like');
    for (const type of [1, 2, 3, 4, 5, 6, 7, 8, 9] as QuantileType[]) {
      expect(quantile(x.x, 0, type), `type ${type}`).toBe(x.min);
      expect(quantile(x.x, 1, type), `type ${type}`).toBe(x.max);
    }
  });
});
