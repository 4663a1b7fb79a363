/** R's `quantile` type: 1-3 discontinuous (order statistics), 4-9 continuous; 7 is R's default. */
export type QuantileType = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Fuzz of R's `quantile.default` against rounding in n x p: 4 x machine epsilon. */
const FUZZ = 4 * 2.220446049250313e-16;

/** Plotting-position constants (a, b) of the continuous types 4-9 (Hyndman and Fan, 1996). */
const CONTINUOUS: Record<4 | 5 | 6 | 7 | 8 | 9, readonly [number, number]> = {
  4: [0, 1],
  5: [0.5, 0.5],
  6: [0, 0],
  7: [1, 1],
  8: [1 / 3, 1 / 3],
  9: [3 / 8, 3 / 8],
};

/**
 * Sample quantile (R's `quantile(x, p, type = 1..9)`, the nine definitions of Hyndman and Fan).
 *
 * Used for descriptive summaries (quartiles of age or follow-up). The arithmetic follows R's
 * `quantile.default` operation by operation, so the results are the same doubles (type 8 at p = 0.5
 * gives 3.5000000000000004 for [1, 1, 3, 4, 5, 9], as R). Types 2, 5, 6, 7 and 9 at p = 0.5 equal
 * {@link median}; types 1, 3 and 4 give an order statistic (the lower middle value for even n).
 *
 * Missing values are not allowed (R stops unless `na.rm = TRUE`): drop them first.
 *
 * Reference: R documentation of `quantile`,
 * https://stat.ethz.ch/R-manual/R-devel/library/stats/html/quantile.html
 *
 * Complexity: O(n log n) time (the sort), O(n) space.
 *
 * @param values the sample; not modified
 * @param p the probability, 0 <= p <= 1
 * @param type the definition, 1..9 (default 7, R's default)
 * @returns the p-quantile
 * @throws {RangeError} "quantile requires at least one value", "quantile requires values without NaN",
 *   "quantile requires p between 0 and 1", "quantile requires a type from 1 to 9"
 * @example
 * quantile([3, 1, 4, 1, 5, 9], 0.5); // => 3.5
 * quantile([3, 1, 4, 1, 5, 9], 0.5, 1); // => 3
 */
export function quantile(values: readonly number[], p: number, type: QuantileType = 7): number {
  if (values.length === 0) throw new RangeError('quantile requires at least one value');
  if (values.some((value) => Number.isNaN(value)))
    throw new RangeError('quantile requires values without NaN');
  if (!(p >= 0 && p <= 1)) throw new RangeError('quantile requires p between 0 and 1');
  if (!Number.isInteger(type) || type < 1 || type > 9) {
    throw new RangeError('quantile requires a type from 1 to 9');
  }
  return sortedQuantile(Float64Array.from(values).sort(), p, type);
}

/**
 * {@link quantile} of values already sorted increasing and free of NaN (several quantiles of one sample cost
 * one sort). p and type are not checked here.
 */
export function sortedQuantile(sorted: Float64Array, p: number, type: QuantileType = 7): number {
  const n = sorted.length;
  // 1-based order statistic, clamped to 1..n as R pads x with its ends.
  const at = (index: number): number => sorted[Math.min(Math.max(index, 1), n) - 1]!;

  if (type === 7) {
    const index = 1 + Math.max(n - 1, 0) * p;
    const lo = Math.floor(index);
    const hi = Math.ceil(index);
    const low = at(lo);
    if (!(index > lo && at(hi) !== low)) return low;
    const h = index - lo;
    return (1 - h) * low + h * at(hi);
  }

  let j: number;
  let h: number;
  if (type <= 3) {
    const nppm = type === 3 ? n * p - 0.5 : n * p;
    j = Math.floor(nppm + FUZZ);
    if (type === 1) h = nppm > j ? 1 : 0;
    else if (type === 2) h = ((nppm > j ? 1 : 0) + 1) / 2;
    else h = nppm !== j || j % 2 === 1 ? 1 : 0;
  } else {
    const [a, b] = CONTINUOUS[type as 4 | 5 | 6 | 8 | 9];
    const nppm = a + p * (n + 1 - a - b);
    j = Math.floor(nppm + FUZZ);
    h = nppm - j;
    if (Math.abs(h) < FUZZ) h = 0;
  }
  const lower = at(j);
  const upper = at(j + 1);
  if (h === 1) return upper;
  if (h > 0 && h < 1 && lower !== upper) return (1 - h) * lower + h * upper;
  return lower;
}
