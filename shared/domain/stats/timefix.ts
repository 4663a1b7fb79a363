/** sqrt(.Machine$double.eps): the tolerance of R's `all.equal()` and of `survival:::aeqSurv`. */
export const TIMEFIX_TOLERANCE = Math.sqrt(2.220446049250313e-16);

/**
 * Time fix (survival's `aeqSurv`: treat nearly equal times as tied).
 *
 * Floating-point arithmetic can make times that are meant to be equal differ in the last bits, for example
 * `0.1 + 0.2` and `0.3`. R's `survfit()` and `survdiff()` (default `timefix = TRUE`) first replace such
 * near-ties by one value, so that they count as one time point. This function does the same:
 *
 * 1. take the distinct finite times, sorted;
 * 2. two neighbours are tied when their difference is `<= tolerance`, or the difference divided by the
 *    mean absolute distinct time is `<= tolerance` (tolerance = sqrt(machine epsilon) ≈ 1.49e-8);
 * 3. every run of tied neighbours is replaced by its smallest value.
 *
 * Integer or 1-decimal times are never changed. Non-finite values are returned as they are (the survival
 * functions reject them before calling this).
 *
 * Reference: `aeqSurv` in the survival package, https://rdrr.io/cran/survival/man/aeqSurv.html
 *
 * Complexity: O(n log n) time (sorting the times), O(n) space.
 *
 * @param times the observed times; not modified
 * @returns a new array, `times` with each near-tie replaced by the smallest value of its run
 * @example
 * timefix([0.1 + 0.2, 0.3, 1]); // => [0.3, 0.3, 1]
 */
export function timefix(times: readonly number[]): number[] {
  // The distinct finite times, increasing: a typed array sorts numbers natively, without a comparator.
  // -0 is the time 0: with two or more distinct times it comes back as 0.
  const sorted = Float64Array.from(times.filter((time) => Number.isFinite(time))).sort();
  const distinct: number[] = [];
  for (const time of sorted) {
    if (distinct.length === 0 || time !== distinct[distinct.length - 1]) distinct.push(time === 0 ? 0 : time);
  }
  if (distinct.length < 2) return [...times];
  let absoluteSum = 0;
  for (const time of distinct) absoluteSum += Math.abs(time);
  const meanAbsolute = absoluteSum / distinct.length;

  // Only the times that change: usually none, so the last step costs one failed look-up per time.
  const replacement = new Map<number, number>();
  let runStart = distinct[0]!;
  for (let i = 1; i < distinct.length; i++) {
    const difference = distinct[i]! - distinct[i - 1]!;
    const tied = difference <= TIMEFIX_TOLERANCE || difference / meanAbsolute <= TIMEFIX_TOLERANCE;
    if (tied) replacement.set(distinct[i]!, runStart);
    else runStart = distinct[i]!;
  }
  if (replacement.size === 0) return times.map((time) => (time === 0 ? 0 : time));
  return times.map((time) => replacement.get(time) ?? (time === 0 ? 0 : time));
}
