// Every failure the stand-in can inject, through PubmedSource over real HTTP. The rule under test: the search
// either completes with every record exactly once, or throws an EutilsError whose message says what went
// wrong. Never a smaller answer.
import { afterEach, describe, expect, it } from 'vitest';
import type { StandInEndpoint, StandInFault } from '../../../cli/demo/eutils-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import {
  EutilsClient,
  ExpiredHistoryError,
  eutilsConfigFromEnv,
} from '../../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../../shared/adapters/pubmed/pubmed-source.ts';
import { EutilsError } from '../../../shared/errors.ts';
import {
  collect,
  expectedPmids,
  failure,
  type Harness,
  type HarnessOptions,
  pmidsOf,
  startHarness,
} from './harness.ts';

const window = { from: '2024-03-01', to: '2024-03-31' };
const corpus = syntheticCorpus(60, { ...window, seed: 42 });
const everyPmid = expectedPmids(corpus, window);

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function withFaults(
  faults: [StandInEndpoint | 'any', StandInFault][],
  options: Partial<HarnessOptions> = {},
): Promise<Harness> {
  harness = await startHarness({ corpus, source: { batchSize: 20 }, ...options });
  for (const [endpoint, fault] of faults) harness.standIn.faults.enqueue(endpoint, fault);
  return harness;
}

/** The search completes, with every record once, and every fault was consumed. */
async function expectComplete(h: Harness) {
  const result = await collect(h.source, window);
  expect(pmidsOf(result.citations)).toEqual(everyPmid);
  expect(h.standIn.faults.pending()).toBe(0);
  return result;
}

function statuses(h: Harness, endpoint: string): number[] {
  return h.standIn.requests.filter((r) => r.endpoint === endpoint).map((r) => r.status);
}

