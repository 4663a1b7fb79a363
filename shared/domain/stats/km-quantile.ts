import type { SurvivalQuantile } from './survival-curve.ts';
import { TIMEFIX_TOLERANCE } from './timefix.ts';

/**
 * R's `approx(xs, 1:n, v, method = "constant", f = 1)` (rule 1, ties averaged) for xs = ys + shift
 * (findq's values plus or minus the tolerance): pairs with an NA are dropped, the rest sorted by xs; v
 * outside the range gives NA, v equal to an xs gives its index, otherwise the index of the first xs above
 * v. Returns a 1-based index (possibly fractional after averaging ties), or null for NA.
 *
 * The first sorted xs at or above v is the smallest such xs, so one pass finds it (and the range) without
 * sorting: the index is the mean of the indices holding that value, summed in index order as after R's
 * stable sort.
 */
function constantApproxIndex(ys: readonly (number | null)[], shift: number, v: number): number | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let reported = 0;
  let atOrAbove = Number.POSITIVE_INFINITY; // the smallest x >= v
  let indexSum = 0;
  let ties = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    if (y === null || Number.isNaN(y)) continue;
    const x = y + shift;
    reported += 1;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x < v) continue;
    if (x < atOrAbove) {
      atOrAbove = x;
      indexSum = 0;
      ties = 0;
    }
    if (x === atOrAbove) {
      indexSum += i + 1;
      ties += 1;
    }
  }
  if (reported === 0 || v < min || v > max) return null;
  return indexSum / ties;
}

/**
 * quantile.survfit's `findq`: the time where the cumulative curve y (0 first, then 1 - S or 1 - a band)
 * reaches p, using the midpoint of a flat segment that equals p within the tolerance.
 */
function findQuantile(x: readonly number[], y: readonly (number | null)[], p: number): number | null {
  // A loop, not Math.max(...values): a spread of some 120,000 arguments overflows the stack.
  let highest: number | null = null;
  for (const value of y) if (value !== null && (highest === null || value > highest)) highest = value;
  if (highest === null || highest < p) return null;
  const lastX = x[x.length - 1]!;
  // Drop repeated y values (the censor-only rows and repeated NAs), keeping the first of each.
  const keptX: number[] = [];
  const keptY: (number | null)[] = [];
  const seen = new Set<number | null>();
  y.forEach((value, i) => {
    if (seen.has(value)) return;
    seen.add(value);
    keptX.push(x[i]!);
    keptY.push(value);
  });
  const at = (index: number | null): number | null => (index === null ? null : keptX[Math.trunc(index) - 1]!);
  const above = at(constantApproxIndex(keptY, TIMEFIX_TOLERANCE, p));
  const below = at(constantApproxIndex(keptY, -TIMEFIX_TOLERANCE, p));
  let quantile = above === null || below === null ? null : (above + below) / 2;
  if (p === 0) quantile = keptX[0]!;
  const last = keptY[keptY.length - 1];
  if (last !== null && last !== undefined && Math.abs(p - last) < TIMEFIX_TOLERANCE) {
    // The curve ends on a flat segment at p: the midpoint of its start and the last time.
    quantile = above === null ? null : (above + lastX) / 2;
  }
  return quantile;
}

/**
 * Kaplan-Meier survival-time percentile with confidence limits (R's `quantile(survfit, p)`).
 *
 * The p-th percentile is the first time at which 1 - S reaches p, i.e. S falls to 1 - p; p = 0.5 gives
 * the median. Follows the survival package's `quantile.survfit` (function `findq`) step by step: the curve
 * 1 - S is prefixed with (startTime, 0), repeated values are dropped, the crossing is found by
 * `approx(..., method = "constant")` on the values plus and minus the tolerance (sqrt(machine epsilon)),
 * and a flat segment at exactly p gives the midpoint of its start and the next jump (or the last time if
 * the curve ends on it). The limits apply the same search to 1 - lower and 1 - upper.
 *
 * This can differ from the printed median ({@link kaplanMeierMedian}): if S = 0.5 until the last time,
 * quantile gives (t1 + last time) / 2 where print gives t1; and for a non-monotone band the sorted search
 * can pick a later time than print's first-crossing rule.
 *
 * Reference: survival package, `quantile.survfit`, https://rdrr.io/cran/survival/man/quantile.survfit.html
 *
 * Complexity: O(n).
 *
 * @param time the table's times, increasing
 * @param surv S at each time
 * @param lower the lower confidence band (null = NA)
 * @param upper the upper confidence band (null = NA)
 * @param p the probability, 0 <= p <= 1 (0.5 for the median)
 * @param startTime the time the curve starts at (R uses `fit$start.time`, else 0)
 * @returns `{ quantile, lower, upper }`, null where R gives NA
 * @throws {RangeError} "kaplanMeierQuantile requires p between 0 and 1"
 * @example
 * const none = [null, null, null, null, null, null];
 * kaplanMeierQuantile([1, 2, 3, 4, 5, 6], [5 / 6, 4 / 6, 3 / 6, 3 / 6, 3 / 6, 3 / 6], none, none, 0.5);
 * // => { quantile: 4.5, lower: null, upper: null } (S = 0.5 from t = 3 to the end: (3 + 6) / 2)
 */
export function kaplanMeierQuantile(
  time: readonly number[],
  surv: readonly number[],
  lower: readonly (number | null)[],
  upper: readonly (number | null)[],
  p: number,
  startTime = 0,
): SurvivalQuantile {
  if (!(p >= 0 && p <= 1)) throw new RangeError('kaplanMeierQuantile requires p between 0 and 1');
  const x = [startTime, ...time];
  const complement = (band: readonly (number | null)[]): (number | null)[] => [
    0,
    ...band.map((value) => (value === null || Number.isNaN(value) ? null : 1 - value)),
  ];
  return {
    quantile: findQuantile(x, complement(surv), p),
    lower: findQuantile(x, complement(lower), p),
    upper: findQuantile(x, complement(upper), p),
  };
}
