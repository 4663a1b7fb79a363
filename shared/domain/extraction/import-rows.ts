// Patient rows from CSV or JSON text, checked against the review's declared variables (a RowSchema). All or
// nothing: a file with any invalid row throws one InputError that lists every problem (up to `maxProblems`), each
// naming the row, the CSV line and the column, with what the column accepts; no row is returned.
//
// CSV cells:
// - the header row holds the column names: the row's ids (patientId, also spelled patient_id or id; studyId,
//   also study_id; the optional synthetic) and the declared variables; every required variable needs a column,
//   an optional one without a column is "not reported"; a column that is none of these is an error;
// - lines starting with "#" are comments (the template `extract template` writes describes each column so);
// - an empty cell, "NA" or "not reported" (any case) is null, i.e. "not reported";
// - yes/no cells are yes/no, true/false or 1/0 (any case); events are 0 or 1;
// - levels match in any case and are stored as the protocol spells them;
// - multi-valued cells list levels separated by ";" and "none" is the empty list;
// - numbers use a point as the decimal separator; dates are YYYY-MM-DD;
// - a cell that starts with a quote (') before =, +, -, @, a tab or a carriage return is read without the
//   quote (parseCsv): formatCsv adds it so that a spreadsheet never runs a cell as a formula.
import { InputError } from '../../errors.ts';
import { ROW_ID_COLUMNS, type VariableDefinition } from '../protocol/variables.ts';
import { parseCsv } from './csv.ts';
import {
  checkValue,
  type PatientRow,
  type RowSchema,
  ruleViolations,
  type ValueCheck,
  type VariableValue,
} from './patient-row.ts';

export interface ImportOptions {
  /**
   * The study id given to rows that have none (no studyId column or key, or an empty value). Use it for a
   * file that holds one study's patients, or to place a synthetic cohort (which has no studies) in one.
   */
  defaultStudyId?: string;
  /** Problems listed in the error before the rest are only counted (default 50). */
  maxProblems?: number;
}

/** The spellings of "not reported" in a CSV cell (compared trimmed and lower-cased). */
export const NULL_TOKENS: ReadonlySet<string> = new Set(['', 'na', 'not reported']);
/** The empty list in a multi-valued CSV cell. */
export const EMPTY_LIST_TOKEN = 'none';

const TRUE_TOKENS = new Set(['yes', 'true', '1']);
const FALSE_TOKENS = new Set(['no', 'false', '0']);
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ID_PATTERN = /^\S+$/;
const DEFAULT_MAX_PROBLEMS = 50;

type IdColumn = keyof typeof ROW_ID_COLUMNS;
const ID_COLUMN_OF = new Map<string, IdColumn>(
  (Object.entries(ROW_ID_COLUMNS) as [IdColumn, readonly string[]][]).flatMap(([column, names]) =>
    names.map((name) => [name, column] as const),
  ),
);

class Problems {
  readonly list: string[] = [];
  constructor(private readonly origin: string) {}
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
  throwIfAny(maxProblems: number): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, maxProblems).map((line) => `  ${line}`);
    const rest = this.list.length - shown.length;
    if (rest > 0) shown.push(`  ... and ${rest} more problem${rest === 1 ? '' : 's'}`);
    const count = `${this.list.length} problem${this.list.length === 1 ? '' : 's'}`;
    throw new InputError(`${this.origin}: ${count}; no patient rows were imported\n${shown.join('\n')}`);
  }
}

/** Turns one CSV cell into the value its variable holds (null for "not reported"), bounds checked. */
export function parseCell(variable: VariableDefinition, raw: string): ValueCheck {
  const cell = raw.trim();
  const lower = cell.toLowerCase();
  if (NULL_TOKENS.has(lower)) return { ok: true, value: null };
  let value: unknown;
  switch (variable.type) {
    case 'number':
    case 'integer':
      if (!NUMBER_PATTERN.test(cell)) {
        return {
          ok: false,
          message: /^[+-]?\d+,\d+$/.test(cell)
            ? 'expected a number with a point as the decimal separator'
            : `expected ${variable.type === 'integer' ? 'a whole number' : 'a number'}${variable.unit ? ` of ${variable.unit}` : ''}`,
        };
      }
      value = Number(cell);
      break;
    case 'yes-no':
      if (TRUE_TOKENS.has(lower)) value = true;
      else if (FALSE_TOKENS.has(lower)) value = false;
      else return { ok: false, message: 'expected yes/no, true/false or 1/0' };
      break;
    case 'event':
      if (cell !== '0' && cell !== '1') return { ok: false, message: 'expected 0 (censored) or 1 (event)' };
      value = Number(cell);
      break;
    case 'multi-categorical': {
      if (lower === EMPTY_LIST_TOKEN) {
        value = [];
        break;
      }
      const parts = cell
        .split(';')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      const levels = variable.levels.map((level) => level.value);
      const unknown = parts.find(
        (part) => !levels.some((level) => level.toLowerCase() === part.toLowerCase()),
      );
      if (unknown !== undefined) {
        return {
          ok: false,
          message: `"${unknown}" is not one of ${levels.join(', ')} (separate several with ";", write "none" for none)`,
        };
      }
      value = parts;
      break;
    }
    default:
      value = cell;
  }
  return checkValue(variable, value, '');
}

