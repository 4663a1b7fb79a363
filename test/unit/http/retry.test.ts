import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  NotRetryableError,
  parseRetryAfter,
  RetriesExhaustedError,
  type RetryPolicy,
  retryDelayMs,
  withRetries,
} from '../../../shared/adapters/http/retry.ts';

const policy: RetryPolicy = { maxAttempts: 5, maxRetryTimeMs: 60_000, baseDelayMs: 500, maxDelayMs: 8_000 };

describe('backoffDelayMs (full jitter)', () => {
  it('draws from [0, base * 2^(retry-1)), capped at maxDelayMs', () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 10].map((retry) => backoffDelayMs(retry, policy, almostOne))).toEqual([
      499, 999, 1_999, 3_999, 7_999, 7_999, 7_999,
    ]);
    expect([1, 2, 5, 10].map((retry) => backoffDelayMs(retry, policy, () => 0))).toEqual([0, 0, 0, 0]);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(1_000);
  });

  it('stays within its bounds for any draw', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return (seed - 1) / 2_147_483_646;
    };
    for (let retry = 1; retry <= 12; retry++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(retry, policy, random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('waits at least what Retry-After asks, even when the jittered backoff is shorter', () => {
    expect(retryDelayMs(1, 3_000, policy, () => 0.1)).toBe(3_000);
    expect(retryDelayMs(5, 10, policy, () => 0.5)).toBe(4_000);
    expect(retryDelayMs(2, null, policy, () => 0.5)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-07-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2_000);
  });

  it('reads an HTTP-date, and a date already past means no wait', () => {
    expect(parseRetryAfter('Tue, 01 Jul 2025 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 01 Jul 2025 11:59:00 GMT', now)).toBe(0);
  });

  it('gives null for anything else', () => {
    for (const value of [undefined, null, '', '   ', '-1', '1.5', 'soon', '12abc', []]) {
      expect(parseRetryAfter(value as string | undefined, now)).toBeNull();
    }
  });
});

describe('withRetries', () => {
  /** A clock that only moves when the code under test sleeps. */
  function fakeTime() {
    let now = 0;
    const sleeps: number[] = [];
    return {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      sleeps,
    };
  }

  it('returns the first success', async () => {
    const time = fakeTime();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { policy, classify: () => ({ retry: true, retryAfterMs: null }), random: () => 0.5, ...time },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(time.sleeps).toEqual([250, 500]);
  });

  it('stops at maxAttempts with the last error', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      { policy, classify: () => ({ retry: true, retryAfterMs: null }), random: () => 0, ...time },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 5, bound: 'attempts' });
    expect(((error as RetriesExhaustedError).lastError as Error).message).toBe('failure 5');
    expect(calls).toBe(5);
  });

  it('stops when the next wait would pass maxRetryTimeMs', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new Error('busy');
      },
      {
        policy: { ...policy, maxAttempts: 100, maxRetryTimeMs: 10_000 },
        classify: () => ({ retry: true, retryAfterMs: 4_000 }),
        ...time,
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 3, bound: 'time', elapsedMs: 8_000 });
    expect(time.sleeps).toEqual([4_000, 4_000]);
    expect(calls).toBe(3);
  });

  it('does not retry what classify calls final', async () => {
    const time = fakeTime();
    const cause = new Error('HTTP 400');
    const error = await withRetries(
      async () => {
        throw cause;
      },
      { policy, classify: () => ({ retry: false }), ...time },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotRetryableError);
    expect((error as NotRetryableError).error).toBe(cause);
    expect(time.sleeps).toEqual([]);
  });

  it("rethrows the caller's abort as it is, without retrying", async () => {
    const controller = new AbortController();
    const reason = new Error('stopped by the operator');
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        controller.abort(reason);
        throw new Error('aborted request');
      },
      { policy, signal: controller.signal, classify: () => ({ retry: true, retryAfterMs: null }) },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(calls).toBe(1);
  });

  it('tells onRetry about each wait', async () => {
    const time = fakeTime();
    const seen: [number, number, number | null][] = [];
    let calls = 0;
    await withRetries(
      async () => {
        if (++calls < 3) throw new Error('again');
        return calls;
      },
      {
        policy,
        classify: () => ({ retry: true, retryAfterMs: calls === 1 ? 2_000 : null }),
        random: () => 0,
        onRetry: (info) => seen.push([info.attempt, info.delayMs, info.retryAfterMs]),
        ...time,
      },
    );
    expect(seen).toEqual([
      [1, 2_000, 2_000],
      [2, 0, null],
    ]);
  });
});
