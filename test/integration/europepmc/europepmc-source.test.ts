// EuropePmcSource over the loopback stand-in: cursor paging, the window on FIRST_IDATE, hitCount
// reconciliation, the polite rate, and every injected fault either completing with every record once or
// failing with a clear EuropePmcError.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EuropePmcStandInFault,
  syntheticEuropePmcCorpus,
} from '../../../cli/demo/europepmc-stand-in.ts';
import { EuropePmcError } from '../../../shared/adapters/europepmc/europepmc-client.ts';
import { maxPerSecond } from '../pubmed/harness.ts';
import { collect, type EuropePmcHarness, expectedIds, failure, startEuropePmcHarness } from './harness.ts';

const corpus = syntheticEuropePmcCorpus(45, { from: '2024-03-01', to: '2024-03-31', seed: 11 });
const window = { from: '2024-03-05', to: '2024-03-25' };
const inWindow = expectedIds(corpus, window);

let harness: EuropePmcHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

async function start(options: Partial<Parameters<typeof startEuropePmcHarness>[0]> = {}) {
  harness = await startEuropePmcHarness({ corpus, source: { pageSize: 7 }, ...options });
  return harness;
}

describe('a complete window', () => {
  it('pages with cursorMark until every counted record has arrived, each once', async () => {
    const { source, standIn } = await start();
    const result = await collect(source, window);
    expect(inWindow.length).toBeGreaterThan(20);
    expect(result.counts).toEqual([inWindow.length]);
    expect(result.citations.map((c) => c.sourceRecordId).sort()).toEqual(inWindow);
    const pages = standIn.requests;
    expect(pages).toHaveLength(Math.ceil(inWindow.length / 7));
    expect(pages[0]?.params).toMatchObject({
      query: '(intradural AND metastasis) AND FIRST_IDATE:[2024-03-05 TO 2024-03-25]',
      format: 'json',
      resultType: 'core',
      pageSize: '7',
      cursorMark: '*',
      email: 'monitor-tests@example.org',
    });
    // Every later page asks with the cursor the page before it gave.
    for (const page of pages.slice(1)) expect(page.params.cursorMark).not.toBe('*');
    expect(new Set(pages.map((p) => p.params.cursorMark)).size).toBe(pages.length);
  });

  it('asks for 1000 records a page by default, in one request for a small window', async () => {
    const { standIn } = await start({ source: {} });
    const result = await collect(harness!.source, window);
    expect(result.citations).toHaveLength(inWindow.length);
    expect(standIn.requests.map((r) => r.params.pageSize)).toEqual(['1000']);
  });

  it('answers an empty window with one searched event and no batch', async () => {
    const { source } = await start();
    const result = await collect(source, { from: '2025-01-01', to: '2025-01-31' });
    expect(result.events).toEqual([expect.objectContaining({ type: 'searched', count: 0, warnings: [] })]);
  });

  it('sends a long query by POST to searchPOST', async () => {
    const { source, standIn } = await start();
    const long = Array.from({ length: 200 }, (_, i) => `"term number ${i}"`).join(' OR ');
    const result = await collect(source, window, long);
    expect(result.citations).toHaveLength(inWindow.length);
    expect(standIn.requests.every((r) => r.method === 'POST' && r.path.endsWith('/searchPOST'))).toBe(true);
  });

  it('rejects a window that is not one', async () => {
    const { source } = await start();
    await expect(collect(source, { from: '2024-03-09', to: '2024-03-01' })).rejects.toThrow(
      /not a search window/,
    );
  });
});

describe('the polite rate', () => {
  it('starts no more requests in any one second than configured (5/s), over many pages', async () => {
    const { source, standIn } = await start({
      source: { pageSize: 2 },
      config: { requestsPerSecond: 5 },
      standIn: { rateLimit: 5 },
    });
    const result = await collect(source, window);
    expect(result.citations).toHaveLength(inWindow.length);
    expect(standIn.requests.length).toBeGreaterThan(10);
    expect(standIn.requests.filter((r) => r.fault === 'rate-limit')).toEqual([]);
    expect(maxPerSecond(standIn.requests.map((r) => r.time))).toBeLessThanOrEqual(5);
  });
});