function quote(raw: string): string {
  const trimmed = raw.trim();
  return JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 40)}...` : trimmed);
}

/** A row's id cell: non-empty, no spaces. */
function checkId(value: unknown, what: string): { ok: true; value: string } | { ok: false; message: string } {
  if (value === undefined) return { ok: false, message: `missing: expected ${what}` };
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, message: `expected ${what}` };
  const id = value.trim();
  return ID_PATTERN.test(id)
    ? { ok: true, value: id }
    : { ok: false, message: `expected ${what} without spaces` };
}

interface Candidate {
  ids: Partial<Record<IdColumn, unknown>>;
  values: Map<string, VariableValue>;
}

/**
 * Builds the row from checked values, applies the default study, and records what is wrong with the ids and
 * the cross-field rules. `failed` holds variables already reported (a cell that could not be read), whose rule
 * problems would only repeat the problem.
 */
function finishRow(
  schema: RowSchema,
  candidate: Candidate,
  where: (column: string) => string,
  problems: Problems,
  options: ImportOptions,
  failed: ReadonlySet<string>,
): PatientRow | undefined {
  let ok = failed.size === 0;
  const patientId = checkId(candidate.ids.patientId, 'a patient id');
  if (!patientId.ok) {
    problems.add(where('patientId'), patientId.message);
    ok = false;
  }
  let rawStudy = candidate.ids.studyId;
  if (
    (rawStudy === undefined || rawStudy === null || rawStudy === '') &&
    options.defaultStudyId !== undefined
  ) {
    rawStudy = options.defaultStudyId;
  }
  const studyId = checkId(rawStudy, 'a study id');
  if (!studyId.ok) {
    problems.add(where('studyId'), studyId.message);
    ok = false;
  }
  const synthetic = candidate.ids.synthetic;
  if (synthetic !== undefined && synthetic !== null && typeof synthetic !== 'boolean') {
    problems.add(where('synthetic'), 'expected true or false');
    ok = false;
  }
  const row: Record<string, VariableValue | boolean | string> = {
    patientId: patientId.ok ? patientId.value : '',
    studyId: studyId.ok ? studyId.value : '',
  };
  if (synthetic === true || synthetic === false) row.synthetic = synthetic;
  for (const variable of schema.variables) row[variable.name] = candidate.values.get(variable.name) ?? null;
  const patient = row as PatientRow;
  for (const violation of ruleViolations(schema, patient)) {
    if (failed.has(violation.variable)) continue;
    problems.add(where(violation.variable), violation.message);
    ok = false;
  }
  return ok ? patient : undefined;
}

function checkUniqueIds(
  rows: readonly { row: PatientRow; where: (column: string) => string; label: string }[],
  problems: Problems,
): void {
  const seen = new Map<string, string>();
  for (const { row, where, label } of rows) {
    const first = seen.get(row.patientId);
    if (first !== undefined) {
      problems.add(where('patientId'), `patient id ${JSON.stringify(row.patientId)} is also ${first}`);
    } else {
      seen.set(row.patientId, label);
    }
  }
}

function unknownColumn(schema: RowSchema): string {
  const names = schema.variables.map((variable) => variable.name);
  const shown = names.length > 60 ? `${names.slice(0, 60).join(', ')}, ...` : names.join(', ');
  return `not a variable of this review (the columns are patientId, studyId, synthetic and: ${shown})`;
}

/** Patient rows from CSV text (header row = column names). `origin` names the file in errors. */
export function parsePatientRowsCsv(
  text: string,
  origin: string,
  schema: RowSchema,
  options: ImportOptions = {},
): PatientRow[] {
  const maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  const records = parseCsv(text, origin, { comments: true });
  const problems = new Problems(origin);
  const [header, ...data] = records;
  if (header === undefined) throw new InputError(`${origin}: empty file (expected a header row)`);

  const headerWhere = (column: string) => `${origin} line ${header.line} (header), column ${column}`;
  if (header.cells.length === 1 && header.cells[0]!.includes(';')) {
    throw new InputError(
      `${origin} line ${header.line}: the header has no commas but has semicolons; save the file as comma-separated CSV`,
    );
  }
  type Column = { id: IdColumn } | { variable: VariableDefinition } | null;
  const columns: Column[] = [];
  const seen = new Map<string, string>();
  for (const [index, raw] of header.cells.entries()) {
    const name = raw.trim();
    const id = ID_COLUMN_OF.get(name);
    const variable = schema.byName.get(name);
    const key = id ?? variable?.name;
    if (name === '') {
      problems.add(`${origin} line ${header.line} (header), column ${index + 1}`, 'empty column name');
    } else if (key === undefined) {
      problems.add(headerWhere(name), unknownColumn(schema));
    } else if (seen.has(key)) {
      const first = seen.get(key);
      problems.add(
        headerWhere(name),
        `${key} has a second column${first === name ? '' : ` (also ${first})`}`,
      );
    }
    if (key !== undefined) seen.set(key, name);
    columns.push(id ? { id } : variable ? { variable } : null);
  }
  if (!seen.has('patientId')) problems.add(headerWhere('patientId'), 'missing from the header');
  if (!seen.has('studyId') && options.defaultStudyId === undefined) {
    problems.add(headerWhere('studyId'), 'missing from the header (or give the study with --study)');
  }
  for (const variable of schema.variables) {
    if (variable.required && !seen.has(variable.name)) {
      problems.add(headerWhere(variable.name), 'missing from the header');
    }
  }
  problems.throwIfAny(maxProblems);

  const imported: { row: PatientRow; where: (column: string) => string; label: string }[] = [];
  data.forEach((record, index) => {
    const rowNumber = index + 1;
    const place = `${origin} line ${record.line} (row ${rowNumber})`;
    if (record.cells.every((cell) => cell.trim() === '')) return; // a blank line or an empty spreadsheet row
    if (record.cells.length !== columns.length) {
      problems.add(place, `expected ${columns.length} cells as in the header, found ${record.cells.length}`);
      return;
    }
    const candidate: Candidate = { ids: {}, values: new Map() };
    const failed = new Set<string>();
    record.cells.forEach((raw, column) => {
      const target = columns[column]!;
      if (target === null) return;
      if ('id' in target) {
        const cell = raw.trim();
        if (target.id === 'synthetic') {
          const lower = cell.toLowerCase();
          if (NULL_TOKENS.has(lower)) return;
          candidate.ids.synthetic = TRUE_TOKENS.has(lower) ? true : FALSE_TOKENS.has(lower) ? false : cell;
        } else {
          candidate.ids[target.id] = cell;
        }
        return;
      }
      const parsed = parseCell(target.variable, raw);
      if (parsed.ok) {
        candidate.values.set(target.variable.name, parsed.value);
      } else {
        const found = parsed.message.includes('"') ? '' : `, found ${quote(raw)}`;
        problems.add(`${place}, column ${header.cells[column]!.trim()}`, `${parsed.message}${found}`);
        failed.add(target.variable.name);
      }
    });
    const where = (column: string) => `${place}, column ${column}`;
    const row = finishRow(schema, candidate, where, problems, options, failed);
    if (row !== undefined) imported.push({ row, where, label: `line ${record.line} (row ${rowNumber})` });
  });
  checkUniqueIds(imported, problems);
  problems.throwIfAny(maxProblems);
  return imported.map(({ row }) => row);
}

/** Patient rows from JSON text: an array of objects keyed by column name. `origin` names the file in errors. */
export function parsePatientRowsJson(
  text: string,
  origin: string,
  schema: RowSchema,
  options: ImportOptions = {},
): PatientRow[] {
  const maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  let data: unknown;
  try {
    data = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new InputError(`${origin}: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new InputError(`${origin}: expected an array of patient rows`);
  const problems = new Problems(origin);
  const imported: { row: PatientRow; where: (column: string) => string; label: string }[] = [];
  data.forEach((item: unknown, index) => {
    const place = `${origin} row ${index + 1}`;
    const where = (field: string) => `${place}, field ${field}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.add(place, 'expected an object');
      return;
    }
    const candidate: Candidate = { ids: {}, values: new Map() };
    const failed = new Set<string>();
    for (const [key, value] of Object.entries(item)) {
      const id = ID_COLUMN_OF.get(key);
      if (id) {
        if (candidate.ids[id] !== undefined) problems.add(where(key), `${id} is given twice`);
        else candidate.ids[id] = value;
        continue;
      }
      const variable = schema.byName.get(key);
      if (!variable) {
        problems.add(where(JSON.stringify(key).slice(1, -1)), unknownColumn(schema));
        continue;
      }
      const checked = checkValue(variable, value);
      if (checked.ok) candidate.values.set(key, checked.value);
      else {
        problems.add(where(key), checked.message);
        failed.add(key);
      }
    }
    for (const variable of schema.variables) {
      if (variable.required && !Object.hasOwn(item, variable.name)) {
        problems.add(where(variable.name), 'missing (use null for "not reported")');
        failed.add(variable.name);
      }
    }
    const row = finishRow(schema, candidate, where, problems, options, failed);
    if (row !== undefined) imported.push({ row, where, label: `row ${index + 1}` });
  });
  checkUniqueIds(imported, problems);
  problems.throwIfAny(maxProblems);
  return imported.map(({ row }) => row);
}
