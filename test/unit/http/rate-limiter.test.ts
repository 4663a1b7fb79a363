import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  defaultRequestsPerSecond,
  LEASE_EXPIRY_MS,
  MAX_WINDOW_MARGIN_MS,
  RateLimiter,
  sharedRateLimiter,
} from '../../../shared/adapters/http/rate-limiter.ts';

/** Starts granted within any [t, t + windowMs). */
function maxInWindow(starts: number[], windowMs: number): number {
  let best = 0;
  for (const t of starts) best = Math.max(best, starts.filter((s) => s >= t && s < t + windowMs).length);
  return best;
}

describe('RateLimiter (simulated clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function grantTimes(limiter: RateLimiter, n: number): Promise<number[]> {
    const starts: number[] = [];
    const all = Array.from({ length: n }, () =>
      limiter.acquire().then((lease) => {
        starts.push(Date.now());
        lease.sent();
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);
    return starts;
  }

  it('spaces a burst evenly instead of letting it through at once', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 3, windowMarginMs: 20 });
    const starts = await grantTimes(limiter, 10);
    expect(starts).toHaveLength(10);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(340);
    expect(maxInWindow(starts, 1_000)).toBe(3);
    expect(maxInWindow(starts, 1_020)).toBe(3);
    // The first goes at once.
    expect(starts[0]).toBe(1_000_000);
  });

  it('keeps 10 per second with a key', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10 });
    const starts = await grantTimes(limiter, 35);
    expect(maxInWindow(starts, 1_000)).toBe(10);
  });

  it('spaces from when the previous request actually left, and grants nothing while it has not', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 3, windowMarginMs: 0 });
    const first = await limiter.acquire();
    const granted: number[] = [];
    const second = limiter.acquire().then((lease) => {
      granted.push(Date.now());
      return lease;
    });
    // A slow connect: the first request leaves 900 ms after its grant.
    await vi.advanceTimersByTimeAsync(900);
    expect(granted).toEqual([]);
    first.sent();
    await vi.advanceTimersByTimeAsync(332);
    expect(granted).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(granted).toEqual([1_000_000 + 900 + 334]);
    (await second).release();
  });

  it('a lease released without sending frees the next, spaced from the release', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10, windowMarginMs: 0 });
    const first = await limiter.acquire();
    const next: number[] = [];
    const waiting = limiter.acquire().then((lease) => {
      next.push(Date.now());
      lease.release();
    });
    await vi.advanceTimersByTimeAsync(50);
    first.release();
    first.sent(); // idempotent once released
    await vi.runAllTimersAsync();
    await waiting;
    expect(next).toEqual([1_000_000 + 50 + 100]);
  });

  it('a lease never ended expires, so one lost caller cannot stall the process', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10 });
    await limiter.acquire();
    let granted = false;
    void limiter.acquire().then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(LEASE_EXPIRY_MS - 1);
    expect(granted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(granted).toBe(true);
  });

  it('widens its margin after a 429, up to a cap', () => {
    const limiter = new RateLimiter({ requestsPerSecond: 3, windowMarginMs: 20 });
    expect(limiter.intervalMs).toBeCloseTo(340);
    limiter.widenMargin();
    expect(limiter.windowMarginMs).toBe(40);
    for (let i = 0; i < 10; i++) limiter.widenMargin();
    expect(limiter.windowMarginMs).toBe(MAX_WINDOW_MARGIN_MS);
    expect(limiter.intervalMs).toBeCloseTo((1000 + MAX_WINDOW_MARGIN_MS) / 3);
  });

  it('holdUntil pauses every waiter until the given time', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10 });
    limiter.holdUntil(Date.now() + 5_000);
    const starts = await grantTimes(limiter, 2);
    expect(starts[0]).toBe(1_005_000);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100);
  });

  it('an aborted waiter leaves the queue with its reason and does not use a slot', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 2, windowMarginMs: 0 });
    (await limiter.acquire()).sent();
    const controller = new AbortController();
    const cancelled = limiter.acquire(controller.signal).catch((e: unknown) => e);
    const next: number[] = [];
    const waiting = limiter.acquire().then((lease) => {
      next.push(Date.now());
      lease.sent();
    });
    controller.abort(new Error('gave up'));
    expect(((await cancelled) as Error).message).toBe('gave up');
    await vi.runAllTimersAsync();
    await waiting;
    expect(next).toEqual([1_000_500]);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new RateLimiter({ requestsPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('sharedRateLimiter', () => {
  it('is one limiter per base URL and key for the whole process', () => {
    const a = sharedRateLimiter('https://eutils.example/', null);
    expect(sharedRateLimiter('https://eutils.example/', undefined)).toBe(a);
    expect(a.requestsPerSecond).toBe(3);
    const keyed = sharedRateLimiter('https://eutils.example/', 'KEY1');
    expect(keyed).not.toBe(a);
    expect(keyed.requestsPerSecond).toBe(10);
    expect(sharedRateLimiter('https://other.example/', null)).not.toBe(a);
  });

  it('only ever lowers the shared rate', () => {
    const limiter = sharedRateLimiter('https://lowering.example/', 'K', 10);
    sharedRateLimiter('https://lowering.example/', 'K', 20);
    expect(limiter.requestsPerSecond).toBe(10);
    sharedRateLimiter('https://lowering.example/', 'K', 4);
    expect(limiter.requestsPerSecond).toBe(4);
  });

  it("defaults to NCBI's allowance", () => {
    expect(defaultRequestsPerSecond(undefined)).toBe(3);
    expect(defaultRequestsPerSecond('')).toBe(3);
    expect(defaultRequestsPerSecond('abc')).toBe(10);
  });
});
