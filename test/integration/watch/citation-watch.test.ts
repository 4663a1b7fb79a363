// The citation watch over real parts: searchReview -> the Europe PMC and OpenAlex watches -> HTTP -> their
// loopback stand-ins, on the embedded store with fuzzy dedup. A work both sources find is stored once with both
// provenances (and one relation listing both); a study included through screening is seeded once (its
// references and every work citing it), a manual inclusion only watched forward; each source has its own run
// log and watermark, so one failing (or out of budget) never blocks the other; every fault either completes the
// run or fails it with its watermark unmoved, and the next run converges without doubling anything.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type EuropePmcStandIn,
  type EuropePmcStandInFault,
  startEuropePmcStandIn,
} from '../../../cli/demo/europepmc-stand-in.ts';
import type { ApiFault } from '../../../cli/demo/json-api-stand-in.ts';
import { type OpenAlexStandIn, startOpenAlexStandIn } from '../../../cli/demo/openalex-stand-in.ts';
import { dynamoFuzzyDedupPorts } from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoDigestStore } from '../../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoWatchStore } from '../../../shared/adapters/dynamodb/watch-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { EuropePmcCitationWatch } from '../../../shared/adapters/europepmc/europepmc-citation-watch.ts';
import {
  EuropePmcClient,
  europePmcConfigFromEnv,
} from '../../../shared/adapters/europepmc/europepmc-client.ts';
import { OpenAlexCitationWatch } from '../../../shared/adapters/openalex/openalex-citation-watch.ts';
import { OpenAlexClient, openAlexConfigFromEnv } from '../../../shared/adapters/openalex/openalex-client.ts';
import { reviewSourcesFromEnv } from '../../../shared/adapters/review-sources.ts';
import { type ReviewSource, type SourceRunResult, searchReview } from '../../../shared/app/search-review.ts';
import { gatherDigest } from '../../../shared/app/send-digest.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import { TRANSIENT_API_FAULTS } from '../../support/api-faults.ts';
import { countCitations } from '../../support/store-fixtures.ts';
import { citationWatchWorld, inclusionOf, studyCitation, type WorldWork } from './world.ts';

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const now = new Date('2026-11-24T07:00:00Z');
const world = citationWatchWorld({
  manual: 2,
  screened: 1,
  citingPerStudy: 4,
  referencesPerStudy: 3,
  windowFrom: '2026-06-01',
  windowTo: '2026-11-20',
});
const [, , screened] = world.studies;
const inWindow = (w: WorldWork) => w.indexed >= '2026-06-01';
/** What a first run stores besides the studies: the citing works in the window, and the screened study's seed. */
const expectedFound = [
  ...world.studies.flatMap((s) => s.citing.filter(inWindow)),
  ...screened!.citing.filter((w) => !inWindow(w)),
  ...screened!.references,
];

let embedded: EmbeddedStore;
let reviews = 0;
let runIds = 0;
let europePmc: EuropePmcStandIn;
let openAlex: OpenAlexStandIn;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  embedded = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'citation-watch-')) });
});

