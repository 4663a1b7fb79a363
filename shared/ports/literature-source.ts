// Port: a bibliographic database that can be searched over a window of record-creation dates.
import type { Citation } from '../domain/citation/citation.ts';

/** Inclusive calendar days (YYYY-MM-DD) on the date a record was created in the source (PubMed: [crdt]). */
export interface SearchWindow {
  from: string;
  to: string;
}

export type SearchEvent =
  /** One esearch (or equivalent) answered: how many records the (sub-)window holds, and any warnings. */
  | {
      type: 'searched';
      window: SearchWindow;
      count: number;
      queryTranslation: string | null;
      warnings: string[];
    }
  /** A batch of fetched records, parsed. `deletedIds` are records the source reported as deleted. */
  | { type: 'batch'; window: SearchWindow; citations: Citation[]; deletedIds: string[] };

export interface LiteratureSource {
  readonly name: string;
  /**
   * Streams every record of the window. Throws (EutilsError or similar) rather than yield an incomplete
   * result: a fetched count that differs from the searched count is a failure, not a smaller answer.
   */
  search(query: string, window: SearchWindow, options?: { signal?: AbortSignal }): AsyncIterable<SearchEvent>;
}
