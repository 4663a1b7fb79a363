// What the databases' CSV exports share (Scopus, Embase "Fields by Column"): RFC 4180 text, a header row of
// the database's column names, one record a row. Rows are read before any record is built, so a broken file
// (a quote left open, a row longer than its header, a header without a Title column or without any column
// authors or years come from) is refused whole.
import { parseCsv } from '../../domain/extraction/csv.ts';
import { InputError } from '../../errors.ts';
import { clean } from './export-record.ts';

/** One data row: the line it starts on, and its cells by column name (trimmed, "" and absent as null). */
export interface CsvExportRow {
  line: number;
  cell(name: string): string | null;
}

export interface CsvExportTable {
  /** The header's line and column names (byte-order mark and surrounding spaces removed). */
  headerLine: number;
  /** "FILE line N: not a DATABASE CSV export", to begin an error about the header. */
  notIt: string;
  columns: ReadonlySet<string>;
  rows: CsvExportRow[];
}

/** Reads a CSV export's header and rows; checkAuthorOrYearColumns checks the header further. */
export function readCsvExport(text: string, origin: string, database: string): CsvExportTable {
  const rows = parseCsv(text, origin).filter((row) => row.cells.some((cell) => cell.trim() !== ''));
  const header = rows[0];
  if (!header) throw new InputError(`${origin}: empty file (no header row)`);
  const names = header.cells.map((name) => name.trim().replace(/^\uFEFF/, ''));
  const index = new Map(names.map((name, i) => [name, i]));
  const notIt = `${origin} line ${header.line}: not ${/^[AEIOU]/.test(database) ? 'an' : 'a'} ${database} CSV export`;
  if (!index.has('Title')) {
    throw new InputError(
      `${notIt}: the header has no "Title" column (columns: ${names.slice(0, 8).join(', ')}...)`,
    );
  }
  return {
    headerLine: header.line,
    notIt,
    columns: new Set(names),
    rows: rows.slice(1).map((row) => {
      const extra = row.cells.slice(header.cells.length).filter((cell) => cell.trim() !== '');
      if (extra.length > 0) {
        throw new InputError(
          `${origin} line ${row.line}: the row has ${row.cells.length} cells where the header has ${header.cells.length} (a comma outside quotes?)`,
        );
      }
      return {
        line: row.line,
        cell: (name: string) => {
          const i = index.get(name);
          return i === undefined ? null : clean(row.cells[i]);
        },
      };
    }),
  };
}

/** Columns only Embase's CSV export has: a header holding any of them is Embase's. */
export const EMBASE_ONLY_COLUMNS = ['Embase Accession ID', 'Author Names', 'Publication Year', 'Embase Link'];

/** Whether a CSV header line (raw text) is Embase's "Fields by Column" header. */
export function isEmbaseCsvHeader(line: string): boolean {
  return (
    /(^|,)"?Title"?(,|$)/.test(line) &&
    EMBASE_ONLY_COLUMNS.some((name) => new RegExp(`(^|,)"?${name}"?(,|$)`).test(line))
  );
}

/** Refuses a header with none of the columns authors and years come from: read, every record would lack both. */
export function checkAuthorOrYearColumns(table: CsvExportTable, columns: readonly string[]): void {
  if (!columns.some((name) => table.columns.has(name))) {
    throw new InputError(
      `${table.notIt}: the header has none of the columns authors and years come from (${columns.map((c) => `"${c}"`).join(', ')}; columns: ${[...table.columns].slice(0, 8).join(', ')}...)`,
    );
  }
}
