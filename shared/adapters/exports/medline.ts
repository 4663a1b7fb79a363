// PubMed's MEDLINE display format, the text PubMed's "Save -> PubMed format" and "Send to -> Citation
// manager" (.nbib) write: a record per block, blocks separated by blank lines, each line a tag left-justified
// in four columns, "- ", the value (`PMID- 34567890`, `TI  - ...`, `FAU - Moreau, Camille`), and long values
// continued on lines indented by six spaces.
//
// Tags read (PubMed's "MEDLINE/PubMed Data Element (Field) Descriptions"):
//   PMID (starts a record; the record's id)   TI title   AB abstract (structured abstracts inline)
//   FAU full author name with AU its short form (paired in order), CN group author, AUID "ORCID: ..." after
//   its author   DP publication date ("2021 Sep 15")   JT journal   TA journal abbreviation   IS ISSN
//   VI volume   IP issue   PG pages   LID / AID "<id> [doi]" (and "[pii]", ignored)   PMC   PT publication
//   types   LA language   MH MeSH headings (qualifiers and "*" dropped)   OT other terms (keywords)
//   CRDT create date   RIN / EIN / CIN ... comments and corrections (their PMID read)
//
// Structure errors (InputError, nothing imported): a line that is neither a tag nor a continuation, a block
// not starting with PMID, no record at all.

import type { Author, CitationLink } from '../../domain/citation/citation.ts';
import { InputError } from '../../errors.ts';
import {
  clean,
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  emptyFields,
  exportItem,
  inlineAbstract,
  monthOf,
  parsePersonName,
  readExportText,
  yearOf,
} from './export-record.ts';

const TAG_LINE = /^([A-Z][A-Z0-9]{0,3}) *-(?: (.*))?$/;
const CONTINUATION = /^ {6}(.*)$/;

/** Comments and corrections tags, named as PubMed's XML RefType. */
const LINK_TAGS: Record<string, string> = {
  RIN: 'RetractionIn',
  ROF: 'RetractionOf',
  EIN: 'ErratumIn',
  EFR: 'ErratumFor',
  CIN: 'CommentIn',
  CON: 'CommentOn',
  UIN: 'UpdateIn',
  UOF: 'UpdateOf',
  ECI: 'ExpressionOfConcernIn',
};

interface Block {
  line: number;
  entries: { tag: string; value: string }[];
}

/** Reads MEDLINE text line by line into blocks of tag lines, checking the structure. */
class MedlineBlocks {
  private current: Block | null = null;
  private blocks = 0;

  constructor(private readonly origin: string) {}

  /** The block this line completes (a blank line or the next PMID ends one), if any. */
  line(raw: string, number: number): Block | null {
    const line = raw.trimEnd();
    if (line === '') {
      const done = this.current;
      this.current = null;
      return done;
    }
    const continued = CONTINUATION.exec(line);
    if (continued && this.current && this.current.entries.length > 0) {
      const last = this.current.entries[this.current.entries.length - 1]!;
      last.value = `${last.value} ${continued[1]!.trim()}`;
      return null;
    }
    const tag = TAG_LINE.exec(line);
    if (!tag) {
      throw new InputError(
        `${this.origin} line ${number}: "${line.trim().slice(0, 60)}" is neither a MEDLINE tag line ("TAG - value") nor a continuation (six spaces)`,
      );
    }
    const name = tag[1]!;
    let done: Block | null = null;
    if (!this.current) {
      if (name !== 'PMID') {
        throw new InputError(`${this.origin} line ${number}: a record starts with ${name}, not PMID`);
      }
      this.current = { line: number, entries: [] };
      this.blocks++;
    } else if (name === 'PMID') {
      // PubMed separates records by a blank line; a PMID line inside a block starts the next record too.
      done = this.current;
      this.current = { line: number, entries: [] };
      this.blocks++;
    }
    this.current.entries.push({ tag: name, value: (tag[2] ?? '').trim() });
    return done;
  }

  /** The last block, at the end of the file. */
  end(): Block | null {
    if (this.blocks === 0) throw new InputError(`${this.origin}: no MEDLINE record (PMID- ...) found`);
    const done = this.current;
    this.current = null;
    return done;
  }
}