afterAll(async () => {
  await embedded?.close();
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function startStandIns(options: { budgetUsd?: number } = {}) {
  europePmc = await startEuropePmcStandIn({ corpus: world.europePmc, rateLimit: 100 });
  openAlex = await startOpenAlexStandIn({
    corpus: world.openAlex,
    ...(options.budgetUsd === undefined ? {} : { budgetUsd: { withKey: options.budgetUsd } }),
  });
  open.push(europePmc, openAlex);
}

function clients() {
  const fast = { timeoutMs: 500, maxAttempts: 4, maxRetryTimeMs: 5_000 };
  const epmc = new EuropePmcClient(
    europePmcConfigFromEnv({ EUROPEPMC_BASE_URL: europePmc.baseUrl }, { ...fast, requestsPerSecond: 50 }),
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
  const oa = new OpenAlexClient(
    openAlexConfigFromEnv(
      {
        OPENALEX_BASE_URL: openAlex.baseUrl,
        OPENALEX_API_KEY: 'test-key',
        OPENALEX_EMAIL: 'monitor-tests@example.org',
      },
      { ...fast, requestsPerSecond: 50 },
    ),
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
  open.push(epmc, oa);
  return {
    openAlexClient: oa,
    sources: {
      'citations-europepmc': new EuropePmcCitationWatch(epmc, { pageSize: 4 }),
      'citations-openalex': new OpenAlexCitationWatch(oa, { perPage: 3 }),
    },
  };
}

function deps(sources: Record<string, ReviewSource>) {
  const table = { client: embedded.client, tableName: embedded.tableName };
  const watch = new DynamoWatchStore(table);
  return {
    store: embedded.store,
    dedup: dynamoFuzzyDedupPorts(embedded.client, embedded.tableName),
    evidence: new DynamoEvidenceStore(table),
    watch,
    ongoing: watch,
    sources,
    clock: () => now,
    newRunId: () => `run-${++runIds}`,
  };
}

/** A fresh review watching citations only, its three studies stored and included. */
async function freshReview(): Promise<Protocol> {
  const protocol: Protocol = {
    ...iesm,
    id: `cw-${++reviews}`,
    monitoringStart: '2026-06-01',
    sources: [{ name: 'citations', via: ['europepmc', 'openalex'], seed: 'screening' }],
  };
  const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  for (const study of world.studies) {
    await embedded.store.recordCitation(protocol.id, studyCitation(study), now);
    await evidence.includeStudy(inclusionOf(protocol.id, study, '2026-01-10T00:00:00Z'));
  }
  return protocol;
}

const byRun = (results: SourceRunResult[]) => Object.fromEntries(results.map((r) => [r.source, r]));
const idOf = (w: WorldWork) => citationId(`pmid:${w.pmid}`);

describe('the citation watch, Europe PMC and OpenAlex together', () => {
  it('stores each found work once with both provenances, relates it to the study, and seeds the screened study once', async () => {
    await startStandIns();
    const protocol = await freshReview();
    const run = await searchReview({ protocol }, deps(clients().sources));
    const results = byRun(run);
    expect(run.map((r) => [r.source, r.status])).toEqual([
      ['citations-europepmc', 'succeeded'],
      ['citations-openalex', 'succeeded'],
    ]);

    // Every found work once (plus the one reference only Europe PMC holds, kept as what it says).
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      world.studies.length + expectedFound.length + 1,
    );
    const europe = results['citations-europepmc'];
    const openalex = results['citations-openalex'];
    if (europe?.status !== 'succeeded' || openalex?.status !== 'succeeded') throw new Error('runs failed');
    expect(europe.run.counts).toMatchObject({ new: expectedFound.length + 1, duplicates: 0 });
    expect(openalex.run.counts).toMatchObject({ new: 0, duplicates: expectedFound.length });
    for (const found of expectedFound) {
      const stored = await embedded.store.getCitation(protocol.id, idOf(found));
      expect(stored?.sourceRecords).toEqual([
        `citations-europepmc:MED/${found.pmid}`,
        `citations-openalex:${found.openAlexId}`,
      ]);
    }

    // Which study each relates to, as both sources said.
    const relations = await new DynamoWatchStore({
      client: embedded.client,
      tableName: embedded.tableName,
    }).listRelations(protocol.id);
    const citingSeed = screened!.citing[1]!;
    expect(relations).toContainEqual(
      expect.objectContaining({
        citationId: idOf(citingSeed),
        studyId: idOf(screened!),
        direction: 'cites',
        sources: ['citations-europepmc', 'citations-openalex'],
      }),
    );
    expect(relations).toContainEqual(
      expect.objectContaining({
        citationId: idOf(screened!.references[0]!),
        studyId: idOf(screened!),
        direction: 'cited-by',
        sources: ['citations-europepmc', 'citations-openalex'],
      }),
    );
    // A manual inclusion is watched forward only: its older citing works and its references are not fetched.
    const manual = world.studies[0]!;
    expect(await embedded.store.getCitation(protocol.id, idOf(manual.references[0]!))).toBeNull();
    expect(await embedded.store.getCitation(protocol.id, idOf(manual.citing[1]!))).toBeNull();
    expect(europePmc.requests.filter((r) => r.path.endsWith('/references'))).toHaveLength(1);

    // Each run says what it sent; each source has its own watermark.
    expect(europe.run.requests).toEqual({ search: expect.any(Number), references: 1 });
    expect(openalex.run.requests).toEqual({ works: openAlex.requests.length });
    expect(openalex.run.warnings).toContainEqual(
      expect.stringMatching(/^OpenAlex budget: \$0\.99\d+ of \$1\.00 left today$/),
    );
    for (const source of ['citations-europepmc', 'citations-openalex']) {
      expect((await embedded.store.getWatermark(protocol.id, source))?.completedThrough).toBe('2026-11-23');
    }

    // The digest names, for a found work, the study it cites, as both sources reported it once.
    const { digest } = await gatherDigest(
      protocol,
      { from: null, through: now.toISOString() },
      {
        citations: embedded.store,
        digests: new DynamoDigestStore({ client: embedded.client, tableName: embedded.tableName }),
        watch: new DynamoWatchStore({ client: embedded.client, tableName: embedded.tableName }),
        clock: () => now,
      },
    );
    const seedCandidate = digest.candidates.find((c) => c.pmid === citingSeed.pmid);
    expect(seedCandidate?.foundBy).toEqual([`cites ${screened!.title}`]);

    // Again: nothing new, and no seed fetched twice.
    const referencesBefore = europePmc.requests.filter((r) => r.path.endsWith('/references')).length;
    const again = byRun(await searchReview({ protocol, force: true }, deps(clients().sources)));
    for (const source of ['citations-europepmc', 'citations-openalex']) {
      const result = again[source];
      if (result?.status !== 'succeeded') throw new Error(`${source} failed`);
      expect(result.run.counts.new).toBe(0);
      expect(result.run.counts.duplicates).toBe(0);
    }
    expect(europePmc.requests.filter((r) => r.path.endsWith('/references'))).toHaveLength(referencesBefore);
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      world.studies.length + expectedFound.length + 1,
    );
  });

  it('skips OpenAlex, saying why, when no api key is configured: Europe PMC runs alone', () => {
    const built = reviewSourcesFromEnv({
      env: { EUROPEPMC_BASE_URL: 'http://127.0.0.1:9/', OPENALEX_API_KEY: '' },
      protocols: [iesm],
    });
    open.push(built);
    expect(built.sources['citations-openalex']).toEqual({
      name: 'citations-openalex',
      unavailable: expect.stringMatching(/no OpenAlex api key.*Europe PMC alone/),
    });
    expect(built.sources['citations-europepmc']).toBeInstanceOf(EuropePmcCitationWatch);
  });
});

describe('one source failing never blocks the other', () => {
  it('OpenAlex answering 500 every time: its run fails with its watermark unmoved, Europe PMC completes; the next run converges', async () => {
    await startStandIns();
    const protocol = await freshReview();
    // Every attempt of the first request (the client makes 4).
    for (let i = 0; i < 4; i++) openAlex.faults.enqueue({ kind: 'status', status: 500 });
    const first = byRun(await searchReview({ protocol }, deps(clients().sources)));
    expect(first['citations-europepmc']?.status).toBe('succeeded');
    expect(first['citations-openalex']).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/HTTP 500/),
    });
    expect(await embedded.store.getWatermark(protocol.id, 'citations-openalex')).toBeNull();
    const failedLog = (await embedded.store.listRunLogs(protocol.id)).find(
      (r) => r.source === 'citations-openalex',
    );
    expect(failedLog).toMatchObject({ outcome: 'failed', requests: { works: 4 } });
    // Its seed is not marked: the next run fetches it.
    const watch = new DynamoWatchStore({ client: embedded.client, tableName: embedded.tableName });
    expect(await watch.seededStudies(protocol.id, 'citations-openalex')).toEqual(new Set());

    const second = byRun(await searchReview({ protocol }, deps(clients().sources)));
    expect(second['citations-europepmc']?.status).toBe('not-due');
    const retried = second['citations-openalex'];
    if (retried?.status !== 'succeeded') throw new Error('the retry failed');
    expect(retried.run.counts).toMatchObject({ new: 0, duplicates: expectedFound.length });
    expect(await watch.seededStudies(protocol.id, 'citations-openalex')).toEqual(new Set([idOf(screened!)]));
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      world.studies.length + expectedFound.length + 1,
    );
  });

  it("OpenAlex's daily budget spent: the run is deferred (no request the budget cannot pay for), Europe PMC alone completes", async () => {
    // Two list calls' worth: the lookup of the studies and one page, then the budget is gone.
    await startStandIns({ budgetUsd: 0.0002 });
    const protocol = await freshReview();
    const { sources, openAlexClient } = clients();
    const results = byRun(await searchReview({ protocol }, deps(sources)));
    expect(results['citations-europepmc']?.status).toBe('succeeded');
    expect(results['citations-openalex']).toMatchObject({
      status: 'deferred',
      error: expect.stringMatching(/OpenAlex: the daily budget is spent.*Europe PMC alone/),
    });
    expect(openAlexClient.budget).toMatchObject({ unit: 'USD', remaining: 0 });
    // The client refuses the next call itself: nothing more is sent today.
    const sent = openAlex.requests.length;
    const later = await searchReview({ protocol, force: true }, deps({ ...sources }));
    expect(byRun(later)['citations-openalex']?.status).toBe('deferred');
    expect(openAlex.requests.length).toBe(sent);
    expect(await embedded.store.getWatermark(protocol.id, 'citations-openalex')).toBeNull();
  });
});

