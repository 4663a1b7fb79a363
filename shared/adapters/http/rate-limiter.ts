// Request spacing for E-utilities. NCBI allows 3 requests per second per IP without an API key and 10 per
// key with one, and answers 429 above that (NCBI's E-utilities usage guidelines). It counts requests *started* in a one-second
// window, so a token bucket that lets 3 go at once and 3 more 1.0 s later is at the mercy of jitter.
//
// This limiter spaces requests by when they actually left, not by when they were allowed to: a caller takes
// a lease, sends, and reports `sent()` (the client does it from undici's onRequestSent). The next lease is
// granted only once the previous request has left (or given up) and (1000 + margin) / rate ms have passed
// since. A slow connect, a TLS handshake, or a busy event loop between the grant and the write therefore
// never bunches requests up: any window of 1000 + margin ms holds at most `rate` requests as sent, and
// jitter up to the margin between us and NCBI stays under the limit. A 429 all the same widens the margin
// (up to MAX_WINDOW_MARGIN_MS) for the rest of the process.
//
// One limiter per (base URL, API key) for the whole process: every client instance with the same key shares
// it, because NCBI counts the key (or the IP), not the client object.

export const NCBI_REQUESTS_PER_SECOND_WITHOUT_KEY = 3;
export const NCBI_REQUESTS_PER_SECOND_WITH_KEY = 10;
/** Slack added to every one-second window; see the header comment. */
export const DEFAULT_WINDOW_MARGIN_MS = 20;
export const MAX_WINDOW_MARGIN_MS = 250;
/** A lease neither sent nor released after this long is released anyway, so one lost caller cannot stall all. */
export const LEASE_EXPIRY_MS = 60_000;

export function defaultRequestsPerSecond(apiKey: string | undefined | null): number {
  return apiKey ? NCBI_REQUESTS_PER_SECOND_WITH_KEY : NCBI_REQUESTS_PER_SECOND_WITHOUT_KEY;
}

export interface RateLimiterOptions {
  requestsPerSecond: number;
  windowMarginMs?: number;
  now?: () => number;
}

/** Permission to start one request. Call `sent()` when it has left; `release()` always (it is idempotent). */
export interface RateLimitLease {
  sent(): void;
  release(): void;
}

interface Waiter {
  resolve: (lease: RateLimitLease) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class RateLimiter {
  private rate: number;
  private marginMs: number;
  private readonly now: () => number;
  /** When the last request left (or the last lease ended without one leaving). */
  private lastStart = Number.NEGATIVE_INFINITY;
  private heldUntil = Number.NEGATIVE_INFINITY;
  /** The lease granted and not yet sent or released: the next waits for it. */
  private outstanding: object | null = null;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: RateLimiterOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be positive');
    this.rate = options.requestsPerSecond;
    this.marginMs = options.windowMarginMs ?? DEFAULT_WINDOW_MARGIN_MS;
    this.now = options.now ?? Date.now;
  }

  get requestsPerSecond(): number {
    return this.rate;
  }

  get windowMarginMs(): number {
    return this.marginMs;
  }

  /** Minimum time between two requests leaving. */
  get intervalMs(): number {
    return (1000 + this.marginMs) / this.rate;
  }

  /** Only ever lowers the rate: two configurations sharing a key must both stay within the lower one. */
  lowerRate(requestsPerSecond: number): void {
    if (requestsPerSecond > 0 && requestsPerSecond < this.rate) this.rate = requestsPerSecond;
  }

  /** Lets nobody start before `time` (epoch ms): a 429 with Retry-After pauses every request on the key. */
  holdUntil(time: number): void {
    if (time > this.heldUntil) this.heldUntil = time;
    this.reschedule();
  }

  /** The server said 429 although we kept to the rate: its clock and ours disagree by more than the margin. */
  widenMargin(): void {
    this.marginMs = Math.min(MAX_WINDOW_MARGIN_MS, Math.max(this.marginMs * 2, 10));
  }

  /** Resolves with a lease when the caller may start one request. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<RateLimitLease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RateLimitLease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
          this.reschedule();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  private earliestStart(): number {
    return Math.max(this.lastStart + this.intervalMs, this.heldUntil);
  }

  private pump(): void {
    if (this.outstanding) return;
    const head = this.queue[0];
    if (!head) return;
    if (this.now() >= this.earliestStart()) {
      this.queue.shift();
      if (head.signal && head.onAbort) head.signal.removeEventListener('abort', head.onAbort);
      head.resolve(this.grant());
      return;
    }
    this.reschedule();
  }

  private grant(): RateLimitLease {
    const token = {};
    this.outstanding = token;
    const end = () => {
      clearTimeout(expiry);
      if (this.outstanding !== token) return;
      this.outstanding = null;
      this.lastStart = Math.max(this.lastStart, this.now());
      this.pump();
    };
    const expiry = setTimeout(end, LEASE_EXPIRY_MS);
    expiry.unref?.();
    return { sent: end, release: end };
  }

  private reschedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0 || this.outstanding) return;
    const wait = Math.max(0, Math.ceil(this.earliestStart() - this.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
  }
}

const limiters = new Map<string, RateLimiter>();

/** The process-wide limiter for one base URL and API key (null: the keyless, per-IP allowance). */
export function sharedRateLimiter(
  baseUrl: string,
  apiKey: string | null | undefined,
  requestsPerSecond: number = defaultRequestsPerSecond(apiKey),
): RateLimiter {
  const key = `${baseUrl}\u0000${apiKey ?? ''}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter({ requestsPerSecond });
    limiters.set(key, limiter);
  } else {
    limiter.lowerRate(requestsPerSecond);
  }
  return limiter;
}
