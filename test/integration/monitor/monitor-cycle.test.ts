// The whole monitor cycle over real parts: runSearch -> PubmedSource -> EutilsClient -> HTTP -> the loopback
// E-utilities stand-in, and the DynamoDB adapter -> the embedded dynalite server. For every fault the run
// either completes with every record or fails clearly with the watermark unmoved; the next run then
// completes; nothing is lost and nothing is doubled.
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandInEndpoint, StandInFault } from '../../../cli/demo/eutils-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { RunFailedError, runSearch } from '../../../shared/app/run-search.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { type Harness, startHarness } from '../pubmed/harness.ts';

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const corpus = syntheticCorpus(260, { from: '2022-05-20', to: '2026-11-23', seed: 7, compact: true });
const inMonitoringPeriod = corpus.filter((r) => r.createdDate >= iesm.monitoringStart).length;
const now = new Date('2026-11-24T06:00:00Z');

let embedded: EmbeddedStore;
let dataDir: string;
let reviewCounter = 0;

function freshReview(): Protocol {
  return { ...iesm, id: `iesm-${++reviewCounter}` };
}

async function countItems(reviewId: string, prefix: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await embedded.client.send(
      new QueryCommand({
        TableName: embedded.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `REVIEW#${reviewId}`, ':prefix': prefix },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/**
 * The fault tests need a timeout under the slow fault's 1.5 s (1 s: enough for a loopback answer on a machine
 * starved of CPU; at 400 ms, several test processes at once on 2 cores timed out every attempt of a healthy
 * request). Tests of something else (three runs at once) take `patient`: their requests wait their turn at the
 * shared 3-a-second limiter and a busy machine, and a timeout there would test the machine, not the code.
 */
const faultTimeouts = { timeoutMs: 1_000, maxAttempts: 3, maxRetryTimeMs: 5_000 };
const patient = { timeoutMs: 30_000, maxAttempts: 3, maxRetryTimeMs: 120_000 };

async function withHarness<T>(
  work: (harness: Harness) => Promise<T>,
  config: typeof faultTimeouts = faultTimeouts,
): Promise<T> {
  const harness = await startHarness({ corpus, source: { batchSize: 50 }, config });
  try {
    return await work(harness);
  } finally {
    await harness.close();
  }
}

let runIds = 0;
const deps = (harness: Harness) => ({
  store: embedded.store,
  source: harness.source,
  clock: () => now,
  newRunId: () => `run-${++runIds}`,
});

beforeAll(async () => {
  dataDir = makeTempDataDir('monitor-cycle');
  embedded = await openEmbeddedStore({ dataDir });
  expect(inMonitoringPeriod).toBeGreaterThan(230);
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('a clean monitor cycle', () => {
  it('stores every record of the monitoring period once, queues it, and moves the watermark', async () => {
    const protocol = freshReview();
    const run = await withHarness((harness) => runSearch({ protocol }, deps(harness)));
    expect(run.counts).toMatchObject({
      found: inMonitoringPeriod,
      fetched: inMonitoringPeriod,
      new: inMonitoringPeriod,
    });
    expect(await countItems(protocol.id, 'CITATION#')).toBe(inMonitoringPeriod);
    expect(await embedded.store.listQueue(protocol.id)).toHaveLength(inMonitoringPeriod);
    expect((await embedded.store.getWatermark(protocol.id, 'pubmed'))?.completedThrough).toBe('2026-11-23');

    const again = await withHarness((harness) =>
      runSearch({ protocol, window: { from: protocol.monitoringStart, to: '2026-11-24' } }, deps(harness)),
    );
    expect(again.counts).toMatchObject({ new: 0, alreadyKnown: inMonitoringPeriod, queued: 0 });
    expect(await countItems(protocol.id, 'CITATION#')).toBe(inMonitoringPeriod);
  });

  it('three runs of one window at the same time store each record once', async () => {
    const protocol = freshReview();
    const runs = await withHarness(
      (harness) => Promise.all([1, 2, 3].map(() => runSearch({ protocol }, deps(harness)))),
      patient,
    );
    expect(runs.reduce((sum, run) => sum + run.counts.new, 0)).toBe(inMonitoringPeriod);
    for (const run of runs) expect(run.counts.new + run.counts.alreadyKnown).toBe(inMonitoringPeriod);
    expect(await countItems(protocol.id, 'CITATION#')).toBe(inMonitoringPeriod);
    expect(await embedded.store.listQueue(protocol.id)).toHaveLength(inMonitoringPeriod);
  });
});

const transientFaults: [string, StandInEndpoint, StandInFault][] = [
  ['a 429 burst with Retry-After', 'efetch', { kind: 'status', status: 429, retryAfter: 0 }],
  ['HTTP 500', 'efetch', { kind: 'status', status: 500 }],
  ['HTTP 502 on esearch', 'esearch', { kind: 'status', status: 502 }],
  ['HTTP 503', 'efetch', { kind: 'status', status: 503 }],
  ['a connection reset', 'efetch', { kind: 'reset' }],
  ['a response slower than the timeout', 'efetch', { kind: 'slow', delayMs: 1_500 }],
  ['truncated XML', 'efetch', { kind: 'truncate' }],
  [
    'a transient ERROR inside HTTP 200',
    'esearch',
    { kind: 'error-in-200', message: 'Search Backend failed: temporarily unavailable' },
  ],
  ['an expired WebEnv', 'efetch', { kind: 'expire-webenv' }],
];

describe.each(transientFaults)('a transient fault: %s', (_name, endpoint, fault) => {
  it('is retried and the run completes with every record exactly once', async () => {
    const protocol = freshReview();
    const run = await withHarness(async (harness) => {
      harness.standIn.faults.enqueue(endpoint, fault);
      const result = await runSearch({ protocol }, deps(harness));
      expect(harness.standIn.faults.pending()).toBe(0);
      return result;
    });
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ found: inMonitoringPeriod, new: inMonitoringPeriod });
    expect(await countItems(protocol.id, 'CITATION#')).toBe(inMonitoringPeriod);
    expect((await embedded.store.getWatermark(protocol.id, 'pubmed'))?.completedThrough).toBe('2026-11-23');
  });
});

// Batches are fetched several at a time, so a fault that must hit every attempt of every batch is queued
// more times than there are attempts in the whole run.
const always = (fault: StandInFault) => Array.from({ length: 40 }, () => ({ ...fault }));
const persistentFaults: [string, StandInEndpoint, StandInFault[], RegExp][] = [
  ['HTTP 500 on every attempt', 'efetch', always({ kind: 'status', status: 500 }), /efetch.*500/i],
  [
    'a Count mismatch (efetch returns fewer records than esearch counted)',
    'efetch',
    always({ kind: 'drop-record' }),
    /fetched \d+ of \d+ records/,
  ],
  [
    'an ERROR inside HTTP 200 that is not transient',
    'efetch',
    [{ kind: 'error-in-200', message: 'Invalid db name specified: pubmedx' }],
    /Invalid db name specified/,
  ],
  ['truncated XML on every attempt', 'efetch', always({ kind: 'truncate' }), /efetch/],
  ['connection resets on every attempt', 'esearch', always({ kind: 'reset' }), /esearch/],
];

describe.each(persistentFaults)('a persistent fault: %s', (_name, endpoint, faults, reason) => {
  it('fails the run clearly, leaves the watermark and the store consistent, and the next run completes', async () => {
    const protocol = freshReview();
    const error = await withHarness(async (harness) => {
      for (const fault of faults) harness.standIn.faults.enqueue(endpoint, fault);
      try {
        await runSearch({ protocol }, deps(harness));
      } catch (caught) {
        return caught;
      }
      throw new Error('the run should have failed');
    });
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as Error).message).toMatch(reason);
    expect(await embedded.store.getWatermark(protocol.id, 'pubmed')).toBeNull();
    const [failedRun] = await embedded.store.listRunLogs(protocol.id);
    expect(failedRun).toMatchObject({ outcome: 'failed' });
    expect(failedRun?.error).toMatch(reason);
    const storedAfterFailure = await countItems(protocol.id, 'CITATION#');
    expect(storedAfterFailure).toBe(failedRun?.counts.new);
    expect(await embedded.store.listQueue(protocol.id)).toHaveLength(storedAfterFailure);

    const retry = await withHarness((harness) => runSearch({ protocol }, deps(harness)));
    expect(retry.outcome).toBe('succeeded');
    expect(retry.counts.new + retry.counts.alreadyKnown).toBe(inMonitoringPeriod);
    expect(retry.counts.alreadyKnown).toBe(storedAfterFailure);
    expect(await countItems(protocol.id, 'CITATION#')).toBe(inMonitoringPeriod);
    expect(await embedded.store.listQueue(protocol.id)).toHaveLength(inMonitoringPeriod);
    expect((await embedded.store.getWatermark(protocol.id, 'pubmed'))?.completedThrough).toBe('2026-11-23');
  });
});
