// The HTTP plumbing both literature-source clients share, against a loopback server that answers from a script.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AttemptFailure,
  describeCause,
  isTransientNetworkError,
  PoliteHttp,
  type PoliteHttpLimits,
  type PoliteRequest,
} from '../../../shared/adapters/http/polite-request.ts';
import type { RateLimiter } from '../../../shared/adapters/http/rate-limiter.ts';
import { LivingReviewError } from '../../../shared/errors.ts';

class SourceError extends LivingReviewError {}

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

interface Seen {
  method: string;
  contentType: string | undefined;
  acceptEncoding: string | undefined;
  body: string;
}

const open: { server: Server; http: PoliteHttp }[] = [];

afterEach(async () => {
  for (const { server, http } of open.splice(0)) {
    await http.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
});

/** A limiter that grants at once and records what the client told it. */
function recordingLimiter() {
  const calls: string[] = [];
  const limiter = {
    requestsPerSecond: 1000,
    acquire: async () => ({ sent: () => calls.push('sent'), release: () => calls.push('release') }),
    holdUntil: (time: number) => calls.push(`hold ${time > Date.now() + 1_500 ? 'long' : 'short'}`),
    widenMargin: () => calls.push('widen'),
  };
  return { calls, limiter: limiter as unknown as RateLimiter };
}

/** Serves `replies` in order (the last one again once they run out). */
async function start(replies: Reply[], limits: Partial<PoliteHttpLimits> = {}) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        acceptEncoding: req.headers['accept-encoding'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = replies[Math.min(seen.length, replies.length) - 1]!;
      reply(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const { calls, limiter } = recordingLimiter();
  const http = new PoliteHttp(
    { timeoutMs: 2_000, maxAttempts: 3, maxRetryTimeMs: 10_000, ...limits },
    { rateLimiter: limiter, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, errorClass: SourceError },
  );
  open.push({ server, http });
  const request = (extra: Partial<PoliteRequest<string>> = {}) =>
    http.request<string>({
      what: 'Test search (loopback)',
      url: `http://127.0.0.1:${port}/search?q=1`,
      method: 'GET',
      headers: { 'user-agent': 'tests' },
      spacing: 'answered',
      interpret: (text) => text,
      ...extra,
    });
  return { seen, calls, request };
}

const status =
  (code: number, body = `status ${code}`, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };
const ok = (body: string) => status(200, body);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('PoliteHttp.request', () => {
  it('retries 5xx and a reset, then returns what interpret made of the 2xx body', async () => {
    const retries: number[] = [];
    const { request, seen } = await start([status(503), (req) => req.socket.destroy(), ok('page')]);
    const result = await request({
      interpret: (text) => text.toUpperCase(),
      onRetry: (info) => retries.push(info.attempt),
    });
    expect(result).toBe('PAGE');
    expect(retries).toEqual([1, 2]);
    expect(seen).toHaveLength(3);
  });

  it('sends a POST body as a form, asks for gzip and decodes it', async () => {
    const gzipped: Reply = (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync('zipped page'));
    };
    const { request, seen } = await start([gzipped]);
    expect(await request({ method: 'POST', body: 'q=long' })).toBe('zipped page');
    expect(seen[0]).toEqual({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      acceptEncoding: 'gzip',
      body: 'q=long',
    });
  });

  it('does not retry another 4xx and names the request, the attempt and the answer', async () => {
    const { request, seen } = await start([status(400, 'bad   query\n')]);
    const error = await rejection(request());
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(
      'Test search (loopback) failed (attempt 1, not retryable): HTTP 400: bad query',
    );
    expect((error as SourceError).retryable).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('gives up at the attempt limit with a retryable error naming the last cause', async () => {
    const { request, seen } = await start([status(500, 'down')]);
    const error = await rejection(request());
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toMatch(
      /^Test search \(loopback\) failed 3 times in \d+\.\d s and reached the limit of 3 attempts; last error: HTTP 500: down$/,
    );
    expect((error as SourceError).retryable).toBe(true);
    expect((error as SourceError).cause).toBeInstanceOf(AttemptFailure);
    expect(seen).toHaveLength(3);
  });

  it('ends at once when Retry-After reaches past the retry time limit', async () => {
    const { request, seen } = await start([status(503, 'busy', { 'retry-after': '30' })], {
      maxRetryTimeMs: 5_000,
    });
    const error = await rejection(request());
    expect(error.message).toMatch(/failed 1 times in \d+\.\d s and reached the retry time limit of 5 s/);
    expect(seen).toHaveLength(1);
  });

  it('on a 429 pauses and widens the shared limiter before retrying', async () => {
    const { request, calls } = await start([status(429, 'slow down', { 'retry-after': '0' }), ok('page')]);
    expect(await request()).toBe('page');
    expect(calls).toEqual(['release', 'hold short', 'widen', 'release']);
  });

  it("spacing 'sent' reports the lease sent when the request has left; 'answered' only releases it", async () => {
    const { request, calls } = await start([ok('page')]);
    await request({ spacing: 'sent' });
    expect(calls).toEqual(['sent', 'release']);
    calls.length = 0;
    await request({ spacing: 'answered' });
    expect(calls).toEqual(['release']);
  });

  it('times out an answer slower than timeoutMs, and retries it', async () => {
    const slow: Reply = (_req, res) => {
      setTimeout(() => res.end('late'), 500).unref();
    };
    const { request, seen } = await start([slow], { timeoutMs: 50, maxAttempts: 2 });
    const error = await rejection(request());
    expect(error.message).toMatch(
      /failed 2 times .* attempts; last error: timed out: no complete response within 50 ms$/,
    );
    expect(seen).toHaveLength(2);
  });

  it("lets interpret's verdict decide: a retryable AttemptFailure is retried, the client's own error passes as it is", async () => {
    const { request, seen } = await start([ok('cut'), ok('whole'), ok('refused')]);
    const text = await request({
      interpret: (body) => {
        if (body === 'cut') throw new AttemptFailure('cut short', true);
        return body;
      },
    });
    expect(text).toBe('whole');
    const own = new SourceError('the page says no', { retryable: true });
    const error = await rejection(
      request({
        interpret: () => {
          throw own;
        },
      }),
    );
    expect(error).toBe(own);
    expect(seen).toHaveLength(3);
  });

  it("rethrows the caller's abort as it is, without retrying", async () => {
    // The caller aborts once the stand-in holds the request (not after a fixed delay, which a loaded machine
    // can outrun before the request has even left).
    const controller = new AbortController();
    const reason = new Error('stopped by the caller');
    const slow: Reply = (_req, res) => {
      controller.abort(reason);
      setTimeout(() => res.end('late'), 500).unref();
    };
    const { request, seen } = await start([slow]);
    expect(await rejection(request({ signal: controller.signal }))).toBe(reason);
    expect(seen).toHaveLength(1);
  });
});

describe('failure helpers', () => {
  const coded = (code: string) => Object.assign(new Error(`socket trouble`), { code });

  it('isTransientNetworkError reads the code on the error or its causes', () => {
    expect(isTransientNetworkError(coded('ECONNRESET'))).toBe(true);
    expect(isTransientNetworkError(new Error('fetch failed', { cause: coded('UND_ERR_SOCKET') }))).toBe(true);
    expect(isTransientNetworkError(coded('Z_BUF_ERROR'))).toBe(true);
    expect(isTransientNetworkError(coded('UND_ERR_ABORTED'))).toBe(false);
    expect(isTransientNetworkError(new Error('no code'))).toBe(false);
  });

  it('describeCause adds the code when the message does not say it', () => {
    expect(describeCause(coded('ECONNREFUSED'))).toBe('socket trouble (ECONNREFUSED)');
    expect(describeCause(new Error('connect ECONNREFUSED 127.0.0.1', { cause: coded('ECONNREFUSED') }))).toBe(
      'connect ECONNREFUSED 127.0.0.1',
    );
    expect(describeCause('plain')).toBe('plain');
  });
});
