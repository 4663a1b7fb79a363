// What the database-export parsers share: the fields one exported record gives, the parse result (records
// with their line numbers, records rejected with theirs), author names written out as text, and the Citation
// built from the fields.
//
// The rule for bad input (the monitor's: a clear error that names the place, and nothing partial written):
// - a file whose structure is broken (not the format it claims, a record that never ends, a tag line where
//   none can be, a CSV row that does not fit its header) is an InputError naming the file and line, and
//   nothing of it is imported;
// - a well-formed file's record that cannot be a citation (no title) is rejected on its own, named by the
//   line it starts on; the other records are imported, and the summary lists what was rejected and why;
// - records whose authors and year both came out empty are stored with a warning naming their lines, and a
//   CSV export whose header has neither an author nor a year column is refused (read as the wrong format).
import { sha256Hex } from '../../domain/citation/citation-id.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../../domain/citation/citation-keys.ts';
import type { AbstractSection, Author, Citation, CitationLink } from '../../domain/citation/citation.ts';

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
  /** What the reader passed over and the user should know (text skipped between records), for the summary. */
  warnings: string[];
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
  const title = clean(fields.title);
  if (!title) return { reason: 'no title' };
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

/** Adds the record (or its rejection) to `result`. */
export function addRecord(
  result: ExportParseResult,
  fields: ExportFields,
  line: number,
  source: string,
): void {
  const built = citationFromFields(fields, source);
  if ('citation' in built) result.records.push({ line, citation: built.citation });
  else result.rejected.push({ line, recordId: clean(fields.recordId), reason: built.reason });
}

/** Lines named one by one in a warning; the rest are counted. */
const LISTED_LINES = 20;

/**
 * A warning naming the records stored with neither authors nor a year: every database gives them for a real
 * record, so such a record was probably misread (a field the format names otherwise), and it must not pass
 * unnoticed. Null when there are none.
 */
export function bareRecordsWarning(origin: string, records: readonly ParsedExportRecord[]): string | null {
  const bare = records.filter((r) => r.citation.authors.length === 0 && r.citation.year === null);
  if (bare.length === 0) return null;
  const lines = bare.slice(0, LISTED_LINES).map((r) => r.line);
  return `${origin}: ${bare.length} of ${records.length} records have neither authors nor a year (line${bare.length > 1 ? 's' : ''} ${lines.join(', ')}${bare.length > LISTED_LINES ? ', ...' : ''}): check the file was read as the right format`;
}