/** "Spinal Cord Neoplasms/*secondary" -> "Spinal Cord Neoplasms"; "*Humans" -> "Humans". */
function meshDescriptor(value: string): string {
  return value.split('/')[0]!.replace(/^\*/, '').trim();
}

/** A reader of a MEDLINE/.nbib export; `source` is the database the records came from. */
export function createMedlineReader(options: { origin: string; source: string }): ExportLineReader {
  const blocks = new MedlineBlocks(options.origin);
  const items = (block: Block | null): ExportItem[] => (block ? [medlineItem(block, options.source)] : []);
  return {
    line: (text, number) => items(blocks.line(text, number)),
    end: () => items(blocks.end()),
    warnings: () => [],
  };
}

/** Parses a MEDLINE/.nbib export; `source` is the database the records came from. */
export function parseMedline(text: string, options: { origin: string; source: string }): ExportParseResult {
  return readExportText(text, 'medline', createMedlineReader(options), options.origin);
}

/** One MEDLINE record's citation (or rejection). */
function medlineItem(block: Block, source: string): ExportItem {
  const all = (tag: string) =>
    block.entries
      .filter((e) => e.tag === tag)
      .map((e) => e.value)
      .filter(Boolean);
  const first = (tag: string) => all(tag)[0] ?? null;
  const fields = emptyFields();
  fields.recordId = first('PMID');
  fields.pmid = first('PMID');
  fields.title = first('TI') ?? first('BTI');
  if (!first('TI') && first('BTI')) {
    fields.kind = 'book-article';
    fields.bookTitle = first('BTI');
  }
  // Authors in order: FAU (full) with its AU (short) after it, CN groups, AUID for the author before it.
  const authors: Author[] = [];
  let pendingFull: string | null = null;
  for (const { tag, value } of block.entries) {
    if (tag === 'FAU') {
      const author = parsePersonName(value);
      if (author) authors.push(author);
      pendingFull = value;
    } else if (tag === 'AU') {
      const short = parsePersonName(value);
      const last = authors[authors.length - 1];
      if (pendingFull && last && !('collective' in last) && short && !('collective' in short)) {
        if (!last.initials && short.initials) last.initials = short.initials;
      } else if (short) {
        authors.push(short);
      }
      pendingFull = null;
    } else if (tag === 'CN') {
      authors.push({ collective: value, orcid: null });
      pendingFull = null;
    } else if (tag === 'AUID') {
      const orcid = /ORCID:\s*(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/i.exec(value)?.[1];
      const last = authors[authors.length - 1];
      if (orcid && last) last.orcid = orcid.toUpperCase();
    }
  }
  fields.authors = authors;
  const published = first('DP');
  fields.year = yearOf(published);
  fields.month = monthOf(published);
  fields.journal = first('JT');
  fields.journalAbbreviation = first('TA');
  fields.issn = clean(first('IS')?.replace(/\s*\(.*\)\s*$/, ''));
  fields.volume = first('VI');
  fields.issue = first('IP');
  fields.pages = first('PG');
  const ids = [...all('LID'), ...all('AID')];
  fields.doi = ids.map((id) => /^(\S+)\s*\[doi\]$/i.exec(id)?.[1]).find(Boolean) ?? null;
  fields.pmcid = first('PMC');
  fields.abstract = inlineAbstract(first('AB'));
  fields.publicationTypes = all('PT');
  fields.languages = all('LA');
  fields.meshHeadings = all('MH').map(meshDescriptor);
  fields.keywords = all('OT');
  const created = /^(\d{4})\/(\d{2})\/(\d{2})/.exec(first('CRDT') ?? '');
  fields.createdDate = created ? `${created[1]}-${created[2]}-${created[3]}` : null;
  const links: CitationLink[] = [];
  for (const { tag, value } of block.entries) {
    const type = LINK_TAGS[tag];
    if (!type) continue;
    links.push({
      type,
      pmid: /PMID:\s*(\d+)/.exec(value)?.[1] ?? null,
      refSource: clean(value.replace(/\s*PMID:\s*\d+\s*$/, '')),
    });
  }
  fields.links = links;
  return exportItem(fields, block.line, source);
}
