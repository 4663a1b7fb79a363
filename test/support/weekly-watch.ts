// What one weekly run of a review with 50 included studies costs each source: the scenario the weekly-cost test
// checks (request counts, OpenAlex's spend) and bench/weekly-watch.bench.ts measures at the real polite rates.
//
// The review watches PubMed, the citation watch (Europe PMC and OpenAlex) and Crossref's retraction notices. Week
// 0 is its first run (48 studies of the published review included by hand, two studies included through
// screening seeded); week 1, a week later, two more studies have come through screening and are seeded, and
// PubMed has ten new records. The measured run is week 1's search of every source and its retraction watch.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CrossrefCorpusWork, startCrossrefStandIn } from '../../cli/demo/crossref-stand-in.ts';
import { startEuropePmcStandIn } from '../../cli/demo/europepmc-stand-in.ts';
import { startEutilsStandIn } from '../../cli/demo/eutils-stand-in.ts';
import { startOpenAlexStandIn } from '../../cli/demo/openalex-stand-in.ts';
import { syntheticCorpus } from '../../cli/demo/stand-in-corpus.ts';
import { CrossrefClient, crossrefConfigFromEnv } from '../../shared/adapters/crossref/crossref-client.ts';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { openEmbeddedStore } from '../../shared/adapters/embedded/embedded-store.ts';
import { efetchPubmedByIds } from '../../shared/adapters/pubmed/efetch-by-ids.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../shared/adapters/pubmed/eutils-client.ts';
import { reviewSourcesFromEnv } from '../../shared/adapters/review-sources.ts';
import { type SourceRunResult, searchReview } from '../../shared/app/search-review.ts';
import { watchRetractions } from '../../shared/app/watch-retractions.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import {
  citationWatchWorld,
  inclusionOf,
  studyCitation,
  type WorldStudy,
} from '../integration/watch/world.ts';

export interface WeeklyCost {
  /** Requests of the measured week's run, by run source and endpoint. */
  requests: Record<string, Record<string, number>>;
  /** Crossref requests of the measured week's retraction watch. */
  crossref: Record<string, number>;
  /** What OpenAlex charged the key in the measured week (USD), as its stand-in metered it. */
  openAlexSpentUsd: number;
  results: SourceRunResult[];
  /** Each service's largest number of requests starting in any one second. */
  maxPerSecond: Record<string, number>;
  durationMs: number;
}

