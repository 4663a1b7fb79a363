// Embase.com's CSV export as "CSV - Fields by Column": RFC 4180 (csv-export.ts), UTF-8 with a byte-order
// mark, a header of Embase's field names, one record a row. The columns read (as Embase names them): Title
// (Original Title when empty), Author Names ("Moreau C., Tanaka H."), Source title, Publication Year (else
// the year of Date of Publication or Source, "Journal (2021) 154:3 (301-309)"), Volume, Issue, First Page,
// Last Page, Date of Publication ("1 Sep 2021"), Publication Type, ISSN, Abstract, Author Keywords, Article
// Language, Embase Accession ID, Medline PMID, DOI. Others are ignored. Its header shares "Title" and "Source
// title" with Scopus's, which is why it once passed for a Scopus export (issue #16).
import type { Author } from '../../domain/citation/citation.ts';
import { checkAuthorOrYearColumns, readCsvExport } from './csv-export.ts';
import {
  addRecord,
  emptyFields,
  type ExportParseResult,
  inlineAbstract,
  joinPages,
  monthOf,
  parsePersonName,
  semicolonList,
  yearOf,
} from './export-record.ts';

/** "a; b" or, without semicolons, "a, b": Embase separates authors and keywords with commas. */
function listCell(cell: string | null): string[] {
  if (cell?.includes(';')) return semicolonList(cell);
  return (cell ?? '')
    .split(/,\s*(?=\S)/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Parses an Embase CSV export; `source` is the database the records came from. */
export function parseEmbaseCsv(text: string, options: { origin: string; source: string }): ExportParseResult {
  const table = readCsvExport(text, options.origin, 'Embase');
  checkAuthorOrYearColumns(table, ['Author Names', 'Publication Year', 'Date of Publication']);
  const result: ExportParseResult = { format: 'embase-csv', records: [], rejected: [], warnings: [] };
  for (const row of table.rows) {
    const cell = row.cell;
    const fields = emptyFields();
    fields.recordId = cell('Embase Accession ID');
    fields.title = cell('Title') ?? cell('Original Title');
    fields.authors = listCell(cell('Author Names'))
      .map(parsePersonName)
      .filter((a): a is Author => a !== null);
    fields.year =
      yearOf(cell('Publication Year')) ?? yearOf(cell('Date of Publication')) ?? yearOf(cell('Source'));
    fields.month = monthOf(cell('Date of Publication'));
    fields.journal = cell('Source title');
    fields.issn = cell('ISSN');
    fields.volume = cell('Volume');
    fields.issue = cell('Issue');
    fields.pages = joinPages(cell('First Page'), cell('Last Page'));
    fields.doi = cell('DOI');
    fields.pmid = cell('Medline PMID');
    fields.abstract = inlineAbstract(cell('Abstract'));
    fields.keywords = listCell(cell('Author Keywords'));
    fields.languages = listCell(cell('Article Language'));
    fields.publicationTypes = listCell(cell('Publication Type'));
    addRecord(result, fields, row.line, options.source);
  }
  return result;
}
