// What the database-export parsers share: the fields one exported record gives, the parse result (records
// with their line numbers, records rejected with theirs), author names written out as text, and the Citation
// built from the fields.
//
// The rule for bad input (the monitor's: a clear error that names the place, and nothing partial written):
// - a file whose structure is broken (not the format it claims, a record that never ends, a tag line where
//   none can be, a CSV row that does not fit its header) is an InputError naming the file and line, and
//   nothing of it is imported;
// - a well-formed file's record with nothing to screen or deduplicate on (title, authors, year and journal all
//   empty: usually a file read as the wrong format) is rejected on its own, named by the line it starts on; a
//   record missing some of them is imported and deduplicated on what it has. The summary lists what was
//   rejected and why, and warns of fields many records lack.
//
// Every reader takes its file line by line (ExportLineReader), so an import can stream a file of any size; a
// whole text is read by feeding it its lines (readExportText).

import type { AbstractSection, Author, Citation, CitationLink } from '../../domain/citation/citation.ts';
import { sha256Hex } from '../../domain/citation/citation-id.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../../domain/citation/citation-keys.ts';

export type ExportFormat = 'ris' | 'medline' | 'scopus-csv' | 'embase-csv' | 'wos-tab';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  'ris',
  'medline',
  'scopus-csv',
  'embase-csv',
  'wos-tab',
];

/** One exported record's fields, as the parsers read them (text trimmed, "not given" null). */
export interface ExportFields {
  /** The record's id in the database (Embase/WoS accession number, Scopus EID, PMID): its provenance. */
  recordId: string | null;
  title: string | null;
  authors: Author[];
  year: number | null;
  month: number | null;
  journal: string | null;
  journalAbbreviation: string | null;
  issn: string | null;
  volume: string | null;
  issue: string | null;
  /** "301-309", "301", "e1234": as the export gives them, joined from start and end page where split. */
  pages: string | null;
  doi: string | null;
  pmid: string | null;
  pmcid: string | null;
  abstract: AbstractSection[];
  publicationTypes: string[];
  keywords: string[];
  meshHeadings: string[];
  languages: string[];
  /** The date the record was created in the database (MEDLINE CRDT), YYYY-MM-DD. */
  createdDate: string | null;
  links: CitationLink[];
  /** A book record (RIS BOOK/CHAP): kind 'book-article', journal null, bookTitle set. */
  bookTitle: string | null;
  kind: Citation['kind'];
}

export function emptyFields(): ExportFields {
  return {
    recordId: null,
    title: null,
    authors: [],
    year: null,
    month: null,
    journal: null,
    journalAbbreviation: null,
    issn: null,
    volume: null,
    issue: null,
    pages: null,
    doi: null,
    pmid: null,
    pmcid: null,
    abstract: [],
    publicationTypes: [],
    keywords: [],
    meshHeadings: [],
    languages: [],
    createdDate: null,
    links: [],
    bookTitle: null,
    kind: 'journal-article',
  };
}

export interface ParsedExportRecord {
  /** The 1-based line the record starts on. */
  line: number;
  citation: Citation;
}

export interface RejectedExportRecord {
  line: number;
  /** The record's id in the database when it has one. */
  recordId: string | null;
  reason: string;
}

export interface ExportParseResult {
  format: ExportFormat;
  records: ParsedExportRecord[];
  rejected: RejectedExportRecord[];
  /** What the reader noticed about the file as a whole: lines skipped, fields many records lack. */
  warnings: string[];
}

/** One record read from an export: a citation, or a record rejected with its reason. */
export type ExportItem =
  | ({ kind: 'record' } & ParsedExportRecord)
  | ({ kind: 'rejected' } & RejectedExportRecord);

/** An export format's reader, fed a file line by line. */
export interface ExportLineReader {
  /** Feeds one line (its text without the line break, numbered from 1); returns the records it completes. */
  line(text: string, number: number, lineBreak?: string): ExportItem[];
  /** The end of the file: returns the records still open; throws InputError when the structure is broken. */
  end(): ExportItem[];
  /** Notes on the file as a whole, complete once `end` has returned. */
  warnings(): string[];
}

