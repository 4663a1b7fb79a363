import type { MedianSummary } from './survival-curve.ts';
import { TIMEFIX_TOLERANCE } from './timefix.ts';

/**
 * survmean's `minmin`: the first time the curve is below 0.5 (within the tolerance), with the midpoint
 * rule when the first such value is 0.5 itself on a flat segment. Returns null (NA) if no value qualifies.
 */
function firstTimeAtOrBelowHalf(values: readonly (number | null)[], time: readonly number[]): number | null {
  const keptTimes: number[] = [];
  const keptValues: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    if (value < 0.5 + TIMEFIX_TOLERANCE) {
      keptTimes.push(time[i]!);
      keptValues.push(value);
    }
  }
  if (keptValues.length === 0) return null;
  const firstValue = keptValues[0]!;
  const firstTime = keptTimes[0]!;
  if (Math.abs(firstValue - 0.5) < TIMEFIX_TOLERANCE) {
    const later = keptValues.findIndex((value) => value < firstValue);
    if (later !== -1) return (firstTime + keptTimes[later]!) / 2;
  }
  return firstTime;
}

/**
 * Kaplan-Meier median survival time and its confidence limits, as `print(survfit)` shows them.
 *
 * Follows the survival package's `survmean` (inner function `minmin`), row by row in time order with
 * censor-only rows included:
 *
 * - keep the rows whose value is not NA and is below 0.5 + tol (tol = sqrt(machine epsilon));
 * - none kept: NA (null). Otherwise take the first kept row (t1, y1);
 * - if |y1 - 0.5| < tol and a later kept row has a smaller value, the median is the midpoint of t1 and
 *   that row's time (S is exactly 0.5 on a flat segment); otherwise it is t1.
 *
 * The lower limit applies the same rule to the lower confidence band, the upper limit to the upper band
 * (no monotonicity assumed). `quantile(fit, 0.5)` can differ from this: see {@link kaplanMeierQuantile}.
 *
 * Reference: survival package, `print.survfit` ("median" and its CI),
 * https://rdrr.io/cran/survival/man/print.survfit.html
 *
 * Complexity: O(n).
 *
 * @param time the table's times, increasing
 * @param surv S at each time
 * @param lower the lower confidence band (null = NA)
 * @param upper the upper confidence band (null = NA)
 * @returns `{ median, lcl, ucl }`, null where R prints NA
 * @example
 * kaplanMeierMedian([1, 2, 3, 4], [0.75, 0.5, 0.5, 0], [0.4, 0.2, 0.2, null], [1, 1, 1, null]);
 * // => { median: 3, lcl: 1, ucl: null } (S = 0.5 on [2, 4): the midpoint of 2 and 4)
 */
export function kaplanMeierMedian(
  time: readonly number[],
  surv: readonly number[],
  lower: readonly (number | null)[],
  upper: readonly (number | null)[],
): MedianSummary {
  return {
    median: firstTimeAtOrBelowHalf(surv, time),
    lcl: firstTimeAtOrBelowHalf(lower, time),
    ucl: firstTimeAtOrBelowHalf(upper, time),
  };
}
