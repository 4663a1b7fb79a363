// Shared set-up for the PubMed integration tests: a loopback E-utilities stand-in, a real EutilsClient
// talking to it over HTTP, and a PubmedSource on top.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type EutilsStandIn,
  type StandInOptions,
  startEutilsStandIn,
} from '../../../cli/demo/eutils-stand-in.ts';
import type { CorpusRecord } from '../../../cli/demo/stand-in-corpus.ts';
import {
  EutilsClient,
  type EutilsClientOptions,
  type EutilsConfig,
  eutilsConfigFromEnv,
} from '../../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource, type PubmedSourceOptions } from '../../../shared/adapters/pubmed/pubmed-source.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import type { SearchEvent, SearchWindow } from '../../../shared/ports/literature-source.ts';
import {
  failureOf,
  type SourceHarness,
  searchEvents,
  startSourceHarness,
} from '../../support/source-harness.ts';

export const fixtureDir = join(import.meta.dirname, '../../fixtures/pubmed');

export function fixture(name: string): string {
  return readFileSync(join(fixtureDir, name), 'utf8');
}

export type Harness = SourceHarness<EutilsStandIn, EutilsClient, PubmedSource>;

export interface HarnessOptions {
  corpus: CorpusRecord[];
  standIn?: Omit<StandInOptions, 'corpus'>;
  config?: Partial<EutilsConfig>;
  client?: EutilsClientOptions;
  source?: PubmedSourceOptions;
}

/**
 * Fast by default: the stand-in allows 100 requests/s without a key and the client spaces at 50/s, retries
 * back off from 5 ms. Tests about NCBI's real limits pass their own rates.
 */
export function startHarness(options: HarnessOptions): Promise<Harness> {
  return startSourceHarness(
    startEutilsStandIn({
      corpus: options.corpus,
      rateLimit: { withoutKey: 100, withKey: 100 },
      ...options.standIn,
    }),
    (standIn) =>
      new EutilsClient(
        eutilsConfigFromEnv(
          { NCBI_EUTILS_BASE_URL: standIn.baseUrl, NCBI_EMAIL: 'monitor-tests@example.org' },
          {
            timeoutMs: 5_000,
            maxAttempts: 4,
            maxRetryTimeMs: 10_000,
            requestsPerSecond: 50,
            ...options.config,
          },
        ),
        { backoff: { baseDelayMs: 5, maxDelayMs: 50 }, ...options.client },
      ),
    (client) => new PubmedSource(client, options.source),
  );
}

export interface Collected {
  events: SearchEvent[];
  citations: Citation[];
  searched: Extract<SearchEvent, { type: 'searched' }>[];
  deletedIds: string[];
}

export async function collect(
  source: PubmedSource,
  window: SearchWindow,
  query = 'iatrogenic oesophageal perforation',
  signal?: AbortSignal,
): Promise<Collected> {
  const events = await searchEvents(source, query, window, signal);
  const batches = events.filter((e): e is Extract<SearchEvent, { type: 'batch' }> => e.type === 'batch');
  return {
    events,
    citations: batches.flatMap((b) => b.citations),
    searched: events.filter((e): e is Extract<SearchEvent, { type: 'searched' }> => e.type === 'searched'),
    deletedIds: batches.flatMap((b) => b.deletedIds),
  };
}

/** The collected search's error (it must fail). */
export function failure(source: PubmedSource, window: SearchWindow): Promise<Error> {
  return failureOf(() => collect(source, window));
}

/** PMIDs of the corpus created inside the window, sorted. */
export function expectedPmids(corpus: CorpusRecord[], window: SearchWindow): string[] {
  return corpus
    .filter((r) => r.createdDate >= window.from && r.createdDate <= window.to)
    .map((r) => r.pmid)
    .sort();
}

export function pmidsOf(citations: Citation[]): string[] {
  return citations.map((c) => c.pmid ?? c.sourceRecordId).sort();
}

/** The most requests that arrived within any one-second window (t, t + 1000 ms). */
export function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
