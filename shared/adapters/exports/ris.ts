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
// Text between records is skipped, as reference managers do, and counted in a warning naming its first line:
// Ovid's own RIS puts a record number ("1.") before each record and "Link to the Ovid Full Text or citation:"
// with a URL after ER, and some exports start with a header.
//
// Structure errors (InputError, nothing imported): a tag outside a record, TY inside a record (its ER
// missing), a file that ends inside a record, no record at all.
import { InputError } from '../../errors.ts';
import {
  clean,
  doiInText,
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  emptyFields,
  exportItem,
  inlineAbstract,
  joinPages,
  monthOf,
  parsePersonName,
  readExportText,
  yearOf,
} from './export-record.ts';

const TAG_LINE = /^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$/;
const BOOK_TYPES = new Set(['BOOK', 'CHAP', 'EBOOK', 'ECHAP', 'EDBOOK']);

interface RawRecord {
  line: number;
  fields: Map<string, string[]>;
}

/** Reads RIS line by line into records of tag -> values, checking the structure. */
class RisRecords {
  private current: RawRecord | null = null;
  private lastTag: string | null = null;
  private records = 0;
  private skipped = 0;
  private firstSkipped: { number: number; text: string } | null = null;

  constructor(private readonly origin: string) {}

  /** The record this line completes, if any. */
  line(line: string, number: number): RawRecord | null {
    const tag = TAG_LINE.exec(line.trimEnd());
    if (!tag) {
      if (line.trim() === '') return null;
      const current = this.current;
      if (current && this.lastTag) {
        // Run-on text of the previous field.
        const values = current.fields.get(this.lastTag)!;
        values[values.length - 1] = `${values[values.length - 1]} ${line.trim()}`;
        return null;
      }
      // Text between records (a record number, a link line, a header): skipped, counted.
      this.skipped++;
      this.firstSkipped ??= { number, text: line.trim().slice(0, 60) };
      return null;
    }
    const [, name, value = ''] = tag as unknown as [string, string, string | undefined];
    if (name === 'TY') {
      if (this.current) {
        throw new InputError(
          `${this.origin} line ${number}: a new record (TY) starts before the record of line ${this.current.line} has ended (ER missing)`,
        );
      }
      this.current = { line: number, fields: new Map([['TY', [value.trim()]]]) };
      this.lastTag = 'TY';
      return null;
    }
    if (!this.current) {
      throw new InputError(
        `${this.origin} line ${number}: tag ${name} outside a record (a record starts with TY)`,
      );
    }
    if (name === 'ER') {
      const done = this.current;
      this.current = null;
      this.lastTag = null;
      this.records++;
      return done;
    }
    const values = this.current.fields.get(name) ?? [];
    values.push(value.trim());
    this.current.fields.set(name, values);
    this.lastTag = name;
    return null;
  }

  end(): void {
    if (this.current) {
      throw new InputError(
        `${this.origin}: the record that starts on line ${this.current.line} never ends (no ER line)`,
      );
    }
    if (this.records === 0) {
      throw new InputError(
        `${this.origin}: no RIS record (TY  - ...) found${this.firstSkipped ? ` (line ${this.firstSkipped.number}: "${this.firstSkipped.text}")` : ''}`,
      );
    }
  }

  warnings(): string[] {
    if (this.skipped === 0 || !this.firstSkipped) return [];
    return [
      `${this.origin}: skipped ${this.skipped} line(s) of text between records (the first on line ${this.firstSkipped.number}: "${this.firstSkipped.text}")`,
    ];
  }
}

/** A reader of an RIS export; `source` is the database the records came from (their provenance). */
export function createRisReader(options: { origin: string; source: string }): ExportLineReader {
  const records = new RisRecords(options.origin);
  return {
    line(text, number): ExportItem[] {
      const raw = records.line(text, number);
      return raw ? [risItem(raw, options.source)] : [];
    },
    end() {
      records.end();
      return [];
    },
    warnings: () => records.warnings(),
  };
}

/** Parses an RIS export; `source` is the database the records came from (their provenance). */
export function parseRis(text: string, options: { origin: string; source: string }): ExportParseResult {
  return readExportText(text, 'ris', createRisReader(options), options.origin);
}

/** One RIS record's citation (or rejection). */
function risItem(raw: RawRecord, source: string): ExportItem {
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
  // The type of work (M3) when given; else what the reference type says of conference items.
  const tyType =
    type === 'ABST' || type === 'CONF'
      ? 'Conference Abstract'
      : type === 'CPAPER'
        ? 'Conference Paper'
        : null;
  fields.publicationTypes = all('M3').length > 0 ? all('M3') : tyType ? [tyType] : [];
  return exportItem(fields, raw.line, source);
}
