// RIS (Research Information Systems) exports, as Ovid (Embase, MEDLINE), Embase.com, Scopus and Web of Science
// write them: one tag line per field, `XX  - value` (two characters, two spaces, a hyphen, a space), a record
// from `TY  - <type>` to `ER  -`, repeated tags for repeated values (AU, KW), and text that runs on over
// untagged lines (Ovid's abstracts). Blank lines between and inside records are allowed.
//
// Tags read (RIS 2011 specification and the exporters' use of it):
//   TY type (JOUR, ABST, CONF, CPAPER, BOOK, CHAP, ...)   TI, T1 title (T1 is Ovid's and Embase.com's)
//   AU, A1 authors, one a line   PY, Y1 year (2021, 2021///, 2021/09/15/)   DA date   JF, JO, T2, JA, J2
//   journal (Scopus and WoS put the journal in T2; Ovid writes JF in full and JA abbreviated)   VL IS SP EP
//   (SP may hold "301-309")   DO DOI (else a DOI inside UR, L2 or L3)   AN accession number (Embase "L...",
//   WoS "WOS:...", Ovid MEDLINE the PMID; Scopus has none: its EID is read from the UR link)   AB, N2
//   abstract   U2 Embase.com's Embase id (L...)   KW keywords   LA language   SN ISSN   M3 type of work
//   C7 article number (the pages of an online-only article)   C2 Scopus's PubMed ID   "PMID: ..." in
//   C2/C7/N1/M1/M2 when given
//   DB database (Ovid: "Embase", "Ovid MEDLINE(R)": an Ovid MEDLINE accession number is a PMID)
//
// Text between records that is not a tag line (Ovid's "1." before each record, its full-text link after ER)
// is skipped, and the summary says how many lines. Structure errors (InputError, nothing imported): a tag
// outside a record, TY inside a record (its ER missing), a file that ends inside a record, no record at all.
import { InputError } from '../../errors.ts';
import {
  addRecord,
  clean,
  doiInText,
  emptyFields,
  type ExportParseResult,
  inlineAbstract,
  joinPages,
  monthOf,
  parsePersonName,
  yearOf,
} from './export-record.ts';
import { exportLines } from './export-text.ts';

const TAG_LINE = /^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$/;
const BOOK_TYPES = new Set(['BOOK', 'CHAP', 'EBOOK', 'ECHAP', 'EDBOOK']);

interface RawRecord {
  line: number;
  fields: Map<string, string[]>;
}

/** Lines named one by one in the skipped-text warning; the rest are counted. */
const LISTED_SKIPPED = 10;

/** A count of lines in words: "1 line", "15 lines". */
function linesOf(count: number): string {
  return `${count} line${count === 1 ? '' : 's'}`;
}

/**
 * Splits RIS text into records of tag -> values, checking the structure. Text between records that is not a
 * tag line (Ovid's "1." before each record and "Link to the Ovid Full Text or citation:" after it, a header a
 * reference manager writes) is skipped, as other RIS readers do, and its lines returned to be reported.
 */
function readRecords(text: string, origin: string): { records: RawRecord[]; skipped: number[] } {
  const lines = exportLines(text);
  const records: RawRecord[] = [];
  const skipped: number[] = [];
  const skippedSoFar = () =>
    skipped.length === 0
      ? ''
      : `; ${linesOf(skipped.length)} of other text before it, the first on line ${skipped[0]}: "${lines[skipped[0]! - 1]!.trim().slice(0, 60)}"`;
  let current: RawRecord | null = null;
  let lastTag: string | null = null;
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    const tag = TAG_LINE.exec(line.trimEnd());
    if (!tag) {
      if (line.trim() === '') continue;
      if (current && lastTag) {
        // Run-on text of the previous field.
        const values = current.fields.get(lastTag)!;
        values[values.length - 1] = `${values[values.length - 1]} ${line.trim()}`;
        continue;
      }
      skipped.push(number);
      continue;
    }
    const [, name, value = ''] = tag as unknown as [string, string, string | undefined];
    if (name === 'TY') {
      if (current) {
        throw new InputError(
          `${origin} line ${number}: a new record (TY) starts before the record of line ${current.line} has ended (ER missing)`,
        );
      }
      current = { line: number, fields: new Map([['TY', [value.trim()]]]) };
      lastTag = 'TY';
      continue;
    }
    if (!current) {
      throw new InputError(
        `${origin} line ${number}: tag ${name} outside a record (a record starts with TY)${skippedSoFar()}`,
      );
    }
    if (name === 'ER') {
      records.push(current);
      current = null;
      lastTag = null;
      continue;
    }
    const values = current.fields.get(name) ?? [];
    values.push(value.trim());
    current.fields.set(name, values);
    lastTag = name;
  }
  if (current) {
    throw new InputError(`${origin}: the record that starts on line ${current.line} never ends (no ER line)`);
  }
  if (records.length === 0) {
    throw new InputError(
      `${origin}: no RIS record (TY  - ...) found${skipped.length > 0 ? skippedSoFar().replace(' before it', '') : ''}`,
    );
  }
  return { records, skipped };
}

