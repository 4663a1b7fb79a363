import type { CoxMatrix } from './cox-newton-raphson.ts';
import { factorLevels } from './factor-levels.ts';
import { timefix } from './timefix.ts';

/** Which columns of the rows a Cox model uses. */
export interface CoxModelColumns {
  /** The follow-up time column (numbers; null = missing). */
  time: string;
  /** The event column (0 = censored, 1 = event; null = missing). */
  event: string;
  /** Covariate columns: numbers enter as they are, text or true/false as a factor (R's treatment contrasts). */
  covariates?: readonly string[];
  /** A column whose values are the strata (a separate baseline hazard each), e.g. the study id. */
  strata?: string | null;
  /** Level order of categorical covariates, reference first; default: sorted as {@link factorLevels} does. */
  levels?: Readonly<Record<string, readonly string[]>>;
  /** Merge near-equal times first, as R's `timefix = TRUE` (the default). */
  timefix?: boolean;
}

/** One coefficient of the model, named as R names it. */
export interface CoxTermSpec {
  /** R's name: the column for a number, column + level for a factor level (`hormone_therapyyes`). */
  term: string;
  covariate: string;
  /** The level compared with the reference; null for a numeric covariate. */
  level: string | null;
}

/** A categorical covariate's levels as used (after complete-case selection). */
export interface CoxFactor {
  covariate: string;
  reference: string;
  levels: string[];
  /** Levels seen in exactly one stratum (only when there are two or more strata). */
  levelsInOneStratum: { level: string; stratum: string }[];
}

/** One stratum (a separate baseline hazard). */
export interface CoxStratum {
  label: string;
  n: number;
  events: number;
}

/** The rows turned into a design matrix, with what was left out and why. */
export interface CoxDesign {
  /** Sorted by stratum, then time (R's `order(strata, time)`); one column per term. */
  matrix: CoxMatrix;
  terms: CoxTermSpec[];
  factors: CoxFactor[];
  strata: { column: string; levels: CoxStratum[] } | null;
  /** Per term: why it cannot be estimated (no variation at all / none within any stratum), or null. */
  noVariation: ('constant' | 'constant-within-strata' | null)[];
  n: number;
  events: number;
  /** Rows left out for a missing value (null or absent), and per column how many rows miss it. */
  notUsed: { rows: number; byColumn: Record<string, number> };
}

type Kind = 'number' | 'text' | 'boolean';

/** `Float64Array.from(indices, map)` without the iterator protocol, which is many times slower in V8. */
function gather(count: number, value: (i: number) => number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = value(i);
  return out;
}
type Cell = number | string | null;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(value);
}

const kindName: Record<Kind, string> = { number: 'a number', text: 'text', boolean: 'true/false' };

/**
 * Cox design matrix (the rows of a data set turned into the sorted numbers a Cox fit needs, as R's
 * `coxph()` builds them with `model.frame`, `na.omit`, `model.matrix` and `strata()`).
 *
 * Validates every cell it uses and names the first bad one (`rows[3].age: ...`): times must be finite
 * numbers, events 0 or 1, covariates a finite number, text or true/false (one kind per column), strata a
 * number, text or true/false; null or an absent key is a missing value, and a row with any missing value is
 * left out (complete cases, R's `na.omit`), counted per column. A categorical covariate's levels are those of
 * the rows used, sorted in code-point order (R's sort in the C locale) unless `levels` gives the order; the
 * first is the reference and every other level becomes a 0/1 column named column + level. true/false are
 * the levels "FALSE" and "TRUE" (R's logical covariates). Strata are ordered as {@link factorLevels} orders
 * them. Times get the time fix (unless `timefix: false`), then rows are sorted by stratum and time, ties in
 * input order.
 *
 * Reference: R documentation of `coxph`, `model.matrix` and `contrasts`,
 * https://rdrr.io/cran/survival/man/coxph.html, https://stat.ethz.ch/R-manual/R-devel/library/stats/html/contrasts.html
 *
 * Complexity: O(n (k + log n)) for n rows and k terms.
 *
 * @param rows the data set, one object per subject
 * @param columns the model's columns and options
 * @returns the design
 * @throws {RangeError} naming the row and column of a bad value, a column that is in no row, a categorical
 *   covariate with a single level, or no complete row
 * @example
 * coxDesign([{ t: 2, e: 1, arm: 'b' }, { t: 3, e: 0, arm: 'a' }], { time: 't', event: 'e', covariates: ['arm'] })
 *   .terms; // => [{ term: 'armb', covariate: 'arm', level: 'b' }]
 */
