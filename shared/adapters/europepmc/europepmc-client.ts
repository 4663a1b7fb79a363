// Europe PMC's REST search over HTTP (https://www.ebi.ac.uk/europepmc/webservices/rest/search), one page at a
// time: query, format=json, resultType=core, pageSize (at most 1000), cursorMark.
//
// Politeness and failures are the E-utilities client's, from the same shared module (../http/polite-request.ts):
// every request takes a lease from the process-wide limiter of its base URL (5 requests/s unless configured)
// and is retried with full-jitter backoff on what is transient: 429 (Retry-After honoured, and the limiter
// paused for everyone on that URL), 500/502/503/504, dropped or refused connections, timeouts (a whole answer
// slower than timeoutMs), and bodies that are not complete JSON (a page cut short). Retries are bounded in
// attempts and time; then one EuropePmcError names the request, the attempts and the last cause. Any other
// 4xx and an answer Europe PMC marks as an error fail at once. Reading the JSON page is Europe PMC's own, here.
//
// A query longer than POST_QUERY_LENGTH goes to searchPOST as a form body, as Europe PMC asks for long queries.
import { z } from 'zod';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import { LivingReviewError } from '../../errors.ts';
import {
  clientConfigFromEnv,
  positiveInt,
  retryLimitDefaults,
  type ServiceClientConfig,
  serviceClientFields,
  serviceEnvNames,
} from '../http/client-config.ts';
import { idOf, parseItems, parseJsonPage } from '../http/json-answer.ts';
import {
  AttemptFailure,
  type PoliteClientOptions,
  type PoliteHttp,
  politeClientParts,
} from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import {
  type EuropePmcPage,
  type EuropePmcReference,
  europePmcPageSchema,
  europePmcReferencePageSchema,
  europePmcReferenceSchema,
  europePmcResultSchema,
} from './europepmc-record.ts';

/** Europe PMC failed, or answered with something that is not a complete page. */
export class EuropePmcError extends LivingReviewError {}

export const DEFAULT_EUROPEPMC_BASE_URL = 'https://www.ebi.ac.uk/europepmc/webservices/rest/';
export const DEFAULT_EUROPEPMC_REQUESTS_PER_SECOND = 5;
export const MAX_EUROPEPMC_PAGE_SIZE = 1000;
/** Queries longer than this (characters) are sent by POST to searchPOST. */
export const POST_QUERY_LENGTH = 1500;

export interface EuropePmcConfig extends ServiceClientConfig {
  /** Sent as `email` (Europe PMC asks heavy users for a contact). Not sent when absent. */
  email?: string | undefined;
  /** Results per page, 1 to 1000. */
  pageSize: number;
}

const configSchema = z.object({
  ...serviceClientFields,
  email: z.email().optional(),
  pageSize: positiveInt.max(MAX_EUROPEPMC_PAGE_SIZE, `at most ${MAX_EUROPEPMC_PAGE_SIZE}`),
});

/**
 * Reads EUROPEPMC_BASE_URL, EUROPEPMC_EMAIL, EUROPEPMC_TIMEOUT_MS, EUROPEPMC_MAX_ATTEMPTS,
 * EUROPEPMC_MAX_RETRY_TIME_MS, EUROPEPMC_REQUESTS_PER_SECOND and EUROPEPMC_PAGE_SIZE; `overrides` win. Throws
 * ConfigError naming every bad variable.
 */
export function europePmcConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<EuropePmcConfig> = {},
): EuropePmcConfig {
  return clientConfigFromEnv<EuropePmcConfig>({
    what: 'Europe PMC',
    schema: configSchema,
    envNames: {
      ...serviceEnvNames('EUROPEPMC'),
      email: 'EUROPEPMC_EMAIL',
      pageSize: 'EUROPEPMC_PAGE_SIZE',
    },
    defaults: {
      baseUrl: DEFAULT_EUROPEPMC_BASE_URL,
      ...retryLimitDefaults,
      requestsPerSecond: DEFAULT_EUROPEPMC_REQUESTS_PER_SECOND,
      pageSize: MAX_EUROPEPMC_PAGE_SIZE,
    },
    env,
    overrides,
  });
}

export interface EuropePmcSearchRequest {
  query: string;
  /** "*" for the first page, then the previous page's nextCursorMark. */
  cursorMark: string;
  pageSize: number;
}

export type EuropePmcClientOptions = PoliteClientOptions;