describe.each(TRANSIENT_API_FAULTS)('OpenAlex, a transient fault: %s', (_name, fault) => {
  it('is retried on the lookup and on a later page; the run completes with every work once', async () => {
    await startStandIns();
    const protocol = await freshReview();
    openAlex.faults.enqueue(fault);
    openAlex.faults.enqueue({ kind: 'slow', delayMs: 0 });
    openAlex.faults.enqueue(fault);
    const results = byRun(await searchReview({ protocol }, deps(clients().sources)));
    const result = results['citations-openalex'];
    if (result?.status !== 'succeeded') throw new Error(`failed: ${JSON.stringify(result)}`);
    expect(result.run.counts).toMatchObject({ new: 0, duplicates: expectedFound.length });
    expect(openAlex.faults.pending()).toBe(0);
  });
});

const persistent: [string, ApiFault[], RegExp][] = [
  [
    'a partial page (a work left out)',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'drop-record' }],
    /fetched \d+ of \d+ works/,
  ],
  [
    'a cursor that repeats',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'repeat-cursor' }],
    /does not advance|came back twice/,
  ],
];

describe.each(persistent)('OpenAlex, a persistent fault: %s', (_name, faults, reason) => {
  it('fails the run with its watermark unmoved; the next run completes and nothing is doubled', async () => {
    await startStandIns();
    const protocol = await freshReview();
    for (const fault of faults) openAlex.faults.enqueue(fault);
    const first = byRun(await searchReview({ protocol }, deps(clients().sources)));
    expect(first['citations-openalex']).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(reason),
    });
    expect(first['citations-europepmc']?.status).toBe('succeeded');
    expect(await embedded.store.getWatermark(protocol.id, 'citations-openalex')).toBeNull();
    const second = byRun(await searchReview({ protocol }, deps(clients().sources)));
    expect(second['citations-openalex']?.status).toBe('succeeded');
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      world.studies.length + expectedFound.length + 1,
    );
  });
});