const transient: [string, EuropePmcStandInFault][] = [
  ['a 429 with Retry-After', { kind: 'status', status: 429, retryAfter: 0 }],
  ['HTTP 500', { kind: 'status', status: 500 }],
  ['HTTP 502', { kind: 'status', status: 502 }],
  ['HTTP 503', { kind: 'status', status: 503 }],
  ['a connection reset', { kind: 'reset' }],
  ['an answer slower than the timeout', { kind: 'slow', delayMs: 1_500 }],
  ['a body stalled past the timeout', { kind: 'slow', delayMs: 1_500, phase: 'body' }],
  ['truncated JSON', { kind: 'truncate' }],
];

describe.each(transient)('a transient fault: %s', (_name, fault) => {
  it('is retried and the window completes with every record once', async () => {
    const { source, standIn } = await start({ config: { timeoutMs: 500 } });
    // On the first page and on a later one.
    standIn.faults.enqueue(fault);
    const first = await collect(source, window);
    expect(first.citations.map((c) => c.sourceRecordId).sort()).toEqual(inWindow);
    expect(standIn.faults.pending()).toBe(0);
    const before = standIn.requests.length;
    standIn.faults.enqueue({ kind: 'slow', delayMs: 0 });
    standIn.faults.enqueue({ kind: 'slow', delayMs: 0 });
    standIn.faults.enqueue(fault);
    const again = await collect(source, window);
    expect(again.citations.map((c) => c.sourceRecordId).sort()).toEqual(inWindow);
    expect(standIn.requests.length - before).toBe(Math.ceil(inWindow.length / 7) + 1);
  });
});

const always = (fault: EuropePmcStandInFault) => Array.from({ length: 12 }, () => ({ ...fault }));
const persistent: [string, EuropePmcStandInFault[], RegExp][] = [
  ['HTTP 500 on every attempt', always({ kind: 'status', status: 500 }), /failed 4 times.*HTTP 500/],
  ['truncated JSON on every attempt', always({ kind: 'truncate' }), /failed 4 times.*not complete JSON/],
  ['a 400 (not retried)', [{ kind: 'status', status: 400 }], /not retryable.*HTTP 400/],
  [
    'a cursor that never advances',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'stuck-cursor' }],
    /fetched 14 of \d+ records: Europe PMC sent back the same cursor/,
  ],
  [
    'a record missing from a page',
    [{ kind: 'drop-record' }],
    /fetched \d+ of \d+ records: Europe PMC answered an empty page/,
  ],
  [
    'a hitCount that changes between pages',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'hitcount-drift' }],
    /page 2 counts \d+ records where the first page counted \d+/,
  ],
];

describe.each(persistent)('a persistent fault: %s', (_name, faults, reason) => {
  it('fails the search with a EuropePmcError that names the window and the reason', async () => {
    const { source, standIn } = await start();
    for (const fault of faults) standIn.faults.enqueue(fault);
    const error = await failure(source, window);
    expect(error).toBeInstanceOf(EuropePmcError);
    expect(error.message).toMatch(/^europepmc window 2024-03-05\.\.2024-03-25: /);
    expect(error.message).toMatch(reason);
  });
});

it('a record served twice fails the search rather than count it twice', async () => {
  // The stand-in serves whatever its corpus holds: a record listed twice comes back twice.
  const twin = corpus.find((r) => r.firstIndexDate >= window.from && r.firstIndexDate <= window.to)!;
  const { source } = await start({ corpus: [...corpus, { ...twin }] });
  const error = await failure(source, window);
  expect(error).toBeInstanceOf(EuropePmcError);
  expect(error.message).toMatch(new RegExp(`record PPR/${twin.id} came back twice`));
});
