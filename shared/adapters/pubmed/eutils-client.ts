// NCBI E-utilities over HTTP: esearch (into the history server) and efetch (out of it).
//
// Every request is a POST (queries can be long; efetch batches of hundreds of records), carries tool, email
// and api_key, waits for the process-wide rate limiter of its key, and is retried on what is transient:
// 429 (Retry-After honoured), 500/502/503/504, dropped or refused connections, timeouts (a whole response
// slower than timeoutMs is aborted), damaged bodies (cut short, not XML), and E-utilities' "Search Backend
// failed" ERROR inside an HTTP 200. Retries are bounded in attempts and in time; then one EutilsError says
// which endpoint failed, how often it was tried and why. Any other 4xx and any other ERROR fail at once.
//
// An ERROR about the WebEnv / query key (the history server forgot the search) is ExpiredHistoryError: only a
// new esearch helps, which is the caller's decision (PubmedSource re-runs the search once).
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { ConfigError, EutilsError, errorMessage, InputError } from '../../errors.ts';
import { type EsearchResult, parseEsearchXml } from './esearch-response.ts';
import { defaultRequestsPerSecond, type RateLimiter, sharedRateLimiter } from './rate-limiter.ts';
import {
  defaultRetryPolicy,
  type FailureVerdict,
  NotRetryableError,
  parseRetryAfter,
  RetriesExhaustedError,
  type RetryAttemptInfo,
  type RetryPolicy,
  withRetries,
} from './retry.ts';

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

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalEnv = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const positiveInt = z.coerce.number().int().positive();

export const eutilsConfigSchema = z.object({
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  tool: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a tool name without spaces'),
  email: z.email().optional(),
  apiKey: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'expected an NCBI API key (letters and digits)')
    .optional(),
  timeoutMs: positiveInt,
  maxAttempts: positiveInt,
  maxRetryTimeMs: z.coerce.number().int().min(0),
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
  const fromEnv = z
    .object({
      NCBI_EUTILS_BASE_URL: optionalEnv(z.string()),
      NCBI_TOOL: optionalEnv(z.string()),
      NCBI_EMAIL: optionalEnv(z.string()),
      NCBI_API_KEY: optionalEnv(z.string()),
      NCBI_TIMEOUT_MS: optionalEnv(z.string()),
      NCBI_MAX_ATTEMPTS: optionalEnv(z.string()),
      NCBI_MAX_RETRY_TIME_MS: optionalEnv(z.string()),
      NCBI_REQUESTS_PER_SECOND: optionalEnv(z.string()),
    })
    .parse(env);
  const names: Record<keyof EutilsConfig, string> = {
    baseUrl: 'NCBI_EUTILS_BASE_URL',
    tool: 'NCBI_TOOL',
    email: 'NCBI_EMAIL',
    apiKey: 'NCBI_API_KEY',
    timeoutMs: 'NCBI_TIMEOUT_MS',
    maxAttempts: 'NCBI_MAX_ATTEMPTS',
    maxRetryTimeMs: 'NCBI_MAX_RETRY_TIME_MS',
    requestsPerSecond: 'NCBI_REQUESTS_PER_SECOND',
  };
  const candidate: Record<string, unknown> = {
    baseUrl: fromEnv.NCBI_EUTILS_BASE_URL ?? DEFAULT_EUTILS_BASE_URL,
    tool: fromEnv.NCBI_TOOL ?? DEFAULT_TOOL,
    email: fromEnv.NCBI_EMAIL,
    apiKey: fromEnv.NCBI_API_KEY,
    timeoutMs: fromEnv.NCBI_TIMEOUT_MS ?? 60_000,
    maxAttempts: fromEnv.NCBI_MAX_ATTEMPTS ?? defaultRetryPolicy.maxAttempts,
    maxRetryTimeMs: fromEnv.NCBI_MAX_RETRY_TIME_MS ?? defaultRetryPolicy.maxRetryTimeMs,
    requestsPerSecond: fromEnv.NCBI_REQUESTS_PER_SECOND,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) candidate[key] = value;
  }
  const parsed = eutilsConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof EutilsConfig;
      return `${names[field] ?? field}: ${issue.message}`;
    });
    throw new ConfigError(`invalid E-utilities configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
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

/** One attempt's failure, classified. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}

class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'AttemptTimeout';
  }
}

const gunzipAsync = promisify(gunzip);

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Connection-level failures worth another try: resets, refusals, closed sockets, undici's own errors. */
export function isTransientNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (!code) return false;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_NOT_SUPPORTED') {
    return false;
  }
  // Z_*: a gzip stream cut short.
  return RETRYABLE_CODES.has(code) || code.startsWith('UND_ERR_') || code.startsWith('Z_');
}

/** E-utilities ERROR texts that are transient backend trouble, not a fault in the request. */
function isTransientErrorText(text: string): boolean {
  if (/cannot be larger than 9998/i.test(text)) return false;
  return /search backend failed|temporarily unavailable|please try again/i.test(text);
}

function isHistoryErrorText(text: string): boolean {
  return /webenv|query_key|query key|unable to obtain query|history/i.test(text);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

/** The root element's name, after the XML declaration, DOCTYPE and comments. */
function rootElement(xml: string): string | null {
  const match =
    /^\s*(?:<\?[\s\S]*?\?>\s*)?(?:<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*)/.exec(
      xml,
    );
  return match?.[1] ?? null;
}

function snippet(text: string, length = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}...` : flat;
}