export interface EuropePmcReferencesRequest {
  /** The citing article: its Europe PMC source (MED, PMC, PPR, ...) and id. */
  source: string;
  id: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface EuropePmcReferencePage {
  hitCount: number;
  references: EuropePmcReference[];
}

/** What the source needs from a client (EuropePmcClient has it; tests may give their own). */
export interface EuropePmcApi {
  search(request: EuropePmcSearchRequest, options?: { signal?: AbortSignal }): Promise<EuropePmcPage>;
  /** One page of an article's reference list (the citation watch's backward step). */
  references?(
    request: EuropePmcReferencesRequest,
    options?: { signal?: AbortSignal },
  ): Promise<EuropePmcReferencePage>;
  /** Requests sent so far, by endpoint. */
  requestCounts?(): Record<string, number>;
}

/** Reads one page: JSON, the page's shape, then every result's shape (a bad result fails the page). */
export function parseEuropePmcPage(body: string): EuropePmcPage {
  const page = parseJsonPage(body, europePmcPageSchema, 'a search result page', (json) => {
    const error = json as { errCode?: unknown; errMsg?: unknown } | null;
    return error && typeof error === 'object' && (error.errMsg !== undefined || error.errCode !== undefined)
      ? new AttemptFailure(
          `Europe PMC answered an error: ${String(error.errMsg ?? '')} (code ${String(error.errCode ?? '?')})`,
          false,
        )
      : null;
  });
  const results = parseItems(
    page.resultList.result,
    europePmcResultSchema,
    (index, raw) => `Europe PMC result ${index + 1} of the page${idOf(raw)}`,
    (message) => new EuropePmcError(message),
  );
  return { hitCount: page.hitCount, nextCursorMark: page.nextCursorMark ?? null, results };
}

/** Reads one page of the references endpoint; a reference of the wrong shape fails the page. */
export function parseReferencePage(body: string): EuropePmcReferencePage {
  const page = parseJsonPage(body, europePmcReferencePageSchema, 'a reference list');
  const references = parseItems(
    page.referenceList.reference,
    europePmcReferenceSchema,
    (index) => `Europe PMC reference ${index + 1} of the page`,
    (message) => new EuropePmcError(message),
  );
  return { hitCount: page.hitCount, references };
}

export class EuropePmcClient implements EuropePmcApi {
  readonly config: EuropePmcConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;
  private readonly onRetry: EuropePmcClientOptions['onRetry'];

  constructor(config: EuropePmcConfig, options: EuropePmcClientOptions = {}) {
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, EuropePmcError));
    this.onRetry = options.onRetry;
  }

  async search(
    search: EuropePmcSearchRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<EuropePmcPage> {
    const params = new URLSearchParams({
      query: search.query,
      format: 'json',
      resultType: 'core',
      pageSize: String(search.pageSize),
      cursorMark: search.cursorMark,
    });
    if (this.config.email) params.set('email', this.config.email);
    const post = search.query.length > POST_QUERY_LENGTH;
    return this.http.request({
      what: `Europe PMC search (${this.config.baseUrl}, cursorMark ${search.cursorMark})`,
      endpoint: 'search',
      url: post
        ? new URL('searchPOST', this.config.baseUrl).toString()
        : `${new URL('search', this.config.baseUrl).toString()}?${params.toString()}`,
      method: post ? 'POST' : 'GET',
      body: post ? params.toString() : undefined,
      headers: { accept: 'application/json', 'user-agent': 'living-review-monitor (undici)' },
      signal: options.signal,
      // Pages are asked for one after another (each needs the previous page's cursor), so the lease is held
      // for the whole exchange: the next request is spaced from when this answer ended (the limiter's safe mode).
      spacing: 'answered',
      interpret: parseEuropePmcPage,
      onRetry: this.onRetry,
    });
  }

  /** One page of the reference list of article `source`/`id` (GET {source}/{id}/references). */
  async references(
    request: EuropePmcReferencesRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<EuropePmcReferencePage> {
    const params = new URLSearchParams({
      format: 'json',
      page: String(request.page),
      pageSize: String(request.pageSize),
    });
    if (this.config.email) params.set('email', this.config.email);
    const path = `${encodeURIComponent(request.source)}/${encodeURIComponent(request.id)}/references`;
    return this.http.request({
      what: `Europe PMC references of ${request.source}/${request.id} (${this.config.baseUrl}, page ${request.page})`,
      endpoint: 'references',
      url: `${new URL(path, this.config.baseUrl).toString()}?${params.toString()}`,
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'living-review-monitor (undici)' },
      signal: options.signal,
      spacing: 'answered',
      interpret: parseReferencePage,
      onRetry: this.onRetry,
    });
  }

  /** Every request this client has sent, by endpoint, retries included. */
  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
