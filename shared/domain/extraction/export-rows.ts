// Patient rows as CSV for R (read.csv), SPSS or a spreadsheet: a header of column names (patientId, studyId,
// synthetic, then the review's variables in protocol order), one line per patient, an empty cell for "not
// reported", multi-valued cells joined with ";" ("none" for an empty list). parsePatientRowsCsv reads the result
// back to the same rows. And the CSV template a team fills in: the header and one "#" comment line per column.
import { describeVariable, variableLabel } from '../protocol/variables.ts';
import { formatCsv } from './csv.ts';
import { EMPTY_LIST_TOKEN } from './import-rows.ts';
import type { PatientRow, RowSchema, VariableValue } from './patient-row.ts';

export interface ExportOptions {
  /** How yes/no values are written: "yes-no" (default), "true-false" (R reads TRUE/FALSE as logical) or "1-0". */
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
function cellText(value: VariableValue | undefined, booleans: readonly [string, string]): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? booleans[0] : booleans[1];
  if (Array.isArray(value)) return value.length === 0 ? EMPTY_LIST_TOKEN : value.join(';');
  return String(value);
}

/** The column names of an export: the row's ids, then the variables in protocol order. */
export function exportColumns(schema: RowSchema): string[] {
  return ['patientId', 'studyId', 'synthetic', ...schema.variables.map((variable) => variable.name)];
}

/** The rows as CSV text, columns as exportColumns, rows in the order given. */
export function patientRowsToCsv(
  rows: readonly PatientRow[],
  schema: RowSchema,
  options: ExportOptions = {},
): string {
  const booleans = BOOLEAN_WORDS[options.booleans ?? 'yes-no'];
  const header = exportColumns(schema);
  const lines = rows.map((row) => header.map((column) => cellText(row[column], booleans)));
  return formatCsv([header, ...lines], options.eol === undefined ? {} : { eol: options.eol });
}

/**
 * The CSV a team fills in: the header row, then one comment line per column ("# name: label; what it takes;
 * required or optional"). `extract import` skips the comment lines, so the file can be filled and imported.
 */
export function patientRowsTemplate(schema: RowSchema, reviewId: string): string {
  const notes = [
    `# Patient rows of review "${reviewId}": one line per patient under the header; lines starting with # are notes.`,
    '# Empty, NA or "not reported" = not reported (never "no").',
    '# patientId: unique within the review; required',
    '# studyId: the included study (its id, or use --study ID for a file of one study); required',
    '# synthetic: yes for invented test patients; optional',
    ...schema.variables.map((variable) => {
      const label = variableLabel(variable);
      const about = [
        label !== variable.name ? label : null,
        describeVariable(variable),
        variable.required ? 'required' : 'optional (the column may be left out)',
        variable.description ?? null,
      ].filter((part): part is string => part !== null);
      return `# ${variable.name}: ${about.join('; ')}`.replace(/[\r\n]+/g, ' ');
    }),
  ];
  const header = formatCsv([exportColumns(schema)], { eol: '\n' });
  return `${header}${notes.join('\n')}\n`;
}
