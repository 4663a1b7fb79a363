// The patient rows seen column by column: each variable's values read out of the rows once (one property read
// per cell) and kept for every summary, table row and curve of one statistics computation. Tables, variable
// summaries and survival of 100,000 rows by 40 variables read each cell once instead of once per use.
import { fieldValue } from './categorical.ts';

export interface Columns {
  readonly rows: readonly object[];
  /** The values of one variable, row by row (null = not reported); a row without the key is an error. */
  get(name: string): readonly unknown[];
}

/** A column view of `rows` that reads each requested variable once. */
export function columnsOf(rows: readonly object[], caller = 'statistics'): Columns {
  const cache = new Map<string, unknown[]>();
  return {
    rows,
    get(name) {
      let values = cache.get(name);
      if (!values) {
        values = new Array<unknown>(rows.length);
        for (let index = 0; index < rows.length; index += 1) {
          values[index] = fieldValue(rows[index]!, name, index, caller);
        }
        cache.set(name, values);
      }
      return values;
    },
  };
}

/** The values at the given row indexes (all of them without `indexes`). */
export function pick(values: readonly unknown[], indexes: readonly number[] | null): readonly unknown[] {
  if (indexes === null) return values;
  const picked = new Array<unknown>(indexes.length);
  for (let i = 0; i < indexes.length; i += 1) picked[i] = values[indexes[i]!];
  return picked;
}
