// Request spacing for E-utilities. NCBI allows 3 requests per second per IP without an API key and 10 per
// key with one, and answers 429 above that (FACTS.md §1). It counts requests *started* in a one-second
// window, so a token bucket that lets a burst of 3 go at once and 3 more 1.0 s later is at the mercy of
// network jitter. This limiter spaces every start at least (1000 + margin) / rate ms after the previous
// one, measured on the moment each request was actually let go (a late timer, a busy event loop, never
// lets the next start catch up), so any window of 1000 + margin ms holds at most `rate` starts and jitter up
// to the margin between our clock and NCBI's still stays under the limit.
//
// One limiter per (base URL, API key) for the whole process: every client instance with the same key shares
// it, because NCBI counts the key (or the IP), not the client object.

export const NCBI_REQUESTS_PER_SECOND_WITHOUT_KEY = 3;
export const NCBI_REQUESTS_PER_SECOND_WITH_KEY = 10;
/** Slack added to every one-second window; see the header comment. */
export const DEFAULT_WINDOW_MARGIN_MS = 20;

export function defaultRequestsPerSecond(apiKey: string | undefined | null): number {
  return apiKey ? NCBI_REQUESTS_PER_SECOND_WITH_KEY : NCBI_REQUESTS_PER_SECOND_WITHOUT_KEY;
}

export interface RateLimiterOptions {
  requestsPerSecond: number;
  windowMarginMs?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class RateLimiter {
  private interval: number;
  private readonly marginMs: number;
  private readonly now: () => number;
  private lastStart = Number.NEGATIVE_INFINITY;
  private heldUntil = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private rate: number;

  constructor(options: RateLimiterOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be positive');
    this.marginMs = options.windowMarginMs ?? DEFAULT_WINDOW_MARGIN_MS;
    this.now = options.now ?? Date.now;
    this.rate = options.requestsPerSecond;
    this.interval = (1000 + this.marginMs) / this.rate;
  }

  get requestsPerSecond(): number {
    return this.rate;
  }

  /** Minimum time between two starts. */
  get intervalMs(): number {
    return this.interval;
  }

  /** Only ever lowers the rate: two configurations sharing a key must both stay within the lower one. */
  lowerRate(requestsPerSecond: number): void {
    if (requestsPerSecond > 0 && requestsPerSecond < this.rate) {
      this.rate = requestsPerSecond;
      this.interval = (1000 + this.marginMs) / requestsPerSecond;
    }
  }

  /** Lets nobody start before `time` (epoch ms): a 429 with Retry-After pauses every request on the key. */
  holdUntil(time: number): void {
    if (time > this.heldUntil) this.heldUntil = time;
    this.reschedule();
  }

  /** Resolves when the caller may start one request. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
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
    return Math.max(this.lastStart + this.interval, this.heldUntil);
  }

  private pump(): void {
    const head = this.queue[0];
    if (!head) return;
    const now = this.now();
    if (now >= this.earliestStart()) {
      this.queue.shift();
      this.lastStart = now;
      if (head.signal && head.onAbort) head.signal.removeEventListener('abort', head.onAbort);
      head.resolve();
    }
    this.reschedule();
  }

  private reschedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return;
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
