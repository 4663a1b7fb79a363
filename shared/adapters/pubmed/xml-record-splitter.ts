// Cuts a PubMed XML document (fed in chunks of any size) into its records, the children of
// <PubmedArticleSet>: PubmedArticle, PubmedBookArticle and DeleteCitation. Only the envelope is checked here
// (prolog, root element, nothing but records between them, the root closed at the end); each record's own
// well-formedness is checked when it is parsed. Memory is one chunk plus the record being cut, whatever the
// file size, which is what lets parsePubmedFile stream files of any size.
import { InputError } from '../../errors.ts';
import { scanName, skipSpace } from './xml-tree.ts';

export const RECORD_NAMES = ['PubmedArticle', 'PubmedBookArticle', 'DeleteCitation'] as const;
export type PubmedRecordName = (typeof RECORD_NAMES)[number];

export interface RawPubmedRecord {
  name: PubmedRecordName;
  /** The record's XML, start tag to end tag. */
  xml: string;
  /** 1-based position among the document's records. */
  index: number;
  /** 1-based line of the record's start tag in the document. */
  line: number;
}

const ROOT = 'PubmedArticleSet';

/** "<origin>: record 3 (PMID 123), line 40: ..." – where a problem is, as precisely as known. */
export function describePlace(
  origin: string,
  place: { index?: number; pmid?: string | null; line?: number },
): string {
  const parts: string[] = [];
  if (place.index !== undefined)
    parts.push(`record ${place.index}${place.pmid ? ` (PMID ${place.pmid})` : ''}`);
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  return parts.length === 0 ? origin : `${origin}: ${parts.join(', ')}`;
}

/** The record's own PMID as written, for error messages about records too broken to parse. */
export function sniffPmid(xml: string): string | null {
  return /<PMID\b[^>]*>\s*(\d+)\s*<\/PMID>/.exec(xml)?.[1] ?? null;
}

/** Index just past the `>` ending the tag that starts at `start`, skipping quoted attribute values; -1 if absent. */
function tagEnd(text: string, start: number): number {
  let quote = 0;
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) {
      quote = code;
    } else if (code === 0x3e) {
      return i + 1;
    } else if (code === 0x3c) {
      return -2;
    }
  }
  return -1;
}

