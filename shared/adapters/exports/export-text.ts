// Bytes of an export file as text, whatever the exporting database wrote: UTF-8 with or without a byte-order
// mark, UTF-16 (Web of Science's older "Tab-delimited (Win)" files are UTF-16LE with a BOM), or a Windows
// code page (Windows-1252) for files that are not valid UTF-8. Lines split on CRLF, LF or CR.

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

/** Text without a leading BOM, split into lines (1-based line i is lines[i - 1]). */
export function exportLines(text: string): string[] {
  return (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
}
