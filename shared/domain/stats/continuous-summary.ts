// Median with range: the "median (range)" rows of a pooled patient table.
import { fieldValue } from './categorical.ts';
import { sortedMedian } from './median.ts';
import { sortedQuantile } from './quantile.ts';

export interface ContinuousSummary {
  field: string;
  /** Rows with a reported value: the values the median is taken over. */
  n: number;
  /** Rows whose value is not reported (null). */
  unknown: number;
  /** R's `median(x, na.rm = TRUE)`; null when no value is reported. */
  median: number | null;
  min: number | null;
  max: number | null;
  /** R's quantile(x, c(.25, .75), type = 7) of the reported values. */
  q1: number | null;
  q3: number | null;
}

/**
 * Continuous summary (median and range over the reported values).
 *
 * Takes one numeric variable over the rows, leaves out the `null` ("not reported") values and counts them,
 * and returns the sample median (R's `median()`, the mean of the two middle values for an even count; SPSS
 * gives the same) with the smallest and largest value. With no reported value the median and range are null.
 *
 * Used for every numeric variable: its summary, and the "median (range)" rows of the tables.
 *
 * Reference: R documentation of `median`, https://stat.ethz.ch/R-manual/R-devel/library/stats/html/median.html
 *
 * Complexity: O(n log n) (one sort, for the median, the range and the quartiles).
 *
 * @throws {TypeError} when a value is neither a finite number nor null
 * @example
 * continuousSummary([{ age: 40 }, { age: null }, { age: 60 }], 'age');
 * // => { field: 'age', n: 2, unknown: 1, median: 50, min: 40, max: 60, q1: 45, q3: 55 }
 */
export function continuousSummary(rows: readonly object[], field: string): ContinuousSummary {
  const values = new Array<unknown>(rows.length);
  for (let index = 0; index < rows.length; index += 1) {
    values[index] = fieldValue(rows[index]!, field, index, 'continuousSummary');
  }
  return continuousSummaryOfValues(values, field);
}

/** {@link continuousSummary} of one variable's values, as a column holds them (null = not reported). */
export function continuousSummaryOfValues(values: readonly unknown[], field: string): ContinuousSummary {
  const numbers = new Float64Array(values.length);
  let n = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`continuousSummary: row ${index + 1} has ${field} = ${JSON.stringify(value)}`);
    }
    numbers[n++] = value;
  }
  const unknown = values.length - n;
  if (n === 0) return { field, n: 0, unknown, median: null, min: null, max: null, q1: null, q3: null };
  // One sort gives the median, the range and the quartiles.
  const sorted = numbers.subarray(0, n).sort();
  return {
    field,
    n,
    unknown,
    median: sortedMedian(sorted),
    min: sorted[0]! === 0 ? 0 : sorted[0]!,
    max: sorted[n - 1]! === 0 ? 0 : sorted[n - 1]!,
    q1: sortedQuantile(sorted, 0.25),
    q3: sortedQuantile(sorted, 0.75),
  };
}
