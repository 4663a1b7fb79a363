// Ports: the sources of a review that are not keyword searches. A citation watch finds the works around the
// included studies (Europe PMC's citation network, OpenAlex's); a trial registry finds ongoing studies. Both
// stream the same events as a LiteratureSource (literature-source.ts), so one run loop stores them all.
import type { RequestCounts } from '../domain/monitor/request-counts.ts';
import type { WatchedStudy } from '../domain/watch/study-relation.ts';
import type { SearchEvent, SearchWindow } from './literature-source.ts';

export interface CitationWatchRequest {
  /** Every included study (withdrawn ones left out): the works citing any of them, first indexed in the window. */
  studies: readonly WatchedStudy[];
  window: SearchWindow;
  /** Newly included studies not yet seeded: their reference list and every work citing them, once. */
  seeds: readonly WatchedStudy[];
}

export interface CitationWatchSource {
  /** The run source, e.g. "citations-europepmc". */
  readonly name: string;
  /**
   * 'searched' and 'batch' events (each record with the studies it relates to), a 'seeded' event once a seed
   * study's records have all been sent, and 'warning's. Throws rather than yield an incomplete window.
   */
  watch(request: CitationWatchRequest, options?: { signal?: AbortSignal }): AsyncIterable<SearchEvent>;
  requestCounts?(): RequestCounts;
}

export interface RegistryQuery {
  /** Conditions searched (joined with OR). */
  conditions: readonly string[];
  /** A further term, or null. */
  term: string | null;
}

export interface TrialRegistry {
  /** The run source, e.g. "clinicaltrials". */
  readonly name: string;
  /** 'searched' and 'registrations' events: every registration first posted or updated in the window. */
  registrations(
    query: RegistryQuery,
    window: SearchWindow,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<SearchEvent>;
  requestCounts?(): RequestCounts;
}

/** A source the composition root could not build (e.g. OpenAlex without an api key): its runs are skipped. */
export interface UnavailableSource {
  readonly name: string;
  readonly unavailable: string;
}
