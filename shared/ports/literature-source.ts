// Port: a bibliographic database that can be searched over a window of record-creation dates. The same events
// carry what the other sources of a review find (shared/app/search-review.ts): the citation watch's records
// with the included studies they relate to, and a trial registry's registrations.
import type { Citation } from '../domain/citation/citation.ts';
import type { StudyRelation } from '../domain/watch/study-relation.ts';
import type { TrialRegistration } from '../domain/watch/trial-registration.ts';

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
  /**
   * A batch of fetched records, parsed. `deletedIds` are records the source reported as deleted. The citation
   * watch adds `relations`, one list per citation (same index): the included studies each record cites or is
   * cited by.
   */
  | {
      type: 'batch';
      window: SearchWindow;
      citations: Citation[];
      deletedIds: string[];
      relations?: StudyRelation[][];
    }
  /** A trial registry's new or updated registrations (kept as ongoing studies, not screened). */
  | { type: 'registrations'; window: SearchWindow; registrations: TrialRegistration[] }
  /**
   * The citation watch has delivered everything of these newly included studies' one-off seed (their
   * references and every work citing them): once the batches before it are stored they are marked seeded.
   */
  | { type: 'seeded'; studyIds: string[] }
  /** Something the run log should say that belongs to no window (a budget left, studies not watched). */
  | { type: 'warning'; message: string };

export interface LiteratureSource {
  readonly name: string;
  /**
   * Streams every record of the window. Throws (EutilsError or similar) rather than yield an incomplete
   * result: a fetched count that differs from the searched count is a failure, not a smaller answer.
   */
  search(query: string, window: SearchWindow, options?: { signal?: AbortSignal }): AsyncIterable<SearchEvent>;
  /**
   * The requests the source has sent so far, by endpoint (retries included). A run reports the difference
   * before and after it; a process runs one search of a source at a time (runMonitor and the search function
   * go one after another), so the difference is the run's own.
   */
  requestCounts?(): Record<string, number>;
}
