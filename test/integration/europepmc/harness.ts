// Shared set-up for the Europe PMC integration tests: a loopback Europe PMC stand-in, a real EuropePmcClient
// talking to it over HTTP, and a EuropePmcSource on top.
import {
  type EuropePmcCorpusRecord,
  type EuropePmcStandIn,
  type EuropePmcStandInOptions,
  startEuropePmcStandIn,
} from '../../../cli/demo/europepmc-stand-in.ts';
import {
  EuropePmcClient,
  type EuropePmcClientOptions,
  type EuropePmcConfig,
  europePmcConfigFromEnv,
} from '../../../shared/adapters/europepmc/europepmc-client.ts';
import {
  EuropePmcSource,
  type EuropePmcSourceOptions,
} from '../../../shared/adapters/europepmc/europepmc-source.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import type { SearchEvent, SearchWindow } from '../../../shared/ports/literature-source.ts';
import {
  failureOf,
  type SourceHarness,
  searchEvents,
  startSourceHarness,
} from '../../support/source-harness.ts';

export type EuropePmcHarness = SourceHarness<EuropePmcStandIn, EuropePmcClient, EuropePmcSource>;

export interface EuropePmcHarnessOptions {
  corpus: EuropePmcCorpusRecord[];
  standIn?: Omit<EuropePmcStandInOptions, 'corpus'>;
  config?: Partial<EuropePmcConfig>;
  client?: EuropePmcClientOptions;
  source?: EuropePmcSourceOptions;
}

/**
 * Fast by default: the stand-in allows 100 requests/s, the client spaces at 50/s (each harness has its own
 * limiter) and retries back off from 5 ms. Tests about the polite rate pass their own.
 */
export function startEuropePmcHarness(options: EuropePmcHarnessOptions): Promise<EuropePmcHarness> {
  return startSourceHarness(
    startEuropePmcStandIn({ corpus: options.corpus, rateLimit: 100, ...options.standIn }),
    (standIn) =>
      new EuropePmcClient(
        europePmcConfigFromEnv(
          { EUROPEPMC_BASE_URL: standIn.baseUrl, EUROPEPMC_EMAIL: 'monitor-tests@example.org' },
          {
            timeoutMs: 2_000,
            maxAttempts: 4,
            maxRetryTimeMs: 10_000,
            requestsPerSecond: 50,
            ...options.config,
          },
        ),
        { backoff: { baseDelayMs: 5, maxDelayMs: 50 }, ...options.client },
      ),
    (client) => new EuropePmcSource(client, options.source),
  );
}

export async function collect(
  source: EuropePmcSource,
  window: SearchWindow,
  query = 'intradural AND metastasis',
): Promise<{ events: SearchEvent[]; citations: Citation[]; counts: number[] }> {
  const events = await searchEvents(source, query, window);
  return {
    events,
    citations: events.flatMap((e) => (e.type === 'batch' ? e.citations : [])),
    counts: events.flatMap((e) => (e.type === 'searched' ? [e.count] : [])),
  };
}

export function failure(source: EuropePmcSource, window: SearchWindow): Promise<Error> {
  return failureOf(() => collect(source, window));
}

/** sourceRecordIds of the corpus first indexed inside the window, sorted. */
export function expectedIds(corpus: EuropePmcCorpusRecord[], window: SearchWindow): string[] {
  return corpus
    .filter((r) => r.firstIndexDate >= window.from && r.firstIndexDate <= window.to)
    .map((r) => `${r.source}/${r.id}`)
    .sort();
}
