// Patient rows from CSV or JSON text. All or nothing: a file with any invalid row throws one InputError that
// lists every problem (up to `maxProblems`), each naming the row, the CSV line and the column, and no row is
// returned.
//
// CSV cells:
// - the header row holds the field names (see PATIENT_COLUMNS); `id` is accepted for `patientId`, as in the
//   synthetic reference cohort; every field except `synthetic` needs a column;
// - an empty cell, "NA" or "not reported" (any case) is null, i.e. "not reported";
// - booleans are yes/no, true/false or 1/0 (any case); events are 0 or 1;
// - enumerated levels match in any case and are stored as the schema spells them;
// - multi-valued cells list levels separated by ";" and "none" is the empty list (e.g. no metastasis sites);
// - numbers use a point as the decimal separator.
import type { z } from 'zod';
import { InputError } from '../../errors.ts';
import { parseCsv } from './csv.ts';
import {
  type ColumnKind,
  OPTIONAL_FIELDS,
  PATIENT_COLUMNS,
  PATIENT_FIELDS,
  type PatientField,
  type PatientRow,
  patientRowSchema,
} from './patient-row.ts';

export interface ImportOptions {
  /**
   * The study id given to rows that have none (no studyId column or key, or an empty value). Use it for a
   * file that holds one study's patients, or to place the synthetic cohort (which has no studies) in one.
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
/** Header names accepted in place of a field name. */
const COLUMN_ALIASES: Readonly<Record<string, PatientField>> = { id: 'patientId' };
const DEFAULT_MAX_PROBLEMS = 50;

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

type CellResult =
  | { ok: true; value: unknown }
  /** `namesValue`: the message already quotes the offending text. */
  | { ok: false; message: string; namesValue?: boolean };

/** Turns one CSV cell into the value its field holds (null for "not reported"). */
export function parseCell(kind: ColumnKind, raw: string): CellResult {
  const cell = raw.trim();
  const lower = cell.toLowerCase();
  if (NULL_TOKENS.has(lower)) return { ok: true, value: null };
  switch (kind.kind) {
    case 'text':
      return { ok: true, value: cell };
    case 'number':
      if (NUMBER_PATTERN.test(cell)) return { ok: true, value: Number(cell) };
      if (/^[+-]?\d+,\d+$/.test(cell)) {
        return { ok: false, message: 'expected a number with a point as the decimal separator' };
      }
      return { ok: false, message: 'expected a number' };
    case 'boolean':
      if (TRUE_TOKENS.has(lower)) return { ok: true, value: true };
      if (FALSE_TOKENS.has(lower)) return { ok: true, value: false };
      return { ok: false, message: 'expected yes/no, true/false or 1/0' };
    case 'event':
      if (cell === '0' || cell === '1') return { ok: true, value: Number(cell) };
      return { ok: false, message: 'expected 0 (censored) or 1 (event)' };
    case 'level': {
      const level = kind.levels.find((candidate) => candidate.toLowerCase() === lower);
      if (level !== undefined) return { ok: true, value: level };
      return { ok: false, message: `expected one of ${kind.levels.join(', ')}` };
    }
    case 'levels': {
      if (lower === EMPTY_LIST_TOKEN) return { ok: true, value: [] };
      const values: string[] = [];
      for (const part of cell.split(';')) {
        const wanted = part.trim().toLowerCase();
        if (wanted === '') continue;
        const level = kind.levels.find((candidate) => candidate.toLowerCase() === wanted);
        if (level === undefined) {
          return {
            ok: false,
            message: `"${part.trim()}" is not one of ${kind.levels.join(', ')} (separate several with ";", write "none" for none)`,
            namesValue: true,
          };
        }
        values.push(level);
      }
      return { ok: true, value: values };
    }
  }
}

function quote(raw: string): string {
  const trimmed = raw.trim();
  return JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 40)}...` : trimmed);
}

function fieldName(name: string): PatientField | undefined {
  if ((PATIENT_FIELDS as string[]).includes(name)) return name as PatientField;
  return COLUMN_ALIASES[name];
}

/**
 * Validates one candidate row and records its problems. `failed` holds fields already reported (a CSV cell
 * that could not be read), whose schema issues would only repeat the problem.
 */
function validateRow(
  candidate: Record<string, unknown>,
  where: (field: string) => string,
  problems: Problems,
  failed: ReadonlySet<string> = new Set(),
): PatientRow | undefined {
  const result = patientRowSchema.safeParse(candidate);
  if (result.success) return failed.size === 0 ? result.data : undefined;
  for (const issue of result.error.issues) {
    for (const [field, message] of describeIssue(issue)) {
      if (!failed.has(field)) problems.add(where(field), message);
    }
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): [string, string][] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => [key, 'not a patient-row field']);
  }
  const [field, ...rest] = issue.path.map(String);
  const detail = rest.length > 0 ? ` (item ${Number(rest[0]) + 1})` : '';
  return [[field ?? '(row)', `${issue.message}${detail}`]];
}

function applyDefaultStudy(candidate: Record<string, unknown>, options: ImportOptions): void {
  const studyId = candidate.studyId;
  const missing = studyId === undefined || studyId === null || studyId === '';
  if (missing && options.defaultStudyId !== undefined) candidate.studyId = options.defaultStudyId;
}

function checkUniqueIds(
  rows: readonly { row: PatientRow; where: (field: string) => string; label: string }[],
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

/** Patient rows from CSV text (header row = field names). `origin` names the file in errors. */
export function parsePatientRowsCsv(text: string, origin: string, options: ImportOptions = {}): PatientRow[] {
  const maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  const records = parseCsv(text, origin);
  const problems = new Problems(origin);
  const [header, ...data] = records;
  if (header === undefined) throw new InputError(`${origin}: empty file (expected a header row)`);

  const headerWhere = (column: string) => `${origin} line ${header.line} (header), column ${column}`;
  if (header.cells.length === 1 && header.cells[0]!.includes(';')) {
    throw new InputError(
      `${origin} line ${header.line}: the header has no commas but has semicolons; save the file as comma-separated CSV`,
    );
  }
  const columns: (PatientField | undefined)[] = [];
  const seenColumns = new Set<PatientField>();
  for (const [index, raw] of header.cells.entries()) {
    const name = raw.trim();
    const field = fieldName(name);
    if (name === '') {
      problems.add(`${origin} line ${header.line} (header), column ${index + 1}`, 'empty column name');
    } else if (field === undefined) {
      problems.add(headerWhere(name), 'not a patient-row field');
    } else if (seenColumns.has(field)) {
      problems.add(headerWhere(name), `${field} has a second column`);
    }
    if (field !== undefined) seenColumns.add(field);
    columns.push(field);
  }
  for (const field of PATIENT_FIELDS) {
    if (seenColumns.has(field) || OPTIONAL_FIELDS.has(field)) continue;
    if (field === 'studyId' && options.defaultStudyId !== undefined) continue;
    problems.add(headerWhere(field), 'missing from the header');
  }
  problems.throwIfAny(maxProblems);

  const imported: { row: PatientRow; where: (field: string) => string; label: string }[] = [];
  data.forEach((record, index) => {
    const rowNumber = index + 1;
    const place = `${origin} line ${record.line} (row ${rowNumber})`;
    if (record.cells.every((cell) => cell.trim() === '')) return; // a blank line or an empty spreadsheet row
    if (record.cells.length !== columns.length) {
      problems.add(place, `expected ${columns.length} cells as in the header, found ${record.cells.length}`);
      return;
    }
    const candidate: Record<string, unknown> = {};
    const failed = new Set<string>();
    record.cells.forEach((raw, column) => {
      const field = columns[column]!;
      const parsed = parseCell(PATIENT_COLUMNS[field], raw);
      if (!parsed.ok) {
        problems.add(
          `${place}, column ${header.cells[column]!.trim()}`,
          parsed.namesValue ? parsed.message : `${parsed.message}, found ${quote(raw)}`,
        );
        failed.add(field);
      } else if (!(OPTIONAL_FIELDS.has(field) && parsed.value === null)) {
        candidate[field] = parsed.value;
      }
    });
    applyDefaultStudy(candidate, options);
    const where = (field: string) => `${place}, column ${field}`;
    const row = validateRow(candidate, where, problems, failed);
    if (row !== undefined) imported.push({ row, where, label: `line ${record.line} (row ${rowNumber})` });
  });
  checkUniqueIds(imported, problems);
  problems.throwIfAny(maxProblems);
  return imported.map(({ row }) => row);
}

/** Patient rows from JSON text: an array of objects keyed by field name. `origin` names the file in errors. */
export function parsePatientRowsJson(
  text: string,
  origin: string,
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
  const imported: { row: PatientRow; where: (field: string) => string; label: string }[] = [];
  data.forEach((item: unknown, index) => {
    const place = `${origin} row ${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.add(place, 'expected an object');
      return;
    }
    const candidate: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item)) {
      const alias = COLUMN_ALIASES[key];
      if (alias !== undefined && !(alias in item)) candidate[alias] = value;
      else candidate[key] = value;
    }
    applyDefaultStudy(candidate, options);
    const where = (field: string) => `${place}, field ${field}`;
    const row = validateRow(candidate, where, problems);
    if (row !== undefined) imported.push({ row, where, label: `row ${index + 1}` });
  });
  checkUniqueIds(imported, problems);
  problems.throwIfAny(maxProblems);
  return imported.map(({ row }) => row);
}
