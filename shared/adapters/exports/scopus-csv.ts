// Scopus's CSV export: RFC 4180 (quoted cells with commas, quotes doubled, line breaks inside quotes), UTF-8
// with a byte-order mark, a header row of Scopus's column names, one record a row. The columns read (as
// Scopus names them): Authors ("Moreau C., Tanaka H." in older exports, "Moreau, C.; Tanaka, H." in newer),
// Author full names ("Moreau, Camille (57201234567); ..."), Title, Year, Source title, Abbreviated Source
// Title, Volume, Issue, Art. No., Page start, Page end, DOI, Abstract, Author Keywords, Index Keywords,
// Language of Original Document, Document Type, ISSN, PubMed ID, EID. Others are ignored; only Title is
// required of the header. Scopus writes "[No abstract available]" for a missing abstract.
//
// Structure errors (InputError, nothing imported): export-csv.ts's (a quote left open, no header with a Title
// column, a row with more cells than the header).
import type { Author } from '../../domain/citation/citation.ts';
import { type CsvCell, createCsvExportReader } from './export-csv.ts';
import {
  clean,
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  emptyFields,
  exportItem,
  inlineAbstract,
  joinPages,
  parsePersonName,
  readExportText,
  semicolonList,
  yearOf,
} from './export-record.ts';

/**
 * An author list written in one cell (Scopus's Authors, Embase's Author Names): semicolons when it has them,
 * else "Family I.J., Family K." names separated by commas.
 */
export function listedAuthors(cell: string | null): Author[] {
  const text = clean(cell);
  if (!text || /^\[no author names? available\]$/i.test(text)) return [];
  const names = text.includes(';') ? text.split(';') : text.split(/,\s*(?=\S)/);
  return names.map(parsePersonName).filter((a): a is Author => a !== null);
}

/** A reader of a Scopus CSV export; `source` is the database the records came from. */
export function createScopusCsvReader(options: { origin: string; source: string }): ExportLineReader {
  return createCsvExportReader({ origin: options.origin, label: 'Scopus CSV' }, (cell, line) =>
    scopusItem(cell, line, options.source),
  );
}

/** Parses a Scopus CSV export; `source` is the database the records came from. */
export function parseScopusCsv(text: string, options: { origin: string; source: string }): ExportParseResult {
  return readExportText(text, 'scopus-csv', createScopusCsvReader(options), options.origin);
}

function scopusItem(cell: CsvCell, line: number, source: string): ExportItem {
  const fields = emptyFields();
  fields.recordId = cell('EID');
  fields.title = cell('Title');
  const fullNames = semicolonList(cell('Author full names'))
    .map(parsePersonName)
    .filter((a): a is Author => a !== null);
  fields.authors = fullNames.length > 0 ? fullNames : listedAuthors(cell('Authors'));
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
  return exportItem(fields, line, source);
}
