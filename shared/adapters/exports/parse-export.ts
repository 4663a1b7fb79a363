// A database export file in, its records out: the format detected from the content (or given), the bytes
// decoded (export-text.ts), and the matching parser run over the whole file before anything is stored.
import { InputError } from '../../errors.ts';
import { isEmbaseCsvHeader } from './csv-export.ts';
import { parseEmbaseCsv } from './embase-csv.ts';
import {
  bareRecordsWarning,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportParseResult,
} from './export-record.ts';
import { decodeExportBytes, exportLines } from './export-text.ts';
import { parseMedline } from './medline.ts';
import { parseRis } from './ris.ts';
import { parseScopusCsv } from './scopus-csv.ts';
import { parseWosTab } from './wos-tab.ts';

/** What a file's content says it is: one of the export formats, PubMed XML, or unknown (null). */
export type DetectedFormat = ExportFormat | 'pubmed-xml';

/** The names `--format` accepts, with their aliases. */
export const FORMAT_NAMES: Record<string, DetectedFormat> = {
  ris: 'ris',
  medline: 'medline',
  nbib: 'medline',
  'scopus-csv': 'scopus-csv',
  csv: 'scopus-csv',
  'embase-csv': 'embase-csv',
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

/** Looks at the first non-blank lines. Throws InputError saying what the file looks like when it is none. */
export function detectExportFormat(text: string, origin: string): DetectedFormat {
  const lines = exportLines(text.slice(0, 64 * 1024));
  const first = lines.find((line) => line.trim() !== '')?.trim() ?? '';
  if (/^<(?:\?xml|!DOCTYPE\s+PubmedArticleSet|PubmedArticleSet)\b/i.test(first)) return 'pubmed-xml';
  if (/^PMID- ?\d/.test(first)) return 'medline';
  // RIS, also when text comes before its first record (Ovid writes "1." before each): the first tag line is TY.
  if (lines.find((line) => /^[A-Z][A-Z0-9] {1,2}-( |$)/.test(line))?.startsWith('TY')) return 'ris';
  const tabs = first.split('\t').map((cell) => cell.trim());
  if (
    tabs.length > 3 &&
    tabs.includes('TI') &&
    tabs.every((tag) => tag === '' || /^[A-Z][A-Z0-9]$/.test(tag))
  ) {
    return 'wos-tab';
  }
  // Embase's header shares Title and Source title with Scopus's: it is told first, by columns only it has.
  if (isEmbaseCsvHeader(first)) return 'embase-csv';
  if (/(^|,)"?Title"?(,|$)/.test(first) && /(^|,)"?(EID|Source title|Authors)"?(,|$)/.test(first)) {
    return 'scopus-csv';
  }
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

/**
 * Parses the text of an export in `format`; `source` is the database name the records are credited to. Records
 * stored with neither authors nor a year are named in a warning (bareRecordsWarning).
 */
export function parseExportText(
  text: string,
  format: ExportFormat,
  options: { origin: string; source: string },
): ExportParseResult {
  const result = parseAs(text, format, options);
  const bare = bareRecordsWarning(options.origin, result.records);
  if (bare) result.warnings.push(bare);
  return result;
}

function parseAs(
  text: string,
  format: ExportFormat,
  options: { origin: string; source: string },
): ExportParseResult {
  switch (format) {
    case 'ris':
      return parseRis(text, options);
    case 'medline':
      return parseMedline(text, options);
    case 'scopus-csv':
      return parseScopusCsv(text, options);
    case 'embase-csv':
      return parseEmbaseCsv(text, options);
    case 'wos-tab':
      return parseWosTab(text, options);
  }
}

export { decodeExportBytes };
