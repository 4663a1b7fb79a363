// Embase.com's CSV export ("Export -> CSV"): RFC 4180, one record a row under a header of Embase's column names;
// some exports write the search query on a line of its own before the header. The columns read (as Embase
// names them): Title, Author Names ("Moreau C., Tanaka H.", or "Moreau, Camille; ..."), Source title, Source
// (the full citation, read for the journal only when Source title is missing), Publication Year, Volume,
// Issue, First Page, Last Page, Publication Type ("Article", "Conference Abstract", "Erratum", ...), Conference
// Name, ISSN, Abstract, Author Keywords, Article Language, Embase Accession ID, Medline PMID, DOI. Others are
// ignored.
//
// Embase's header shares "Title" and "Source title" with Scopus's, which is why a file is told apart by the
// columns only Embase writes (parse-export.ts): read as Scopus CSV it would give records without authors or
// year.
import { type CsvCell, createCsvExportReader } from './export-csv.ts';
import {
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  emptyFields,
  exportItem,
  inlineAbstract,
  joinPages,
  monthOf,
  readExportText,
  semicolonList,
  yearOf,
} from './export-record.ts';
import { listedAuthors } from './scopus-csv.ts';

/** Columns only Embase's CSV export writes: one of them in a header with Title says the file is Embase's. */
export const EMBASE_CSV_COLUMNS = [
  'Author Names',
  'Embase Accession ID',
  'Medline PMID',
  'Publication Year',
  'Embase Link',
  'Emtree Drug Index Terms',
  'Emtree Medical Index Terms',
];

/** A reader of an Embase CSV export; `source` is the database the records came from. */
export function createEmbaseCsvReader(options: { origin: string; source: string }): ExportLineReader {
  return createCsvExportReader({ origin: options.origin, label: 'Embase CSV' }, (cell, line) =>
    embaseItem(cell, line, options.source),
  );
}

/** Parses an Embase CSV export; `source` is the database the records came from. */
export function parseEmbaseCsv(text: string, options: { origin: string; source: string }): ExportParseResult {
  return readExportText(text, 'embase-csv', createEmbaseCsvReader(options), options.origin);
}

/** "Spine (2021) 46:3 (E180-E186)": the journal before the year. */
function journalOfSource(source: string | null): string | null {
  const match = source ? /^(.+?)\s*\((?:1|2)\d{3}\)/.exec(source) : null;
  return match ? match[1]!.trim() : null;
}

function embaseItem(cell: CsvCell, line: number, source: string): ExportItem {
  const fields = emptyFields();
  fields.recordId = cell('Embase Accession ID');
  fields.title = cell('Title');
  fields.authors = listedAuthors(cell('Author Names'));
  fields.year = yearOf(cell('Publication Year')) ?? yearOf(cell('Date of Publication'));
  fields.month = monthOf(cell('Date of Publication'));
  fields.journal = cell('Source title') ?? journalOfSource(cell('Source'));
  fields.issn = cell('ISSN');
  fields.volume = cell('Volume');
  fields.issue = cell('Issue');
  fields.pages = joinPages(cell('First Page'), cell('Last Page'));
  fields.doi = cell('DOI');
  fields.pmid = cell('Medline PMID');
  fields.abstract = inlineAbstract(cell('Abstract'));
  fields.keywords = semicolonList(cell('Author Keywords')?.replace(/,\s*/g, '; ') ?? null);
  fields.languages = semicolonList(cell('Article Language')?.replace(/,\s*/g, '; ') ?? null);
  const type = cell('Publication Type');
  fields.publicationTypes = [
    ...(type ? [type] : []),
    ...(cell('Conference Name') && !/conference/i.test(type ?? '') ? ['Conference Abstract'] : []),
  ];
  return exportItem(fields, line, source);
}
