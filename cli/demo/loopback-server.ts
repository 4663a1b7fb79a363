// What the loopback stand-ins (eutils-stand-in.ts, europepmc-stand-in.ts) share: a real HTTP server on
// 127.0.0.1 that reads each request's parameters (query string and form body); answers written whole, gzipped
// when asked, or damaged on demand (cut short, stalled halfway); and the per-client count of requests in the
// last second that both APIs rate-limit on. What each API answers, and which faults it knows, stays in its
// stand-in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

/** In the thread pool: a blocking gzip of a large answer would delay the arrival times of others. */
const gzipAsync = promisify(gzipCallback);

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export interface LoopbackRequest {
  /** Arrival (epoch ms), when the request's headers were read. */
  time: number;
  url: URL;
  /** Query string and form body together. */
  params: Record<string, string>;
}

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (`port` 0: any free one) and hands every request, once its body has been read, to
 * `handle`; a handler that fails answers 500 if it had not answered yet.
 */
export async function startLoopbackServer(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse, request: LoopbackRequest) => Promise<void>,
): Promise<LoopbackServer> {
  const server: Server = createServer((req, res) => {
    const time = Date.now();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      const type = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && (type === '' || type.startsWith('application/x-www-form-urlencoded'))) {
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      }
      handle(req, res, { time, url, params }).catch(() => {
        if (!res.headersSent) {
          res.writeHead(500);
          res.end();
        }
      });
    });
  });
  // Longer than the clients' keep-alive (3 s), as the real services' is, so a client never reuses a socket
  // the stand-in is closing.
  server.keepAliveTimeout = 4_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface LoopbackAnswer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

/** The faults about how an answer goes out, which both stand-ins inject alike; other kinds pass untouched. */
export interface DeliveryFault {
  kind: string;
  /** kind 'slow': how long to hold the whole answer (phase 'headers', the default) or its second half. */
  delayMs?: number;
  phase?: 'headers' | 'body';
}

/**
 * Writes `answer`, gzipped when `gzip` and the client accepts it, damaged as `fault` says: 'slow' holds it;
 * 'truncate' ends it normally (chunked, so nothing at HTTP level shows) after half of it, counted in the bytes
 * as sent (`cut: 'bytes'`: gzipped, the gzip stream itself is cut) or in the text before any gzip (`cut: 'text'`:
 * a complete transfer of an incomplete body). Resolves when done, or at once when the client has gone.
 */
export async function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: LoopbackAnswer,
  options: { gzip: boolean; fault?: DeliveryFault | null; cut: 'bytes' | 'text' },
): Promise<void> {
  const { fault } = options;
  const stall = fault?.kind === 'slow' ? (fault.delayMs ?? 0) : 0;
  if (fault?.kind === 'slow' && (fault.phase ?? 'headers') === 'headers') await sleep(stall);
  const gone = () => res.destroyed || req.socket.destroyed;
  if (gone()) return;
  const truncate = fault?.kind === 'truncate';
  const text =
    truncate && options.cut === 'text'
      ? answer.body.slice(0, Math.floor(answer.body.length / 2))
      : answer.body;
  let bytes: Buffer = Buffer.from(text, 'utf8');
  const headers: Record<string, string> = { 'Content-Type': answer.contentType, ...answer.headers };
  if (options.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    bytes = await gzipAsync(bytes);
    if (gone()) return;
    headers['Content-Encoding'] = 'gzip';
  }
  if (truncate) {
    res.writeHead(answer.status, headers);
    res.end(options.cut === 'text' ? bytes : bytes.subarray(0, Math.floor(bytes.length / 2)));
  } else if (fault?.kind === 'slow' && fault.phase === 'body') {
    res.writeHead(answer.status, headers);
    const half = Math.floor(bytes.length / 2);
    res.write(bytes.subarray(0, half));
    await sleep(stall);
    if (!res.destroyed) res.end(bytes.subarray(half));
  } else {
    headers['Content-Length'] = String(bytes.length);
    res.writeHead(answer.status, headers);
    res.end(bytes);
  }
}

/** A `Retry-After` header when a fault asks for one. */
export function retryAfterHeader(retryAfter: number | string | undefined): Record<string, string> {
  return retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
}

/** Requests per client in a sliding one-second window, the way both services count them for their limits. */
export class ArrivalWindow {
  private readonly arrivals = new Map<string, number[]>();

  /** Records an arrival of `client` at `time`; returns how many of its arrivals fall in (time - 1 s, time]. */
  count(client: string, time: number): number {
    const recent = (this.arrivals.get(client) ?? []).filter((t) => t > time - 1000);
    recent.push(time);
    this.arrivals.set(client, recent);
    return recent.length;
  }
}
