// The Unpaywall client over real HTTP against its loopback stand-in (cli/demo/unpaywall-stand-in.ts): answers,
// "no copy known" (closed works and DOIs Unpaywall does not know), the e-mail Unpaywall requires, transient
// failures retried (429 with Retry-After, 503, resets, cut bodies, stalls), final errors naming the DOI, and the
// rate it keeps to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnpaywallStandIn, type UnpaywallStandIn } from '../../../cli/demo/unpaywall-stand-in.ts';
import { RateLimiter } from '../../../shared/adapters/http/rate-limiter.ts';
import {
  UnpaywallClient,
  type UnpaywallConfig,
  UnpaywallError,
  unpaywallConfigFromEnv,
} from '../../../shared/adapters/unpaywall/unpaywall-client.ts';
import { ConfigError } from '../../../shared/errors.ts';

let standIn: UnpaywallStandIn;

const CORPUS = [
  {
    doi: '10.5555/iesm.open',
    title: 'An open case',
    best: {
      url: 'https://europepmc.org/articles/PMC1234567',
      url_for_pdf: 'https://europepmc.org/articles/PMC1234567?pdf=render',
      host_type: 'repository' as const,
      license: 'cc-by',
      version: 'publishedVersion',
      repository_institution: 'Europe PMC',
    },
  },
  { doi: '10.5555/iesm.closed', best: null },
  {
    doi: '10.5555/iesm.unsafe',
    best: {
      url: 'javascript:alert(1)',
      url_for_pdf: '',
      host_type: 'publisher' as const,
      license: null,
      version: 'publishedVersion',
    },
  },
];

function client(overrides: Partial<UnpaywallConfig> = {}, rate = 50): UnpaywallClient {
  const config = unpaywallConfigFromEnv(
    { UNPAYWALL_BASE_URL: standIn.baseUrl, UNPAYWALL_EMAIL: 'monitor-tests@example.org' },
    { timeoutMs: 1_000, maxAttempts: 3, maxRetryTimeMs: 5_000, ...overrides },
  )!;
  return new UnpaywallClient(config, {
    rateLimiter: new RateLimiter({ requestsPerSecond: rate }),
    backoff: { baseDelayMs: 5, maxDelayMs: 50 },
  });
}

beforeAll(async () => {
  standIn = await startUnpaywallStandIn({ corpus: CORPUS, rateLimit: 1000 });
});

afterAll(async () => {
  await standIn?.close();
});

describe('Function: unpaywallConfigFromEnv', () => {
  it('turns lookups off without an e-mail, and names every bad variable', () => {
    expect(unpaywallConfigFromEnv({})).toBeNull();
    expect(unpaywallConfigFromEnv({ UNPAYWALL_EMAIL: '  ' })).toBeNull();
    expect(unpaywallConfigFromEnv({ UNPAYWALL_EMAIL: 'team@example.org' })).toMatchObject({
      baseUrl: 'https://api.unpaywall.org/v2/',
      email: 'team@example.org',
      requestsPerSecond: 2,
    });
    expect(() =>
      unpaywallConfigFromEnv({ UNPAYWALL_EMAIL: 'not an address', UNPAYWALL_REQUESTS_PER_SECOND: '-1' }),
    ).toThrow(ConfigError);
    try {
      unpaywallConfigFromEnv({ UNPAYWALL_EMAIL: 'not an address', UNPAYWALL_BASE_URL: 'ftp://x' });
    } catch (error) {
      expect((error as Error).message).toContain('UNPAYWALL_EMAIL');
      expect((error as Error).message).toContain('UNPAYWALL_BASE_URL');
    }
  });
});

