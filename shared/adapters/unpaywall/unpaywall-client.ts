// Unpaywall's REST API (https://api.unpaywall.org/v2/<doi>?email=...): where a work's open-access copy is, by
// DOI. Unpaywall asks every caller for a contact e-mail (it answers 422 without a valid one) and to stay under
// 100,000 calls a day; it answers 404 for a DOI it does not know.
//
// Politeness and failures are the literature clients' (../http/polite-request.ts): every request takes a lease
// from the process-wide limiter of its base URL (UNPAYWALL_REQUESTS_PER_SECOND, default 2: far under the daily
// allowance, and lookups come one record at a time as reviewers open them), and is retried with backoff on what
// is transient (429 with Retry-After, 5xx, dropped connections, timeouts, a body that is not complete JSON)
// within a short budget, since a reviewer is waiting. A 404 is an answer ("no open-access copy known"), not a
// failure; 422 and any other 4xx fail at once with the reason.
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { formatIssues } from '../../domain/zod-issues.ts';
import { ConfigError, LivingReviewError } from '../../errors.ts';
import type { OpenAccessAnswer, OpenAccessLookup } from '../../ports/full-text.ts';
import { clientConfigFromEnv, httpBaseUrl, retryLimitFields } from '../http/client-config.ts';
import { AttemptFailure, type PoliteHttp, politeClientParts, snippet } from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import type { RetryAttemptInfo, RetryPolicy } from '../http/retry.ts';

/** Unpaywall failed, or answered with something that is not a DOI record. */
export class UnpaywallError extends LivingReviewError {}

export const DEFAULT_UNPAYWALL_BASE_URL = 'https://api.unpaywall.org/v2/';

export interface UnpaywallConfig {
  /** Ends with a slash; the DOI is appended. */
  baseUrl: string;
  /** Sent as `email` with every request, as Unpaywall requires. */
  email: string;
  timeoutMs: number;
  maxAttempts: number;
  maxRetryTimeMs: number;
  requestsPerSecond: number;
}

const configSchema = z.object({
  baseUrl: httpBaseUrl,
  email: z.email({ error: 'an e-mail address is required: Unpaywall refuses calls without one' }),
  ...retryLimitFields,
  requestsPerSecond: z.coerce.number().positive(),
});

/**
 * Reads UNPAYWALL_EMAIL (required), UNPAYWALL_BASE_URL, UNPAYWALL_TIMEOUT_MS, UNPAYWALL_MAX_ATTEMPTS,
 * UNPAYWALL_MAX_RETRY_TIME_MS and UNPAYWALL_REQUESTS_PER_SECOND; `overrides` win. Null when no e-mail is
 * configured (the full-text view then says lookups are off); a ConfigError naming every bad variable otherwise.
 */
export function unpaywallConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<UnpaywallConfig> = {},
): UnpaywallConfig | null {
  if (!(env.UNPAYWALL_EMAIL ?? '').trim() && !overrides.email) return null;
  return clientConfigFromEnv<UnpaywallConfig>({
    what: 'Unpaywall',
    schema: configSchema,
    envNames: {
      baseUrl: 'UNPAYWALL_BASE_URL',
      email: 'UNPAYWALL_EMAIL',
      timeoutMs: 'UNPAYWALL_TIMEOUT_MS',
      maxAttempts: 'UNPAYWALL_MAX_ATTEMPTS',
      maxRetryTimeMs: 'UNPAYWALL_MAX_RETRY_TIME_MS',
      requestsPerSecond: 'UNPAYWALL_REQUESTS_PER_SECOND',
    },
    // A reviewer waits for the answer: short timeouts and a short retry budget.
    defaults: {
      baseUrl: DEFAULT_UNPAYWALL_BASE_URL,
      timeoutMs: 8_000,
      maxAttempts: 3,
      maxRetryTimeMs: 12_000,
      requestsPerSecond: 2,
    },
    env,
    overrides,
  });
}

const locationSchema = z.object({
  url: z.string().nullable().optional(),
  url_for_pdf: z.string().nullable().optional(),
  url_for_landing_page: z.string().nullable().optional(),
  host_type: z.string().nullable().optional(),
  license: z.string().nullable().optional(),
  version: z.string().nullable().optional(),
  repository_institution: z.string().nullable().optional(),
});

const recordSchema = z.object({
  doi: z.string(),
  is_oa: z.boolean(),
  best_oa_location: locationSchema.nullable().optional(),
});

const httpUrl = (value: string | null | undefined): string | null => {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
};

/** One DOI record -> the answer (only http(s) links are kept: they end up as links on the page). */
export function parseUnpaywallRecord(body: string): OpenAccessAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AttemptFailure(
      `the answer is not complete JSON (${body.length} characters): "${snippet(body, 80)}"`,
      true,
    );
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, '(record)');
    throw new AttemptFailure(`the answer is not a DOI record (${issues}): "${snippet(body, 160)}"`, false);
  }
  const best = parsed.data.best_oa_location;
  const pdfUrl = httpUrl(best?.url_for_pdf);
  const url = httpUrl(best?.url) ?? httpUrl(best?.url_for_landing_page) ?? pdfUrl;
  if (!parsed.data.is_oa || !best || !url) return { found: false, location: null };
  return {
    found: true,
    location: {
      url,
      pdfUrl,
      hostType: best.host_type ?? null,
      license: best.license ?? null,
      version: best.version ?? null,
      repository: best.repository_institution ?? null,
    },
  };
}

export interface UnpaywallClientOptions {
  dispatcher?: Dispatcher;
  rateLimiter?: RateLimiter;
  backoff?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  random?: () => number;
  onRetry?: (info: RetryAttemptInfo) => void;
}

export class UnpaywallClient implements OpenAccessLookup {
  readonly config: UnpaywallConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;
  private readonly onRetry: UnpaywallClientOptions['onRetry'];

  constructor(config: UnpaywallConfig, options: UnpaywallClientOptions = {}) {
    if (!config.email) throw new ConfigError('Unpaywall needs an e-mail address (UNPAYWALL_EMAIL)');
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, UnpaywallError));
    this.onRetry = options.onRetry;
  }

  async lookup(doi: string, options: { signal?: AbortSignal } = {}): Promise<OpenAccessAnswer> {
    const url = `${new URL(encodeURIComponent(doi).replace(/%2F/gi, '/'), this.config.baseUrl).toString()}?${new URLSearchParams({ email: this.config.email })}`;
    try {
      return await this.http.request<OpenAccessAnswer>({
        what: `Unpaywall lookup of doi:${doi} (${this.config.baseUrl})`,
        url,
        method: 'GET',
        body: undefined,
        headers: { accept: 'application/json', 'user-agent': 'living-review-monitor (undici)' },
        signal: options.signal,
        spacing: 'sent',
        interpret: parseUnpaywallRecord,
        onRetry: this.onRetry,
      });
    } catch (error) {
      // Unpaywall's 404: a DOI it has no record of. That is an answer.
      const cause = (error as { cause?: unknown }).cause;
      if (error instanceof UnpaywallError && cause instanceof AttemptFailure && cause.status === 404) {
        return { found: false, location: null };
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
