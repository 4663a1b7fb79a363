// Cuts a PubMed XML document (UTF-8 bytes, fed in chunks of any size) into its records, the children of
// <PubmedArticleSet>: PubmedArticle, PubmedBookArticle and DeleteCitation. Only the envelope is checked here
// (prolog, root element, nothing but records between them, the root closed at the end); each record's own
// well-formedness is checked when it is parsed, but comments, CDATA sections and processing instructions inside
// a record are skipped here, so a `</PubmedArticle>` inside one of them does not end the record. Memory is one
// chunk plus the record being cut (at most MAX_RECORD_BYTES), whatever the file size, which is what lets
// parsePubmedFile stream files of any size.
// It works on bytes, not text: searching bytes is several times faster than searching decoded chunks, and
// each record is decoded on its own, so the many all-ASCII records become compact one-byte strings.
// The bytes of an unfinished record are kept in a buffer that doubles when full, so a record arriving in many
// chunks is copied a bounded number of times (joining each chunk to all the bytes before it was quadratic:
// 80 MB in one record took minutes).
import { InputError } from '../../errors.ts';

/**
 * The largest record cut (bytes, start tag to end tag). The largest real PubMed records, collaboration papers
 * listing thousands of authors with their affiliations, are a few megabytes.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

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
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const NEWLINE = 0x0a;

const bytes = (text: string) => Buffer.from(text, 'latin1');
const COMMENT_OPEN = bytes('<!--');
const COMMENT_CLOSE = bytes('-->');
const PI_OPEN = bytes('<?');
const PI_CLOSE = bytes('?>');
const DOCTYPE_OPEN = bytes('<!DOCTYPE');
const END_TAG_OPEN = bytes('</');
const CDATA_OPEN = bytes('<![CDATA[');
const CDATA_CLOSE = bytes(']]>');
/** `<!` or `<?`: where a comment, CDATA section or processing instruction inside a record may begin. */
const MARKUP_OPENS = [bytes('<!'), PI_OPEN];
const RECORD_END_TAGS = new Map<string, Buffer>(RECORD_NAMES.map((name) => [name, bytes(`</${name}`)]));
const BOM = bytes('\xef\xbb\xbf');
/** Decodes strictly: bytes that are not UTF-8 are an error, not replacement characters. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

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

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === 0x0d;
}

function skipSpace(buffer: Uint8Array, start: number): number {
  let pos = start;
  while (pos < buffer.length && isSpace(buffer[pos])) pos++;
  return pos;
}

/** End of the (ASCII or UTF-8) XML name starting at `start`; == start when there is none. */
function scanName(buffer: Uint8Array, start: number): number {
  let pos = start;
  for (; pos < buffer.length; pos++) {
    const byte = buffer[pos]!;
    const letter =
      (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || byte === 0x5f || byte === 0x3a;
    const other = (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2e || byte >= 0x80;
    if (!letter && !(other && pos > start)) break;
  }
  return pos;
}

function startsWith(buffer: Buffer, at: number, prefix: Buffer): boolean {
  return (
    buffer.length - at >= prefix.length &&
    buffer.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}

/**
 * A function giving the first `<!` or `<?` in buffer[from, limit), -1 when none, for calls whose `from` and
 * `limit` never decrease. Each byte is scanned once per opening: what was scanned is remembered, so a record
 * holding many comments does not cost a scan to its end tag per comment.
 */
function markupFinder(buffer: Buffer, start: number): (from: number, limit: number) => number {
  const state = MARKUP_OPENS.map((opening) => ({ opening, found: -1, scannedTo: start }));
  return (from, limit) => {
    let first = -1;
    for (const s of state) {
      if (s.found !== -1 && s.found < from) {
        s.found = -1;
        s.scannedTo = Math.max(s.scannedTo, from);
      }
      if (s.found === -1 && s.scannedTo < limit) {
        const scanFrom = Math.max(from, s.scannedTo - s.opening.length + 1);
        const at =
          limit - scanFrom < s.opening.length ? -1 : buffer.subarray(scanFrom, limit).indexOf(s.opening);
        s.found = at === -1 ? -1 : scanFrom + at;
        s.scannedTo = limit;
      }
      if (s.found !== -1 && s.found < limit && (first === -1 || s.found < first)) first = s.found;
    }
    return first;
  };
}

/** True when the bytes from `at` to the end are the start of `prefix` (the rest not arrived yet). */
function isPrefixOf(buffer: Buffer, at: number, prefix: Buffer): boolean {
  const available = buffer.length - at;
  return available < prefix.length && buffer.compare(prefix, 0, available, at) === 0;
}

/** Index just past the `>` ending the tag that starts at `start`, skipping quoted values; -1 if absent. */
function tagEnd(buffer: Uint8Array, start: number): number {
  let quote = 0;
  for (let i = start + 1; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (quote !== 0) {
      if (byte === quote) quote = 0;
    } else if (byte === 0x22 || byte === 0x27) {
      quote = byte;
    } else if (byte === GT) {
      return i + 1;
    } else if (byte === LT) {
      return -2;
    }
  }
  return -1;
}

/** Index just past a DOCTYPE declaration starting at `start` (internal subset included); -1 if incomplete. */
function doctypeEnd(buffer: Uint8Array, start: number): number {
  let quote = 0;
  let depth = 0;
  for (let i = start + 2; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (quote !== 0) {
      if (byte === quote) quote = 0;
    } else if (byte === 0x22 || byte === 0x27) {
      quote = byte;
    } else if (byte === 0x5b) {
      depth++;
    } else if (byte === 0x5d) {
      depth--;
    } else if (byte === GT && depth === 0) {
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
  /**
   * While a comment, CDATA section or PI at `searchFrom` is incomplete: where to resume looking for its end.
   */
  markupSearchFrom: number;
}

export interface PubmedRecordSplitterOptions {
  /** Default MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
}

export class PubmedRecordSplitter {
  /** The unread bytes: a chunk as given, or a view at the start of `storage`. */
  private buffer: Buffer = Buffer.alloc(0);
  /** Owned memory that `buffer` is a view of when it spans chunks; null while `buffer` is a chunk. */
  private storage: Buffer | null = null;
  private state: 'prolog' | 'body' | 'after' = 'prolog';
  private pos = 0;
  private open: OpenRecord | null = null;
  private count = 0;
  /** Newlines before `cursor` in the buffer are counted into `cursorLine` (the line at `cursor`). */
  private cursor = 0;
  private cursorLine = 1;
  private bomChecked = false;
  private readonly maxRecordBytes: number;
  /** Bytes copied between buffers so far: the splitter's work besides scanning, for tests and benchmarks. */
  bytesCopied = 0;

  constructor(
    private readonly origin: string,
    options: PubmedRecordSplitterOptions = {},
  ) {
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  }

  /** Adds bytes; returns the records they completed. Throws InputError as soon as the envelope is wrong. */
  push(chunk: Uint8Array): RawPubmedRecord[] {
    if (chunk.length === 0) return [];
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.append(data);
    const records = this.drain(false);
    this.compact();
    return records;
  }

  /** Joins `data` to the unread bytes, doubling the owned storage when it is full (amortised linear). */
  private append(data: Buffer): void {
    const length = this.buffer.length;
    if (length === 0) {
      this.buffer = data;
      return;
    }
    const needed = length + data.length;
    const inStorage = this.storage !== null && this.buffer.buffer === this.storage.buffer;
    if (!inStorage || needed > this.storage!.length) {
      const storage = Buffer.allocUnsafe(Math.max(needed * 2, 1 << 16));
      this.buffer.copy(storage, 0, 0, length);
      this.bytesCopied += length;
      this.storage = storage;
    }
    data.copy(this.storage!, length);
    this.bytesCopied += data.length;
    this.buffer = this.storage!.subarray(0, needed);
  }

  /** No more input: returns the last records, or throws InputError when the document is incomplete. */
  end(): RawPubmedRecord[] {
    return this.drain(true);
  }

  private lineAt(index: number): number {
    const buffer = this.buffer;
    if (index < this.cursor) {
      // Only error paths look backwards; count without moving the cursor.
      let line = this.cursorLine;
      for (
        let i = buffer.indexOf(NEWLINE, index);
        i !== -1 && i < this.cursor;
        i = buffer.indexOf(NEWLINE, i + 1)
      ) {
        line--;
      }
      return line;
    }
    for (
      let i = buffer.indexOf(NEWLINE, this.cursor);
      i !== -1 && i < index;
      i = buffer.indexOf(NEWLINE, i + 1)
    ) {
      this.cursorLine++;
    }
    this.cursor = index;
    return this.cursorLine;
  }

  /** Drops the bytes already consumed so the buffer holds at most the record being read. */
  private compact(): void {
    const keep = this.open ? this.open.start : this.pos;
    if (keep === 0) return;
    this.lineAt(keep);
    if (this.storage !== null && this.buffer.buffer === this.storage.buffer) {
      // Move the rest to the front of the storage (a record is moved once: from then on it starts at 0).
      const rest = this.buffer.length - keep;
      this.storage.copy(this.storage, 0, keep, this.buffer.length);
      this.bytesCopied += rest;
      this.buffer = this.storage.subarray(0, rest);
    } else {
      this.buffer = this.buffer.subarray(keep);
    }
    this.cursor = 0;
    this.pos -= keep;
    if (this.open) {
      this.open.start -= keep;
      this.open.searchFrom -= keep;
      this.open.markupSearchFrom = Math.max(0, this.open.markupSearchFrom - keep);
    }
  }

  private text(start: number, end: number): string {
    return this.buffer.toString('utf8', start, Math.min(end, this.buffer.length));
  }

  private fail(problem: string, at: number): never {
    throw new InputError(`${describePlace(this.origin, { line: this.lineAt(at) })}: ${problem}`);
  }

  private failRecord(open: OpenRecord, problem: string): never {
    const pmid = sniffPmid(this.text(open.start, open.start + 4096));
    throw new InputError(
      `${describePlace(this.origin, { index: this.count + 1, pmid, line: open.line })}: ${problem}`,
    );
  }

  private drain(final: boolean): RawPubmedRecord[] {
    const records: RawPubmedRecord[] = [];
    const buffer = this.buffer;
    if (!this.bomChecked && (buffer.length >= BOM.length || final)) {
      this.bomChecked = true;
      if (startsWith(buffer, 0, BOM)) this.pos = BOM.length;
    }
    for (;;) {
      if (this.open) {
        const record = this.closeRecord(this.open, final);
        if (!record) return records;
        records.push(record);
        continue;
      }
      const p = skipSpace(buffer, this.pos);
      // A construct is recognised by its first few bytes: wait until they have all arrived.
      if (!final && (buffer.length - p < 20 || !this.bomChecked)) {
        this.pos = p;
        return records;
      }
      if (p >= buffer.length) {
        if (this.state === 'after') return records;
        if (this.state === 'prolog') this.fail('no <PubmedArticleSet> element (empty or not XML)', p);
        this.fail(`</${ROOT}> is missing: the document is truncated`, p);
      }
      if (buffer[p] !== LT) {
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
      if (startsWith(buffer, p, END_TAG_OPEN)) {
        const nameEnd = scanName(buffer, p + 2);
        const close = skipSpace(buffer, nameEnd);
        if (this.text(p + 2, nameEnd) !== ROOT || buffer[close] !== GT) {
          this.fail(`unexpected end tag where a record or </${ROOT}> should be`, p);
        }
        this.state = 'after';
        this.pos = close + 1;
        continue;
      }
      const nameEnd = scanName(buffer, p + 1);
      const name = this.text(p + 1, nameEnd) as PubmedRecordName;
      if (!RECORD_NAMES.includes(name)) this.fail(`unexpected <${name}> in <${ROOT}>`, p);
      const end = tagEnd(buffer, p);
      if (end === -2) this.fail(`malformed <${name}> start tag`, p);
      if (end === -1) {
        if (final) this.fail(`the document is truncated inside a <${name}> start tag`, p);
        this.pos = p;
        return records;
      }
      const open: OpenRecord = { name, start: p, line: this.lineAt(p), searchFrom: end, markupSearchFrom: 0 };
      if (buffer[end - 2] === SLASH) {
        records.push(this.emit(open, end));
      } else {
        this.open = open;
      }
    }
  }

  /** Skips a comment, processing instruction or (in the prolog) DOCTYPE at `p`; -1 when it is incomplete. */
  private skipMisc(p: number, final: boolean): number {
    const buffer = this.buffer;
    let close = -1;
    if (startsWith(buffer, p, COMMENT_OPEN)) {
      close = buffer.indexOf(COMMENT_CLOSE, p + COMMENT_OPEN.length);
      if (close !== -1) close += COMMENT_CLOSE.length;
    } else if (startsWith(buffer, p, PI_OPEN)) {
      close = buffer.indexOf(PI_CLOSE, p + PI_OPEN.length);
      if (close !== -1) close += PI_CLOSE.length;
    } else if (this.state === 'prolog' && startsWith(buffer, p, DOCTYPE_OPEN)) {
      close = doctypeEnd(buffer, p);
    } else {
      return p;
    }
    if (close === -1 && final) this.fail('the document is truncated in its prolog or a comment', p);
    return close;
  }

  private readRoot(p: number, final: boolean): boolean {
    const buffer = this.buffer;
    const nameEnd = scanName(buffer, p + 1);
    const name = this.text(p + 1, nameEnd);
    if (name !== ROOT) this.fail(`expected a <${ROOT}> document, found <${name || this.text(p, p + 10)}>`, p);
    const end = tagEnd(buffer, p);
    if (end === -2) this.fail(`malformed <${ROOT}> start tag`, p);
    if (end === -1) {
      if (final) this.fail(`the document is truncated inside the <${ROOT}> start tag`, p);
      this.pos = p;
      return false;
    }
    this.state = buffer[end - 2] === SLASH ? 'after' : 'body';
    this.pos = end;
    return true;
  }

  private closeRecord(open: OpenRecord, final: boolean): RawPubmedRecord | null {
    const buffer = this.buffer;
    const endTag = RECORD_END_TAGS.get(open.name)!;
    // The next end tag and the next `<!` / `<?` from searchFrom; each found position is searched again only
    // once it has been passed, so a record holding many comments is still scanned once.
    let at = buffer.indexOf(endTag, open.searchFrom);
    const nextMarkup = markupFinder(buffer, open.searchFrom);
    for (;;) {
      const markup = nextMarkup(open.searchFrom, at === -1 ? buffer.length : at);
      if (markup === -1) break;
      const after = this.markupEnd(open, markup);
      if (after === -1) {
        // Incomplete: resume at its start when more bytes arrive.
        if (final) this.failRecord(open, `<${open.name}> is not closed: the document is truncated`);
        open.searchFrom = markup;
        this.checkRecordSize(open, buffer.length);
        return null;
      }
      open.searchFrom = after;
      if (at !== -1 && at < after) at = buffer.indexOf(endTag, after);
    }
    if (at === -1) {
      if (final) this.failRecord(open, `<${open.name}> is not closed: the document is truncated`);
      // Not past a possible `<!` or `<?` cut by the chunk boundary, nor into a partial end tag.
      open.searchFrom = Math.max(open.searchFrom, buffer.length - endTag.length);
      this.checkRecordSize(open, buffer.length);
      return null;
    }
    const close = skipSpace(buffer, at + endTag.length);
    if (close >= buffer.length) {
      if (final) this.failRecord(open, `<${open.name}> is not closed: the document is truncated`);
      open.searchFrom = at;
      return null;
    }
    if (buffer[close] !== GT) {
      this.failRecord(open, `<${open.name}> is not closed where </${this.text(at + 2, close + 1)} begins`);
    }
    this.open = null;
    return this.emit(open, close + 1);
  }

  /**
   * Index just past the comment, CDATA section or processing instruction at `p` (inside a record); -1 when
   * it is not complete yet. Any other `<!` is left to the record's parser (which refuses it): skips 2 bytes.
   */
  private markupEnd(record: OpenRecord, p: number): number {
    const buffer = this.buffer;
    let open: Buffer;
    let close: Buffer;
    if (buffer[p + 1] === 0x3f) {
      [open, close] = [PI_OPEN, PI_CLOSE];
    } else if (startsWith(buffer, p, COMMENT_OPEN)) {
      [open, close] = [COMMENT_OPEN, COMMENT_CLOSE];
    } else if (startsWith(buffer, p, CDATA_OPEN)) {
      [open, close] = [CDATA_OPEN, CDATA_CLOSE];
    } else if (isPrefixOf(buffer, p, COMMENT_OPEN) || isPrefixOf(buffer, p, CDATA_OPEN)) {
      return -1; // cut by the chunk boundary: may still become a comment or CDATA section
    } else {
      return p + 2;
    }
    const from = Math.max(p + open.length, record.markupSearchFrom);
    const at = buffer.indexOf(close, from);
    if (at !== -1) {
      record.markupSearchFrom = 0;
      return at + close.length;
    }
    // Resume past what was searched (minus a delimiter cut by the boundary): scanned once, not per chunk.
    record.markupSearchFrom = Math.max(from, buffer.length - close.length + 1);
    return -1;
  }

  /** Fails when the record reaches past the size cap by `end` (the buffer's end, or the record's own). */
  private checkRecordSize(open: OpenRecord, end: number): void {
    const size = end - open.start;
    if (size > this.maxRecordBytes) {
      this.failRecord(
        open,
        `<${open.name}> is larger than ${this.maxRecordBytes.toLocaleString('en-US')} bytes, the most a record may hold`,
      );
    }
  }

  private emit(open: OpenRecord, end: number): RawPubmedRecord {
    this.checkRecordSize(open, end);
    this.pos = end;
    this.count++;
    let xml: string;
    try {
      xml = UTF8.decode(this.buffer.subarray(open.start, end));
    } catch {
      throw new InputError(
        `${describePlace(this.origin, { index: this.count, line: open.line })}: the record is not valid UTF-8`,
      );
    }
    return { name: open.name, xml, index: this.count, line: open.line };
  }
}

/** Splits a whole document held in memory. */
export function splitPubmedXml(xml: string, origin: string): RawPubmedRecord[] {
  const splitter = new PubmedRecordSplitter(origin);
  return [...splitter.push(Buffer.from(xml, 'utf8')), ...splitter.end()];
}
