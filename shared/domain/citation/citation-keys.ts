// The keys a citation is known by. Two records sharing any key are the same work; the store claims each key
// for exactly one citation (see shared/adapters/dynamodb/citation-store.ts).
//
// A record with no identifier is known by its title key: the title with everything that tells two items with
// one title apart (year, first author, volume, first page, and the notice it is, if it is one), so only copies
// that agree on all of it meet there. Even so a title key is only a proposal: the fuzzy layer
// (app/fuzzy-dedup.ts) compares the record with the key's owner, and a record the owner is not a certain
// duplicate of gets a key of its own (TITLE_TWIN_LINK). A record with neither identifier nor title is known by
// its place in its database ("record:<source>:<id>"), so it is stored, and meets only itself.
import { startPages, volumeNumber } from '../dedup/normalise.ts';
import { noticeKindOfTitle, noticeKindOfType } from '../dedup/record-kind.ts';
import { decodeEntities } from '../text/entities.ts';
import { type Citation, isCollectiveAuthor } from './citation.ts';

export type CitationKeyKind = 'pmid' | 'doi' | 'pmcid' | 'title' | 'record';
/**
 * e.g. "pmid:12345", "doi:10.1000/xyz", "pmcid:PMC123", "title:a study of x|2021|smith|12|345",
 * "record:embase:L2015000111".
 */
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

/**
 * "PMC1234567" from "pmc1234567", "1234567" or "PMC1234567.1"; null when it is not a PMCID. The number is
 * written without leading zeros (like a PMID), so "PMC0123" and "PMC123" are one key.
 */
export function normalisePmcid(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /^\s*(?:PMC)?0*([1-9]\d*)(?:\.\d+)?\s*$/i.exec(raw);
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

/** A tag (`<i>`, `</sup>`, `<mml:mi>`, `<br/>`); a "<" followed by anything else ("<0.05") is text. */
const TAG = /<\/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?\/?>/g;

/**
 * Title text reduced to what survives re-typing between databases: markup removed (its text kept and joined
 * to the word it sits in, so "p<sub>trend</sub>" matches PubMed's "ptrend"), XML entities decoded,
 * diacritics removed, case folded, punctuation dropped, whitespace collapsed. A bare "<" or ">" is
 * punctuation, so "children <5 and adults >65" keeps its numbers.
 */
export function normaliseTitle(title: string): string {
  return decodeEntities(title.replace(TAG, ''))
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function firstAuthorFamily(citation: Citation): string {
  const first = citation.authors[0];
  if (!first) return '';
  return normaliseTitle(isCollectiveAuthor(first) ? first.collective : first.family);
}

/**
 * Link type on a citation whose title key another work holds (the fuzzy layer found it is not that work): its
 * title key then names the record itself.
 */
export const TITLE_TWIN_LINK = 'TitleTwin';

/**
 * The exact-match fallback key for records with no identifier: title + year + first author + volume + first
 * page (+ the notice kind); with TITLE_TWIN_LINK, the record's own source and id too.
 */
export function titleKey(citation: Citation): CitationKey | null {
  const title = normaliseTitle(citation.title);
  if (title.length === 0) return null;
  const volume = volumeNumber(citation.journal?.volume ?? null) ?? '';
  const page = startPages(citation.journal?.pages ?? null)?.[0] ?? '';
  const notice = noticeKindOfTitle(citation.title) ?? noticeKindOfType(citation.publicationTypes.join('; '));
  const twin = citation.links.some((link) => link.type === TITLE_TWIN_LINK)
    ? `|@${citation.source}:${citation.sourceRecordId}`
    : '';
  return `title:${title}|${citation.year ?? ''}|${firstAuthorFamily(citation)}|${volume}|${page}${notice ? `|${notice}` : ''}${twin}`;
}

/**
 * A preprint's link to its published version: Europe PMC's "Preprint of" naming the journal article's PMID,
 * or bioRxiv/medRxiv's published-article data naming its DOI. The two are one work, so the preprint is known
 * by the published version's PMID and DOI as well.
 */
export const PUBLISHED_VERSION_LINK = 'PreprintOf';

/** The PMID of the published version a preprint links to, if any. */
export function publishedVersionPmid(citation: Pick<Citation, 'pmid' | 'links'>): string | null {
  if (citation.pmid) return null;
  const link = citation.links.find((l) => l.type === PUBLISHED_VERSION_LINK && l.pmid);
  return link?.pmid ?? null;
}

/** The DOI of the published version a preprint links to, if any (never the preprint's own DOI). */
export function publishedVersionDoi(citation: Pick<Citation, 'pmid' | 'doi' | 'links'>): string | null {
  if (citation.pmid) return null;
  for (const link of citation.links) {
    const doi = link.type === PUBLISHED_VERSION_LINK ? normaliseDoi(link.doi) : null;
    if (doi && doi !== citation.doi) return doi;
  }
  return null;
}

/** Whether a preprint names its published version (by PMID or DOI). */
export function linksPublishedVersion(citation: Pick<Citation, 'pmid' | 'doi' | 'links'>): boolean {
  return publishedVersionPmid(citation) !== null || publishedVersionDoi(citation) !== null;
}

/**
 * Every key of a citation, strongest first. Identifier keys when there are any; the title key only for
 * records with no identifier at all, and the record key for records with neither (fuzzy matching of id-less
 * records is separate work). A preprint linked to its published version is keyed by that version's PMID and DOI
 * first: whichever of the two arrives first, the other finds a key taken and joins it as a duplicate (the
 * published version is never a new study).
 */
export function citationKeys(citation: Citation): CitationKey[] {
  const keys: CitationKey[] = [];
  const publishedPmid = publishedVersionPmid(citation);
  if (publishedPmid) keys.push(`pmid:${publishedPmid}`);
  const publishedDoi = publishedVersionDoi(citation);
  if (publishedDoi) keys.push(`doi:${publishedDoi}`);
  if (citation.pmid) keys.push(`pmid:${citation.pmid}`);
  if (citation.doi) keys.push(`doi:${citation.doi}`);
  if (citation.pmcid) keys.push(`pmcid:${citation.pmcid}`);
  if (keys.length === 0)
    keys.push(titleKey(citation) ?? `record:${citation.source}:${citation.sourceRecordId}`);
  return keys;
}
