/**
 * Median (the sample median, R's `median()`).
 *
 * Sorts a copy of the values and returns the middle one for an odd count, or the mean of the two middle
 * values for an even count. This is R's `median(x)` and equals `quantile(x, 0.5)` for types 2, 5, 6, 7
 * and 9; it is also SPSS's median for unweighted, ungrouped data. Used for descriptive tables (age,
 * follow-up months).
 *
 * Missing values: a `NaN` anywhere stands for R's `NA`, and the result is `NaN`, as R's `median(x)`
 * without `na.rm`. Drop missing values first to get `median(x, na.rm = TRUE)`.
 *
 * Reference: R documentation of `median`, https://stat.ethz.ch/R-manual/R-devel/library/stats/html/median.html
 *
 * Complexity: O(n log n) time (the sort), O(n) space.
 *
 * @param values the sample; not modified
 * @returns the median
 * @throws {RangeError} "median requires at least one value" when `values` is empty
 * @example
 * median([3, 1, 4, 1, 5, 9]); // => 3.5
 * median([3, 1, 4, 1, 5, 9, 2]); // => 3
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median requires at least one value');
  if (values.some((value) => Number.isNaN(value))) return Number.NaN;
  return sortedMedian(Float64Array.from(values).sort());
}

/** {@link median} of values already sorted increasing, none NaN, at least one. */
export function sortedMedian(sorted: Float64Array): number {
  const half = Math.floor(sorted.length / 2);
  const upper = sorted[half]!;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[half - 1]!;
  // (a + b) / 2 rounds once, as R's long-double mean of two values does; halve first only on overflow.
  const mean = (lower + upper) / 2;
  return Number.isFinite(mean) ? mean : lower / 2 + upper / 2;
}

/**
 * Range (smallest and largest value, R's `range()` / `min()` and `max()`).
 *
 * Returns the minimum and maximum in one pass. A `NaN` anywhere stands for R's `NA` and makes both ends
 * `NaN`, as R's `range(x)` without `na.rm`.
 *
 * Reference: R documentation of `range`, https://stat.ethz.ch/R-manual/R-devel/library/base/html/range.html
 *
 * Complexity: O(n) time, O(1) space.
 *
 * @param values the sample; not modified
 * @returns `{ min, max }`
 * @throws {RangeError} "range requires at least one value" when `values` is empty (R would return
 *   Inf and -Inf with a warning)
 * @example
 * range([3, 1, 4, 1, 5, 9]); // => { min: 1, max: 9 }
 */
export function range(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) throw new RangeError('range requires at least one value');
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (Number.isNaN(value)) return { min: Number.NaN, max: Number.NaN };
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}
