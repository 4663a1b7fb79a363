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
  title: string;
  /** One string as exported ("Zhai, Q. J. and Yue, X. Y.", "Zhai QJ, Yue XY", ...) or structured names. */
  authors: string | readonly DedupAuthor[] | null;
  year: number | null;
  journal: string | null;
  volume: string | null;
  issue: string | null;
  pages: string | null;
  doi: string | null;
  pmid: string | null;
  /** As the database gives them ("Correction", "Published Erratum"): a notice is never its article. */
  publicationTypes?: readonly string[];
}

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
    publicationTypes: citation.publicationTypes,
  };
}
