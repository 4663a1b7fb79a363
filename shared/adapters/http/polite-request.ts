// Outbound HTTP for the literature-source clients (E-utilities, Europe PMC). Both talk to a public API that
// asks to be treated politely and has bad moments, and both did it the same way, so it lives here once:
//
// - one attempt through undici with a whole-response timeout (headers and body together), gzip decoded;
// - what is worth another try: 429 (Retry-After honoured), 500/502/503/504, dropped or refused connections,
//   timeouts, and whatever the client's `interpret` calls retryable; any other status fails at once;
// - retries bounded in attempts and in total time (retry.ts), each attempt holding a lease of the process-wide
//   rate limiter (rate-limiter.ts), which a 429 pauses and widens for every client on the same limiter;
// - one final error, of the client's own class, naming the request, the attempts and the last cause.
//
// What a 2xx body means (E-utilities' ERROR inside a 200 and its history server, Europe PMC's JSON pages and
// cursorMark) stays in each client, in the `interpret` it passes; so does what a client's API says in its
// headers (OpenAlex's daily budget, Crossref's rate limit) and what an error answer means to it (`classify`).
// Every attempt is counted by endpoint (RequestTally), so a run log can say how many requests it cost.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import { errorMessage, type LivingReviewError } from '../../errors.ts';
import { withTrailingSlash } from './client-config.ts';
import { type RateLimiter, sharedRateLimiter } from './rate-limiter.ts';
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

