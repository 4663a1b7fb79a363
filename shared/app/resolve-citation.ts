// Use case: find a stored citation by a name people use for it. Every `--citation` of the command line goes
// through here, so a team can name a study as it knows it: the internal id (c + 20 hex digits), a PMID
// ("31415926", "PMID: 31415926"), a DOI ("10.1000/xyz", "doi:10.1000/xyz", "https://doi.org/10.1000/xyz") or
// a PMCID ("PMC1234567").
//
// A name is looked up through the key claims the store already keeps (one owner per key), so the answer is
// exact, never a guess. A bare number may be a PMID or a PMCID written without "PMC": when both are claimed by
// different citations the name is ambiguous and the error lists both. An internal id that turned out to be a
// duplicate's (a redirect) resolves to the citation it merged into.

import { CITATION_ID_PATTERN } from '../domain/citation/citation-id.ts';
import type { CitationKey } from '../domain/citation/citation-keys.ts';
import { normaliseDoi, normalisePmcid, normalisePmid } from '../domain/citation/citation-keys.ts';
import { InputError } from '../errors.ts';
import type { CitationLookup, StoredCitation } from '../ports/citation-store.ts';
import { CitationNotFoundError } from './include-study.ts';

/** Two citations answer to the name: the caller must say which. */
export class AmbiguousCitationError extends InputError {}

/** What a name can mean: an internal id, or keys the store's claims are looked up by. */
export interface CitationReference {
  id: string | null;
  keys: CitationKey[];
}

const KEY_LABELS: Record<string, string> = { pmid: 'PMID', doi: 'DOI', pmcid: 'PMCID' };

function describeKey(key: CitationKey): string {
  const split = key.indexOf(':');
  return `${KEY_LABELS[key.slice(0, split)] ?? key.slice(0, split)} ${key.slice(split + 1)}`;
}

/** What `text` can name; an InputError when it is none of an id, a PMID, a DOI or a PMCID. */
export function parseCitationReference(text: string): CitationReference {
  const name = text.trim();
  if (CITATION_ID_PATTERN.test(name)) return { id: name, keys: [] };
  const prefixed = /^pmid\s*:?\s*(\S+)$/i.exec(name);
  if (prefixed) {
    const pmid = normalisePmid(prefixed[1]);
    if (pmid) return { id: null, keys: [`pmid:${pmid}`] };
  }
  const doi = normaliseDoi(name);
  if (doi) return { id: null, keys: [`doi:${doi}`] };
  if (/^pmc/i.test(name)) {
    const pmcid = normalisePmcid(name);
    if (pmcid) return { id: null, keys: [`pmcid:${pmcid}`] };
  }
  const pmid = normalisePmid(name);
  if (pmid) {
    // A bare number: a PMID, or a PMCID without its "PMC".
    return { id: null, keys: [`pmid:${pmid}`, `pmcid:${normalisePmcid(name)!}`] };
  }
  throw new InputError(
    `"${name}" names no citation: give its id (c followed by 20 hex digits), a PMID, a DOI or a PMCID`,
  );
}

/** The stored citation `text` names in the review. */
export async function resolveCitation(
  reviewId: string,
  text: string,
  store: CitationLookup,
): Promise<StoredCitation> {
  const reference = parseCitationReference(text);
  const found = new Map<string, string>();
  if (reference.id !== null) {
    const id = await store.canonicalCitationId(reviewId, reference.id);
    if (id) found.set(id, id === reference.id ? reference.id : `${reference.id}, a duplicate of ${id}`);
  }
  for (const key of reference.keys) {
    const id = await store.citationIdForKey(reviewId, key);
    if (id && !found.has(id)) found.set(id, `${id} (${describeKey(key)})`);
  }
  const what = reference.id ?? reference.keys.map(describeKey).join(reference.keys.length > 1 ? ' or ' : '');
  if (found.size > 1) {
    throw new AmbiguousCitationError(
      `"${text.trim()}" names ${found.size} citations in review "${reviewId}": ${[...found.values()].join(', ')}; give the id, or write the number as pmid:N or PMCN`,
    );
  }
  const [id] = [...found.keys()];
  const stored = id === undefined ? null : await store.getCitation(reviewId, id);
  if (!stored) {
    throw new CitationNotFoundError(
      `no citation ${reference.id === null ? `with ${what}` : what} in review "${reviewId}": import or search it first`,
    );
  }
  return stored;
}
