// Frequencies with percentages: the "n (%)" rows of a pooled patient table.
export interface LevelCount {
  level: string;
  count: number;
  denominator: number;
  /** round(100 × count / denominator, 1); null when the denominator is 0. */
  percent: number | null;
  /** The percentage with exactly one decimal ("20.0"), or "NA" when the denominator is 0. */
  percentText: string;
}

export interface CategoricalSummary {
  field: string;
  /** Rows summarised. */
  n: number;
  /** Rows whose value is not reported (null); not in the denominator. */
  unknown: number;
  /** Rows with a reported value (for a multi-valued variable, `[]` is a reported "none"). */
  denominator: number;
  levels: LevelCount[];
}

/** The level a single (non-null, non-array) value counts under. */
function levelOf(value: unknown, field: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`categoricalSummary cannot summarise ${field} = ${JSON.stringify(value)}`);
}

/** Adds the distinct levels of an array (nested arrays flattened, null items skipped) to `levels`. */
function addArrayLevels(values: readonly unknown[], field: string, levels: string[]): void {
  for (const item of values) {
    if (item === null) continue;
    if (Array.isArray(item)) {
      addArrayLevels(item, field, levels);
      continue;
    }
    const level = levelOf(item, field);
    // A row lists a handful of levels: a linear search is cheaper than a Set per row.
    if (!levels.includes(level)) levels.push(level);
  }
}

/** A value as the level(s) it counts under; null for "not reported". */
export function levelsOf(value: unknown, field: string): string[] | null {
  if (value === null) return null;
  if (!Array.isArray(value)) return [levelOf(value, field)];
  const levels: string[] = [];
  addArrayLevels(value, field, levels);
  return levels;
}

/** The value of `field` in `row`; a missing key is an error, never a silent "not reported". */
export function fieldValue(row: object, field: string, index: number, caller: string): unknown {
  const value = (row as Record<string, unknown>)[field];
  // One property read per row; `in` only to tell a missing key from a present `undefined`.
  if (value === undefined && !(field in row)) {
    throw new RangeError(`${caller}: row ${index + 1} has no field "${field}"`);
  }
  return value;
}

/** round(100 × count / denominator, 1) as tenths of a percent, on the exact ratio, ties to even. */
function percentTenths(count: number, denominator: number): number {
  const scaled = count * 1000;
  const quotient = Math.floor(scaled / denominator);
  const twiceRemainder = 2 * (scaled - quotient * denominator);
  if (twiceRemainder < denominator) return quotient;
  if (twiceRemainder > denominator) return quotient + 1;
  return quotient % 2 === 0 ? quotient : quotient + 1;
}

/** The rounded percentage and its one-decimal text; null and "NA" for a zero denominator. */
export function percentOf(
  count: number,
  denominator: number,
): { percent: number | null; percentText: string } {
  if (!Number.isInteger(count) || !Number.isInteger(denominator) || count < 0 || denominator < 0) {
    throw new RangeError('percentOf requires non-negative integer counts');
  }
  if (denominator === 0) return { percent: null, percentText: 'NA' };
  const tenths = percentTenths(count, denominator);
  return { percent: tenths / 10, percentText: `${Math.floor(tenths / 10)}.${tenths % 10}` };
}

