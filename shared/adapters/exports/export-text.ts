// Bytes of an export file as text, whatever the exporting database wrote: UTF-8 with or without a byte-order
// mark, UTF-16 (Web of Science's older "Tab-delimited (Win)" files are UTF-16LE with a BOM), or a Windows
// code page (Windows-1252) for files that are not valid UTF-8. Lines split on CRLF, LF or CR.
//
// A whole text (decodeExportBytes, exportLines) for small inputs and tests; a file read as a stream of lines
// (exportFileLines) for imports, so memory does not grow with the file: the encoding is found by reading the
// file once (fileEncoding), then the lines are decoded chunk by chunk.
import { createReadStream } from 'node:fs';
import { InputError } from '../../errors.ts';

/** The file's text, its byte-order mark removed. */
export function decodeExportBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  }
  const body =
    bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      ? bytes.subarray(3)
      : bytes;
  // UTF-16LE without a BOM: ASCII text has a zero in every second byte.
  if (body.length >= 4 && body[1] === 0 && body[3] === 0 && body[0] !== 0) {
    return new TextDecoder('utf-16le').decode(body);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return decodeWindows1252(body);
  }
}

/** Windows-1252's characters for bytes 0x80-0x9F (where it differs from Latin-1); unassigned bytes as Latin-1. */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Node's TextDecoder reads "windows-1252" as Latin-1, so the 0x80-0x9F range is mapped here. */
function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  }
  return text;
}

/** How a file's bytes are text. */
export type ExportEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/**
 * The encoding of a file: a byte-order mark says UTF-16 (or UTF-8), ASCII with a zero in every second byte is
 * UTF-16LE, otherwise UTF-8 when every byte sequence is valid UTF-8 (read through once), else Windows-1252.
 */
export async function fileEncoding(path: string): Promise<ExportEncoding> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) return 'utf-16le';
        if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) return 'utf-16be';
        const bom = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
        const body = bom ? chunk.subarray(3) : chunk;
        if (body.length >= 4 && body[1] === 0 && body[3] === 0 && body[0] !== 0) return 'utf-16le';
      }
      decoder.decode(chunk, { stream: true });
    }
    decoder.decode();
    return 'utf-8';
  } catch (error) {
    if (error instanceof TypeError) return 'windows-1252';
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Maps bytes to text chunk by chunk in an encoding (a BOM at the start dropped). */
function chunkDecoder(encoding: ExportEncoding): (chunk: Uint8Array | null) => string {
  if (encoding === 'windows-1252') return (chunk) => (chunk ? decodeWindows1252(chunk) : '');
  const decoder = new TextDecoder(encoding);
  return (chunk) => (chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode());
}

/**
 * The lines of a file, numbered from 1, read as a stream in `encoding`: each with its text (no line break)
 * and the break that ended it ("" for the last line without one). A BOM is dropped.
 */
export async function* exportFileLines(
  path: string,
  encoding: ExportEncoding,
): AsyncGenerator<{ text: string; number: number; lineBreak: string }> {
  const decode = chunkDecoder(encoding);
  let pending = '';
  let number = 0;
  let started = false;
  const emit = function* (final: boolean) {
    let start = 0;
    for (;;) {
      const at = pending.slice(start).search(/[\r\n]/);
      if (at < 0) break;
      const index = start + at;
      // A CR at the very end of what has arrived may be the first half of a CRLF split across chunks.
      if (pending[index] === '\r' && index === pending.length - 1 && !final) break;
      const lineBreak = pending[index] === '\r' && pending[index + 1] === '\n' ? '\r\n' : pending[index]!;
      yield { text: pending.slice(start, index), number: ++number, lineBreak };
      start = index + lineBreak.length;
    }
    pending = pending.slice(start);
  };
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      pending += decode(chunk);
      if (!started) {
        started = true;
        if (pending.startsWith('\uFEFF')) pending = pending.slice(1);
      }
      yield* emit(false);
    }
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  pending += decode(null);
  if (!started && pending.startsWith('\uFEFF')) pending = pending.slice(1);
  yield* emit(true);
  if (pending.length > 0) yield { text: pending, number: ++number, lineBreak: '' };
}

/** Text without a leading BOM, split into lines (1-based line i is lines[i - 1]). */
export function exportLines(text: string): string[] {
  return (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
}
