// HTML escaping for the digest and the report. Every value that comes from a record, a protocol or the store goes
// through `escapeHtml` (text) or `escapeAttribute` (inside a quoted attribute) before it reaches markup, so a
// title such as `<img src=x onerror=...>` or `<script>` is shown as text, never parsed as HTML.
//
// Links are built with `httpUrl`, which accepts only http(s) URLs (a `javascript:` or `data:` URL from a record
// becomes null and is not linked).

const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted attribute values alike. */
export function escapeHtml(text: string | number | null | undefined): string {
  if (text === null || text === undefined) return '';
  return String(text).replace(/[&<>"']/g, (c) => TEXT_ESCAPES[c]!);
}

/** The same escaping, named for attribute values (always quote the attribute with "). */
export const escapeAttribute = escapeHtml;

/** `value` when it parses as an absolute http(s) URL, else null. */
export function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** `<a href="url">text</a>` with both escaped, or the escaped text alone when the URL is not http(s). */
export function link(url: string | null | undefined, text: string): string {
  const safe = httpUrl(url);
  return safe ? `<a href="${escapeAttribute(safe)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

/** The PubMed page of a PMID (digits only; anything else gives null). */
export function pubmedUrl(pmid: string | null | undefined): string | null {
  return pmid && /^\d+$/.test(pmid) ? `https://pubmed.ncbi.nlm.nih.gov/${pmid}/` : null;
}

/** The doi.org resolver URL of a DOI, each path segment percent-encoded (a DOI may hold `<`, `#`, `?`). */
export function doiUrl(doi: string | null | undefined): string | null {
  if (!doi) return null;
  return `https://doi.org/${doi.split('/').map(encodeURIComponent).join('/')}`;
}

/** Control characters and Unicode line separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/**
 * One line of text, whatever a record holds: control characters and line breaks become spaces, runs of white
 * space one space. For text bodies and RIS lines, where a field must never start a line of its own.
 */
export function oneLine(text: string | number | null | undefined): string {
  if (text === null || text === undefined) return '';
  return String(text).replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}