/** The warning naming the lines of text skipped between records; null when none were. */
function skippedWarning(origin: string, skipped: readonly number[]): string | null {
  if (skipped.length === 0) return null;
  const listed = skipped.slice(0, LISTED_SKIPPED).join(', ');
  return `${origin}: ${linesOf(skipped.length)} of text outside records skipped (line${skipped.length === 1 ? '' : 's'} ${listed}${skipped.length > LISTED_SKIPPED ? ', ...' : ''})`;
}

/** Parses an RIS export; `source` is the database the records came from (their provenance). */
export function parseRis(text: string, options: { origin: string; source: string }): ExportParseResult {
  const { records, skipped } = readRecords(text, options.origin);
  const skippedText = skippedWarning(options.origin, skipped);
  const result: ExportParseResult = {
    format: 'ris',
    records: [],
    rejected: [],
    warnings: skippedText ? [skippedText] : [],
  };
  for (const raw of records) {
    const all = (tag: string) => (raw.fields.get(tag) ?? []).map((v) => v.trim()).filter(Boolean);
    const first = (...tags: string[]) => {
      for (const tag of tags) {
        const value = all(tag)[0];
        if (value) return value;
      }
      return null;
    };
    const type = (first('TY') ?? '').toUpperCase();
    const database = first('DB') ?? '';
    const fields = emptyFields();
    fields.kind = BOOK_TYPES.has(type) ? 'book-article' : 'journal-article';
    fields.title = first('TI', 'T1', 'CT');
    if (fields.kind === 'book-article') {
      fields.bookTitle = type === 'CHAP' || type === 'ECHAP' ? first('T2', 'BT') : fields.title;
    }
    fields.authors = [...all('AU'), ...all('A1')]
      .map(parsePersonName)
      .filter((a): a is NonNullable<typeof a> => a !== null);
    const dateText = first('PY', 'Y1', 'DA');
    fields.year = yearOf(dateText);
    fields.month = monthOf(first('DA')) ?? monthOf(dateText);
    fields.journal = first('JF', 'T2', 'JO', 'JA', 'J2');
    fields.journalAbbreviation = first('JA', 'J2') ?? (all('JF').length > 0 ? first('JO') : null);
    fields.issn = first('SN');
    fields.volume = first('VL');
    fields.issue = first('IS');
    const start = first('SP');
    // C7 is the article number, the only "page" of an online-only article.
    fields.pages = start?.includes('-') ? start : (joinPages(start, first('EP')) ?? first('C7'));
    const urls = [...all('UR'), ...all('L2'), ...all('L3'), ...all('LK')];
    fields.doi = first('DO', 'DI') ?? urls.map(doiInText).find((d) => d !== null) ?? null;
    const accession = first('AN');
    const eid = urls.map((u) => /[?&]eid=(2-s2\.0-\d+)/.exec(u)?.[1]).find(Boolean) ?? null;
    // Embase.com writes the Embase id ("L2013456789") in U2; Ovid writes its accession number in AN.
    const embaseId = all('U2').find((v) => /^L\d{6,}$/.test(v)) ?? null;
    fields.recordId = accession ?? embaseId ?? eid;
    const pmidText = ['C2', 'C7', 'N1', 'M1', 'M2', 'AN']
      .flatMap((tag) => all(tag))
      .map((v) => /^PMID:?\s*(\d+)$/i.exec(v)?.[1])
      .find(Boolean);
    // Scopus writes the PubMed ID in C2; an Ovid MEDLINE accession number is the PMID.
    const scopusPmid = /scopus/i.test(database) ? (all('C2').find((v) => /^\d+$/.test(v)) ?? null) : null;
    const medlineAccession =
      /medline|pubmed/i.test(database) && accession && /^\d+$/.test(accession) ? accession : null;
    fields.pmid = pmidText ?? scopusPmid ?? medlineAccession;
    fields.abstract = inlineAbstract(clean([...all('AB'), ...all('N2')][0] ?? null));
    fields.keywords = all('KW');
    fields.languages = all('LA');
    fields.publicationTypes = [...all('M3')];
    addRecord(result, fields, raw.line, options.source);
  }
  return result;
}
