// Retrying a flaky remote call: exponential backoff with full jitter, Retry-After honoured, and two bounds
// (attempts and total time) so a persistent failure ends in one clear error instead of an endless loop.
// Nothing here knows about E-utilities; the client decides what is retryable and phrases the final error.

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** No retry is scheduled if it would start later than this after the first attempt began. */
  maxRetryTimeMs: number;
  /** The backoff ceiling of the first retry; it doubles per retry up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  maxRetryTimeMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

/**
 * "Full jitter" backoff before retry number `retry` (1 for the first retry): a uniform draw from
 * [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))). Spreading retries over the whole interval keeps clients
 * that failed together from retrying together.
 */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header as milliseconds to wait: either delay-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"), RFC 9110 §10.2.3. A date in the past means "now" (0). Anything else
 * (absent, negative, fractional, unparseable) gives null: fall back to backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The wait before a retry: at least what the server asked for, else the jittered backoff. */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | null,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelayMs(retry, policy, random);
  return retryAfterMs === null ? backoff : Math.max(retryAfterMs, backoff);
}

/** What the caller's classifier says about one failure. */
export type FailureVerdict =
  | { retry: false }
  | {
      retry: true;
      /** The server's Retry-After, in ms, when it sent one. */
      retryAfterMs: number | null;
    };

export interface RetryAttemptInfo {
  attempt: number;
  error: unknown;
  delayMs: number;
  retryAfterMs: number | null;
}

export interface RetryOptions {
  policy: RetryPolicy;
  classify: (error: unknown) => FailureVerdict;
  signal?: AbortSignal | undefined;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each retry's wait; the client uses it to pause its rate limiter on a 429. */
  onRetry?: (info: RetryAttemptInfo) => void;
}

/** Thrown when the bounds are reached on a retryable failure. `lastError` is the final attempt's failure. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly bound: 'attempts' | 'time',
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s`, { cause: lastError });
    this.name = 'RetriesExhaustedError';
  }
}

/** Thrown when a failure is not worth retrying; `cause` is that failure. */
export class NotRetryableError extends Error {
  constructor(
    readonly attempts: number,
    readonly error: unknown,
  ) {
    super(`failed on attempt ${attempts} with a non-retryable error`, { cause: error });
    this.name = 'NotRetryableError';
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, fails in a way `classify` calls final, or a bound is reached.
 * A caller's abort (signal) is rethrown as it is, never retried.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const { policy, signal } = options;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const verdict = options.classify(error);
      if (!verdict.retry) throw new NotRetryableError(attempt, error);
      const elapsed = now() - started;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, elapsed, 'attempts', error);
      const delayMs = retryDelayMs(attempt, verdict.retryAfterMs, policy, options.random);
      if (elapsed + delayMs > policy.maxRetryTimeMs) {
        throw new RetriesExhaustedError(attempt, elapsed, 'time', error);
      }
      options.onRetry?.({ attempt, error, delayMs, retryAfterMs: verdict.retryAfterMs });
      await sleep(delayMs, signal);
    }
  }
}
