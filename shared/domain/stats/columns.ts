// The patient rows seen column by column: each variable's values read out of the rows once (one property read
// per cell) and kept for every summary, table row and curve of one statistics computation. Tables, variable
// summaries and survival of 100,000 rows by 40 variables read each cell once instead of once per use, and what
// several of them derive from a column (a subset's rows, a variable's level counts, its median) is computed once.
import { fieldValue, type LevelTally, levelsOf, tallyLevels } from './categorical.ts';
import { type ContinuousSummary, continuousSummaryOfValues } from './continuous-summary.ts';

/** Rows whose `variable` is (or, for a multi-valued one, lists) `level`. */
export interface Subset {
  variable: string;
  level: string;
}

export interface Columns {
  readonly rows: readonly object[];
  /** The values of one variable, row by row (null = not reported); a row without the key is an error. */
  get(name: string): readonly unknown[];
  /** Reads these variables in one pass over the rows (row by row touches each row's memory once). */
  load(names: readonly string[]): void;
  /** `compute()` the first time `key` is asked for in this computation, the same value after. */
  memo<T>(key: string, compute: () => T): T;
}

/** A column view of `rows` that reads each requested variable once. */
export function columnsOf(rows: readonly object[], caller = 'statistics'): Columns {
  const cache = new Map<string, unknown[]>();
  const derived = new Map<string, unknown>();
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
    load(names) {
      const wanted = [...new Set(names)].filter((name) => !cache.has(name));
      const loaded = wanted.map(() => new Array<unknown>(rows.length));
      for (let index = 0; index < rows.length; index += 1) {
        const row = rows[index] as Record<string, unknown>;
        for (let j = 0; j < wanted.length; j += 1) {
          const name = wanted[j]!;
          const value = row[name];
          loaded[j]![index] = value === undefined ? fieldValue(row, name, index, caller) : value;
        }
      }
      for (const [j, name] of wanted.entries()) cache.set(name, loaded[j]!);
    },
    memo<T>(key: string, compute: () => T): T {
      if (!derived.has(key)) derived.set(key, compute());
      return derived.get(key) as T;
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

export function subsetKey(subset: Subset | undefined): string {
  return subset ? `|${subset.variable}=${subset.level}` : '';
}

/** The indexes of the rows in the subset (null: every row), from the subset variable's column. */
export function inSubset(columns: Columns, subset: Subset | undefined): number[] | null {
  if (!subset) return null;
  return columns.memo(`subset${subsetKey(subset)}`, () => subsetIndexes(columns, subset));
}

function subsetIndexes(columns: Columns, subset: Subset): number[] {
  const values = columns.get(subset.variable);
  const indexes: number[] = [];
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    const inside =
      value === subset.level ||
      (value !== null &&
        typeof value !== 'string' &&
        (levelsOf(value, subset.variable)?.includes(subset.level) ?? false));
    if (inside) indexes.push(index);
  }
  return indexes;
}

/** A variable's level counts over a subset's rows (every row without one), shared by every row that asks. */
export function tallyOf(columns: Columns, variable: string, subset?: Subset): LevelTally {
  return columns.memo(`tally(${variable})${subsetKey(subset)}`, () =>
    tallyLevels(pick(columns.get(variable), inSubset(columns, subset)), variable),
  );
}

/** A numeric variable's median, range and quartiles over a subset's rows (every row without one). */
export function continuousSummaryOf(columns: Columns, variable: string, subset?: Subset): ContinuousSummary {
  return columns.memo(`continuous(${variable})${subsetKey(subset)}`, () =>
    continuousSummaryOfValues(pick(columns.get(variable), inSubset(columns, subset)), variable),
  );
}
