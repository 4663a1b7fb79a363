// Contract of the search-review Lambda: the real `handler` export, configured only through its environment the
// way the stack configures it, invoked with the event the review's schedule sends, against the embedded store
// (through AWS_ENDPOINT_URL_DYNAMODB) and the loopback E-utilities (through NCBI_EUTILS_BASE_URL). No api key
// secret is configured (NCBI_API_KEY_SECRET_ARN unset), so no Secrets Manager call is made and requests go
// without api_key. The last test runs the handler as bundled for Lambda (infra/bundling.ts), protocols
// converted to JSON and the slim undici entry included.
import { execSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type EuropePmcStandIn,
  startEuropePmcStandIn,
  syntheticEuropePmcCorpus,
} from '../../../cli/demo/europepmc-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import {
  type CorpusRecord,
  corpusFromPubmedXml,
  syntheticCorpus,
} from '../../../cli/demo/stand-in-corpus.ts';
import {
  createSearchHandler,
  handler,
  type SearchEvent,
  SearchFailedError,
  searchEnvSchema,
} from '../../../functions/search-review/handler.ts';
import { bundleAssetsCommand, esbuildOptions, PROJECT_ROOT } from '../../../infra/bundling.ts';
import { DynamoCitationStore } from '../../../shared/adapters/dynamodb/citation-store.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { newRunId } from '../../../shared/adapters/process/run-id.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../../shared/adapters/pubmed/pubmed-source.ts';
import { defaultSecretExtract, parseLambdaEnv, secretReader } from '../../../shared/config/lambda-env.ts';
import { loadProtocolFile, parseProtocol } from '../../../shared/config/load-protocols.ts';
import { isoDay } from '../../../shared/domain/monitor/search-window.ts';
import { ConfigError, InputError, ProtocolError } from '../../../shared/errors.ts';
import { possibleDuplicatePairId } from '../../../shared/ports/screening-store.ts';
import {
  eventFixture,
  type FunctionHarness,
  lambdaContext,
  sqsFifoEvent,
  startFunctionHarness,
} from './harness.ts';

const RECORDED = join(PROJECT_ROOT, 'cli', 'demo', 'recorded');
const PROTOCOLS = join(PROJECT_ROOT, 'protocols');
const iesm = loadProtocolFile(join(PROTOCOLS, 'iesm.yaml'));

/** The handler's protocols: the shipped IESM protocol and a copy that also searches Europe PMC. */
function handlerProtocols(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lr-fn-protocols-'));
  const text = readFileSync(join(PROTOCOLS, 'iesm.yaml'), 'utf8');
  writeFileSync(join(dir, 'iesm.yaml'), text);
  writeFileSync(
    join(dir, 'two-sources.yaml'),
    text
      .replace(/^id: iesm$/m, 'id: two-sources')
      .replace(/^ {2}- name: pubmed$/m, '  - name: pubmed\n  - name: europepmc'),
  );
  return dir;
}
const europePmcCorpus = syntheticEuropePmcCorpus(5, { from: '2023-01-01', to: '2023-12-31', seed: 11 });
const today = isoDay(new Date());

const recorded: CorpusRecord[] = readdirSync(RECORDED)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .flatMap((name) => corpusFromPubmedXml(readFileSync(join(RECORDED, name), 'utf8'), name));
/** What the first scheduled run must find: every recorded record created since the monitoring start. */
const sinceStart = recorded.filter((r) => r.createdDate >= iesm.monitoringStart && r.createdDate <= today);

let h: FunctionHarness;
let standIn: EutilsStandIn;
let europePmcStandIn: EuropePmcStandIn;
let store: DynamoCitationStore;

