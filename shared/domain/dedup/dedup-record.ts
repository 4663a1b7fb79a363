// What fuzzy deduplication looks at: the bibliographic fields a record keeps whichever database exported it.
// Database exports (RIS, EndNote, BibTeX) give authors as one string; PubMed gives them structured. Both are
// accepted here and reduced to the same form by normalise.ts.
import { type Citation, isCollectiveAuthor } from '../citation/citation.ts';

/** A person (family name plus given names or initials) or a group author. */
export type DedupAuthor =
  | { family: string; given?: string | null; initials?: string | null }
  | { collective: string };

export interface DedupRecord {
  /** Unique within one deduplication run; kept as the record's provenance in every cluster. */
  id: string;
  /** Null or empty when the record has none: it is then compared on what it has (see pair-score.ts). */
  title: string | null;
  /** One string as exported ("Zhai, Q. J. and Yue, X. Y.", "Zhai QJ, Yue XY", ...) or structured names. */
  authors: string | readonly DedupAuthor[] | null;
  year: number | null;
  journal: string | null;
  volume: string | null;
  issue: string | null;
  pages: string | null;
  doi: string | null;
  pmid: string | null;
  /** The abstract (only its beginning is compared); absent or null when not exported. */
  abstract?: string | null;
  /**
   * The publication or document type as the database gives it ("Journal Article; Comment", "Erratum",
   * "Conference Abstract", "Meeting Abstract"): it tells notices and conference abstracts apart.
   */
  type?: string | null;
}

/** Characters of an abstract kept for comparison (and in the store's blocking entries). */
export const ABSTRACT_CHARS = 1200;

/** The id a citation gets when no other id is given: its source and its id there ("pubmed:12345"). */
export function citationDedupId(citation: Citation): string {
  return `${citation.source}:${citation.sourceRecordId}`;
}

export function dedupRecordFromCitation(
  citation: Citation,
  id: string = citationDedupId(citation),
): DedupRecord {
  const journal = citation.journal;
  return {
    id,
    title: citation.title || citation.vernacularTitle || '',
    authors: citation.authors.map((author) =>
      isCollectiveAuthor(author)
        ? { collective: author.collective }
        : { family: author.family, given: author.given, initials: author.initials },
    ),
    year: citation.year,
    journal: journal?.title ?? journal?.isoAbbreviation ?? citation.bookTitle,
    volume: journal?.volume ?? null,
    issue: journal?.issue ?? null,
    pages: journal?.pages ?? null,
    doi: citation.doi,
    pmid: citation.pmid,
    abstract: abstractText(citation),
    type: citation.publicationTypes.length > 0 ? citation.publicationTypes.join('; ') : null,
  };
}

/** The abstract's sections as one text, cut to ABSTRACT_CHARS; null when there is none. */
function abstractText(citation: Citation): string | null {
  const text = citation.abstract
    .map((section) => section.text)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 0 ? text.slice(0, ABSTRACT_CHARS) : null;
}