describe('transient faults are retried and the search completes with every record once', () => {
  it('a burst of 429s on efetch', async () => {
    const h = await withFaults([
      ['efetch', { kind: 'status', status: 429 }],
      ['efetch', { kind: 'status', status: 429 }],
      ['efetch', { kind: 'status', status: 429 }],
    ]);
    await expectComplete(h);
    expect(statuses(h, 'efetch').filter((s) => s === 429)).toHaveLength(3);
  });

  it('429 with Retry-After in seconds: nobody retries before it has passed', async () => {
    const h = await withFaults([['efetch', { kind: 'status', status: 429, retryAfter: 1 }]], {
      source: { batchSize: 20, fetchConcurrency: 1 },
    });
    await expectComplete(h);
    const log = h.standIn.requests;
    const limited = log.findIndex((r) => r.status === 429);
    const next = log[limited + 1]!;
    expect(next.params.retstart).toBe(log[limited]!.params.retstart);
    // Server-side times from the request log: the retry arrived at least a second after the 429 left.
    expect(next.time - log[limited]!.finishedAt!).toBeGreaterThanOrEqual(990);
  });

  it('429 with Retry-After as an HTTP-date', async () => {
    const h = await withFaults([], { source: { batchSize: 20, fetchConcurrency: 1 } });
    h.standIn.faults.enqueue('esearch', {
      kind: 'status',
      status: 429,
      // Whole seconds only: 3 s ahead is at least 2 s once truncated.
      retryAfter: new Date(Date.now() + 3_000).toUTCString(),
    });
    await expectComplete(h);
    const [limited, retry] = h.standIn.requests;
    expect(limited!.status).toBe(429);
    expect(retry!.endpoint).toBe('esearch');
    expect(retry!.time - limited!.finishedAt!).toBeGreaterThanOrEqual(1_500);
  });

  it.each([500, 502, 503, 504])('HTTP %i on esearch and on efetch', async (status) => {
    const h = await withFaults([
      ['esearch', { kind: 'status', status }],
      ['efetch', { kind: 'status', status }],
    ]);
    await expectComplete(h);
    expect(statuses(h, 'esearch')).toEqual([status, 200]);
    expect(statuses(h, 'efetch').filter((s) => s === status)).toHaveLength(1);
  });

  it('the 500 page is NCBI-style HTML', async () => {
    const h = await withFaults([['esearch', { kind: 'status', status: 500 }]]);
    const response = await fetch(`${h.standIn.baseUrl}esearch.fcgi?db=pubmed&term=x`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('<title>WWW Error 500 Diagnostic</title>');
  });

  it('a connection reset on esearch and on efetch', async () => {
    const h = await withFaults([
      ['esearch', { kind: 'reset' }],
      ['efetch', { kind: 'reset' }],
    ]);
    await expectComplete(h);
    expect(statuses(h, 'esearch')).toEqual([0, 200]);
    expect(statuses(h, 'efetch').filter((s) => s === 0)).toHaveLength(1);
  });

  it.each(['headers', 'body'] as const)(
    'an answer slower than the timeout (held in its %s) is abandoned and asked again',
    async (phase) => {
      const h = await withFaults([['efetch', { kind: 'slow', delayMs: 2_000, phase }]], {
        config: { timeoutMs: 400 },
        source: { batchSize: 20, fetchConcurrency: 1 },
      });
      await expectComplete(h);
      const efetches = h.standIn.requests.filter((r) => r.endpoint === 'efetch');
      expect(efetches.map((r) => r.fault)).toEqual(['slow', null, null, null]);
      expect(efetches[1]!.params.retstart).toBe(efetches[0]!.params.retstart);
    },
  );

  it.each([true, false])('a body cut in half (gzip: %s) on esearch and on efetch', async (gzip) => {
    const h = await withFaults(
      [
        ['esearch', { kind: 'truncate' }],
        ['efetch', { kind: 'truncate' }],
      ],
      { standIn: { gzip } },
    );
    await expectComplete(h);
    const truncated = h.standIn.requests.filter((r) => r.fault === 'truncate');
    expect(truncated.map((r) => [r.endpoint, r.status])).toEqual([
      ['esearch', 200],
      ['efetch', 200],
    ]);
    expect(h.standIn.requests).toHaveLength(1 + 1 + 3 + 1);
  });

  it('a transient backend ERROR inside HTTP 200, on esearch and on efetch', async () => {
    const message = 'Search Backend failed: Database is not supported: pubmed';
    const h = await withFaults([
      ['esearch', { kind: 'error-in-200', message }],
      ['efetch', { kind: 'error-in-200', message }],
    ]);
    await expectComplete(h);
    expect(h.standIn.requests.filter((r) => r.fault === 'error-in-200').map((r) => r.status)).toEqual([
      200, 200,
    ]);
  });

  it('a record missing from one efetch page is asked for again', async () => {
    const h = await withFaults([['efetch', { kind: 'drop-record' }]], {
      source: { batchSize: 20, fetchConcurrency: 1 },
    });
    await expectComplete(h);
    const efetches = h.standIn.requests.filter((r) => r.endpoint === 'efetch');
    expect(efetches.map((r) => r.params.retstart)).toEqual(['0', '0', '20', '40']);
  });

  it('an expired WebEnv mid-window: searched again, the same Count, continued from the same retstart', async () => {
    const h = await withFaults([], { source: { batchSize: 20, fetchConcurrency: 1 } });
    // The second page finds its history gone (a slow-by-0-ms fault lets the first page through untouched).
    h.standIn.faults.enqueue('efetch', { kind: 'slow', delayMs: 0 });
    h.standIn.faults.enqueue('efetch', { kind: 'expire-webenv' });
    const result = await expectComplete(h);
    expect(result.searched).toHaveLength(1);
    const log = h.standIn.requests.map((r) => [r.endpoint, r.params.retstart, r.params.WebEnv ?? '']);
    const [first, second] = h.standIn.requests.filter((r) => r.endpoint === 'esearch');
    expect(log.map(([endpoint, retstart]) => `${endpoint}@${retstart}`)).toEqual([
      'esearch@0',
      'efetch@0',
      'efetch@20',
      'esearch@0',
      'efetch@20',
      'efetch@40',
    ]);
    const webEnvs = h.standIn.requests.filter((r) => r.endpoint === 'efetch').map((r) => r.params.WebEnv);
    expect(webEnvs[0]).toBe(webEnvs[1]);
    expect(webEnvs[2]).not.toBe(webEnvs[1]);
    expect(webEnvs[2]).toBe(webEnvs[3]);
    expect(first!.status).toBe(200);
    expect(second!.status).toBe(200);
  });

  it('with several pages in flight when the WebEnv expires, they share one renewal', async () => {
    const h = await withFaults([['efetch', { kind: 'expire-webenv' }]], { source: { batchSize: 10 } });
    await expectComplete(h);
    expect(h.standIn.requests.filter((r) => r.endpoint === 'esearch')).toHaveLength(2);
  });
});

describe('faults that cannot be worked around fail with a clear EutilsError', () => {
  it('an ERROR inside HTTP 200 on esearch that is not transient', async () => {
    const h = await withFaults([
      ['esearch', { kind: 'error-in-200', message: 'Invalid query syntax near "AND AND"' }],
    ]);
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect(error.message).toMatch(
      /^pubmed window 2024-03-01\.\.2024-03-31: E-utilities esearch \(http:\/\/127\.0\.0\.1:\d+\/entrez\/eutils\/\) failed \(attempt 1, not retryable\): E-utilities answered ERROR: Invalid query syntax near "AND AND"$/,
    );
    expect(h.standIn.requests).toHaveLength(1);
  });

  it('an ERROR inside HTTP 200 on efetch that is not transient', async () => {
    const h = await withFaults([['efetch', { kind: 'error-in-200', message: 'Invalid retmode & rettype' }]], {
      source: { batchSize: 20, fetchConcurrency: 1 },
    });
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect(error.message).toContain('E-utilities efetch');
    expect(error.message).toContain('E-utilities answered ERROR: Invalid retmode & rettype');
  });

  it('a page short of records twice: "fetched N of M records for window ..."', async () => {
    const h = await withFaults(
      [
        ['efetch', { kind: 'drop-record' }],
        ['efetch', { kind: 'drop-record' }],
      ],
      { source: { batchSize: 20, fetchConcurrency: 1 } },
    );
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect(error.message).toMatch(
      new RegExp(
        `^fetched 19 of ${everyPmid.length} records for window 2024-03-01\\.\\.2024-03-31: the batch at retstart=0 held 19 of 20 records, twice`,
      ),
    );
  });

  it('the history expires and the window has changed since: no resumption', async () => {
    const h = await withFaults([['efetch', { kind: 'expire-webenv' }]], {
      source: { batchSize: 20, fetchConcurrency: 1 },
    });
    let caught: unknown;
    try {
      for await (const event of h.source.search('q', window)) {
        if (event.type === 'searched') {
          // A record PubMed received after our search, in the same window.
          h.standIn.addRecords(
            syntheticCorpus(1, { from: '2024-03-15', to: '2024-03-15', firstPmid: 49_000_000 }),
          );
        }
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EutilsError);
    expect((caught as Error).message).toBe(
      `pubmed window 2024-03-01..2024-03-31: the history server lost the search, and searching again counts ${everyPmid.length + 1} records instead of ${everyPmid.length}; the window changed while it was being fetched, so it cannot be resumed. Run it again.`,
    );
  });

  it('the history expires a second time', async () => {
    const h = await withFaults(
      [
        ['efetch', { kind: 'expire-webenv' }],
        ['efetch', { kind: 'expire-webenv' }],
      ],
      { source: { batchSize: 20, fetchConcurrency: 1 } },
    );
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect(error.message).toMatch(
      /^pubmed window 2024-03-01\.\.2024-03-31: the history server lost the search a second time \(WebEnv MCID_[0-9a-f]{24}\)/,
    );
  });

  it('the client reports a lost history as ExpiredHistoryError', async () => {
    const h = await withFaults([]);
    const search = await h.client.esearch({ term: 'x', mindate: window.from, maxdate: window.to });
    h.standIn.faults.enqueue('efetch', { kind: 'expire-webenv' });
    const error = await h.client
      .efetch({ webEnv: search.webEnv!, queryKey: search.queryKey!, retstart: 0, retmax: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpiredHistoryError);
    expect((error as Error).message).toBe(
      `E-utilities efetch: the history server no longer holds WebEnv ${search.webEnv} query_key 1 (ERROR: Unable to obtain query #1)`,
    );
  });

  it('a persistent 503 exhausts the bounded attempts', async () => {
    const h = await withFaults(
      Array.from(
        { length: 4 },
        () => ['efetch', { kind: 'status', status: 503 }] as [StandInEndpoint, StandInFault],
      ),
      { config: { maxAttempts: 4 }, source: { batchSize: 20, fetchConcurrency: 1 } },
    );
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect((error as EutilsError).retryable).toBe(true);
    expect(error.message).toMatch(
      /^pubmed window 2024-03-01\.\.2024-03-31: E-utilities efetch \(http:\/\/127\.0\.0\.1:\d+\/entrez\/eutils\/\) failed 4 times in \d+\.\d s and reached the limit of 4 attempts; last error: HTTP 503: <!DOCTYPE html/,
    );
    expect(statuses(h, 'efetch')).toEqual([503, 503, 503, 503]);
  });

  it('a Retry-After beyond the retry time limit ends at once', async () => {
    const h = await withFaults([['esearch', { kind: 'status', status: 503, retryAfter: 30 }]], {
      config: { maxRetryTimeMs: 5_000 },
    });
    const error = await failure(h.source, window);
    expect(error.message).toMatch(
      /E-utilities esearch .* failed 1 times in \d+\.\d s and reached the retry time limit of 5 s; last error: HTTP 503/,
    );
    expect(h.standIn.requests).toHaveLength(1);
  });

  it('another 4xx is not retried', async () => {
    const h = await withFaults([['efetch', { kind: 'status', status: 414 }]], {
      source: { batchSize: 20, fetchConcurrency: 1 },
    });
    const error = await failure(h.source, window);
    expect(error).toBeInstanceOf(EutilsError);
    expect((error as EutilsError).retryable).toBe(false);
    expect(error.message).toMatch(/E-utilities efetch .* failed \(attempt 1, not retryable\): HTTP 414: /);
    expect(statuses(h, 'efetch')).toEqual([414]);
  });

  it('nothing listening (connection refused) is retried, then named in the error', async () => {
    const h = await withFaults([]);
    const baseUrl = h.standIn.baseUrl;
    await h.standIn.close();
    const client = new EutilsClient(
      eutilsConfigFromEnv(
        { NCBI_EUTILS_BASE_URL: baseUrl },
        { maxAttempts: 3, timeoutMs: 2_000, requestsPerSecond: 50 },
      ),
      { backoff: { baseDelayMs: 5, maxDelayMs: 20 } },
    );
    try {
      const error = await failure(new PubmedSource(client), window);
      expect(error).toBeInstanceOf(EutilsError);
      expect(error.message).toMatch(
        /E-utilities esearch .* failed 3 times .* limit of 3 attempts; last error: .*ECONNREFUSED/,
      );
    } finally {
      await client.close();
    }
  });
});
