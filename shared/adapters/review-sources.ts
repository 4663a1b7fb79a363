// The run sources a set of protocols needs, built from the environment: what the CLI (cli/sources.ts) and the
// search function (functions/search-review) both search with. Only what some protocol lists is built; one client
// per API serves every source of that API (Europe PMC's search, preprints and citation watch share one), and
// every client keeps to its share of its API's rate (the search function runs SEARCH_CONCURRENCY searches at
// once, each at 1/share). OpenAlex needs an api key: without one its citation watch is "unavailable" (skipped,
// saying why) and Europe PMC's runs alone. bioRxiv/medRxiv's client is built when a protocol's preprints
// source asks for their published-article data (the preprints source carries it).
import type { ReviewSource } from '../app/search-review.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { plannedRuns, wantsBiorxiv } from '../domain/protocol/sources.ts';
import { BiorxivClient, biorxivConfigFromEnv } from './biorxiv/biorxiv-client.ts';
import {
  ClinicalTrialsClient,
  ClinicalTrialsRegistry,
  clinicalTrialsConfigFromEnv,
} from './clinicaltrials/clinicaltrials-client.ts';
import { EuropePmcCitationWatch } from './europepmc/europepmc-citation-watch.ts';
import { EuropePmcClient, europePmcConfigFromEnv } from './europepmc/europepmc-client.ts';
import { EuropePmcSource } from './europepmc/europepmc-source.ts';
import { defaultRequestsPerSecond } from './http/rate-limiter.ts';
import { OpenAlexCitationWatch } from './openalex/openalex-citation-watch.ts';
import { OpenAlexClient, openAlexConfigFromEnv } from './openalex/openalex-client.ts';
import { EutilsClient, eutilsConfigFromEnv } from './pubmed/eutils-client.ts';
import { PubmedSource } from './pubmed/pubmed-source.ts';

export interface ReviewSourcesOptions {
  env: Record<string, string | undefined>;
  protocols: readonly Protocol[];
  /** Keys read elsewhere (the Lambda's Secrets Manager); the env's NCBI_API_KEY / OPENALEX_API_KEY otherwise. */
  keys?: { ncbi?: string | undefined; openAlex?: string | undefined };
  /** Searches running at once, each at this share of every rate (default 1). */
  share?: number;
}

export interface BuiltReviewSources {
  sources: Record<string, ReviewSource>;
  /** The services the sources talk to, to check they can be reached at all. */
  services: { name: string; baseUrl: string }[];
  close(): Promise<void>;
}

export function reviewSourcesFromEnv(options: ReviewSourcesOptions): BuiltReviewSources {
  const { env } = options;
  const share = options.share ?? 1;
  const wanted = new Set(options.protocols.flatMap((p) => plannedRuns(p).map((run) => run.source)));
  const sources: Record<string, ReviewSource> = {};
  const services: BuiltReviewSources['services'] = [];
  const closers: (() => Promise<void>)[] = [];

  const biorxiv = () => {
    const config = biorxivConfigFromEnv(env);
    const client = new BiorxivClient({ ...config, requestsPerSecond: config.requestsPerSecond / share });
    closers.push(() => client.close());
    services.push({ name: 'bioRxiv/medRxiv', baseUrl: config.baseUrl });
    return client;
  };

  if (wanted.has('pubmed')) {
    const config = eutilsConfigFromEnv(env, options.keys?.ncbi ? { apiKey: options.keys.ncbi } : {});
    const client = new EutilsClient({
      ...config,
      requestsPerSecond: (config.requestsPerSecond ?? defaultRequestsPerSecond(config.apiKey)) / share,
    });
    closers.push(() => client.close());
    sources.pubmed = new PubmedSource(client);
    services.push({ name: 'E-utilities', baseUrl: config.baseUrl });
  }

  if (wanted.has('europepmc') || wanted.has('preprints') || wanted.has('citations-europepmc')) {
    const config = europePmcConfigFromEnv(env);
    const client = new EuropePmcClient({ ...config, requestsPerSecond: config.requestsPerSecond / share });
    closers.push(() => client.close());
    services.push({ name: 'Europe PMC', baseUrl: config.baseUrl });
    if (wanted.has('europepmc'))
      sources.europepmc = new EuropePmcSource(client, { pageSize: config.pageSize });
    if (wanted.has('preprints')) {
      const publishedVersions = wantsBiorxiv(options.protocols) ? biorxiv() : undefined;
      sources.preprints = new EuropePmcSource(client, {
        pageSize: config.pageSize,
        name: 'preprints',
        publishedVersions,
      });
    }
    if (wanted.has('citations-europepmc')) {
      sources['citations-europepmc'] = new EuropePmcCitationWatch(client, { pageSize: config.pageSize });
    }
  }

  if (wanted.has('citations-openalex')) {
    const config = openAlexConfigFromEnv(
      env,
      options.keys?.openAlex ? { apiKey: options.keys.openAlex } : {},
    );
    if (config.apiKey) {
      const client = new OpenAlexClient({ ...config, requestsPerSecond: config.requestsPerSecond / share });
      closers.push(() => client.close());
      sources['citations-openalex'] = new OpenAlexCitationWatch(client, { perPage: config.perPage });
      services.push({ name: 'OpenAlex', baseUrl: config.baseUrl });
    } else {
      sources['citations-openalex'] = {
        name: 'citations-openalex',
        unavailable:
          'no OpenAlex api key (OPENALEX_API_KEY, or its secret in AWS): the citation watch runs on Europe PMC alone',
      };
    }
  }

  if (wanted.has('clinicaltrials')) {
    const config = clinicalTrialsConfigFromEnv(env);
    const client = new ClinicalTrialsClient({
      ...config,
      requestsPerSecond: config.requestsPerSecond / share,
    });
    closers.push(() => client.close());
    sources.clinicaltrials = new ClinicalTrialsRegistry(client);
    services.push({ name: 'ClinicalTrials.gov', baseUrl: config.baseUrl });
  }

  return {
    sources,
    services,
    close: async () => void (await Promise.all(closers.map((close) => close()))),
  };
}