beforeAll(async () => {
  standIn = await startEutilsStandIn({ corpus: recorded, rateLimit: { withoutKey: 100, withKey: 100 } });
  europePmcStandIn = await startEuropePmcStandIn({ corpus: europePmcCorpus, rateLimit: 100 });
  h = await startFunctionHarness('search-review', {
    LIVING_REVIEW_PROTOCOLS: handlerProtocols(),
    EUROPEPMC_BASE_URL: europePmcStandIn.baseUrl,
    EUROPEPMC_EMAIL: 'monitor-tests@example.org',
    EUROPEPMC_REQUESTS_PER_SECOND: '50',
    NCBI_EUTILS_BASE_URL: standIn.baseUrl,
    NCBI_TOOL: 'living-review-monitor',
    NCBI_EMAIL: 'monitor-tests@example.org',
    NCBI_REQUESTS_PER_SECOND: '50',
    NCBI_MAX_ATTEMPTS: '2',
    NCBI_MAX_RETRY_TIME_MS: '2000',
    NCBI_TIMEOUT_MS: '5000',
    SEARCH_MIN_REMAINING_SECONDS: '30',
  });
  delete process.env.NCBI_API_KEY_SECRET_ARN;
  delete process.env.NCBI_API_KEY;
  store = h.embedded.store;
});

afterAll(async () => {
  await h?.close();
  await standIn?.close();
  await europePmcStandIn?.close();
});

const scheduled = (): SearchEvent => eventFixture('scheduled-iesm.json');