/** Index just past a DOCTYPE declaration starting at `start` (internal subset included); -1 if incomplete. */
function doctypeEnd(text: string, start: number): number {
  let quote = 0;
  let depth = 0;
  for (let i = start + 2; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) {
      quote = code;
    } else if (code === 0x5b) {
      depth++;
    } else if (code === 0x5d) {
      depth--;
    } else if (code === 0x3e && depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

interface OpenRecord {
  name: PubmedRecordName;
  start: number;
  line: number;
  /** Where to resume looking for the end tag (the buffer is searched once, not once per chunk). */
  searchFrom: number;
}

export class PubmedRecordSplitter {
  private buffer = '';
  private state: 'prolog' | 'body' | 'after' = 'prolog';
  private pos = 0;
  private open: OpenRecord | null = null;
  private count = 0;
  /** Newlines before `cursor` in the buffer are counted into `cursorLine` (the line at `cursor`). */
  private cursor = 0;
  private cursorLine = 1;
  private started = false;

  constructor(private readonly origin: string) {}

  /** Adds text; returns the records it completed. Throws InputError as soon as the envelope is wrong. */
  push(chunk: string): RawPubmedRecord[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    const records = this.drain(false);
    this.compact();
    return records;
  }

  /** No more text: returns the last records, or throws InputError when the document is incomplete. */
  end(): RawPubmedRecord[] {
    return this.drain(true);
  }

  private lineAt(index: number): number {
    if (index < this.cursor) {
      // Only error paths look backwards; count without moving the cursor.
      let line = this.cursorLine;
      for (
        let i = this.buffer.indexOf('\n', index);
        i !== -1 && i < this.cursor;
        i = this.buffer.indexOf('\n', i + 1)
      ) {
        line--;
      }
      return line;
    }
    let nl = this.buffer.indexOf('\n', this.cursor);
    while (nl !== -1 && nl < index) {
      this.cursorLine++;
      nl = this.buffer.indexOf('\n', nl + 1);
    }
    this.cursor = index;
    return this.cursorLine;
  }

  /** Drops the text already consumed so the buffer holds at most the record being read. */
  private compact(): void {
    const keep = this.open ? this.open.start : this.pos;
    if (keep === 0) return;
    this.lineAt(keep);
    this.buffer = this.buffer.slice(keep);
    this.cursor = 0;
    this.pos -= keep;
    if (this.open) {
      this.open.start -= keep;
      this.open.searchFrom -= keep;
    }
  }

  private fail(problem: string, at: number): never {
    throw new InputError(`${describePlace(this.origin, { line: this.lineAt(at) })}: ${problem}`);
  }

  private failRecord(open: OpenRecord, problem: string): never {
    const pmid = sniffPmid(this.buffer.slice(open.start, open.start + 4096));
    throw new InputError(
      `${describePlace(this.origin, { index: this.count + 1, pmid, line: open.line })}: ${problem}`,
    );
  }

  private drain(final: boolean): RawPubmedRecord[] {
    const records: RawPubmedRecord[] = [];
    const text = this.buffer;
    for (;;) {
      if (this.open) {
        const record = this.closeRecord(this.open, final);
        if (!record) return records;
        records.push(record);
        continue;
      }
      const p = skipSpace(text, this.pos, text.length);
      // A construct is recognised by its first few characters: wait until they have all arrived.
      if (!final && text.length - p < 20) {
        this.pos = p;
        return records;
      }
      if (p >= text.length) {
        if (this.state === 'after') return records;
        if (this.state === 'prolog') this.fail('no <PubmedArticleSet> element (empty or not XML)', p);
        this.fail(`</${ROOT}> is missing: the document is truncated`, p);
      }
      if (text.charCodeAt(p) !== 0x3c) {
        if (this.state === 'body') this.fail('text between records', p);
        if (this.state === 'after') this.fail(`text after </${ROOT}>`, p);
        this.fail('not an XML document', p);
      }
      const next = this.skipMisc(p, final);
      if (next === -1) {
        this.pos = p;
        return records;
      }
      if (next > p) {
        this.pos = next;
        continue;
      }
      if (this.state === 'after') this.fail(`content after </${ROOT}>`, p);
      if (this.state === 'prolog') {
        if (!this.readRoot(p, final)) return records;
        continue;
      }
      if (text.startsWith('</', p)) {
        const nameEnd = scanName(text, p + 2, text.length);
        const close = skipSpace(text, nameEnd, text.length);
        if (text.slice(p + 2, nameEnd) !== ROOT || text.charCodeAt(close) !== 0x3e) {
          this.fail(`unexpected end tag where a record or </${ROOT}> should be`, p);
        }
        this.state = 'after';
        this.pos = close + 1;
        continue;
      }
      const nameEnd = scanName(text, p + 1, text.length);
      const name = text.slice(p + 1, nameEnd) as PubmedRecordName;
      if (!RECORD_NAMES.includes(name)) this.fail(`unexpected <${name}> in <${ROOT}>`, p);
      const end = tagEnd(text, p);
      if (end === -2) this.fail(`malformed <${name}> start tag`, p);
      if (end === -1) {
        if (final) this.fail(`the document is truncated inside a <${name}> start tag`, p);
        this.pos = p;
        return records;
      }
      const open: OpenRecord = { name, start: p, line: this.lineAt(p), searchFrom: end };
      if (text.charCodeAt(end - 2) === 0x2f) {
        records.push(this.emit(open, end));
      } else {
        this.open = open;
      }
    }
  }

  /** Skips a comment, processing instruction or (in the prolog) DOCTYPE at `p`; -1 when it is incomplete. */
  private skipMisc(p: number, final: boolean): number {
    const text = this.buffer;
    let close = -1;
    if (text.startsWith('<!--', p)) {
      close = text.indexOf('-->', p + 4);
      if (close !== -1) close += 3;
    } else if (text.startsWith('<?', p)) {
      close = text.indexOf('?>', p + 2);
      if (close !== -1) close += 2;
    } else if (this.state === 'prolog' && text.startsWith('<!DOCTYPE', p)) {
      close = doctypeEnd(text, p);
    } else {
      return p;
    }
    if (close === -1 && final) this.fail('the document is truncated in its prolog or a comment', p);
    return close;
  }

  private readRoot(p: number, final: boolean): boolean {
    const text = this.buffer;
    const nameEnd = scanName(text, p + 1, text.length);
    const name = text.slice(p + 1, nameEnd);
    if (name !== ROOT)
      this.fail(`expected a <${ROOT}> document, found <${name || text.slice(p, p + 10)}>`, p);
    const end = tagEnd(text, p);
    if (end === -2) this.fail(`malformed <${ROOT}> start tag`, p);
    if (end === -1) {
      if (final) this.fail(`the document is truncated inside the <${ROOT}> start tag`, p);
      this.pos = p;
      return false;
    }
    this.state = text.charCodeAt(end - 2) === 0x2f ? 'after' : 'body';
    this.pos = end;
    return true;
  }

  private closeRecord(open: OpenRecord, final: boolean): RawPubmedRecord | null {
    const text = this.buffer;
    const endTag = `</${open.name}`;
    const at = text.indexOf(endTag, open.searchFrom);
    if (at === -1) {
      if (final) this.failRecord(open, `<${open.name}> is not closed: the document is truncated`);
      open.searchFrom = Math.max(open.searchFrom, text.length - endTag.length);
      return null;
    }
    const close = skipSpace(text, at + endTag.length, text.length);
    if (close >= text.length) {
      if (final) this.failRecord(open, `<${open.name}> is not closed: the document is truncated`);
      open.searchFrom = at;
      return null;
    }
    if (text.charCodeAt(close) !== 0x3e) {
      this.failRecord(open, `<${open.name}> is not closed where </${text.slice(at + 2, close + 1)} begins`);
    }
    this.open = null;
    return this.emit(open, close + 1);
  }

  private emit(open: OpenRecord, end: number): RawPubmedRecord {
    this.pos = end;
    this.count++;
    return { name: open.name, xml: this.buffer.slice(open.start, end), index: this.count, line: open.line };
  }
}

/** Splits a whole document held in memory. */
export function splitPubmedXml(xml: string, origin: string): RawPubmedRecord[] {
  const splitter = new PubmedRecordSplitter(origin);
  return [...splitter.push(xml), ...splitter.end()];
}
