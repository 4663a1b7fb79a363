// The literature sources the protocols ask for, built from the environment, each checked for reachability
// first so that an offline machine fails in a second with one clear line. Only the commands that search import
// this module (and with it the HTTP clients): the others start without them.
import {
  EuropePmcClient,
  type EuropePmcConfig,
  europePmcConfigFromEnv,
} from '../shared/adapters/europepmc/europepmc-client.ts';
import { EuropePmcSource } from '../shared/adapters/europepmc/europepmc-source.ts';
import {
  EutilsClient,
  type EutilsConfig,
  eutilsConfigFromEnv,
} from '../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../shared/adapters/pubmed/pubmed-source.ts';
import type { Protocol } from '../shared/domain/protocol/protocol.ts';
import type { LiteratureSource } from '../shared/ports/literature-source.ts';
import { assertReachable } from './preflight.ts';

/** PubMed through E-utilities, configured from the environment (NCBI_EUTILS_BASE_URL, NCBI_API_KEY, ...). */
export function pubmedFromEnv(overrides: Partial<EutilsConfig> = {}): {
  source: PubmedSource;
  config: EutilsConfig;
} {
  const config = eutilsConfigFromEnv(process.env, overrides);
  return { source: new PubmedSource(new EutilsClient(config)), config };
}

/**
 * Europe PMC's REST search, configured from the environment (EUROPEPMC_BASE_URL, EUROPEPMC_EMAIL,
 * EUROPEPMC_REQUESTS_PER_SECOND, EUROPEPMC_PAGE_SIZE, ...). `close()` releases the client's connections.
 */
export function europePmcFromEnv(overrides: Partial<EuropePmcConfig> = {}): {
  source: EuropePmcSource;
  config: EuropePmcConfig;
  close(): Promise<void>;
} {
  const config = europePmcConfigFromEnv(process.env, overrides);
  const client = new EuropePmcClient(config);
  return {
    source: new EuropePmcSource(client, { pageSize: config.pageSize }),
    config,
    close: () => client.close(),
  };
}

export interface OpenSources {
  sources: Record<string, LiteratureSource>;
  close(): Promise<void>;
}

export async function openSources(protocols: readonly Protocol[]): Promise<OpenSources> {
  const wanted = new Set(protocols.flatMap((p) => p.sources.map((s) => s.name)));
  const sources: Record<string, LiteratureSource> = {};
  const closers: (() => Promise<void>)[] = [];
  if (wanted.has('pubmed')) {
    const pubmed = pubmedFromEnv();
    await assertReachable(pubmed.config.baseUrl);
    sources.pubmed = pubmed.source;
  }
  if (wanted.has('europepmc')) {
    const europePmc = europePmcFromEnv();
    closers.push(europePmc.close);
    await assertReachable(europePmc.config.baseUrl, 5000, 'Europe PMC');
    sources.europepmc = europePmc.source;
  }
  return { sources, close: async () => void (await Promise.all(closers.map((close) => close()))) };
}