/** How a PubmedArticleSet response should end; anything else was cut short. */
function isCompletePubmedArticleSet(xml: string): boolean {
  const tail = xml.trimEnd();
  return tail.endsWith('</PubmedArticleSet>') || /<PubmedArticleSet\s*\/>$/.test(tail);
}

interface RawResponse {
  statusCode: number;
  /** Lower-cased names; a repeated header keeps its first value. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A POST through the dispatcher with a plain (legacy-style) handler rather than undici's `request()`, for one
 * thing `request()` does not expose: onRequestSent, the moment the request has actually been written. The
 * rate limiter spaces requests by that moment (rate-limiter.ts).
 */
function post(
  dispatcher: Dispatcher,
  url: URL,
  options: {
    body: string;
    headers: Record<string, string>;
    signal: AbortSignal;
    timeoutMs: number;
    onSent: () => void;
  },
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const { signal } = options;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let abortRequest: ((reason?: Error) => void) | null = null;
    let settled = false;
    const onAbort = () => {
      abortRequest?.(signal.reason);
      settle(() => reject(signal.reason));
    };
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      done();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let statusCode = 0;
    const headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    const handler = {
      onConnect(abort: (reason?: Error) => void) {
        abortRequest = abort;
        if (signal.aborted) abort(signal.reason);
      },
      onRequestSent() {
        options.onSent();
      },
      onHeaders(status: number, rawHeaders: (Buffer | string)[] | null) {
        statusCode = status;
        for (let i = 0; rawHeaders && i + 1 < rawHeaders.length; i += 2) {
          const name = String(rawHeaders[i]).toLowerCase();
          if (!(name in headers)) headers[name] = String(rawHeaders[i + 1]);
        }
        return true;
      },
      onData(chunk: Buffer) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        settle(() => resolve({ statusCode, headers, body: Buffer.concat(chunks) }));
      },
      onError(error: Error) {
        settle(() => reject(error));
      },
    };
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        body: options.body,
        headers: options.headers,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      handler as unknown as Dispatcher.DispatchHandler,
    );
  });
}

export class EutilsClient {
  readonly config: EutilsConfig;
  readonly rateLimiter: RateLimiter;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly onRetry: EutilsClientOptions['onRetry'];

