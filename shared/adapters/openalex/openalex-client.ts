// OpenAlex's works list over HTTP (https://api.openalex.org/works): filter, per_page (at most 100), cursor
// paging, the api key (required since February 2026) and a contact address (mailto).
//
// What it costs: OpenAlex meters a daily budget per key ($1/day free with a key; a list or filter call costs
// $0.0001, a singleton is free; $0.01/day without a key) and answers 429 once it is spent. Every answer's
// X-RateLimit-*-USD headers (limit, remaining, cost of this call; the credit-named headers of its earlier docs
// are read too) are kept as `budget`, and the client refuses to send a request the remaining budget cannot pay
// for. A 429 that says the budget is spent (remaining 0, or a body about the daily limit) is final and carries
// AllowanceExhaustedError: the citation watch is then deferred, and Europe PMC runs alone. Any other 429 (the
// 100 requests/s ceiling) is retried after Retry-After, as are 5xx, resets, timeouts and cut JSON
// (../http/polite-request.ts); the process-wide limiter keeps to OPENALEX_REQUESTS_PER_SECOND (10 by default,
// a tenth of OpenAlex's ceiling).
import { z } from 'zod';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import { AllowanceExhaustedError, LivingReviewError } from '../../errors.ts';
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
  type AnswerMeta,
  type PoliteClientOptions,
  type PoliteHttp,
  politeClientParts,
  snippet,
} from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import { type OpenAlexWork, openAlexListSchema, openAlexWorkSchema } from './openalex-work.ts';

/** OpenAlex failed, or answered with something that is not a complete page. */
export class OpenAlexError extends LivingReviewError {}

export const DEFAULT_OPENALEX_BASE_URL = 'https://api.openalex.org/';
export const MAX_OPENALEX_PER_PAGE = 100;
/** What OpenAlex charges for one list or filter call (its pricing: $0.10 per 1,000). */
export const OPENALEX_LIST_CALL_USD = 0.0001;

export interface OpenAlexConfig extends ServiceClientConfig {
  /** Sent as api_key. In AWS it comes from Secrets Manager (OPENALEX_API_KEY_SECRET_ARN), never the env. */
  apiKey?: string | undefined;
  /** Sent as mailto (OpenAlex's contact for a client that misbehaves). */
  email?: string | undefined;
  perPage: number;
}

const configSchema = z.object({
  ...serviceClientFields,
  apiKey: z.string().min(1).optional(),
  email: z.email().optional(),
  perPage: positiveInt.max(MAX_OPENALEX_PER_PAGE, `at most ${MAX_OPENALEX_PER_PAGE}`),
});

/**
 * Reads OPENALEX_BASE_URL, OPENALEX_API_KEY, OPENALEX_EMAIL, OPENALEX_TIMEOUT_MS, OPENALEX_MAX_ATTEMPTS,
 * OPENALEX_MAX_RETRY_TIME_MS, OPENALEX_REQUESTS_PER_SECOND and OPENALEX_PER_PAGE; `overrides` win (the Lambda
 * passes the key it read from Secrets Manager). Throws ConfigError naming every bad variable.
 */
export function openAlexConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<OpenAlexConfig> = {},
): OpenAlexConfig {
  return clientConfigFromEnv<OpenAlexConfig>({
    what: 'OpenAlex',
    schema: configSchema,
    envNames: {
      ...serviceEnvNames('OPENALEX'),
      apiKey: 'OPENALEX_API_KEY',
      email: 'OPENALEX_EMAIL',
      perPage: 'OPENALEX_PER_PAGE',
    },
    defaults: {
      baseUrl: DEFAULT_OPENALEX_BASE_URL,
      ...retryLimitDefaults,
      requestsPerSecond: 10,
      perPage: MAX_OPENALEX_PER_PAGE,
    },
    env,
    overrides,
  });
}

/** The daily budget as OpenAlex's last answer stated it. */
export interface OpenAlexBudget {
  unit: 'USD' | 'credits';
  limit: number | null;
  remaining: number;
  /** What the last call cost. */
  lastCost: number | null;
}

export interface OpenAlexPage {
  count: number;
  nextCursor: string | null;
  results: OpenAlexWork[];
}

export interface OpenAlexListRequest {
  /** OpenAlex filter syntax, e.g. "cites:W1|W2,from_created_date:2026-01-01". */
  filter: string;
  /** "*" for the first page, then the previous page's next_cursor. */
  cursor: string;
  perPage: number;
  /** Fields to return (select=), all when absent. */
  select?: readonly string[];
}

/** What the citation watch needs from a client. */
export interface OpenAlexApi {
  listWorks(request: OpenAlexListRequest, options?: { signal?: AbortSignal }): Promise<OpenAlexPage>;
  readonly budget: OpenAlexBudget | null;
  requestCounts?(): RequestCounts;
}

