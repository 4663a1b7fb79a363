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

/**
 * Reads CSV records line by line, so a file can be read as it streams: each `line` (without its line break)
 * either completes records or continues a quoted cell that holds a line break. `end` closes the input. Cells
 * come back un-neutralised (see neutraliseCsvCell).
 */
export class CsvRowReader {
  private cells: string[] = [];
  private cell = '';
  /** The line the open quoted cell began on (null when no quoted cell is open). */
  private quotedFrom: number | null = null;
  private recordLine = 1;

  constructor(
    private readonly origin: string,
    private readonly options: ParseCsvOptions = {},
  ) {}

  /**
   * Feeds one line, numbered from 1; `lineBreak` is the break that ended it (kept inside a quoted cell).
   * Returns the records it completes.
   */
  line(text: string, number: number, lineBreak = '\n'): CsvRecord[] {
    let i = 0;
    if (this.quotedFrom === null) {
      // A comment line (outside a quoted cell) is skipped whole.
      if (this.options.comments && text.startsWith('#')) return [];
      this.recordLine = number;
    } else {
      i = this.readQuoted(text, 0, number);
      if (this.quotedFrom !== null) {
        this.cell += lineBreak;
        return [];
      }
    }
    // A quote opens a quoted cell only as the cell's first character.
    let atCellStart = i === 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"' && atCellStart) {
        this.quotedFrom = number;
        i = this.readQuoted(text, i + 1, number);
        if (this.quotedFrom !== null) {
          this.cell += lineBreak;
          return [];
        }
        atCellStart = false;
        continue;
      }
      if (ch === '"') {
        throw new InputError(
          `${this.origin} line ${number}: a quote (") inside an unquoted cell; quote the whole cell and double the quotes inside it`,
        );
      }
      if (ch === ',') {
        this.cells.push(unneutraliseCsvCell(this.cell));
        this.cell = '';
        atCellStart = true;
        i += 1;
        continue;
      }
      this.cell += ch;
      atCellStart = false;
      i += 1;
    }
    this.cells.push(unneutraliseCsvCell(this.cell));
    const record = { cells: this.cells, line: this.recordLine };
    this.cells = [];
    this.cell = '';
    return [record];
  }

  /** Reads quoted text from `from`; returns where reading stopped (past the closing quote, or the line's end). */
  private readQuoted(text: string, from: number, number: number): number {
    let i = from;
    while (i < text.length) {
      if (text[i] === '"') {
        if (text[i + 1] === '"') {
          this.cell += '"';
          i += 2;
          continue;
        }
        this.quotedFrom = null;
        i += 1;
        if (i < text.length && text[i] !== ',') {
          throw new InputError(
            `${this.origin} line ${number}: unexpected text after a closing quote (quote a whole cell or none of it)`,
          );
        }
        return i;
      }
      this.cell += text[i];
      i += 1;
    }
    return i;
  }

  /** The end of the input: throws when a quoted cell never closed. */
  end(): void {
    if (this.quotedFrom !== null)
      throw new InputError(`${this.origin} line ${this.quotedFrom}: a quoted cell is never closed`);
  }
}

/** Splits CSV text into records; `origin` names the file in errors. */
export function parseCsv(text: string, origin: string, options: ParseCsvOptions = {}): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const reader = new CsvRowReader(origin, options);
  const records: CsvRecord[] = [];
  // Lines with the break that ends each; a final line end opens no further record.
  const parts = source.split(/(\r\n|\r|\n)/);
  for (let i = 0, number = 1; i < parts.length; i += 2, number++) {
    const text = parts[i]!;
    const lineBreak = parts[i + 1];
    if (lineBreak === undefined && text === '') break;
    records.push(...reader.line(text, number, lineBreak ?? ''));
  }
  reader.end();
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