describe('Function: search-review handler (scheduled event, embedded store, loopback E-utilities)', () => {
  it('runs the first monitor cycle from the monitoring start: every record queued once, watermark to yesterday', async () => {
    // Prepare
    const before = standIn.requests.length;

    // Act
    const result = await handler(scheduled(), lambdaContext('search-review'));

    // Assess
    expect(result.reviewId).toBe('iesm');
    // PubMed, and the protocol's citation watch: Europe PMC's (no study included yet: nothing to ask) and
    // OpenAlex's, skipped without a key.
    expect(result.results.map((r) => [r.source, r.status])).toEqual([
      ['pubmed', 'succeeded'],
      ['citations-europepmc', 'succeeded'],
      ['citations-openalex', 'skipped'],
    ]);
    const pubmed = result.results.find((r) => r.source === 'pubmed');
    expect(pubmed?.requests).toEqual({ esearch: 1, efetch: expect.any(Number) });
    expect(pubmed?.status).toBe('succeeded');
    expect(pubmed?.window).toEqual({ from: iesm.monitoringStart, to: today });
    expect(pubmed?.counts?.found).toBe(sinceStart.length);
    expect(pubmed?.counts?.fetched).toBe(sinceStart.length);
    const counts = pubmed!.counts!;
    expect(counts.new + counts.duplicates + counts.alreadyKnown).toBe(sinceStart.length);
    expect(counts.new).toBeGreaterThan(0);

    const queue = await store.listQueue('iesm');
    expect(queue).toHaveLength(counts.new);
    const expectedPmids = new Set(sinceStart.map((r) => r.pmid));
    for (const entry of queue) expect(expectedPmids).toContain(entry.pmid);
    const watermark = await store.getWatermark('iesm', 'pubmed');
    expect(watermark?.completedThrough).toBe(isoDay(new Date(Date.now() - 86_400_000)));
    const runLog = (await store.listRunLogs('iesm')).find((r) => r.source === 'pubmed');
    expect(runLog).toMatchObject({ runId: pubmed?.runId, outcome: 'succeeded', reviewId: 'iesm' });
    expect(runLog?.requests).toEqual(pubmed?.requests);

    // The requests NCBI would have seen: the protocol's query, tool and email, no api_key (no secret configured).
    const sent = standIn.requests.slice(before);
    expect(sent.map((r) => r.endpoint)).toContain('esearch');
    expect(sent.map((r) => r.endpoint)).toContain('efetch');
    for (const request of sent) {
      expect(request.params.api_key).toBeUndefined();
      expect(request.params.tool).toBe('living-review-monitor');
      expect(request.params.email).toBe('monitor-tests@example.org');
    }
    expect(sent.find((r) => r.endpoint === 'esearch')?.params.term).toContain(iesm.query);
  });

  it('answers a second delivery of the same schedule with "not-due" and sends NCBI nothing', async () => {
    const before = standIn.requests.length;
    const result = await handler(scheduled(), lambdaContext('search-review'));
    expect(result.results).toEqual([
      expect.objectContaining({ source: 'pubmed', status: 'not-due', nextDueAt: expect.any(String) }),
      expect.objectContaining({ source: 'citations-europepmc', status: 'not-due' }),
      expect.objectContaining({ source: 'citations-openalex', status: 'skipped' }),
    ]);
    expect(standIn.requests.length).toBe(before);
  });

  it('publishes one set of metrics for the deployment: the review is a property of the line, not a dimension', async () => {
    // The harness disables metrics for the other tests; this handler gets metrics of its own, switched on.
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const metrics = new Metrics({ namespace: 'LivingReview', serviceName: 'search-review' });
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
    const client = new EutilsClient(
      eutilsConfigFromEnv({}, { baseUrl: standIn.baseUrl, requestsPerSecond: 50 }),
    );
    const search = createSearchHandler({
      store,
      protocols: [iesm],
      sources: async () => ({ pubmed: new PubmedSource(client) }),
      metrics,
    });
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await search({ reviewId: 'iesm', force: true }, lambdaContext('search-review'));
    } finally {
      write.mockRestore();
      await client.close();
    }
    const emf = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
      );
    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics).toEqual([
      expect.objectContaining({
        Dimensions: [['service']],
        Metrics: expect.arrayContaining([
          expect.objectContaining({ Name: 'RecordsFound' }),
          expect.objectContaining({ Name: 'CitationsQueued' }),
        ]),
      }),
    ]);
    expect(emf[0]).toMatchObject({ service: 'search-review', reviewId: 'iesm' });
    expect(emf[0]).not.toHaveProperty('review');
  });

  it('queues only what is new when PubMed has received records since (forced run)', async () => {
    // Prepare: two records created today arrive in PubMed.
    const arrivals = syntheticCorpus(2, { from: today, to: today, firstPmid: 41_000_000, seed: 7 });
    standIn.addRecords(arrivals);
    const queuedBefore = (await store.listQueue('iesm')).length;

    // Act
    const result = await handler({ reviewId: 'iesm', force: true }, lambdaContext('search-review'));

    // Assess: the window re-reads the overlap days; only the arrivals are new.
    const [pubmed] = result.results;
    expect(pubmed?.status).toBe('succeeded');
    expect(pubmed?.counts?.new).toBe(2);
    const queue = await store.listQueue('iesm');
    expect(queue).toHaveLength(queuedBefore + 2);
    expect(queue.map((q) => q.pmid)).toEqual(expect.arrayContaining(arrivals.map((a) => a.pmid)));
  });

  it('deduplicates fuzzily too: a copy under another PMID and without a DOI is queued as a possible duplicate', async () => {
    // Prepare: PubMed receives a second record of an already queued work (same title, authors, journal and
    // pages), with its own PMID and no DOI: no exact key matches.
    const [original] = syntheticCorpus(1, { from: today, to: today, firstPmid: 41_000_000, seed: 7 });
    const copyPmid = '41000900';
    const copy: CorpusRecord = {
      pmid: copyPmid,
      createdDate: today,
      xml: original!.xml
        .replace(/<PMID Version="1">\d+<\/PMID>/, `<PMID Version="1">${copyPmid}</PMID>`)
        .replace(
          /<ArticleId IdType="pubmed">\d+<\/ArticleId>/,
          `<ArticleId IdType="pubmed">${copyPmid}</ArticleId>`,
        )
        .replace(/<ELocationID EIdType="doi"[^>]*>[^<]*<\/ELocationID>/, '')
        .replace(/<ArticleId IdType="doi">[^<]*<\/ArticleId>/, ''),
    };
    standIn.addRecords([copy]);

    // Act
    const result = await handler({ reviewId: 'iesm', force: true }, lambdaContext('search-review'));

    // Assess: stored as its own citation (different PMIDs are never certain), paired with the original for a
    // person to confirm or split.
    expect(result.results[0]?.counts?.new).toBe(1);
    const screening = new DynamoScreeningStore({
      client: h.embedded.client,
      tableName: h.env.LIVING_REVIEW_TABLE!,
    });
    const pairs = await screening.listPossibleDuplicates('iesm');
    const queue = await store.listQueue('iesm');
    const idOf = (pmid: string) => queue.find((q) => q.pmid === pmid)?.citationId;
    expect(pairs).toEqual([
      expect.objectContaining({
        pairId: possibleDuplicatePairId(idOf(copyPmid)!, idOf(original!.pmid)!),
        status: 'pending',
      }),
    ]);
  });

  it('re-searches an explicit window an operator asks for, adding nothing already known', async () => {
    const window = { from: '2016-01-01', to: '2018-12-31' };
    const inWindow = recorded.filter((r) => r.createdDate >= window.from && r.createdDate <= window.to);
    const result = await handler({ reviewId: 'iesm', window }, lambdaContext('search-review'));
    const [pubmed] = result.results;
    expect(pubmed).toMatchObject({ status: 'succeeded', window });
    expect(pubmed?.counts?.found).toBe(inWindow.length);
    const again = await handler({ reviewId: 'iesm', window }, lambdaContext('search-review'));
    expect(again.results[0]?.counts).toMatchObject({ found: inWindow.length, new: 0 });
  });

  it('fails the invocation (so Lambda retries, then dead-letters) when E-utilities keeps failing; the watermark stays', async () => {
    // Prepare: every attempt of the esearch fails (NCBI_MAX_ATTEMPTS=2).
    const watermark = await store.getWatermark('iesm', 'pubmed');
    standIn.faults.enqueue('esearch', { kind: 'status', status: 503 });
    standIn.faults.enqueue('esearch', { kind: 'status', status: 503 });

    // Act
    const failure = await handler({ reviewId: 'iesm', force: true }, lambdaContext('search-review')).then(
      () => null,
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toBeInstanceOf(SearchFailedError);
    const error = failure as SearchFailedError;
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/review "iesm": pubmed run .* failed: .*503/);
    expect(error.result.results[0]).toMatchObject({ source: 'pubmed', status: 'failed' });
    expect(standIn.faults.pending()).toBe(0);
    const runLog = (await store.listRunLogs('iesm')).find((r) => r.source === 'pubmed');
    expect(runLog).toMatchObject({ outcome: 'failed', runId: error.result.results[0]?.runId });
    // The other sources ran all the same.
    expect(error.result.results[1]).toMatchObject({ source: 'citations-europepmc', status: 'succeeded' });
    expect(await store.getWatermark('iesm', 'pubmed')).toEqual(watermark);
  });

  it('searches every source a protocol lists: PubMed and Europe PMC, one run each', async () => {
    const europeBefore = europePmcStandIn.requests.length;
    const result = await handler({ reviewId: 'two-sources' }, lambdaContext('search-review'));
    expect(result.results.map((r) => [r.source, r.status])).toEqual([
      ['pubmed', 'succeeded'],
      ['europepmc', 'succeeded'],
      ['citations-europepmc', 'succeeded'],
      ['citations-openalex', 'skipped'],
    ]);
    const europe = result.results[1]!;
    expect(europe.counts).toMatchObject({ found: europePmcCorpus.length, new: europePmcCorpus.length });
    expect(europePmcStandIn.requests.length).toBeGreaterThan(europeBefore);
    const runs = await store.listRunLogs('two-sources');
    expect(runs.map((r) => r.source).sort()).toEqual(['citations-europepmc', 'europepmc', 'pubmed']);
    expect(await store.getWatermark('two-sources', 'europepmc')).not.toBeNull();
  });

  it('rejects an event without a review id, and a review it has no protocol for', async () => {
    await expect(handler({ scheduledTime: '2026-01-05T06:00:00Z' })).rejects.toBeInstanceOf(InputError);
    await expect(
      handler({ reviewId: 'iesm', window: { from: '2024-02-01', to: '2024-01-01' } }),
    ).rejects.toThrow(/window.from must not be after window.to/);
    await expect(handler({ reviewId: 'no-such-review' })).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('Function: search-review on the search-request queue (SQS FIFO batches, partial batch responses)', () => {
  /** The run logs of the literature searches (the citation watch runs beside them, logged on its own). */
  const runLogsOf = async (reviewId: string) =>
    (await store.listRunLogs(reviewId)).filter((r) => !r.source.startsWith('citations-'));

  it('answers a batch message by message: unreadable and unknown-review messages are reported, the rest done', async () => {
    // Prepare: a forced search, a body that is not JSON, a review without a protocol, and a second delivery of
    // the schedule already served (not due: done, nothing searched).
    const iesmRunsBefore = (await runLogsOf('iesm')).length;
    const event = sqsFifoEvent([
      { body: { reviewId: 'iesm', force: true }, groupId: 'iesm' },
      { body: '{"reviewId": "iesm"', groupId: 'broken' },
      { body: { reviewId: 'no-such-review' }, groupId: 'no-such-review' },
      { body: scheduled(), groupId: 'iesm' },
    ]);
    const [, unreadable, unknown] = event.Records.map((r) => r.messageId);
    const before = standIn.requests.length;

    // Act
    const response = await handler(event, lambdaContext('search-review'));

    // Assess: exactly the two bad messages go back to the queue (and, after maxReceiveCount, to its DLQ).
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: unreadable }, { itemIdentifier: unknown }]);
    const iesmRuns = await runLogsOf('iesm');
    expect(iesmRuns).toHaveLength(iesmRunsBefore + 1);
    expect(iesmRuns[0]).toMatchObject({ outcome: 'succeeded' });
    expect(standIn.requests.slice(before).map((r) => r.endpoint)).toContain('esearch');
  });

  it("returns a failing review's message and its later messages to the queue; other reviews go on; the watermark stays", async () => {
    // Prepare: E-utilities fails every attempt of the first search (NCBI_MAX_ATTEMPTS=2).
    const watermark = await store.getWatermark('iesm', 'pubmed');
    const iesmRunsBefore = (await runLogsOf('iesm')).length;
    const otherRunsBefore = (await runLogsOf('two-sources')).length;
    standIn.faults.enqueue('esearch', { kind: 'status', status: 503 });
    standIn.faults.enqueue('esearch', { kind: 'status', status: 503 });
    const event = sqsFifoEvent([
      { body: { reviewId: 'iesm', force: true }, groupId: 'iesm' },
      { body: { reviewId: 'iesm', force: true }, groupId: 'iesm' },
      { body: { reviewId: 'two-sources', force: true }, groupId: 'two-sources' },
    ]);
    const [failing, later, other] = event.Records.map((r) => r.messageId);

    // Act
    const response = await handler(event, lambdaContext('search-review'));

    // Assess: iesm's two messages are reported (the second never ran: FIFO order within the review is kept);
    // two-sources' message is done.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: failing }, { itemIdentifier: later }]);
    expect(response.batchItemFailures).not.toContainEqual({ itemIdentifier: other });
    expect(standIn.faults.pending()).toBe(0);
    const iesmRuns = await runLogsOf('iesm');
    expect(iesmRuns).toHaveLength(iesmRunsBefore + 1);
    expect(iesmRuns[0]).toMatchObject({ outcome: 'failed' });
    expect(await store.getWatermark('iesm', 'pubmed')).toEqual(watermark);
    const otherRuns = await runLogsOf('two-sources');
    expect(otherRuns).toHaveLength(otherRunsBefore + 2);
    expect(otherRuns.slice(0, 2).map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
  });

  it('starts no search with less of the invocation left than SEARCH_MIN_REMAINING_SECONDS: all return to the queue', async () => {
    const before = standIn.requests.length;
    const runsBefore = (await runLogsOf('iesm')).length;
    const event = sqsFifoEvent([
      { body: { reviewId: 'iesm', force: true }, groupId: 'iesm' },
      { body: { reviewId: 'two-sources', force: true }, groupId: 'two-sources' },
    ]);

    // Act: 5 s left, 30 s required (the harness's SEARCH_MIN_REMAINING_SECONDS).
    const response = await handler(event, lambdaContext('search-review', 5_000));

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.messageId),
    );
    expect(standIn.requests.length).toBe(before);
    expect(await runLogsOf('iesm')).toHaveLength(runsBefore);
  });
});