function number(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** The budget headers of an answer: the USD ones of OpenAlex's current docs, else the credit-named ones. */
export function budgetOf(headers: Readonly<Record<string, string>>): OpenAlexBudget | null {
  const usd = number(headers['x-ratelimit-remaining-usd']);
  if (usd !== null) {
    return {
      unit: 'USD',
      limit: number(headers['x-ratelimit-limit-usd']),
      remaining: usd,
      lastCost: number(headers['x-ratelimit-cost-usd']),
    };
  }
  const credits = number(headers['x-ratelimit-remaining']);
  if (credits !== null) {
    return {
      unit: 'credits',
      limit: number(headers['x-ratelimit-limit']),
      remaining: credits,
      lastCost: number(headers['x-ratelimit-credits-used']),
    };
  }
  return null;
}

/** "$0.9970 of $1.00 left today" / "99,700 of 100,000 credits left today". */
export function describeBudget(budget: OpenAlexBudget): string {
  if (budget.unit === 'USD') {
    return `$${budget.remaining.toFixed(4)}${budget.limit === null ? '' : ` of $${budget.limit.toFixed(2)}`} left today`;
  }
  return `${budget.remaining.toLocaleString('en')}${budget.limit === null ? '' : ` of ${budget.limit.toLocaleString('en')}`} credits left today`;
}

/** Reads one list page: JSON, the page's shape, then every work's shape (a bad work fails the page). */
export function parseOpenAlexPage(body: string): OpenAlexPage {
  const page = parseJsonPage(body, openAlexListSchema, 'a list of works');
  const results = parseItems(
    page.results,
    openAlexWorkSchema,
    (index, raw) => `OpenAlex work ${index + 1} of the page${idOf(raw)}`,
    (message) => new OpenAlexError(message),
  );
  return { count: page.meta.count, nextCursor: page.meta.next_cursor ?? null, results };
}

export class OpenAlexClient implements OpenAlexApi {
  readonly config: OpenAlexConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;
  private readonly onRetry: PoliteClientOptions['onRetry'];
  private lastBudget: OpenAlexBudget | null = null;

  constructor(config: OpenAlexConfig, options: PoliteClientOptions = {}) {
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, OpenAlexError, config.apiKey ?? null));
    this.onRetry = options.onRetry;
  }

  /** The daily budget as the last answer stated it (null before any answer, or without the headers). */
  get budget(): OpenAlexBudget | null {
    return this.lastBudget;
  }

  async listWorks(
    request: OpenAlexListRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<OpenAlexPage> {
    const budget = this.lastBudget;
    if (budget && budget.remaining < (budget.unit === 'USD' ? OPENALEX_LIST_CALL_USD : 1)) {
      throw this.exhausted(`the daily budget is spent (${describeBudget(budget)}); no request sent`);
    }
    const params = new URLSearchParams({
      filter: request.filter,
      per_page: String(request.perPage),
      cursor: request.cursor,
    });
    if (request.select?.length) params.set('select', request.select.join(','));
    if (this.config.apiKey) params.set('api_key', this.config.apiKey);
    if (this.config.email) params.set('mailto', this.config.email);
    const keep = (answer: AnswerMeta) => {
      const stated = budgetOf(answer.headers);
      if (stated) this.lastBudget = stated;
    };
    return this.http.request({
      what: `OpenAlex works (${this.config.baseUrl}, cursor ${request.cursor.slice(0, 24)})`,
      endpoint: 'works',
      url: `${new URL('works', this.config.baseUrl).toString()}?${params.toString()}`,
      method: 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': `living-review-monitor (undici${this.config.email ? `; mailto:${this.config.email}` : ''})`,
      },
      signal: options.signal,
      // Pages follow one another (each needs the last cursor): the next is spaced from this one's end.
      spacing: 'answered',
      interpret: (text, answer) => {
        keep(answer);
        return parseOpenAlexPage(text);
      },
      classify: (text, answer) => {
        keep(answer);
        if (answer.status !== 429) return null;
        const stated = budgetOf(answer.headers);
        if ((stated && stated.remaining <= 0) || /daily|budget|credits|per day/i.test(text)) {
          return this.exhausted(`the daily budget is spent (HTTP 429: ${snippet(text, 120)})`);
        }
        return null;
      },
      onRetry: this.onRetry,
    });
  }

  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private exhausted(why: string): OpenAlexError {
    const message = `OpenAlex: ${why}; the citation watch goes on with Europe PMC alone and reads this window again on the next run`;
    return new OpenAlexError(message, { cause: new AllowanceExhaustedError(message), retryable: false });
  }
}