/**
 * Categorical summary (frequencies with percentages over the known values).
 *
 * Counts how many rows take each level of one variable, as a pooled IPD table reports it: "70/120 (58.3%)".
 * Rows whose value is `null` ("not reported") are counted as `unknown` and left out of the denominator, per
 * variable, so each variable gets its own complete-case denominator. A multi-valued variable (an array, e.g.
 * spinal locations) counts a patient once under each level it lists, so the percentages may add up to more
 * than 100; the patient counts once in the denominator. Booleans are the levels "yes" and "no"; numbers
 * are their decimal text.
 *
 * Percentages are round(100 × count / denominator, 1), computed on the exact ratio in integers. An exact tie
 * (e.g. 1/16 = 6.25%) goes to the even digit, as R's `round()` and C's `printf("%.1f")` do for ties the
 * double represents exactly; away from ties every rounding rule agrees.
 *
 * With `levels`, exactly those levels are reported, in that order (other reported values still count in the
 * denominator); without, every level seen: "yes" before "no", otherwise by decreasing count, then
 * alphabetically.
 *
 * Reference: the per-variable denominators of the published review's tables as R recomputed them
 * (test/fixtures/reference).
 *
 * Complexity: O(n·k) for n rows and k values per row.
 *
 * @example
 * categoricalSummary([{ sex: 'male' }, { sex: 'female' }, { sex: null }], 'sex', ['male']);
 * // => { field: 'sex', n: 3, unknown: 1, denominator: 2,
 * //      levels: [{ level: 'male', count: 1, denominator: 2, percent: 50, percentText: '50.0' }] }
 */
export function categoricalSummary(
  rows: readonly object[],
  field: string,
  levels?: readonly string[],
): CategoricalSummary {
  const values = new Array<unknown>(rows.length);
  for (let index = 0; index < rows.length; index += 1) {
    values[index] = fieldValue(rows[index]!, field, index, 'categoricalSummary');
  }
  return categoricalSummaryOfValues(values, field, levels);
}

/** How often each level occurs in one variable's values, and how many values are not reported. */
export interface LevelTally {
  /** Values tallied. */
  n: number;
  unknown: number;
  counts: ReadonlyMap<string, number>;
}

/** The {@link LevelTally} of one variable's values, as a column holds them (null = not reported). */
export function tallyLevels(values: readonly unknown[], field: string): LevelTally {
  const counts = new Map<string, number>();
  const count = (level: string) => counts.set(level, (counts.get(level) ?? 0) + 1);
  let unknown = 0;
  for (const value of values) {
    if (value === null) unknown += 1;
    else if (Array.isArray(value)) countArray(value, field, count);
    else if (typeof value === 'string')
      count(value); // the common case, without an array per row
    else count(levelOf(value, field));
  }
  return { n: values.length, unknown, counts };
}

/** Counts each distinct level of a multi-valued value once; a flat list of strings without an array per row. */
function countArray(value: readonly unknown[], field: string, count: (level: string) => void): void {
  for (let i = 0; i < value.length; i += 1) {
    const item = value[i];
    if (typeof item !== 'string') {
      levelsOf(value, field)!.forEach(count); // nested lists, nulls, numbers or booleans: the general path
      return;
    }
  }
  for (let i = 0; i < value.length; i += 1) {
    const item = value[i] as string;
    if (value.indexOf(item) === i) count(item);
  }
}

/** {@link categoricalSummary} of a tally: `levels` in that order, or every level seen (see there). */
export function categoricalSummaryOfTally(
  tally: LevelTally,
  field: string,
  levels?: readonly string[],
): CategoricalSummary {
  const { n, unknown, counts } = tally;
  const denominator = n - unknown;
  const reported = levels ?? observedLevels(counts);
  return {
    field,
    n,
    unknown,
    denominator,
    levels: reported.map((level) => {
      const count = counts.get(level) ?? 0;
      return { level, count, denominator, ...percentOf(count, denominator) };
    }),
  };
}

/** {@link categoricalSummary} of one variable's values, as a column holds them (null = not reported). */
export function categoricalSummaryOfValues(
  values: readonly unknown[],
  field: string,
  levels?: readonly string[],
): CategoricalSummary {
  return categoricalSummaryOfTally(tallyLevels(values, field), field, levels);
}

function observedLevels(counts: ReadonlyMap<string, number>): string[] {
  const rank = (level: string) => (level === 'yes' ? 0 : level === 'no' ? 1 : 2);
  return [...counts.keys()].sort(
    (a, b) =>
      rank(a) - rank(b) || (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
  );
}