describe('Function: search-review environment and api key', () => {
  const base = { LIVING_REVIEW_TABLE: 't', LIVING_REVIEW_PROTOCOLS: '/var/task/protocols' };

  it('refuses an api key in the environment, naming the variable', () => {
    expect(() => parseLambdaEnv(searchEnvSchema, { ...base, NCBI_API_KEY: 'abc123' })).toThrow(ConfigError);
    expect(() => parseLambdaEnv(searchEnvSchema, { ...base, NCBI_API_KEY: 'abc123' })).toThrow(
      /NCBI_API_KEY: the NCBI api_key must not be in the environment/,
    );
  });

  it('names every missing variable', () => {
    expect(() => parseLambdaEnv(searchEnvSchema, {})).toThrow(/LIVING_REVIEW_TABLE.*LIVING_REVIEW_PROTOCOLS/);
  });

  it('reads no secret when NCBI_API_KEY_SECRET_ARN is unset', async () => {
    const env = parseLambdaEnv(searchEnvSchema, base);
    expect(env.NCBI_API_KEY_SECRET_ARN).toBeUndefined();
    expect(env.NCBI_API_KEY_MAX_AGE_SECONDS).toBe(900);
    await expect(secretReader({ secretId: undefined, maxAgeSeconds: 900 })()).resolves.toBeUndefined();
  });

  it('takes the key from a plain secret string or a one-field JSON secret', () => {
    expect(defaultSecretExtract(' 0123456789abcdef0123456789abcdef0123 \n')).toBe(
      '0123456789abcdef0123456789abcdef0123',
    );
    expect(defaultSecretExtract('{"NCBI_API_KEY":"abc123"}')).toBe('abc123');
    expect(defaultSecretExtract('{"a":"1","b":"2"}')).toBe('{"a":"1","b":"2"}');
    expect(defaultSecretExtract('{not json')).toBe('{not json');
  });

  it('makes sortable run ids', () => {
    expect(newRunId(new Date('2026-01-05T06:00:01.234Z'))).toMatch(/^20260105T060001-[0-9a-f]{8}$/);
  });
});