  constructor(config: EutilsConfig, options: EutilsClientOptions = {}) {
    this.config = {
      ...config,
      baseUrl: config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`,
    };
    this.rateLimiter =
      options.rateLimiter ??
      sharedRateLimiter(
        this.config.baseUrl,
        config.apiKey ?? null,
        config.requestsPerSecond ?? defaultRequestsPerSecond(config.apiKey),
      );
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      // NCBI answers "Keep-Alive: timeout=4"; closing our side a little earlier avoids reusing a socket the
      // server is closing.
      this.dispatcher = new Agent({ keepAliveTimeout: 3_000, keepAliveMaxTimeout: 3_500 });
      this.ownsDispatcher = true;
    }
    this.policy = {
      maxAttempts: config.maxAttempts,
      maxRetryTimeMs: config.maxRetryTimeMs,
      baseDelayMs: options.backoff?.baseDelayMs ?? defaultRetryPolicy.baseDelayMs,
      maxDelayMs: options.backoff?.maxDelayMs ?? defaultRetryPolicy.maxDelayMs,
    };
    this.random = options.random ?? Math.random;
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

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async call<T>(
    endpoint: Endpoint,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
    interpret: (text: string) => T,
  ): Promise<T> {
    const url = new URL(`${endpoint}.fcgi`, this.config.baseUrl).toString();
    const body = new URLSearchParams(params);
    body.set('tool', this.config.tool);
    if (this.config.email) body.set('email', this.config.email);
    if (this.config.apiKey) body.set('api_key', this.config.apiKey);
    const encoded = body.toString();

    try {
      return await withRetries(
        async () => {
          const lease = await this.rateLimiter.acquire(signal);
          let text: string;
          try {
            text = await this.attempt(url, encoded, signal, () => lease.sent());
          } finally {
            lease.release();
          }
          return interpret(text);
        },
        {
          policy: this.policy,
          signal,
          random: this.random,
          classify: (error) => this.classify(error),
          onRetry: (info) => {
            if (info.error instanceof AttemptFailure && info.error.status === 429) {
              // Nobody on this key starts before the server said so (or a full window passes), and the spacing
              // gets more slack: the server's count and ours disagree.
              this.rateLimiter.holdUntil(Date.now() + (info.retryAfterMs ?? 1000));
              this.rateLimiter.widenMargin();
            }
            this.onRetry?.({ ...info, endpoint });
          },
        },
      );
    } catch (error) {
      throw this.finalError(endpoint, error);
    }
  }

  /** One HTTP exchange; resolves to the body of a 2xx answer. `onSent` fires when the request has left. */
  private async attempt(
    url: string,
    body: string,
    signal: AbortSignal | undefined,
    onSent: () => void,
  ): Promise<string> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new AttemptTimeout(this.config.timeoutMs)),
      this.config.timeoutMs,
    );
    // Forwarded by hand rather than AbortSignal.any, whose dependent signals Node 20 keeps alive as long as
    // the caller's signal lives (one per request over a long backfill).
    const forward = () => timeout.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const response = await post(this.dispatcher, new URL(url), {
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'accept-encoding': 'gzip',
          'user-agent': `${this.config.tool} (undici)`,
        },
        signal: timeout.signal,
        timeoutMs: this.config.timeoutMs,
        onSent,
      });
      // A gzip stream cut short fails here with a Z_* code: retryable, like any damaged body.
      const text = (
        /gzip/i.test(response.headers['content-encoding'] ?? '')
          ? await gunzipAsync(response.body)
          : response.body
      ).toString('utf8');
      const status = response.statusCode;
      if (status >= 200 && status < 300) return text;
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      const retryable = RETRYABLE_STATUS.has(status);
      throw new AttemptFailure(
        `HTTP ${status}: ${snippet(text)}`,
        retryable,
        retryable ? retryAfterMs : null,
        status,
      );
    } catch (error) {
      if (timeout.signal.aborted && !signal?.aborted) {
        throw new AttemptFailure(`timed out: no complete response within ${this.config.timeoutMs} ms`, true);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  private classify(error: unknown): FailureVerdict {
    if (error instanceof AttemptFailure) {
      return error.retryable ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false };
    }
    if (isTransientNetworkError(error)) return { retry: true, retryAfterMs: null };
    return { retry: false };
  }

  private finalError(endpoint: Endpoint, error: unknown): unknown {
    const where = `E-utilities ${endpoint} (${this.config.baseUrl})`;
    if (error instanceof RetriesExhaustedError) {
      const bound =
        error.bound === 'attempts'
          ? `the limit of ${this.policy.maxAttempts} attempts`
          : `the retry time limit of ${this.policy.maxRetryTimeMs / 1000} s`;
      return new EutilsError(
        `${where} failed ${error.attempts} times in ${(error.elapsedMs / 1000).toFixed(1)} s and reached ${bound}; last error: ${describeCause(error.lastError)}`,
        { cause: error.lastError, retryable: true },
      );
    }
    if (error instanceof NotRetryableError) {
      const cause = error.error;
      if (cause instanceof EutilsError) return cause;
      return new EutilsError(
        `${where} failed (attempt ${error.attempts}, not retryable): ${describeCause(cause)}`,
        {
          cause,
          retryable: false,
        },
      );
    }
    return error;
  }
}

function describeCause(error: unknown): string {
  const code = errorCode(error);
  const message = errorMessage(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** YYYY-MM-DD (or already YYYY/MM/DD) as E-utilities wants it: YYYY/MM/DD. */
export function eutilsDate(day: string): string {
  const match = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(day);
  if (!match) throw new EutilsError(`not a calendar day (YYYY-MM-DD): "${day}"`);
  return `${match[1]}/${match[2]}/${match[3]}`;
}
