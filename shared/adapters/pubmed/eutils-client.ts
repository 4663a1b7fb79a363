// NCBI E-utilities over HTTP: esearch (into the history server) and efetch (out of it).
//
// Every request is a POST (queries can be long; efetch batches of hundreds of records), carries tool, email
// and api_key, waits for the process-wide rate limiter of its key, and is retried on what is transient:
// 429 (Retry-After honoured), 500/502/503/504, dropped or refused connections, timeouts (a whole response
// slower than timeoutMs is aborted), damaged bodies (cut short, not XML), and E-utilities' "Search Backend
// failed" ERROR inside an HTTP 200. Retries are bounded in attempts and in time; then one EutilsError says
// which endpoint failed, how often it was tried and why. Any other 4xx and any other ERROR fail at once.
// The HTTP, retry and rate-limiter plumbing is shared with Europe PMC (../http/polite-request.ts); what is
// E-utilities' own (reading the bodies, ERROR inside a 200, the history server) is here.
//
// An ERROR about the WebEnv / query key (the history server forgot the search) is ExpiredHistoryError: only a
// new esearch helps, which is the caller's decision (PubmedSource re-runs the search once).
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import { decodeEntities } from '../../domain/text/entities.ts';
import { EutilsError, InputError } from '../../errors.ts';
import {
  clientConfigFromEnv,
  httpBaseUrl,
  retryLimitDefaults,
  retryLimitFields,
} from '../http/client-config.ts';
import { AttemptFailure, type PoliteHttp, politeClientParts, snippet } from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import type { RetryAttemptInfo, RetryPolicy } from '../http/retry.ts';
import { type EsearchResult, parseEsearchXml } from './esearch-response.ts';

// Moved to the shared HTTP module; still exported here for the callers that import it from the client.
export { isTransientNetworkError } from '../http/polite-request.ts';

export const DEFAULT_EUTILS_BASE_URL = 'https://eutils.ncbi.nlm.nih.gov/entrez/eutils/';
export const DEFAULT_TOOL = 'living-review-monitor';

export interface EutilsConfig {
  /** Ends with a slash; endpoints (esearch.fcgi, efetch.fcgi) are resolved against it. */
  baseUrl: string;
  /** NCBI's `tool`: no spaces. */
  tool: string;
  /** NCBI's `email`: the operator's address. Not sent when absent (NCBI asks for it; we do not invent one). */
  email?: string | undefined;
  /** NCBI's `api_key` (10 requests/s instead of 3). In AWS it comes from Secrets Manager, not the env. */
  apiKey?: string | undefined;
  /** The most one attempt may take, headers and body together. */
  timeoutMs: number;
  maxAttempts: number;
  /** No retry starts later than this after the first attempt. */
  maxRetryTimeMs: number;
  /** Defaults to NCBI's allowance: 3 without a key, 10 with one. Raise only with NCBI's agreement. */
  requestsPerSecond?: number | undefined;
}

export const eutilsConfigSchema = z.object({
  baseUrl: httpBaseUrl,
  tool: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a tool name without spaces'),
  email: z.email().optional(),
  apiKey: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'expected an NCBI API key (letters and digits)')
    .optional(),
  ...retryLimitFields,
  requestsPerSecond: z.coerce.number().positive().optional(),
});

/**
 * Reads NCBI_EUTILS_BASE_URL, NCBI_TOOL, NCBI_EMAIL, NCBI_API_KEY, NCBI_TIMEOUT_MS, NCBI_MAX_ATTEMPTS,
 * NCBI_MAX_RETRY_TIME_MS and NCBI_REQUESTS_PER_SECOND; `overrides` win (the Lambda passes the API key it read
 * from Secrets Manager). Throws ConfigError naming every bad variable.
 */