/** `reader` with warnings about the fields many records lack (FieldCoverage). */
export function withFieldCoverage(
  reader: ExportLineReader,
  origin: string,
  format: ExportFormat,
): ExportLineReader {
  const coverage = new FieldCoverage(origin, format);
  const seen = (items: ExportItem[]) => {
    for (const item of items) coverage.add(item);
    return items;
  };
  return {
    line: (text, number, lineBreak) => seen(reader.line(text, number, lineBreak)),
    end: () => seen(reader.end()),
    warnings: () => [...reader.warnings(), ...coverage.warnings()],
  };
}

/**
 * Counts the records lacking each field a record is screened and deduplicated on. A field no record (or most
 * records) has is named in a warning: such a file is often read as another format than it is.
 */
class FieldCoverage {
  private records = 0;
  private readonly missing = new Map<string, { count: number; firstLine: number }>();

  constructor(
    private readonly origin: string,
    private readonly format: ExportFormat,
  ) {}

  add(item: ExportItem): void {
    if (item.kind !== 'record') return;
    this.records++;
    const { citation } = item;
    const lacks: [string, boolean][] = [
      ['title', citation.title.trim() === ''],
      ['authors', citation.authors.length === 0],
      ['year', citation.year === null],
      ['journal', !citation.journal?.title && !citation.journal?.isoAbbreviation && !citation.bookTitle],
    ];
    for (const [field, lacking] of lacks) {
      if (!lacking) continue;
      const entry = this.missing.get(field) ?? { count: 0, firstLine: item.line };
      entry.count++;
      this.missing.set(field, entry);
    }
  }

  warnings(): string[] {
    const warnings: string[] = [];
    for (const [field, { count, firstLine }] of this.missing) {
      if (count === this.records && this.records > 1) {
        warnings.push(
          `${this.origin}: no record has ${field === 'authors' ? 'authors' : `a ${field}`} (read as ${this.format}: is that the file's format? give --format)`,
        );
      } else {
        warnings.push(
          `${this.origin}: ${count} of ${this.records} record(s) have no ${field} (the first on line ${firstLine}); they are deduplicated on what they have`,
        );
      }
    }
    return warnings;
  }
}

/** Reads a whole text with `reader` (the warnings include the fields many records lack). */
export function readExportText(
  text: string,
  format: ExportFormat,
  lineReader: ExportLineReader,
  origin: string,
): ExportParseResult {
  const reader = withFieldCoverage(lineReader, origin, format);
  const result: ExportParseResult = { format, records: [], rejected: [], warnings: [] };
  const take = (items: ExportItem[]) => {
    for (const item of items) {
      if (item.kind === 'record') result.records.push({ line: item.line, citation: item.citation });
      else result.rejected.push({ line: item.line, recordId: item.recordId, reason: item.reason });
    }
  };
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const parts = source.split(/(\r\n|\r|\n)/);
  for (let i = 0, number = 1; i < parts.length; i += 2, number++) {
    const lineBreak = parts[i + 1];
    if (lineBreak === undefined && parts[i] === '') break;
    take(reader.line(parts[i]!, number, lineBreak ?? ''));
  }
  take(reader.end());
  result.warnings = reader.warnings();
  return result;
}

