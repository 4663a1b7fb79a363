// A database export file in, its records out: the format detected from the content (or given), the bytes
// decoded (export-text.ts), and the matching reader fed the file line by line: a whole text at once
// (parseExportText), or a file streamed (readExportFile), so an import of any size holds one record at a time.
// Whichever way, the reader also notes fields that many records lack (a file read as the wrong format gives
// records without authors or year: the warnings say so).
import { InputError } from '../../errors.ts';
import { createEmbaseCsvReader, EMBASE_CSV_COLUMNS } from './embase-csv.ts';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  readExportText,
  withFieldCoverage,
} from './export-record.ts';
import { decodeExportBytes, type ExportEncoding, exportFileLines, exportLines } from './export-text.ts';
import { createMedlineReader } from './medline.ts';
import { createRisReader } from './ris.ts';
import { createScopusCsvReader } from './scopus-csv.ts';
import { createWosTabReader } from './wos-tab.ts';

/** What a file's content says it is: one of the export formats, PubMed XML, or unknown (null). */
export type DetectedFormat = ExportFormat | 'pubmed-xml';

/** The names `--format` accepts, with their aliases. */
export const FORMAT_NAMES: Record<string, DetectedFormat> = {
  ris: 'ris',
  medline: 'medline',
  nbib: 'medline',
  'scopus-csv': 'scopus-csv',
  scopus: 'scopus-csv',
  'embase-csv': 'embase-csv',
  csv: 'scopus-csv',
  'wos-tab': 'wos-tab',
  wos: 'wos-tab',
  'pubmed-xml': 'pubmed-xml',
  xml: 'pubmed-xml',
};

export function formatFromName(name: string): DetectedFormat {
  const format = FORMAT_NAMES[name.trim().toLowerCase()];
  if (!format) {
    throw new InputError(`unknown format "${name}" (known: ${Object.keys(FORMAT_NAMES).join(', ')})`);
  }
  return format;
}

/** Lines looked at to tell a format. */
const DETECT_LINES = 40;

/**
 * Looks at the first lines (up to 40 non-blank ones: Ovid numbers its records, Embase may write its query
 * before the header). Throws InputError saying what the file looks like when it is none of the formats.
 */
export function detectExportFormat(text: string, origin: string): DetectedFormat {
  const lines = exportLines(text.slice(0, 64 * 1024))
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, DETECT_LINES);
  const first = lines[0] ?? '';
  if (/^<(?:\?xml|!DOCTYPE\s+PubmedArticleSet|PubmedArticleSet)\b/i.test(first)) return 'pubmed-xml';
  if (/^PMID- ?\d/.test(first)) return 'medline';
  const tabs = first.split('\t').map((cell) => cell.trim());
  if (
    tabs.length > 3 &&
    tabs.includes('TI') &&
    tabs.every((tag) => tag === '' || /^[A-Z][A-Z0-9]$/.test(tag))
  ) {
    return 'wos-tab';
  }
  for (const line of lines) {
    const cells = csvHeaderCells(line);
    if (!cells.includes('Title')) continue;
    if (EMBASE_CSV_COLUMNS.some((name) => cells.includes(name))) return 'embase-csv';
    if (['EID', 'Source title', 'Authors', 'Author full names'].some((name) => cells.includes(name)))
      return 'scopus-csv';
  }
  // RIS: the first tag line is TY (text before it, such as Ovid's record numbers, is skipped when read).
  const firstTag = lines.find((line) => /^[A-Z][A-Z0-9] {1,2}-( |$)/.test(line));
  if (firstTag && /^TY {1,2}- /.test(firstTag)) return 'ris';
  const hint = /^FN (Clarivate|Thomson)/.test(first)
    ? ': it looks like a Web of Science plain-text export; export "Tab delimited file" instead'
    : /^%[0A-Z] /.test(first)
      ? ': it looks like an EndNote/Refer file; export RIS instead'
      : /^@\w+\{/.test(first)
        ? ': it looks like BibTeX; export RIS instead'
        : '';
  throw new InputError(
    `${origin}: cannot tell the export format from its content (first line "${first.slice(0, 60)}")${hint}; supported: ${EXPORT_FORMATS.join(', ')} (give --format)`,
  );
}

/** The cells of a CSV header line, unquoted (a header has no quoted commas). */
function csvHeaderCells(line: string): string[] {
  return line.split(',').map((cell) =>
    cell
      .trim()
      .replace(/^\uFEFF/, '')
      .replace(/^"|"$/g, '')
      .trim(),
  );
}

/** A reader of `format`, with the warnings about fields many records lack. */
export function createExportReader(
  format: ExportFormat,
  options: { origin: string; source: string },
): ExportLineReader {
  return withFieldCoverage(formatReader(format, options), options.origin, format);
}

function formatReader(format: ExportFormat, options: { origin: string; source: string }): ExportLineReader {
  switch (format) {
    case 'ris':
      return createRisReader(options);
    case 'medline':
      return createMedlineReader(options);
    case 'scopus-csv':
      return createScopusCsvReader(options);
    case 'embase-csv':
      return createEmbaseCsvReader(options);
    case 'wos-tab':
      return createWosTabReader(options);
  }
}

/** Parses the text of an export in `format`; `source` is the database the records came from. */
export function parseExportText(
  text: string,
  format: ExportFormat,
  options: { origin: string; source: string },
): ExportParseResult {
  return readExportText(text, format, formatReader(format, options), options.origin);
}

/**
 * The records of an export file, read as a stream of lines in `encoding` (export-text.ts fileEncoding): each
 * item as it completes. Structure errors throw InputError where they are met, so a caller that must not write
 * a broken file's records reads it once to check it (the import does), then again to store it.
 */
export async function* readExportFile(
  path: string,
  format: ExportFormat,
  encoding: ExportEncoding,
  options: { origin: string; source: string },
): AsyncGenerator<ExportItem, string[]> {
  const reader = createExportReader(format, options);
  for await (const { text, number, lineBreak } of exportFileLines(path, encoding)) {
    yield* reader.line(text, number, lineBreak);
  }
  yield* reader.end();
  return reader.warnings();
}

export { decodeExportBytes };