export function eutilsConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<EutilsConfig> = {},
): EutilsConfig {
  return clientConfigFromEnv<EutilsConfig>({
    what: 'E-utilities',
    schema: eutilsConfigSchema,
    envNames: {
      baseUrl: 'NCBI_EUTILS_BASE_URL',
      tool: 'NCBI_TOOL',
      email: 'NCBI_EMAIL',
      apiKey: 'NCBI_API_KEY',
      timeoutMs: 'NCBI_TIMEOUT_MS',
      maxAttempts: 'NCBI_MAX_ATTEMPTS',
      maxRetryTimeMs: 'NCBI_MAX_RETRY_TIME_MS',
      requestsPerSecond: 'NCBI_REQUESTS_PER_SECOND',
    },
    defaults: { baseUrl: DEFAULT_EUTILS_BASE_URL, tool: DEFAULT_TOOL, ...retryLimitDefaults },
    env,
    overrides,
  });
}

/** The history server no longer holds the WebEnv / query_key: run esearch again. */
export class ExpiredHistoryError extends EutilsError {}

export interface EsearchRequest {
  term: string;
  /** Inclusive, YYYY-MM-DD or YYYY/MM/DD, on Create Date (crdt). */
  mindate: string;
  maxdate: string;
}

export interface EfetchRequest {
  webEnv: string;
  queryKey: string;
  retstart: number;
  retmax: number;
}

export interface EutilsClientOptions {
  /**
   * Defaults to a keep-alive Agent of this client's own. A dispatcher composed with interceptors does not pass
   * on onRequestSent; the limiter then spaces requests from when each answer ended: safe, but one at a time.
   */
  dispatcher?: Dispatcher;
  /** Defaults to the process-wide limiter of (baseUrl, apiKey). */
  rateLimiter?: RateLimiter;
  /** Backoff shape; attempts and total time come from the config. */
  backoff?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  random?: () => number;
  onRetry?: (info: RetryAttemptInfo & { endpoint: string }) => void;
}

type Endpoint = 'esearch' | 'efetch';

/** E-utilities ERROR texts that are transient backend trouble, not a fault in the request. */
function isTransientErrorText(text: string): boolean {
  if (/cannot be larger than 9998/i.test(text)) return false;
  return /search backend failed|temporarily unavailable|please try again/i.test(text);
}

function isHistoryErrorText(text: string): boolean {
  return /webenv|query_key|query key|unable to obtain query|history/i.test(text);
}

/** The root element's name, after the XML declaration, DOCTYPE and comments. */
function rootElement(xml: string): string | null {
  const match =
    /^\s*(?:<\?[\s\S]*?\?>\s*)?(?:<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*)/.exec(
      xml,
    );
  return match?.[1] ?? null;
}

/** How a PubmedArticleSet response should end; anything else was cut short. */
function isCompletePubmedArticleSet(xml: string): boolean {
  const tail = xml.trimEnd();
  return tail.endsWith('</PubmedArticleSet>') || /<PubmedArticleSet\s*\/>$/.test(tail);
}

export class EutilsClient {
  readonly config: EutilsConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;
  private readonly onRetry: EutilsClientOptions['onRetry'];

