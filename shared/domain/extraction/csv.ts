// A small RFC 4180 CSV reader and writer over text (no I/O).
//
// Reading accepts what spreadsheets and R write: comma-separated cells, cells in double quotes with "" for a
// quote, commas and line breaks inside quoted cells, CRLF, LF or CR line ends, a UTF-8 byte-order mark, and a
// final line end or none. It is strict where guessing would corrupt data: a quote inside an unquoted cell, text
// after a closing quote and a quoted cell that never closes are errors naming the line.
import { InputError } from '../../errors.ts';

export interface CsvRecord {
  /** The cells as written, quotes removed. */
  cells: string[];
  /** The 1-based line of the file the record starts on (records with quoted line breaks span several). */
  line: number;
}

/** Splits CSV text into records; `origin` names the file in errors. */
export function parseCsv(text: string, origin: string): CsvRecord[] {
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
      cells.push(cell);
      cell = '';
      atCellStart = true;
      i += 1;
      continue;
    }
    const br = lineBreak(i);
    if (br > 0) {
      cells.push(cell);
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
    cells.push(cell);
    records.push({ cells, line: recordLine });
  }
  return records;
}

/** Quotes a cell when it holds a comma, a quote, a line break or surrounding spaces; doubles inner quotes. */
export function formatCsvCell(value: string): string {
  if (/[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replaceAll('"', '""')}"`;
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
