// NCBI's request limits, as the stand-in enforces them (more than 3 requests in any one-second window, 10
// with an API key -> 429): the client's limiter keeps bursts under them. The stand-in is the judge, as NCBI
// is: the assertions count its answers (no 429), never the test's own reading of request times, which a busy
// machine can bunch up or spread out. The spacing itself is checked with a fake clock in
// test/unit/http/rate-limiter.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { collect, expectedPmids, type Harness, pmidsOf, startHarness } from './harness.ts';

const corpus = syntheticCorpus(120, { from: '2024-01-01', to: '2024-01-31', seed: 17, compact: true });
const ncbiLimits = { rateLimit: { withoutKey: 3, withKey: 10 } };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('rate limits', () => {
  it('without a key, a burst of concurrent searches never exceeds 3 requests per second and gets no 429', async () => {
    harness = await startHarness({
      corpus,
      standIn: ncbiLimits,
      config: { requestsPerSecond: undefined },
      source: { batchSize: 10, fetchConcurrency: 4 },
    });
    expect(harness.client.requestsPerSecond).toBe(3);
    const windows = [
      { from: '2024-01-01', to: '2024-01-10' },
      { from: '2024-01-11', to: '2024-01-20' },
    ];

    // Two searches at once through one client: both draw on the same process-wide limiter.
    const results = await Promise.all(windows.map((w) => collect(harness!.source, w)));

    results.forEach((result, i) => {
      expect(pmidsOf(result.citations)).toEqual(expectedPmids(corpus, windows[i]!));
    });
    const log = harness.standIn.requests;
    const perWindow = windows.map((w) => 1 + Math.ceil(expectedPmids(corpus, w).length / 10));
    expect(log).toHaveLength(perWindow[0]! + perWindow[1]!);
    expect(log.length).toBeGreaterThan(8);
    expect(log.filter((r) => r.status === 429)).toEqual([]);
  });

  it('shares one limiter between client instances with the same key', async () => {
    harness = await startHarness({ corpus, standIn: ncbiLimits, config: { requestsPerSecond: undefined } });
    const second = new EutilsClient(
      eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: harness.standIn.baseUrl }, { timeoutMs: 5_000 }),
    );
    expect(second.rateLimiter).toBe(harness.client.rateLimiter);
    try {
      const term = 'shared limiter';
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? second : harness!.client).esearch({ term, mindate: '2024-01-01', maxdate: '2024-01-31' }),
        ),
      );
    } finally {
      await second.close();
    }
    const log = harness.standIn.requests;
    expect(log).toHaveLength(8);
    expect(log.filter((r) => r.status === 429)).toEqual([]);
  });

  it('with an API key sends it on every request and goes up to 10 per second, still without a 429', async () => {
    harness = await startHarness({
      corpus,
      standIn: ncbiLimits,
      config: { apiKey: 'abc123def456', requestsPerSecond: undefined },
      source: { batchSize: 5 },
    });
    expect(harness.client.requestsPerSecond).toBe(10);

    const result = await collect(harness.source, { from: '2024-01-01', to: '2024-01-31' });

    expect(result.citations).toHaveLength(120);
    const log = harness.standIn.requests;
    expect(log).toHaveLength(1 + 120 / 5);
    expect(log.every((r) => r.params.api_key === 'abc123def456')).toBe(true);
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    // The key's limiter (10 a second) is the one in use, not the keyless one.
    expect(harness.client.rateLimiter.requestsPerSecond).toBe(10);
  });

  it('the stand-in does answer 429 (NCBI body and headers) when a client ignores the limit, and retries recover', async () => {
    harness = await startHarness({
      corpus,
      standIn: ncbiLimits,
      // Far above what the stand-in allows: the burst must hit 429s.
      config: { requestsPerSecond: 1_000, maxAttempts: 8 },
      client: { backoff: { baseDelayMs: 200, maxDelayMs: 1_000 } },
    });
    const searches = await Promise.all(
      Array.from({ length: 6 }, () =>
        harness!.client.esearch({ term: 'burst', mindate: '2024-01-01', maxdate: '2024-01-31' }),
      ),
    );
    expect(searches.every((s) => s.count === 120)).toBe(true);
    const limited = harness.standIn.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.fault === 'rate-limit')).toBe(true);

    // Four requests at once overrun a limit of 3 whatever the earlier traffic left in the window.
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => fetch(`${harness!.standIn.baseUrl}esearch.fcgi?db=pubmed&term=x`)),
    );
    const rejected = responses.find((r) => r.status === 429)!;
    expect(rejected).toBeDefined();
    expect(rejected.headers.get('x-ratelimit-limit')).toBe('3');
    expect(rejected.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(rejected.headers.get('content-type')).toBe('application/json');
    const body = (await rejected.json()) as Record<string, string>;
    expect(body).toMatchObject({ error: 'API rate limit exceeded', 'api-key': '127.0.0.1', limit: '3' });
    expect(Number(body.count)).toBeGreaterThan(3);
  });
});