/** One attempt's failure, classified. A client's `interpret` throws it for a body it cannot use. */
export class AttemptFailure extends Error {
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

export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
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

/** The first `code` on the error or its causes (fetch-style errors wrap the socket's). */
export function errorCode(error: unknown): string | undefined {
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

/** A body on one line, cut to `length` characters, for an error message. */
export function snippet(text: string, length = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}...` : flat;
}

/** An error's message, with its code when the message does not already say it. */
export function describeCause(error: unknown): string {
  const code = errorCode(error);
  const message = errorMessage(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

interface RawResponse {
  statusCode: number;
  /** Lower-cased names; a repeated header keeps its first value. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What `interpret` and `classify` may read of an answer besides its body. */
export interface AnswerMeta {
  status: number;
  /** Lower-cased names; a repeated header keeps its first value. */
  headers: Readonly<Record<string, string>>;
}

/** Counts the attempts a client sends, by endpoint (every attempt counts: a retried request is two). */
export class RequestTally {
  private readonly counts = new Map<string, number>();

  add(endpoint: string): void {
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
  }

  snapshot(): RequestCounts {
    return Object.fromEntries(this.counts);
  }
}

interface Exchange {
  method: 'GET' | 'POST';
  body: string | undefined;
  headers: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  onSent: (() => void) | undefined;
}

/**
 * One request through the dispatcher with a plain (legacy-style) handler rather than undici's `request()`, for
 * one thing `request()` does not expose: onRequestSent, the moment the request has actually been written. The
 * rate limiter can space requests by that moment (rate-limiter.ts).
 */
function exchange(dispatcher: Dispatcher, url: URL, options: Exchange): Promise<RawResponse> {
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
        options.onSent?.();
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
        method: options.method,
        ...(options.body === undefined ? {} : { body: options.body }),
        headers: options.headers,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      handler as unknown as Dispatcher.DispatchHandler,
    );
  });
}

/** The client's error class: the final error is one, and one thrown by `interpret` passes through as it is. */
export type ClientErrorClass = new (
  message: string,
  options?: { cause?: unknown; retryable?: boolean },
) => LivingReviewError;

/** The limits PoliteHttp takes from a client's configuration. */
export interface PoliteHttpLimits {
  /** The most one attempt may take, headers and body together. */
  timeoutMs: number;
  maxAttempts: number;
  /** No retry starts later than this after the first attempt. */
  maxRetryTimeMs: number;
}

export interface PoliteHttpOptions {
  /**
   * Defaults to a keep-alive Agent of this client's own, closed by close(). A dispatcher composed with
   * interceptors does not pass on onRequestSent; spacing 'sent' then falls back to when each answer ended.
   */
  dispatcher?: Dispatcher | undefined;
  rateLimiter: RateLimiter;
  /** Backoff shape; defaults to retry.ts's. */
  backoff?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'> | undefined;
  random?: (() => number) | undefined;
  errorClass: ClientErrorClass;
}

/** What a client built on PoliteHttp takes besides its configuration (tests pass a faster backoff). */
export interface PoliteClientOptions {
  dispatcher?: Dispatcher;
  /** Defaults to the process-wide limiter of the client's base URL. */
  rateLimiter?: RateLimiter;
  backoff?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  random?: () => number;
  onRetry?: (info: RetryAttemptInfo) => void;
}

export interface PoliteRequest<T> {
  /** Names the request in the final error, e.g. "E-utilities esearch (https://eutils...)". */
  what: string;
  /** The endpoint the attempt is counted under (RequestTally), e.g. "esearch"; default "request". */
  endpoint?: string | undefined;
  url: string;
  method: 'GET' | 'POST';
  /** A POST's form body (sent as application/x-www-form-urlencoded). */
  body?: string | undefined;
  /** Beyond accept-encoding (gzip) and, for a body, content-type. */
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  /**
   * When the limiter may start the next request: 'sent', once this one has left (requests may overlap, as
   * PubMed's concurrent efetch pages do); 'answered', once its answer has ended (one at a time).
   */
  spacing: 'sent' | 'answered';
  /** Reads a 2xx body. Throws AttemptFailure (retryable or not) or the client's own error. */
  interpret: (text: string, answer: AnswerMeta) => T;
  /**
   * Reads a non-2xx answer before the default rule (429/5xx retryable, anything else final): returns the
   * failure to use instead (e.g. OpenAlex's 429 for an exhausted daily budget is final), or null for the default.
   */
  classify?: ((text: string, answer: AnswerMeta) => AttemptFailure | Error | null) | undefined;
  /** Told before each retry's wait. */
  onRetry?: ((info: RetryAttemptInfo) => void) | undefined;
}

/**
 * What every provider client builds the same way: its configuration with the base URL ending in a slash, its
 * limiter (the one given, or the process-wide one of that URL and API key), and the polite HTTP over them.
 */
export function politeClientParts<
  C extends PoliteHttpLimits & { baseUrl: string; requestsPerSecond?: number | undefined },
>(
  config: C,
  /** Each client keeps its own onRetry (E-utilities' names the endpoint). */
  options: Omit<PoliteClientOptions, 'onRetry'>,
  errorClass: ClientErrorClass,
  apiKey: string | null = null,
): { config: C; rateLimiter: RateLimiter; http: PoliteHttp } {
  const slashed = { ...config, baseUrl: withTrailingSlash(config.baseUrl) };
  const rateLimiter =
    options.rateLimiter ?? sharedRateLimiter(slashed.baseUrl, apiKey, slashed.requestsPerSecond);
  return {
    config: slashed,
    rateLimiter,
    http: new PoliteHttp(slashed, { ...options, rateLimiter, errorClass }),
  };
}

export class PoliteHttp {
  readonly rateLimiter: RateLimiter;
  readonly policy: RetryPolicy;
  readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly random: () => number;
  private readonly errorClass: ClientErrorClass;
  /** Every attempt this client sent, by endpoint. */
  readonly tally = new RequestTally();

  constructor(limits: PoliteHttpLimits, options: PoliteHttpOptions) {
    this.rateLimiter = options.rateLimiter;
    this.timeoutMs = limits.timeoutMs;
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
      maxAttempts: limits.maxAttempts,
      maxRetryTimeMs: limits.maxRetryTimeMs,
      baseDelayMs: options.backoff?.baseDelayMs ?? defaultRetryPolicy.baseDelayMs,
      maxDelayMs: options.backoff?.maxDelayMs ?? defaultRetryPolicy.maxDelayMs,
    };
    this.random = options.random ?? Math.random;
    this.errorClass = options.errorClass;
  }

  /** Sends `request` until `interpret` accepts an answer, a failure is final, or a retry bound is reached. */
  async request<T>(request: PoliteRequest<T>): Promise<T> {
    const { signal } = request;
    try {
      return await withRetries(
        async () => {
          const lease = await this.rateLimiter.acquire(signal);
          let answer: { text: string; meta: AnswerMeta };
          try {
            this.tally.add(request.endpoint ?? 'request');
            answer = await this.attempt(request, request.spacing === 'sent' ? () => lease.sent() : undefined);
          } finally {
            lease.release();
          }
          return request.interpret(answer.text, answer.meta);
        },
        {
          policy: this.policy,
          signal,
          random: this.random,
          classify,
          onRetry: (info) => {
            if (info.error instanceof AttemptFailure && info.error.status === 429) {
              // Nobody on this limiter starts before the server said so (or a full window passes), and the
              // spacing gets more slack: the server's count and ours disagree.
              this.rateLimiter.holdUntil(Date.now() + (info.retryAfterMs ?? 1000));
              this.rateLimiter.widenMargin();
            }
            request.onRetry?.(info);
          },
        },
      );
    } catch (error) {
      throw this.finalError(request.what, error);
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One HTTP exchange; resolves to the body of a 2xx answer. `onSent` fires when the request has left. */
  private async attempt(
    request: PoliteRequest<unknown>,
    onSent: (() => void) | undefined,
  ): Promise<{ text: string; meta: AnswerMeta }> {
    const { signal } = request;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new AttemptTimeout(this.timeoutMs)), this.timeoutMs);
    // Forwarded by hand rather than AbortSignal.any, whose dependent signals Node 20 keeps alive as long as
    // the caller's signal lives (one per request over a long backfill).
    const forward = () => timeout.abort(signal?.reason);
    if (signal?.aborted) forward();
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const response = await exchange(this.dispatcher, new URL(request.url), {
        method: request.method,
        body: request.body,
        headers: {
          ...request.headers,
          'accept-encoding': 'gzip',
          ...(request.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        signal: timeout.signal,
        timeoutMs: this.timeoutMs,
        onSent,
      });
      // A gzip stream cut short fails here with a Z_* code: retryable, like any damaged body.
      const text = (
        /gzip/i.test(response.headers['content-encoding'] ?? '')
          ? await gunzipAsync(response.body)
          : response.body
      ).toString('utf8');
      const status = response.statusCode;
      const meta: AnswerMeta = { status, headers: response.headers };
      if (status >= 200 && status < 300) return { text, meta };
      const classified = request.classify?.(text, meta);
      if (classified) throw classified;
      const retryable = RETRYABLE_STATUS.has(status);
      throw new AttemptFailure(
        `HTTP ${status}: ${snippet(text)}`,
        retryable,
        retryable ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null,
        status,
      );
    } catch (error) {
      if (timeout.signal.aborted && !signal?.aborted) {
        throw new AttemptFailure(`timed out: no complete response within ${this.timeoutMs} ms`, true);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  private finalError(what: string, error: unknown): unknown {
    if (error instanceof RetriesExhaustedError) {
      const bound =
        error.bound === 'attempts'
          ? `the limit of ${this.policy.maxAttempts} attempts`
          : `the retry time limit of ${this.policy.maxRetryTimeMs / 1000} s`;
      return new this.errorClass(
        `${what} failed ${error.attempts} times in ${(error.elapsedMs / 1000).toFixed(1)} s and reached ${bound}; last error: ${describeCause(error.lastError)}`,
        { cause: error.lastError, retryable: true },
      );
    }
    if (error instanceof NotRetryableError) {
      const cause = error.error;
      if (cause instanceof this.errorClass) return cause;
      return new this.errorClass(
        `${what} failed (attempt ${error.attempts}, not retryable): ${describeCause(cause)}`,
        { cause, retryable: false },
      );
    }
    // The caller's abort, as it is.
    return error;
  }
}

function classify(error: unknown): FailureVerdict {
  if (error instanceof AttemptFailure) {
    return error.retryable ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false };
  }
  if (isTransientNetworkError(error)) return { retry: true, retryAfterMs: null };
  return { retry: false };
}
