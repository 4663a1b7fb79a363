// Scopus's CSV export: RFC 4180 (quoted cells with commas, quotes doubled, line breaks inside quotes), UTF-8
// with a byte-order mark, a header row of Scopus's column names, one record a row. The columns read (as
// Scopus names them): Authors ("Moreau C., Tanaka H." in older exports, "Moreau, C.; Tanaka, H." in newer),
// Author full names ("Moreau, Camille (57201234567); ..."), Title, Year, Source title, Abbreviated Source
// Title, Volume, Issue, Art. No., Page start, Page end, DOI, Abstract, Author Keywords, Index Keywords,
// Language of Original Document, Document Type, ISSN, PubMed ID, EID. Others are ignored; only Title is
// required of the header. Scopus writes "[No abstract available]" for a missing abstract.
//
// Structure errors (InputError, nothing imported): the CSV reader's (a quote left open, text after a
// closing quote), a header without a Title column, a row with more cells than the header.
import { parseCsv } from '../../domain/extraction/csv.ts';
import { InputError } from '../../errors.ts';
import type { Author } from '../../domain/citation/citation.ts';
import {
  addRecord,
  clean,
  emptyFields,
  type ExportParseResult,
  inlineAbstract,
  joinPages,
  parsePersonName,
  yearOf,
  semicolonList,
} from './export-record.ts';

/** Scopus's Authors cell as names: semicolons when it has them, else "Family I.J., Family K." pairs. */
export function scopusAuthors(cell: string | null): Author[] {
  const text = clean(cell);
  if (!text || /^\[no author name available\]$/i.test(text)) return [];
  const names = text.includes(';') ? text.split(';') : text.split(/,\s*(?=\S)/);
  return names.map(parsePersonName).filter((a): a is Author => a !== null);
}

/** Parses a Scopus CSV export; `source` is the database the records came from. */
export function parseScopusCsv(text: string, options: { origin: string; source: string }): ExportParseResult {
  const { origin } = options;
  const rows = parseCsv(text, origin).filter((row) => row.cells.some((cell) => cell.trim() !== ''));
  const header = rows[0];
  if (!header) throw new InputError(`${origin}: empty file (no header row)`);
  const columns = new Map(header.cells.map((name, i) => [name.trim().replace(/^\uFEFF/, ''), i]));
  if (!columns.has('Title')) {
    throw new InputError(
      `${origin} line ${header.line}: not a Scopus CSV export: the header has no "Title" column (columns: ${[...columns.keys()].slice(0, 8).join(', ')}...)`,
    );
  }
  const result: ExportParseResult = { format: 'scopus-csv', records: [], rejected: [] };
  for (const row of rows.slice(1)) {
    const extra = row.cells.slice(header.cells.length).filter((cell) => cell.trim() !== '');
    if (extra.length > 0) {
      throw new InputError(
        `${origin} line ${row.line}: the row has ${row.cells.length} cells where the header has ${header.cells.length} (a comma outside quotes?)`,
      );
    }
    const cell = (name: string) => {
      const index = columns.get(name);
      return index === undefined ? null : clean(row.cells[index]);
    };
    const fields = emptyFields();
    fields.recordId = cell('EID');
    fields.title = cell('Title');
    const fullNames = semicolonList(cell('Author full names'))
      .map(parsePersonName)
      .filter((a): a is Author => a !== null);
    fields.authors = fullNames.length > 0 ? fullNames : scopusAuthors(cell('Authors'));
    fields.year = yearOf(cell('Year'));
    fields.journal = cell('Source title');
    fields.journalAbbreviation = cell('Abbreviated Source Title');
    fields.issn = cell('ISSN');
    fields.volume = cell('Volume');
    fields.issue = cell('Issue');
    fields.pages = joinPages(cell('Page start'), cell('Page end')) ?? cell('Art. No.');
    fields.doi = cell('DOI');
    fields.pmid = cell('PubMed ID');
    fields.abstract = inlineAbstract(cell('Abstract'));
    fields.keywords = [...semicolonList(cell('Author Keywords')), ...semicolonList(cell('Index Keywords'))];
    fields.languages = semicolonList(cell('Language of Original Document'));
    fields.publicationTypes = semicolonList(cell('Document Type'));
    addRecord(result, fields, row.line, options.source);
  }
  return result;
}
