// What the CSV exports (Scopus, Embase) share: RFC 4180 rows read line by line (a quoted cell may hold line
// breaks), a header row of column names, one record a row. Lines before the header (Embase may write its
// search query first) are skipped and counted in a warning; blank rows are skipped.
//
// Structure errors (InputError, nothing imported): the CSV reader's (a quote left open, text after a closing
// quote), no header with a Title column, a row with more cells than the header.
import { CsvRowReader } from '../../domain/extraction/csv.ts';
import { InputError } from '../../errors.ts';
import { clean, type ExportItem, type ExportLineReader } from './export-record.ts';

/** Rows read before a header is given up on. */
const MAX_ROWS_BEFORE_HEADER = 20;

/** A cell by column name ("Title", "Author full names"), trimmed; null when absent or empty. */
export type CsvCell = (name: string) => string | null;

/**
 * A reader of a CSV export whose header has a "Title" column; `row` turns each row into a record.
 * `label` names the format in messages ("Scopus CSV").
 */
export function createCsvExportReader(
  options: { origin: string; label: string },
  row: (cell: CsvCell, line: number) => ExportItem,
): ExportLineReader {
  const { origin, label } = options;
  const csv = new CsvRowReader(origin);
  let header: string[] | null = null;
  let columns = new Map<string, number>();
  let before = 0;
  let firstBefore: string | null = null;
  const take = (records: { cells: string[]; line: number }[]): ExportItem[] => {
    const items: ExportItem[] = [];
    for (const record of records) {
      if (!record.cells.some((cell) => cell.trim() !== '')) continue;
      if (header === null) {
        const names = record.cells.map((name) => name.trim().replace(/^\uFEFF/, ''));
        if (names.includes('Title')) {
          header = names;
          columns = new Map(names.map((name, i) => [name, i]));
          continue;
        }
        before++;
        firstBefore ??= `line ${record.line}: "${record.cells.join(',').slice(0, 60)}"`;
        if (before >= MAX_ROWS_BEFORE_HEADER) {
          throw new InputError(
            `${origin}: not a ${label} export: no header row with a "Title" column in the first ${before} rows (${firstBefore})`,
          );
        }
        continue;
      }
      const extra = record.cells.slice(header.length).filter((cell) => cell.trim() !== '');
      if (extra.length > 0) {
        throw new InputError(
          `${origin} line ${record.line}: the row has ${record.cells.length} cells where the header has ${header.length} (a comma outside quotes?)`,
        );
      }
      const cells = record.cells;
      const cell: CsvCell = (name) => {
        const index = columns.get(name);
        return index === undefined ? null : clean(cells[index]);
      };
      items.push(row(cell, record.line));
    }
    return items;
  };
  return {
    line: (text, number, lineBreak) => take(csv.line(text, number, lineBreak ?? '\n')),
    end() {
      csv.end();
      if (header === null) {
        throw new InputError(
          before === 0
            ? `${origin}: empty file (no header row)`
            : `${origin}: not a ${label} export: no header row with a "Title" column (${firstBefore})`,
        );
      }
      return [];
    },
    warnings: () =>
      before > 0 && firstBefore
        ? [`${origin}: skipped ${before} row(s) before the header (the first on ${firstBefore})`]
        : [],
  };
}
