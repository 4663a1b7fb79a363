// A small RFC 4180 CSV reader and writer over text (no I/O).
//
// Reading accepts what spreadsheets and R write: comma-separated cells, cells in double quotes with "" for a
// quote, commas and line breaks inside quoted cells, CRLF, LF or CR line ends, a UTF-8 byte-order mark, and a
// final line end or none. It is strict where guessing would corrupt data: a quote inside an unquoted cell, text
// after a closing quote and a quoted cell that never closes are errors naming the line.
//
// Writing neutralises formulas as OWASP advises for CSV injection: a cell that starts with =, +, -, @, a tab or a
// carriage return (and is not a plain number) gets a leading single quote, so a spreadsheet shows it as text
// instead of running it; reading takes the quote off again, so what is read is exactly what was written.
import { InputError } from '../../errors.ts';

export interface CsvRecord {
  /** The cells as written, quotes removed. */
  cells: string[];
  /** The 1-based line of the file the record starts on (records with quoted line breaks span several). */
  line: number;
}

export interface ParseCsvOptions {
  /** Skip lines that start with "#" (outside quoted cells), e.g. the column notes of a template. */
  comments?: boolean;
}

/** Splits CSV text into records; `origin` names the file in errors. */
export function parseCsv(text: string, origin: string, options: ParseCsvOptions = {}): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  // A quote opens a quoted cell only as the cell's first character.
  let atCellStart = true;
  let i = 0;

  // The length of the line break at `at`: 2 for CRLF, 1 for LF or CR, 0 for none.
  const lineBreak = (at: number) => {
    const ch = source[at];
    if (ch === '\r') return source[at + 1] === '\n' ? 2 : 1;
    return ch === '\n' ? 1 : 0;
  };

  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '#' && options.comments && atCellStart && cells.length === 0) {
      // A comment line: skip it whole, line break included.
      while (i < source.length && lineBreak(i) === 0) i += 1;
      i += lineBreak(i);
      line += 1;
      recordLine = line;
      continue;
    }
    if (ch === '"' && atCellStart) {
      const openedOn = line;
      i += 1;
      let closed = false;
      while (i < source.length) {
        if (source[i] === '"') {
          if (source[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i += 1;
          closed = true;
          break;
        }
        const br = lineBreak(i);
        if (br > 0) line += 1;
        cell += source.slice(i, i + Math.max(br, 1));
        i += Math.max(br, 1);
      }
      if (!closed) throw new InputError(`${origin} line ${openedOn}: a quoted cell is never closed`);
      atCellStart = false;
      if (i < source.length && source[i] !== ',' && lineBreak(i) === 0) {
        throw new InputError(
          `${origin} line ${line}: unexpected text after a closing quote (quote a whole cell or none of it)`,
        );
      }
      continue;
    }
    if (ch === '"') {
      throw new InputError(
        `${origin} line ${line}: a quote (") inside an unquoted cell; quote the whole cell and double the quotes inside it`,
      );
    }
    if (ch === ',') {
      cells.push(unneutraliseCsvCell(cell));
      cell = '';
      atCellStart = true;
      i += 1;
      continue;
    }
    const br = lineBreak(i);
    if (br > 0) {
      cells.push(unneutraliseCsvCell(cell));
      records.push({ cells, line: recordLine });
      cells = [];
      cell = '';
      atCellStart = true;
      line += 1;
      recordLine = line;
      i += br;
      continue;
    }
    cell += ch;
    atCellStart = false;
    i += 1;
  }
  // A last record without a final line end.
  if (cells.length > 0 || !atCellStart) {
    cells.push(unneutraliseCsvCell(cell));
    records.push({ cells, line: recordLine });
  }
  return records;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function isFormula(value: string): boolean {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value);
}

/** A quote before a formula, or before something that itself looks neutralised ("'=x", "''=x", ...). */
function looksNeutralised(value: string): boolean {
  let rest = value;
  while (rest.startsWith("'")) {
    rest = rest.slice(1);
    if (isFormula(rest)) return true;
  }
  return false;
}

/**
 * The cell as a spreadsheet may show it safely: a leading ' before a formula's first character. A cell that
 * already looks neutralised gets one more quote, so unneutraliseCsvCell always gives back the original.
 */
export function neutraliseCsvCell(value: string): string {
  return isFormula(value) || looksNeutralised(value) ? `'${value}` : value;
}

/** The cell as it was before neutraliseCsvCell (a cell without an added quote is returned as it is). */
export function unneutraliseCsvCell(value: string): string {
  return looksNeutralised(value) ? value.slice(1) : value;
}

/**
 * A cell as written: formulas neutralised, then quoted when it holds a comma, a quote, a line break or
 * surrounding spaces, or starts with "#" (which would make a first cell read as a comment line); inner quotes
 * doubled.
 */
export function formatCsvCell(raw: string): string {
  const value = neutraliseCsvCell(raw);
  if (/[",\r\n]/.test(value) || value !== value.trim() || value.startsWith('#'))
    return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export interface FormatCsvOptions {
  /** RFC 4180 ends lines with CRLF (the default); "\n" suits Unix tools. */
  eol?: '\r\n' | '\n';
}

/** Writes records as CSV text, every line (the last included) ended by `eol`. */
export function formatCsv(records: readonly (readonly string[])[], options: FormatCsvOptions = {}): string {
  const eol = options.eol ?? '\r\n';
  return records.map((cells) => `${cells.map(formatCsvCell).join(',')}${eol}`).join('');
}
