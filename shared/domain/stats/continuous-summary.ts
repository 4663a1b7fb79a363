// Median with range: the "median (range)" rows of a pooled patient table.
import { fieldValue } from './categorical.ts';
import { median, range } from './median.ts';

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
}

/**
 * Continuous summary (median and range over the reported values).
 *
 * Takes one numeric variable over the rows, leaves out the `null` ("not reported") values and counts them,
 * and returns the sample median (R's `median()`, the mean of the two middle values for an even count; SPSS
 * gives the same) with the smallest and largest value. With no reported value the median and range are null.
 *
 * Used for age, interval from the primary, radiotherapy dose and follow-up times.
 *
 * Reference: R documentation of `median`, https://stat.ethz.ch/R-manual/R-devel/library/stats/html/median.html
 *
 * Complexity: O(n log n) (the median's sort).
 *
 * @throws {TypeError} when a value is neither a finite number nor null
 * @example
 * continuousSummary([{ age: 40 }, { age: null }, { age: 60 }], 'age');
 * // => { field: 'age', n: 2, unknown: 1, median: 50, min: 40, max: 60 }
 */
export function continuousSummary(rows: readonly object[], field: string): ContinuousSummary {
  const values: number[] = [];
  let unknown = 0;
  rows.forEach((row, index) => {
    const value = fieldValue(row, field, index, 'continuousSummary');
    if (value === null) {
      unknown += 1;
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      values.push(value);
    } else {
      throw new TypeError(`continuousSummary: row ${index + 1} has ${field} = ${JSON.stringify(value)}`);
    }
  });
  if (values.length === 0) return { field, n: 0, unknown, median: null, min: null, max: null };
  const { min, max } = range(values);
  return { field, n: values.length, unknown, median: median(values), min, max };
}