describe('Class: UnpaywallClient', () => {
  it('finds the best open-access location, sending the e-mail', async () => {
    const c = client();
    try {
      const answer = await c.lookup('10.5555/IESM.OPEN');
      expect(answer).toEqual({
        found: true,
        location: {
          url: 'https://europepmc.org/articles/PMC1234567',
          pdfUrl: 'https://europepmc.org/articles/PMC1234567?pdf=render',
          hostType: 'repository',
          license: 'cc-by',
          version: 'publishedVersion',
          repository: 'Europe PMC',
        },
      });
      const request = standIn.requests.at(-1)!;
      expect(request).toMatchObject({
        doi: '10.5555/IESM.OPEN',
        email: 'monitor-tests@example.org',
        status: 200,
      });
    } finally {
      await c.close();
    }
  });

  it('answers "none known" for a closed work and for a DOI Unpaywall does not know (its 404)', async () => {
    const c = client();
    try {
      expect(await c.lookup('10.5555/iesm.closed')).toEqual({ found: false, location: null });
      expect(await c.lookup('10.5555/never.heard')).toEqual({ found: false, location: null });
      expect(standIn.requests.at(-1)?.status).toBe(404);
    } finally {
      await c.close();
    }
  });

  it('keeps no link that is not http(s)', async () => {
    const c = client();
    try {
      expect(await c.lookup('10.5555/iesm.unsafe')).toEqual({ found: false, location: null });
    } finally {
      await c.close();
    }
  });

  it('retries 429 (waiting as told), 503, a reset, a cut body and a stall, then answers', async () => {
    const c = client({ maxAttempts: 6, timeoutMs: 300 });
    try {
      standIn.faults.enqueue({ kind: 'status', status: 429, retryAfter: 1 });
      standIn.faults.enqueue({ kind: 'status', status: 503 });
      standIn.faults.enqueue({ kind: 'reset' });
      standIn.faults.enqueue({ kind: 'truncate' });
      standIn.faults.enqueue({ kind: 'slow', delayMs: 1_000 });
      const before = standIn.requests.length;
      const started = Date.now();
      const answer = await c.lookup('10.5555/iesm.open');
      expect(answer.found).toBe(true);
      const seen = standIn.requests.slice(before);
      expect(seen.map((r) => r.fault)).toEqual(['status', 'status', 'reset', 'truncate', 'slow', null]);
      // Retry-After: 1 second was honoured before the second attempt.
      expect(seen[1]!.time - seen[0]!.time).toBeGreaterThanOrEqual(950);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    } finally {
      await c.close();
    }
  });

  it('fails at once on a refused e-mail (422), naming the DOI and the reason', async () => {
    const config = unpaywallConfigFromEnv(
      { UNPAYWALL_BASE_URL: standIn.baseUrl, UNPAYWALL_EMAIL: 'monitor-tests@example.org' },
      { maxAttempts: 3 },
    )!;
    // An address the service refuses (the stand-in checks the shape, as Unpaywall does).
    const c = new UnpaywallClient(
      { ...config, email: 'x@y' },
      { rateLimiter: new RateLimiter({ requestsPerSecond: 50 }) },
    );
    const before = standIn.requests.length;
    try {
      const failure = await c.lookup('10.5555/iesm.open').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UnpaywallError);
      expect((failure as UnpaywallError).retryable).toBe(false);
      expect((failure as Error).message).toContain('doi:10.5555/iesm.open');
      expect((failure as Error).message).toContain('HTTP 422');
      expect(standIn.requests.length - before).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('gives up after its attempts with a retryable error saying how often it tried', async () => {
    const c = client({ maxAttempts: 2 });
    try {
      standIn.faults.enqueue({ kind: 'status', status: 503 });
      standIn.faults.enqueue({ kind: 'status', status: 502 });
      const failure = await c.lookup('10.5555/iesm.open').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UnpaywallError);
      expect((failure as UnpaywallError).retryable).toBe(true);
      expect((failure as Error).message).toContain('failed 2 times');
    } finally {
      await c.close();
    }
  });

  it('keeps to its rate: five lookups at 4/s take at least a second, and the stand-in never limits it', async () => {
    const limited = await startUnpaywallStandIn({ corpus: CORPUS, rateLimit: 4 });
    const config = unpaywallConfigFromEnv(
      { UNPAYWALL_BASE_URL: limited.baseUrl, UNPAYWALL_EMAIL: 'monitor-tests@example.org' },
      { requestsPerSecond: 4 },
    )!;
    const c = new UnpaywallClient(config);
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 5 }, () => c.lookup('10.5555/iesm.open')));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(limited.requests.every((r) => r.status === 200)).toBe(true);
      expect(limited.requests).toHaveLength(5);
    } finally {
      await c.close();
      await limited.close();
    }
  });
});
