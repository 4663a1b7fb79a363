// Port: a preprint server's own record of where its preprints were published (bioRxiv/medRxiv's published-
// article data). The preprints source asks it about the preprints Europe PMC has not linked to a published
// version: a published version it names is the same work as the preprint, never a new study.
import type { RequestCounts } from '../domain/monitor/request-counts.ts';

export interface PublishedVersion {
  /** The preprint's DOI (lower-case), e.g. "10.1101/2023.06.18.23291234". */
  preprintDoi: string;
  /** The journal article's DOI (lower-case). */
  publishedDoi: string;
  /** The server that holds the preprint, e.g. "medrxiv". */
  server: string;
}

export interface PublishedVersionLookup {
  /** The service, as run logs and warnings name it ("bioRxiv/medRxiv"). */
  readonly name: string;
  /** Whether the server can know about this DOI at all (bioRxiv and medRxiv preprints are 10.1101/...). */
  holds(preprintDoi: string): boolean;
  /**
   * The published version of the preprint with this DOI; null while it has none (or the servers do not hold
   * the preprint). Throws (after the client's retries) when the servers cannot be asked.
   */
  publishedVersion(preprintDoi: string, options?: { signal?: AbortSignal }): Promise<PublishedVersion | null>;
  /** Requests sent so far, by endpoint. */
  requestCounts?(): RequestCounts;
}