describe('Function: search-review as bundled for Lambda', () => {
  const outdir = join(
    PROJECT_ROOT,
    'node_modules',
    '.cache',
    'contract-bundles',
    `search-review-${process.pid}`,
  );

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("answers the schedule's queue message from the bundle, reading the protocols converted to JSON", async () => {
    // Prepare: bundle as the CDK construct does; a table of its own (the bundle is a second handler instance).
    rmSync(outdir, { recursive: true, force: true });
    await build({ ...esbuildOptions('search-review', outdir), logLevel: 'error' });
    execSync(bundleAssetsCommand([{ dest: 'protocols', source: PROTOCOLS }], outdir));
    // Every protocol file of the folder, each converted (iesm, and main's breast-ipd example).
    const converted = readdirSync(join(outdir, 'protocols'));
    expect(converted).toEqual(['breast-ipd.json', 'iesm.json']);
    expect(parseProtocol(readFileSync(join(outdir, 'protocols', 'iesm.json'), 'utf8'), 'iesm.json')).toEqual(
      iesm,
    );
    const bundleSource = readFileSync(join(outdir, 'index.mjs'), 'utf8');
    expect(bundleSource).not.toContain('MockAgent');
    await h.createTable('fn-search-review-bundle');
    const bundled = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)) as {
      handler: (event: unknown, context?: unknown) => Promise<SQSBatchResponse>;
    };
    const saved = { table: process.env.LIVING_REVIEW_TABLE, protocols: process.env.LIVING_REVIEW_PROTOCOLS };
    process.env.LIVING_REVIEW_TABLE = 'fn-search-review-bundle';
    process.env.LIVING_REVIEW_PROTOCOLS = join(outdir, 'protocols');
    let response: SQSBatchResponse;
    try {
      // Act: the schedule's message as the search-request queue delivers it.
      response = await bundled.handler(
        sqsFifoEvent([{ body: scheduled(), groupId: 'iesm' }]),
        lambdaContext('search-review'),
      );
    } finally {
      process.env.LIVING_REVIEW_TABLE = saved.table;
      process.env.LIVING_REVIEW_PROTOCOLS = saved.protocols;
    }

    // Assess: the same first cycle as the source handler's, in the bundle's own table.
    expect(response).toEqual({ batchItemFailures: [] });
    const bundleStore = new DynamoCitationStore({
      client: h.embedded.client,
      tableName: 'fn-search-review-bundle',
    });
    const run = (await bundleStore.listRunLogs('iesm')).find((r) => r.source === 'pubmed');
    expect(run).toMatchObject({
      outcome: 'succeeded',
      window: { from: iesm.monitoringStart, to: today },
    });
    const queue = await bundleStore.listQueue('iesm');
    expect(queue.length).toBe(run?.counts.new);
    expect(queue.length).toBeGreaterThan(0);
  });
});
