// The keys a citation is known by. Two records sharing any key are the same work; the store claims each key
// for exactly one citation (see shared/adapters/dynamodb/citation-store.ts).
import { type Citation, isCollectiveAuthor } from './citation.ts';

export type CitationKeyKind = 'pmid' | 'doi' | 'pmcid' | 'title';
/** e.g. "pmid:12345", "doi:10.1000/xyz", "pmcid:PMC123", "title:a study of x|2021|smith". */
export type CitationKey = `${CitationKeyKind}:${string}`;

/** Lower-case, resolver prefix and "doi:" removed, surrounding whitespace and trailing punctuation trimmed. */
export function normaliseDoi(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const doi = raw
    .trim()
    .replace(/^(?:https?:\/\/)?(?:dx\.)?doi\.org\//i, '')
    .replace(/^doi:\s*/i, '')
    .replace(/[.,;\s]+$/, '')
    .toLowerCase();
  return /^10\.\d{4,9}\/\S+$/.test(doi) ? doi : null;
}

/** "PMC1234567" from "pmc1234567", "1234567" or "PMC1234567.1"; null when it is not a PMCID. */
export function normalisePmcid(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /^\s*(?:PMC)?(\d+)(?:\.\d+)?\s*$/i.exec(raw);
  return match ? `PMC${match[1]}` : null;
}

/** A PMID is a positive integer written without leading zeros. */
export function normalisePmid(raw: string | number | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return null;
  const pmid = text.replace(/^0+/, '');
  return pmid === '' ? null : pmid;
}

/**
 * Title text reduced to what survives re-typing between databases: diacritics and markup removed,
 * case folded, punctuation dropped, whitespace collapsed.
 */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/<[^>]+>/g, ' ')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function firstAuthorFamily(citation: Citation): string {
  const first = citation.authors[0];
  if (!first) return '';
  return normaliseTitle(isCollectiveAuthor(first) ? first.collective : first.family);
}

/** The exact-match fallback key for records with no identifier: title + year + first author. */
export function titleKey(citation: Citation): CitationKey | null {
  const title = normaliseTitle(citation.title);
  if (title.length === 0) return null;
  return `title:${title}|${citation.year ?? ''}|${firstAuthorFamily(citation)}`;
}

/**
 * Every key of a citation, strongest first. Identifier keys when there are any; the title key only for
 * records with no identifier at all (fuzzy matching of id-less records is separate work).
 */
export function citationKeys(citation: Citation): CitationKey[] {
  const keys: CitationKey[] = [];
  if (citation.pmid) keys.push(`pmid:${citation.pmid}`);
  if (citation.doi) keys.push(`doi:${citation.doi}`);
  if (citation.pmcid) keys.push(`pmcid:${citation.pmcid}`);
  if (keys.length === 0) {
    const key = titleKey(citation);
    if (key) keys.push(key);
  }
  return keys;
}
