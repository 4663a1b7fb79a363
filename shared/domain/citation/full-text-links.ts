// Where a reviewer can read a record's full text, from its identifiers alone: its PubMed page, its PubMed
// Central article (only with a PMCID: PMC holds the full text), and the DOI resolver (the publisher's page).
// An open-access copy found by Unpaywall, and PDFs reviewers attach, come from elsewhere (shared/app/full-text.ts).
import type { Citation } from './citation.ts';

export interface FullTextLink {
  kind: 'pubmed' | 'pmc' | 'doi';
  label: string;
  url: string;
}

/**
 * A DOI as the resolver's path: each character outside RFC 3986's unreserved set and "/" percent-encoded
 * (DOIs may hold "<", "#", ";", spaces... that would otherwise end or change the URL).
 */
export function doiUrl(doi: string): string {
  const path = [...new TextEncoder().encode(doi)]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~/]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `https://doi.org/${path}`;
}

export function fullTextLinks(citation: Pick<Citation, 'pmid' | 'pmcid' | 'doi'>): FullTextLink[] {
  const links: FullTextLink[] = [];
  if (citation.pmid && /^\d+$/.test(citation.pmid)) {
    links.push({
      kind: 'pubmed',
      label: `PubMed ${citation.pmid}`,
      url: `https://pubmed.ncbi.nlm.nih.gov/${citation.pmid}/`,
    });
  }
  if (citation.pmcid && /^PMC\d+$/.test(citation.pmcid)) {
    links.push({
      kind: 'pmc',
      label: `PubMed Central ${citation.pmcid}`,
      url: `https://pmc.ncbi.nlm.nih.gov/articles/${citation.pmcid}/`,
    });
  }
  if (citation.doi) links.push({ kind: 'doi', label: `doi:${citation.doi}`, url: doiUrl(citation.doi) });
  return links;
}