describe("Europe PMC's reference list", () => {
  // The watch's requests before the seed's reference list: one search per study (each study's citing works in
  // the window fit one page), then every work citing the seed (one page): the reference list is request 5.
  const searchesBeforeReferences = world.studies.length + 1;
  const europeOnly = () => ({ 'citations-europepmc': clients().sources['citations-europepmc'] });
  const onReferences = (fault: EuropePmcStandInFault) => {
    for (let i = 0; i < searchesBeforeReferences; i++) europePmc.faults.enqueue({ kind: 'slow', delayMs: 0 });
    europePmc.faults.enqueue(fault);
  };
  const references = () => europePmc.requests.filter((r) => r.path.endsWith('/references'));

  it('a cut answer is retried and the seed completes', async () => {
    await startStandIns();
    const protocol = await freshReview();
    onReferences({ kind: 'truncate' });
    const results = byRun(await searchReview({ protocol }, deps(europeOnly())));
    expect(results['citations-europepmc']?.status).toBe('succeeded');
    expect(references().map((r) => r.fault)).toEqual(['truncate', null]);
    expect(await embedded.store.getCitation(protocol.id, idOf(screened!.references[2]!))).not.toBeNull();
  });

  it('a short page fails the run rather than keep a partial list; the seed is not marked, and the next run seeds', async () => {
    await startStandIns();
    const protocol = await freshReview();
    onReferences({ kind: 'drop-record' });
    const short = byRun(await searchReview({ protocol }, deps(europeOnly())));
    expect(short['citations-europepmc']).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/references of MED\/\d+: received 3 of 4 references/),
    });
    const watch = new DynamoWatchStore({ client: embedded.client, tableName: embedded.tableName });
    expect(await watch.seededStudies(protocol.id, 'citations-europepmc')).toEqual(new Set());
    const retry = byRun(await searchReview({ protocol }, deps(europeOnly())));
    expect(retry['citations-europepmc']?.status).toBe('succeeded');
    expect(await watch.seededStudies(protocol.id, 'citations-europepmc')).toEqual(new Set([idOf(screened!)]));
  });
});
