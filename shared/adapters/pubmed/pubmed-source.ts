// PubMed as a LiteratureSource: every record created (crdt) in a window, fetched from the history server.
//
// 1. esearch the window (usehistory=y, retmax=0). One search can only be paged through its first 9,999
//    records (esearch refuses retstart > 9998, and the history server serves only the first 9,999 ids), so a
//    window counting 9,999 or more is split in two halves by days, recursively, until every part counts fewer; a single day at 9,999 or more cannot be split and fails.
// 2. For each part: one 'searched' event (its Count, QueryTranslation, warnings), then efetch in batches
//    (POST, retstart/retmax against WebEnv + query_key), each parsed and yielded as a 'batch' event in order.
//    Up to `fetchConcurrency` batches are in flight (or fetched and not yet taken by the caller) at once; the
//    client's rate limiter spaces their starts, so with a slow server the requests still go out at the allowed
//    rate instead of one round trip at a time. Parts are pipelined too: once a part's last batch is launched,
//    the next part is searched and its batches launched as the caller takes the previous ones.
// 3. Reconcile: every batch must hold min(batchSize, Count - retstart) records (PubmedArticle and
//    PubmedBookArticle), no PMID twice; a short batch is asked for once more, then the search fails with
//    "fetched N of M records for window ...". A smaller answer is never returned as if it were complete.
// 4. If the history server forgets the search mid-part (ExpiredHistoryError), the part is searched once more:
//    with the same Count, fetching continues from the same retstart under the new WebEnv; with a different
//    Count the search fails, because the window changed under us.
//
// Only the parts actually fetched yield 'searched', so summing their counts gives the window's total.
import { setMaxListeners } from 'node:events';
import { addDays } from '../../domain/monitor/search-window.ts';
import { EutilsError, errorMessage, LivingReviewError } from '../../errors.ts';
import type { LiteratureSource, SearchEvent, SearchWindow } from '../../ports/literature-source.ts';
import type { EsearchResult } from './esearch-response.ts';
import { type EfetchRequest, type EsearchRequest, ExpiredHistoryError } from './eutils-client.ts';
import { type ParsedPubmedXml, parsePubmedXml } from './parse-pubmed-xml.ts';

/** One esearch can page through this many records at most; a window must count fewer. */
export const PUBMED_SEARCH_CAP = 9_999;

/** What PubmedSource needs from the E-utilities client (EutilsClient has it). */
export interface EutilsApi {
  esearch(search: EsearchRequest, options?: { signal?: AbortSignal }): Promise<EsearchResult>;
  efetch(page: EfetchRequest, options?: { signal?: AbortSignal }): Promise<string>;
  /** Used to size the default fetch concurrency. */
  readonly requestsPerSecond?: number;
  /** Requests sent so far, by endpoint (EutilsClient counts them; a test's client may not). */
  requestCounts?(): Record<string, number>;
}

export interface PubmedSourceOptions {
  /** Records per efetch POST. Default 500 (NCBI: POST above ~200 ids; "several hundred" per request). */
  batchSize?: number;
  /**
   * Batches launched and not yet taken by the caller (in flight, or fetched and waiting): bounds both the
   * requests outstanding and the memory held. Default: the client's requests per second + 1 (4 without a
   * key, 11 with one), at most 12.
   */
  fetchConcurrency?: number;
  /** Defaults to parsePubmedXml; may return a promise (a parser on worker threads, say). */
  parse?: (xml: string, origin: string) => ParsedPubmedXml | Promise<ParsedPubmedXml>;
}

interface Part {
  window: SearchWindow;
  search: EsearchResult;
}

interface History {
  webEnv: string;
  queryKey: string;
  renewed: boolean;
  renewing: Promise<void> | null;
  /** A renewal that failed: every batch that finds the history gone again gets the same error. */
  failure: unknown;
}

type BatchOutcome =
  | { ok: true; retstart: number; parsed: ParsedPubmedXml }
  | { ok: false; retstart: number; expected: number; got: number };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function label(window: SearchWindow): string {
  return `${window.from}..${window.to}`;
}

function daysIn(window: SearchWindow): number {
  return (
    Math.round((Date.parse(`${window.to}T00:00:00Z`) - Date.parse(`${window.from}T00:00:00Z`)) / 86_400_000) +
    1
  );
}

/** The same kind of error, with the window in front of its message. */
function inWindow(window: SearchWindow, error: unknown): unknown {
  if (!(error instanceof LivingReviewError)) return error;
  const Kind = error.constructor as new (
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) => LivingReviewError;
  return new Kind(`pubmed window ${label(window)}: ${error.message}`, {
    cause: error,
    retryable: error.retryable,
  });
}

/** One part of the window being fetched: its search, its history handle and what has arrived so far. */
interface PartState extends Part {
  history: History;
  fetched: number;
  seen: Set<string>;
}

type Planned =
  | { kind: 'searched'; part: PartState }
  | { kind: 'batch'; part: PartState; outcome: Promise<BatchOutcome> }
  | { kind: 'end' }
  | { kind: 'failed'; error: unknown };