/** Requests per second, the largest count over any one-second window (arrival times in ms). */
export function maxPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export async function weeklyWatchCost(options: { politeRates: boolean }): Promise<WeeklyCost> {
  const world = citationWatchWorld({
    manual: 48,
    screened: 4,
    citingPerStudy: 2,
    referencesPerStudy: 25,
    windowFrom: '2026-11-10',
    windowTo: '2026-11-23',
    seed: 50,
  });
  const published = world.studies.slice(0, 48);
  const firstScreened = world.studies.slice(48, 50);
  const newlyScreened = world.studies.slice(50);
  const crossrefCorpus: CrossrefCorpusWork[] = world.studies.map((s) => ({
    DOI: s.doi,
    type: 'journal-article',
    title: [s.title],
  }));
  // At the polite rates the stand-ins enforce the services' own limits; the test's fast run lifts them.
  const lifted = options.politeRates ? {} : { rateLimit: 1000 };
  const europePmc = await startEuropePmcStandIn({ corpus: world.europePmc, ...lifted });
  const openAlex = await startOpenAlexStandIn({ corpus: world.openAlex, ...lifted });
  const eutils = await startEutilsStandIn({
    corpus: syntheticCorpus(10, { from: '2026-11-25', to: '2026-11-30', seed: 9, compact: true }),
    ...(options.politeRates ? {} : { rateLimit: { withoutKey: 1000, withKey: 1000 } }),
  });
  const crossref = await startCrossrefStandIn({ corpus: crossrefCorpus });
  const embedded = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'weekly-watch-')) });
  const fast = options.politeRates ? {} : { requestsPerSecond: 100 };
  const env: Record<string, string> = {
    NCBI_EUTILS_BASE_URL: eutils.baseUrl,
    EUROPEPMC_BASE_URL: europePmc.baseUrl,
    OPENALEX_BASE_URL: openAlex.baseUrl,
    OPENALEX_API_KEY: 'weekly-key',
    OPENALEX_EMAIL: 'monitor@example.org',
    ...(options.politeRates
      ? {}
      : {
          NCBI_REQUESTS_PER_SECOND: '100',
          EUROPEPMC_REQUESTS_PER_SECOND: '100',
          OPENALEX_REQUESTS_PER_SECOND: '100',
        }),
  };
  const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
  const protocol: Protocol = { ...iesm, id: 'weekly', monitoringStart: '2026-11-10' };
  const built = reviewSourcesFromEnv({ env, protocols: [protocol] });
  const crossrefClient = new CrossrefClient(
    crossrefConfigFromEnv(
      { CROSSREF_BASE_URL: crossref.baseUrl, CROSSREF_EMAIL: 'monitor@example.org' },
      fast,
    ),
  );
  const ncbi = new EutilsClient(eutilsConfigFromEnv(env));
  const table = { client: embedded.client, tableName: embedded.tableName };
  const evidence = new DynamoEvidenceStore(table);
  const watch = new DynamoWatchStore(table);
  let runs = 0;
  // Exact-key dedup only: what the sources are asked does not depend on how the store compares records.
  const deps = (now: Date) => ({
    store: embedded.store,
    evidence,
    watch,
    ongoing: watch,
    sources: built.sources,
    clock: () => now,
    newRunId: () => `run-${++runs}`,
  });
  const include = async (studies: readonly WorldStudy[], at: Date) => {
    for (const study of studies) {
      await embedded.store.recordCitation(protocol.id, studyCitation(study), at);
      await evidence.includeStudy(inclusionOf(protocol.id, study, at.toISOString()));
    }
  };
  try {
    // Week 0: the published review's studies and two screened ones; the first run.
    const week0 = new Date('2026-11-23T06:00:00Z');
    await include([...published, ...firstScreened], week0);
    await searchReview({ protocol }, deps(week0));

    // Week 1: two more studies screened in; the scheduled run and the retraction watch, measured.
    const week1 = new Date('2026-11-30T06:00:00Z');
    await include(newlyScreened, week1);
    const marks = {
      europePmc: europePmc.requests.length,
      openAlex: openAlex.requests.length,
      eutils: eutils.requests.length,
      crossref: crossref.requests.length,
      spent: openAlex.spent.get('weekly-key') ?? 0,
    };
    const started = performance.now();
    const results = await searchReview({ protocol }, deps(week1));
    await watchRetractions(
      { protocol },
      {
        evidence,
        digests: new DynamoDigestStore(table),
        clock: () => week1,
        fetchRecords: (pmids) => efetchPubmedByIds(ncbi, pmids),
        doiUpdates: (dois) => crossrefClient.updatesOf(dois),
      },
    );
    const durationMs = performance.now() - started;
    const requests = Object.fromEntries(
      results.flatMap((r) =>
        r.status === 'succeeded' && r.run.requests ? [[r.source, r.run.requests]] : [],
      ),
    );
    return {
      requests,
      crossref: crossrefClient.requestCounts(),
      openAlexSpentUsd: (openAlex.spent.get('weekly-key') ?? 0) - marks.spent,
      results,
      maxPerSecond: {
        'E-utilities': maxPerSecond(eutils.requests.slice(marks.eutils).map((r) => r.time)),
        'Europe PMC': maxPerSecond(europePmc.requests.slice(marks.europePmc).map((r) => r.time)),
        OpenAlex: maxPerSecond(openAlex.requests.slice(marks.openAlex).map((r) => r.time)),
        Crossref: maxPerSecond(crossref.requests.slice(marks.crossref).map((r) => r.time)),
      },
      durationMs,
    };
  } finally {
    await built.close();
    await crossrefClient.close();
    await ncbi.close();
    await embedded.close();
    for (const standIn of [europePmc, openAlex, eutils, crossref]) await standIn.close();
  }
}