export function coxDesign(rows: readonly unknown[], columns: CoxModelColumns): CoxDesign {
  const covariates = columns.covariates ?? [];
  const strataColumn = columns.strata ?? null;
  const used = [columns.time, columns.event, ...covariates, ...(strataColumn === null ? [] : [strataColumn])];
  if (new Set(used).size !== used.length) {
    throw new RangeError(
      `fitCox requires distinct columns: ${used.filter((name, i) => used.indexOf(name) !== i).join(', ')} is used twice`,
    );
  }
  if (!Array.isArray(rows)) throw new RangeError('fitCox requires an array of rows');
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new RangeError(`rows[${i}]: expected an object, got ${describe(row)}`);
    }
  });
  const records = rows as readonly Readonly<Record<string, unknown>>[];
  for (const name of used) {
    if (!records.some((row) => Object.hasOwn(row, name))) {
      throw new RangeError(
        `column "${name}" is in no row (rows[0] has ${Object.keys(records[0] ?? {}).join(', ') || 'no columns'})`,
      );
    }
  }

  const n0 = records.length;
  const missing = new Uint8Array(n0);
  const byColumn: Record<string, number> = {};
  const markMissing = (name: string, i: number) => {
    byColumn[name] = (byColumn[name] ?? 0) + 1;
    missing[i] = 1;
  };

  const rawTime = new Float64Array(n0);
  const rawEvent = new Uint8Array(n0);
  records.forEach((row, i) => {
    const time = row[columns.time];
    if (time === null || time === undefined) markMissing(columns.time, i);
    else if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new RangeError(
        `rows[${i}].${columns.time}: the time must be a finite number (null if missing), not ${describe(time)}`,
      );
    } else rawTime[i] = time;
    const event = row[columns.event];
    if (event === null || event === undefined) markMissing(columns.event, i);
    else if (event !== 0 && event !== 1) {
      throw new RangeError(
        `rows[${i}].${columns.event}: the event must be 0 (censored) or 1 (event), null if missing, not ${describe(event)}`,
      );
    } else rawEvent[i] = event;
  });

  // Categorical cells become their label; numbers stay numbers. One kind per column.
  const readColumn = (name: string, role: 'covariate' | 'strata'): { kind: Kind; cells: Cell[] } => {
    let kind: Kind | null = null;
    let first = -1;
    const cells = records.map((row, i): Cell => {
      const value = row[name];
      if (value === null || value === undefined) {
        markMissing(name, i);
        return null;
      }
      let cellKind: Kind;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) {
          throw new RangeError(`rows[${i}].${name}: expected a finite number, text or null, not ${value}`);
        }
        cellKind = 'number';
      } else if (typeof value === 'string') cellKind = 'text';
      else if (typeof value === 'boolean') cellKind = 'boolean';
      else
        throw new RangeError(
          `rows[${i}].${name}: expected a number, text, true/false or null, not ${describe(value)}`,
        );
      if (kind === null) {
        kind = cellKind;
        first = i;
      } else if (cellKind !== kind) {
        throw new RangeError(
          `rows[${i}].${name}: ${describe(value)} is ${kindName[cellKind]} but rows[${first}].${name} is ${kindName[kind]}; ` +
            `a ${role} column holds one kind of value (null marks a missing one)`,
        );
      }
      if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
      return value;
    });
    return { kind: kind ?? 'number', cells };
  };
  const covariateColumns = covariates.map((name) => ({ name, ...readColumn(name, 'covariate') }));
  const strataCells = strataColumn === null ? null : readColumn(strataColumn, 'strata').cells;

  const usedRows: number[] = [];
  for (let i = 0; i < n0; i++) if (missing[i] === 0) usedRows.push(i);
  if (usedRows.length === 0) {
    throw new RangeError(
      `fitCox requires at least one row without a missing value (R: "No (non-missing) observations"); ${n0} rows, all incomplete`,
    );
  }
  const n = usedRows.length;

  // Strata: codes in level order.
  let strataLabels: string[] = [''];
  const stratumOf = new Int32Array(n);
  if (strataCells !== null) {
    strataLabels = factorLevels(usedRows.map((i) => strataCells[i]!));
    const code = new Map(strataLabels.map((label, s) => [label, s]));
    usedRows.forEach((i, r) => {
      stratumOf[r] = code.get(String(strataCells[i]))!;
    });
  }

  // Terms and their columns (in input row order for now).
  const terms: CoxTermSpec[] = [];
  const factors: CoxFactor[] = [];
  const columnValues: Float64Array[] = [];
  for (const covariate of covariateColumns) {
    if (covariate.kind === 'number') {
      terms.push({ term: covariate.name, covariate: covariate.name, level: null });
      columnValues.push(gather(n, (r) => covariate.cells[usedRows[r]!] as number));
      continue;
    }
    const labels = usedRows.map((i) => String(covariate.cells[i]));
    let levels: string[];
    try {
      levels = factorLevels(labels, columns.levels?.[covariate.name]);
    } catch (error) {
      throw new RangeError(`covariate "${covariate.name}": ${(error as Error).message}`, { cause: error });
    }
    if (levels.length < 2) {
      throw new RangeError(
        `covariate "${covariate.name}" has one level ("${levels[0]}") in the ${n} rows used: it cannot be compared ` +
          `(R: "contrasts can be applied only to factors with 2 or more levels")`,
      );
    }
    const levelsInOneStratum: CoxFactor['levelsInOneStratum'] = [];
    if (strataLabels.length > 1) {
      for (const level of levels) {
        const seen = new Set<number>();
        labels.forEach((label, r) => {
          if (label === level) seen.add(stratumOf[r]!);
        });
        if (seen.size === 1) levelsInOneStratum.push({ level, stratum: strataLabels[[...seen][0]!]! });
      }
    }
    factors.push({ covariate: covariate.name, reference: levels[0]!, levels, levelsInOneStratum });
    for (const level of levels.slice(1)) {
      terms.push({ term: `${covariate.name}${level}`, covariate: covariate.name, level });
      columnValues.push(gather(n, (r) => (labels[r] === level ? 1 : 0)));
    }
  }

  // Time fix, then R's order(strata, time): stable, so ties keep the input order.
  const usedTimes = usedRows.map((i) => rawTime[i]!);
  const times = (columns.timefix ?? true) ? timefix(usedTimes) : usedTimes;
  const order = new Array<number>(n);
  for (let r = 0; r < n; r++) order[r] = r;
  order.sort((a, b) => stratumOf[a]! - stratumOf[b]! || times[a]! - times[b]!);
  const time = gather(n, (r) => times[order[r]!]!);
  const status = new Uint8Array(n);
  for (let r = 0; r < n; r++) status[r] = rawEvent[usedRows[order[r]!]!]!;
  const covariateMatrix = columnValues.map((values) => gather(n, (r) => values[order[r]!]!));
  const stratumEnd = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    if (r === n - 1 || stratumOf[order[r]!] !== stratumOf[order[r + 1]!]) stratumEnd[r] = 1;
  }

  const strataCounts = strataLabels.map((label) => ({ label, n: 0, events: 0 }));
  for (let r = 0; r < n; r++) {
    const stratum = strataCounts[stratumOf[r]!]!;
    stratum.n++;
    stratum.events += rawEvent[usedRows[r]!]!;
  }

  // A column with one value in every stratum is not estimable (its within-stratum contrasts are all 0).
  const noVariation = covariateMatrix.map((column): CoxDesign['noVariation'][number] => {
    let constant = true;
    let withinStrata = true;
    let start = 0;
    for (let r = 0; r < n; r++) {
      if (column[r] !== column[0]) constant = false;
      if (column[r] !== column[start]) withinStrata = false;
      if (stratumEnd[r] === 1) start = r + 1;
    }
    if (constant) return 'constant';
    return withinStrata ? 'constant-within-strata' : null;
  });

  return {
    matrix: { time, status, covariates: covariateMatrix, stratumEnd },
    terms,
    factors,
    strata: strataColumn === null ? null : { column: strataColumn, levels: strataCounts },
    noVariation,
    n,
    events: strataCounts.reduce((sum, stratum) => sum + stratum.events, 0),
    notUsed: { rows: n0 - n, byColumn },
  };
}
