// Patient rows as CSV for R (read.csv), SPSS or a spreadsheet: a header of field names, one line per patient,
// an empty cell for "not reported", multi-valued cells joined with ";" ("none" for an empty list).
// parsePatientRowsCsv reads the result back to the same rows.
import { formatCsv } from './csv.ts';
import { EMPTY_LIST_TOKEN } from './import-rows.ts';
import { PATIENT_FIELDS, type PatientRow } from './patient-row.ts';

export interface ExportOptions {
  /** How booleans are written: "yes-no" (default), "true-false" (R reads TRUE/FALSE as logical) or "1-0". */
  booleans?: 'yes-no' | 'true-false' | '1-0';
  /** Line end: CRLF as RFC 4180 says (default), or "\n". */
  eol?: '\r\n' | '\n';
}

const BOOLEAN_WORDS = {
  'yes-no': ['yes', 'no'],
  'true-false': ['TRUE', 'FALSE'],
  '1-0': ['1', '0'],
} as const;

/** One cell as text; numbers are written in JavaScript's shortest round-trip form. */
function cellText(value: unknown, booleans: readonly [string, string]): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? booleans[0] : booleans[1];
  if (Array.isArray(value)) return value.length === 0 ? EMPTY_LIST_TOKEN : value.join(';');
  return String(value);
}

/** The rows as CSV text, columns in PATIENT_COLUMNS order (synthetic included), rows in the order given. */
export function patientRowsToCsv(rows: readonly PatientRow[], options: ExportOptions = {}): string {
  const booleans = BOOLEAN_WORDS[options.booleans ?? 'yes-no'];
  const header = [...PATIENT_FIELDS];
  const lines = rows.map((row) => PATIENT_FIELDS.map((field) => cellText(row[field], booleans)));
  return formatCsv([header, ...lines], options.eol === undefined ? {} : { eol: options.eol });
}
