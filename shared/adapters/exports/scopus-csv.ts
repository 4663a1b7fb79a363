// Scopus's CSV export: RFC 4180 (quoted cells with commas, quotes doubled, line breaks inside quotes), UTF-8
// with a byte-order mark, a header row of Scopus's column names, one record a row. The columns read (as
// Scopus names them): Authors ("Moreau C., Tanaka H." in older exports, "Moreau, C.; Tanaka, H." in newer),
// Author full names ("Moreau, Camille (57201234567); ..."), Title, Year, Source title, Abbreviated Source
// Title, Volume, Issue, Art. No., Page start, Page end, DOI, Abstract, Author Keywords, Index Keywords,
// Language of Original Document, Document Type, ISSN, PubMed ID, EID. Others are ignored; only Title is
// required of the header. Scopus writes "[No abstract available]" for a missing abstract.
//
// Structure errors (InputError, nothing imported): the CSV reader's (a quote left open, text after a
// closing quote), a header without a Title column, a row with more cells than the header, and Embase's
// header (embase-csv.ts), whose year and author columns Scopus's names would miss.
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
import { checkAuthorOrYearColumns, EMBASE_ONLY_COLUMNS, readCsvExport } from './csv-export.ts';

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
  const table = readCsvExport(text, origin, 'Scopus');
  const embaseColumns = EMBASE_ONLY_COLUMNS.filter((name) => table.columns.has(name));
  if (embaseColumns.length > 0) {
    // Its Year and Authors columns have other names: read as Scopus's, every record would lose them.
    throw new InputError(
      `${origin} line ${table.headerLine}: an Embase CSV export, not a Scopus one (columns ${embaseColumns.map((c) => `"${c}"`).join(', ')}): give --format embase-csv, or no --format`,
    );
  }
  checkAuthorOrYearColumns(table, ['Authors', 'Author full names', 'Year']);
  const result: ExportParseResult = { format: 'scopus-csv', records: [], rejected: [], warnings: [] };
  for (const row of table.rows) {
    const cell = row.cell;
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