/** Trimmed text, whitespace collapsed; empty becomes null. */
/** A "a; b; c" cell (keywords, languages, document types, full author names) as its trimmed, non-empty parts. */
export function semicolonList(cell: string | null): string[] {
  return (cell ?? '')
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function clean(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.replace(/\s+/g, ' ').trim();
  return text === '' ? null : text;
}

/** The first year (1000-2999) in a date text: "2021", "2021/09/15/", "2021 Sep", "SEP 2021". */
export function yearOf(text: string | null | undefined): number | null {
  const match = /(?:^|\D)([12]\d{3})(?!\d)/.exec(text ?? '');
  return match ? Number(match[1]) : null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The month of "2021/09/15", "2021 Sep 15", "SEP 2021", "2021-09"; null when there is none. */
export function monthOf(text: string | null | undefined): number | null {
  const value = (text ?? '').trim();
  const named = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i.exec(value);
  if (named) return MONTHS.indexOf(named[1]!.toLowerCase()) + 1;
  const numeric = /^[12]\d{3}[/-](\d{1,2})(?:[/-]|$)/.exec(value);
  if (numeric) {
    const month = Number(numeric[1]);
    return month >= 1 && month <= 12 ? month : null;
  }
  return null;
}

/** "301" and "309" as "301-309"; either alone as it is. */
export function joinPages(start: string | null, end: string | null): string | null {
  const first = clean(start);
  const last = clean(end);
  if (first && last && first !== last) return `${first}-${last}`;
  return first ?? last;
}

// ------------------------------------------------------------------------------------------------ authors

const GROUP_WORDS =
  /\b(group|consortium|collaborat\w*|committee|society|investigators|network|trial|team|association|council|registry|working|study|organi[sz]ation|foundation|institute|center|centre)\b/i;

/** Initials of given names: "Jean-Pierre A." -> "JPA", "J. A." -> "JA", "JA" -> "JA". */
export function initialsOf(given: string): string {
  const compact = given.replace(/[.\s]/g, '');
  if (/^\p{Lu}{1,4}$/u.test(compact)) return compact;
  return given
    .split(/[\s.-]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}

/**
 * One author name as databases write it:
 * - "Family, Given" / "Family, G. A." / "Family, GA" (RIS, MEDLINE FAU, WoS AU/AF, Scopus new style);
 * - "Family GA" / "Family G.A." (MEDLINE AU, Vancouver, older Scopus);
 * - a group name ("Spine Oncology Study Group") as a collective author.
 * Returns null for an empty name. ORCIDs are added by the caller when the export gives them.
 */
export function parsePersonName(raw: string): Author | null {
  const text = clean(raw.replace(/\s*\(\d{6,}\)\s*$/, '')); // Scopus "Author full names" ids
  if (!text) return null;
  const comma = text.indexOf(',');
  if (comma > 0) {
    const family = text.slice(0, comma).trim();
    const rest = text
      .slice(comma + 1)
      .trim()
      .replace(/,\s*(jr|sr|ii|iii|iv)\.?$/i, '');
    if (!family) return null;
    if (!rest) return { family, given: null, initials: null, orcid: null };
    const onlyInitials = /^(?:\p{Lu}\.?\s*-?\s*){1,4}$/u.test(rest);
    return {
      family,
      given: onlyInitials ? null : rest,
      initials: initialsOf(rest) || null,
      orcid: null,
    };
  }
  if (GROUP_WORDS.test(text) && text.split(' ').length >= 2) return { collective: text, orcid: null };
  const vancouver = /^(.*\S)\s+((?:\p{Lu}\.?-?\s?){1,4})$/u.exec(text);
  if (vancouver) {
    return {
      family: vancouver[1]!,
      given: null,
      initials: vancouver[2]!.replace(/[.\s-]/g, ''),
      orcid: null,
    };
  }
  return text.split(' ').length > 4
    ? { collective: text, orcid: null }
    : { family: text, given: null, initials: null, orcid: null };
}

/** Scopus writes "[No abstract available]" where there is none. */
function withoutPlaceholder(text: string | null): string | null {
  const value = clean(text);
  return value && /^\[no abstract available\]$/i.test(value) ? null : value;
}

/** A plain (unlabelled) abstract; an empty text (or a placeholder for none) gives none. */
export function plainAbstract(text: string | null): AbstractSection[] {
  const value = withoutPlaceholder(text);
  return value ? [{ label: null, category: null, text: value }] : [];
}

/** Headings of structured abstracts written in title case ("Background:"), as Embase and Scopus print them. */
const TITLE_CASE_HEADINGS =
  'Background|Objectives?|Aims?|Purpose|Introduction|Context|Rationale|Methods?|Materials and methods|Design|Study design|Setting|Participants|Patients|Interventions?|Measurements|Main outcome measures?|Results?|Findings|Conclusions?|Discussion|Interpretation|Importance|Significance|Case presentation|Case reports?|Case description|Level of evidence|Trial registration|Funding';

/**
 * A structured abstract written inline ("BACKGROUND: ... METHODS: ...", "Background: ... Methods: ..."), as
 * MEDLINE and most exports print it, split into labelled sections; anything else is one unlabelled section.
 * Upper-case headings of any words count; title-case ones only from a list of the usual headings.
 */
export function inlineAbstract(text: string | null): AbstractSection[] {
  const value = withoutPlaceholder(text);
  if (!value) return [];
  const heading = new RegExp(`(?:^|\\s)([A-Z][A-Z /&-]{2,40}|${TITLE_CASE_HEADINGS}):\\s`, 'g');
  const marks = [...value.matchAll(heading)];
  if (marks.length < 2 || (marks[0]!.index ?? 0) > 0) return plainAbstract(value);
  return marks.map((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1]!.index ?? value.length) : value.length;
    return { label: mark[1]!.trim(), category: null, text: value.slice(start, end).trim() };
  });
}

/** A DOI found in a text such as a URL ("https://doi.org/10.1/x", "http://dx.doi.org/..."). */
export function doiInText(text: string | null | undefined): string | null {
  const match = /(?:doi\.org\/|doi:\s*)(10\.\d{4,9}\/\S+)/i.exec(text ?? '');
  return match ? normaliseDoi(decodeURIComponent(match[1]!)) : null;
}

/**
 * The Citation of one exported record, or the reason it cannot be one. `source` is the database name given
 * by the user (e.g. "embase"); a record without an id in that database gets a stable one from its content
 * ("h" + 16 hex digits), so importing the same export twice finds the same records.
 */
export function citationFromFields(
  fields: ExportFields,
  source: string,
): { citation: Citation } | { reason: string } {
  const title = clean(fields.title) ?? '';
  const journal = clean(fields.journal) ?? clean(fields.bookTitle) ?? clean(fields.journalAbbreviation);
  if (!title && fields.authors.length === 0 && fields.year === null && !journal) {
    return {
      reason:
        'title, authors, year and journal are all empty: nothing to screen or deduplicate on (is the file in the format it was read as?)',
    };
  }
  const pmid = normalisePmid(fields.pmid);
  const doi = normaliseDoi(fields.doi);
  const pmcid = normalisePmcid(fields.pmcid);
  const firstAuthor = fields.authors[0];
  const firstName = firstAuthor
    ? 'collective' in firstAuthor
      ? firstAuthor.collective
      : firstAuthor.family
    : '';
  const recordId =
    clean(fields.recordId) ??
    `h${sha256Hex(
      new TextEncoder().encode(
        [
          title,
          fields.year ?? '',
          firstName,
          fields.journal ?? '',
          fields.volume ?? '',
          fields.pages ?? '',
        ].join('\u0000'),
      ),
    ).slice(0, 16)}`;
  const isBook = fields.kind === 'book-article';
  const publicationTypes = fields.publicationTypes.map((t) => t.trim()).filter(Boolean);
  const links = fields.links;
  return {
    citation: {
      source,
      sourceRecordId: recordId,
      kind: fields.kind,
      pmid,
      doi,
      pmcid,
      title,
      vernacularTitle: null,
      abstract: fields.abstract,
      authors: fields.authors,
      journal: isBook
        ? null
        : {
            title: clean(fields.journal),
            isoAbbreviation: clean(fields.journalAbbreviation),
            issn: clean(fields.issn),
            volume: clean(fields.volume),
            issue: clean(fields.issue),
            pages: clean(fields.pages),
          },
      bookTitle: isBook ? clean(fields.bookTitle) : null,
      publicationDate: { year: fields.year, month: fields.month, day: null, medlineDate: null },
      year: fields.year,
      languages: fields.languages,
      publicationTypes,
      meshHeadings: fields.meshHeadings,
      keywords: fields.keywords,
      pubmedStatus: null,
      createdDate: fields.createdDate,
      links,
      isRetracted:
        publicationTypes.some((t) => /^retracted (publication|article)$/i.test(t)) ||
        links.some((link) => link.type === 'RetractionIn') ||
        /^retracted\s*(article)?\s*:/i.test(title),
    },
  };
}

/** The record (or its rejection) read from `fields`, starting on `line`. */
export function exportItem(fields: ExportFields, line: number, source: string): ExportItem {
  const built = citationFromFields(fields, source);
  return 'citation' in built
    ? { kind: 'record', line, citation: built.citation }
    : { kind: 'rejected', line, recordId: clean(fields.recordId), reason: built.reason };
}