  constructor(config: EutilsConfig, options: EutilsClientOptions = {}) {
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, EutilsError, config.apiKey ?? null));
    this.onRetry = options.onRetry;
  }

  /** The rate this client's requests are spaced at. */
  get requestsPerSecond(): number {
    return this.rateLimiter.requestsPerSecond;
  }

  /**
   * Searches PubMed over Create Date [crdt] and leaves the matching ids on the history server
   * (usehistory=y, retmax=0): the result carries Count, WebEnv and QueryKey, and no ids.
   */
  async esearch(search: EsearchRequest, options: { signal?: AbortSignal } = {}): Promise<EsearchResult> {
    const params = {
      db: 'pubmed',
      term: search.term,
      usehistory: 'y',
      datetype: 'crdt',
      mindate: eutilsDate(search.mindate),
      maxdate: eutilsDate(search.maxdate),
      retstart: '0',
      retmax: '0',
      retmode: 'xml',
    };
    return this.call('esearch', params, options.signal, (text) => {
      let parsed: ReturnType<typeof parseEsearchXml>;
      try {
        parsed = parseEsearchXml(text);
      } catch (error) {
        if (error instanceof InputError) throw new AttemptFailure(error.message, true);
        throw error;
      }
      if (parsed.kind === 'error') {
        const text = parsed.errors.join('; ');
        throw new AttemptFailure(`E-utilities answered ERROR: ${text}`, isTransientErrorText(text));
      }
      if (parsed.webEnv === null || parsed.queryKey === null) {
        throw new AttemptFailure('esearch answered without WebEnv/QueryKey although usehistory=y', true);
      }
      return parsed;
    });
  }

  /** One page of the history set as PubMed XML (a complete PubmedArticleSet document). */
  async efetch(page: EfetchRequest, options: { signal?: AbortSignal } = {}): Promise<string> {
    const params = {
      db: 'pubmed',
      WebEnv: page.webEnv,
      query_key: page.queryKey,
      retstart: String(page.retstart),
      retmax: String(page.retmax),
      retmode: 'xml',
    };
    return this.call('efetch', params, options.signal, (text) => {
      const root = rootElement(text);
      if (root === 'PubmedArticleSet') {
        if (!isCompletePubmedArticleSet(text)) {
          throw new AttemptFailure(
            `the PubmedArticleSet was cut short after ${text.length} characters (no closing tag)`,
            true,
          );
        }
        return text;
      }
      const errors = [...text.matchAll(/<ERROR>([\s\S]*?)<\/ERROR>/g)].map((m) =>
        decodeEntities(m[1] ?? '').trim(),
      );
      if (errors.length > 0) {
        const message = errors.join('; ');
        if (isHistoryErrorText(message)) {
          throw new ExpiredHistoryError(
            `E-utilities efetch: the history server no longer holds WebEnv ${page.webEnv} query_key ${page.queryKey} (ERROR: ${message})`,
            { retryable: true },
          );
        }
        throw new AttemptFailure(`E-utilities answered ERROR: ${message}`, isTransientErrorText(message));
      }
      throw new AttemptFailure(
        root === null
          ? `the response is not XML (or was cut short): "${snippet(text, 80)}"`
          : `expected a PubmedArticleSet, got <${root}>: "${snippet(text, 120)}"`,
        true,
      );
    });
  }

  /** Every request this client has sent, by endpoint (esearch, efetch), retries included. */
  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private call<T>(
    endpoint: Endpoint,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
    interpret: (text: string) => T,
  ): Promise<T> {
    const body = new URLSearchParams(params);
    body.set('tool', this.config.tool);
    if (this.config.email) body.set('email', this.config.email);
    if (this.config.apiKey) body.set('api_key', this.config.apiKey);
    return this.http.request({
      what: `E-utilities ${endpoint} (${this.config.baseUrl})`,
      endpoint,
      url: new URL(`${endpoint}.fcgi`, this.config.baseUrl).toString(),
      // Always POST: queries can be long, and efetch batches hold hundreds of records.
      method: 'POST',
      body: body.toString(),
      headers: { 'user-agent': `${this.config.tool} (undici)` },
      signal,
      // PubmedSource fetches pages concurrently: the next may start as soon as this one has left.
      spacing: 'sent',
      interpret,
      onRetry: (info) => this.onRetry?.({ ...info, endpoint }),
    });
  }
}

/** YYYY-MM-DD (or already YYYY/MM/DD) as E-utilities wants it: YYYY/MM/DD. */
export function eutilsDate(day: string): string {
  const match = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(day);
  if (!match) throw new EutilsError(`not a calendar day (YYYY-MM-DD): "${day}"`);
  return `${match[1]}/${match[2]}/${match[3]}`;
}