/** An unbounded first-in first-out queue whose reader waits for the next item. */
class Channel<T> {
  private readonly items: T[] = [];
  private waiting: ((item: T) => void) | null = null;

  push(item: T): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(item);
    } else {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

/** Counts batches launched but not yet handed to the caller. */
class Permits {
  private readonly waiters: (() => void)[] = [];
  constructor(private available: number) {}

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }
}

export class PubmedSource implements LiteratureSource {
  readonly name = 'pubmed';
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly parse: (xml: string, origin: string) => ParsedPubmedXml | Promise<ParsedPubmedXml>;

  constructor(
    private readonly client: EutilsApi,
    options: PubmedSourceOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10_000) {
      throw new RangeError(`batchSize must be a whole number from 1 to 10,000, not ${this.batchSize}`);
    }
    this.concurrency = options.fetchConcurrency ?? Math.min(12, Math.ceil(client.requestsPerSecond ?? 3) + 1);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`fetchConcurrency must be a whole number of at least 1, not ${this.concurrency}`);
    }
    this.parse = options.parse ?? parsePubmedXml;
  }

  requestCounts(): Record<string, number> {
    return this.client.requestCounts?.() ?? {};
  }

  async *search(
    query: string,
    window: SearchWindow,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    if (!DAY.test(window.from) || !DAY.test(window.to) || window.from > window.to) {
      throw new EutilsError(
        `not a search window: ${label(window)} (expected YYYY-MM-DD..YYYY-MM-DD, from <= to)`,
      );
    }
    const outer = options.signal;
    if (outer?.aborted) throw outer.reason;
    // Our own controller: stopping early (an error, the caller breaking off) cancels what is in flight.
    const controller = new AbortController();
    const forward = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', forward, { once: true });
    const signal = controller.signal;
    // Every request in flight (and every one waiting for the rate limiter) listens to it.
    setMaxListeners(0, signal);

    const planned = new Channel<Planned>();
    const permits = new Permits(this.concurrency);
    void this.plan(query, window, signal, planned, permits);

    let current: PartState | null = null;
    try {
      for (;;) {
        const item = await planned.next();
        if (item.kind === 'failed') throw item.error;
        if (item.kind === 'end' || item.kind === 'searched') {
          if (current) this.checkComplete(current);
          if (item.kind === 'end') return;
          current = item.part;
          yield {
            type: 'searched',
            window: current.window,
            count: current.search.count,
            queryTranslation: current.search.queryTranslation,
            warnings: current.search.warnings,
          };
          continue;
        }
        const outcome = await item.outcome;
        permits.release();
        yield this.accept(item.part, outcome);
      }
    } finally {
      outer?.removeEventListener('abort', forward);
      controller.abort(new EutilsError('search stopped'));
    }
  }

  /**
   * Searches the parts one after another and launches their batches as permits allow, so the next part's
   * search and first batches go out while the caller is still taking the previous part's last batches.
   */
  private async plan(
    query: string,
    window: SearchWindow,
    signal: AbortSignal,
    planned: Channel<Planned>,
    permits: Permits,
  ): Promise<void> {
    try {
      for await (const part of this.parts(query, window, signal)) {
        const { search } = part;
        if (search.count > 0 && (search.webEnv === null || search.queryKey === null)) {
          throw new EutilsError(
            `pubmed window ${label(part.window)}: esearch gave no WebEnv/QueryKey to fetch from`,
          );
        }
        const state: PartState = {
          ...part,
          history: {
            webEnv: search.webEnv ?? '',
            queryKey: search.queryKey ?? '',
            renewed: false,
            renewing: null,
            failure: null,
          },
          fetched: 0,
          seen: new Set(),
        };
        planned.push({ kind: 'searched', part: state });
        for (let retstart = 0; retstart < search.count; retstart += this.batchSize) {
          await permits.acquire(signal);
          const expected = Math.min(this.batchSize, search.count - retstart);
          const outcome = this.fetchBatch(query, state, retstart, expected, signal);
          outcome.catch(() => {});
          planned.push({ kind: 'batch', part: state, outcome });
        }
      }
      planned.push({ kind: 'end' });
    } catch (error) {
      planned.push({ kind: 'failed', error });
    }
  }

  /** A fetched batch, checked: exactly the records expected, none seen before in its part. */
  private accept(part: PartState, outcome: BatchOutcome): SearchEvent {
    const { window, search } = part;
    if (!outcome.ok) {
      throw new EutilsError(
        `fetched ${part.fetched + outcome.got} of ${search.count} records for window ${label(window)}: the batch at retstart=${outcome.retstart} held ${outcome.got} of ${outcome.expected} records, twice; PubMed's search counted records it did not return (records withdrawn since the search, or a backend fault). The run stops here rather than report a smaller window as complete.`,
        { retryable: true },
      );
    }
    const { citations, deletedPmids } = outcome.parsed;
    for (const citation of citations) {
      const id = citation.pmid ?? citation.sourceRecordId;
      if (part.seen.has(id)) {
        throw new EutilsError(
          `pubmed window ${label(window)}: PMID ${id} came back twice (again at retstart=${outcome.retstart}); the history set is not a stable list`,
          { retryable: true },
        );
      }
      part.seen.add(id);
    }
    part.fetched += citations.length;
    return { type: 'batch', window, citations, deletedIds: deletedPmids };
  }

  private checkComplete(part: PartState): void {
    if (part.fetched !== part.search.count) {
      throw new EutilsError(
        `fetched ${part.fetched} of ${part.search.count} records for window ${label(part.window)}`,
        {
          retryable: true,
        },
      );
    }
  }

  /** The parts of `window` that each count fewer than 9,999 records, in date order, each searched. */
  private async *parts(query: string, window: SearchWindow, signal: AbortSignal): AsyncGenerator<Part> {
    const search = await this.esearch(query, window, signal);
    if (search.count < PUBMED_SEARCH_CAP) {
      yield { window, search };
      return;
    }
    const days = daysIn(window);
    if (days === 1) {
      throw new EutilsError(
        `pubmed window ${label(window)}: PubMed counts ${search.count} records created on ${window.from}, but one search can only be paged through its first ${PUBMED_SEARCH_CAP} and a window cannot be split below a day; narrow the query for that day`,
      );
    }
    const endOfFirstHalf = addDays(window.from, Math.floor(days / 2) - 1);
    yield* this.parts(query, { from: window.from, to: endOfFirstHalf }, signal);
    yield* this.parts(query, { from: addDays(endOfFirstHalf, 1), to: window.to }, signal);
  }

  private async esearch(query: string, window: SearchWindow, signal: AbortSignal): Promise<EsearchResult> {
    try {
      return await this.client.esearch({ term: query, mindate: window.from, maxdate: window.to }, { signal });
    } catch (error) {
      throw inWindow(window, error);
    }
  }

  private async fetchBatch(
    query: string,
    part: PartState,
    retstart: number,
    expected: number,
    signal: AbortSignal,
  ): Promise<BatchOutcome> {
    const { history } = part;
    let askedAgain = false;
    for (;;) {
      const webEnv = history.webEnv;
      let xml: string;
      try {
        xml = await this.client.efetch(
          { webEnv, queryKey: history.queryKey, retstart, retmax: expected },
          { signal },
        );
      } catch (error) {
        if (error instanceof ExpiredHistoryError) {
          await this.renewHistory(query, part, history, webEnv, signal);
          continue;
        }
        throw inWindow(part.window, error);
      }
      // Parsing a batch holds the thread for tens of milliseconds. undici writes a request on a reused
      // keep-alive socket only in the check phase (after it has validated the idle socket), so parsing here,
      // in the poll phase, could sit between the rate limiter's grant and the request actually leaving, and
      // bunch requests up. Yielding to the check phase first lets requests already granted go out.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const parsed = await this.parse(xml, `efetch ${label(part.window)} retstart=${retstart}`);
      const got = parsed.citations.length;
      if (got === expected) return { ok: true, retstart, parsed };
      if (got > expected || askedAgain) return { ok: false, retstart, expected, got };
      askedAgain = true;
    }
  }

  /** Searches the part again after the history server forgot it, once; every batch waits for the same renewal. */
  private async renewHistory(
    query: string,
    part: Part,
    history: History,
    expiredWebEnv: string,
    signal: AbortSignal,
  ): Promise<void> {
    if (history.failure !== null) throw history.failure;
    if (history.webEnv !== expiredWebEnv) return; // another batch has renewed it already
    if (!history.renewing) {
      if (history.renewed) {
        throw new EutilsError(
          `pubmed window ${label(part.window)}: the history server lost the search a second time (WebEnv ${expiredWebEnv}); stopping rather than searching again and again`,
          { retryable: true },
        );
      }
      history.renewing = (async () => {
        try {
          const again = await this.esearch(query, part.window, signal);
          if (again.count !== part.search.count) {
            throw new EutilsError(
              `pubmed window ${label(part.window)}: the history server lost the search, and searching again counts ${again.count} records instead of ${part.search.count}; the window changed while it was being fetched, so it cannot be resumed. Run it again.`,
              { retryable: true },
            );
          }
          if (again.webEnv === null || again.queryKey === null) {
            throw new EutilsError(`pubmed window ${label(part.window)}: esearch gave no WebEnv/QueryKey`);
          }
          history.webEnv = again.webEnv;
          history.queryKey = again.queryKey;
          history.renewed = true;
        } catch (error) {
          history.failure =
            error instanceof LivingReviewError
              ? error
              : new EutilsError(`pubmed window ${label(part.window)}: ${errorMessage(error)}`, {
                  cause: error,
                });
          throw history.failure;
        } finally {
          history.renewing = null;
        }
      })();
    }
    await history.renewing;
  }
}
