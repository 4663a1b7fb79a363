// The local screening server: the same API as the Lambda, authenticated by per-reviewer bearer tokens. It
// listens on 127.0.0.1 unless told otherwise (`serve --host`, where listen-address.ts decides what may be
// served how). It refuses requests whose Host is not one of its own addresses (a DNS-rebinding page cannot reach
// it by another name) and state-changing requests from any other origin. With a TLS certificate and key it
// speaks HTTPS only, and sends HSTS.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ScreeningDeps } from '../../shared/app/screening.ts';
import {
  type HttpRequest,
  MAX_BODY_BYTES,
  problem,
  SECURITY_HEADERS,
} from '../../shared/adapters/http/http.ts';
import { createScreeningApi } from '../../shared/adapters/http/screening-api.ts';
import type { StaticAsset } from '../../shared/adapters/http/static-assets.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { displayAddress, hostHeaderNames, LOOPBACK, urlHost } from './listen-address.ts';
import { type TokenTable, tokenVerifier } from './tokens.ts';

export interface LocalServerOptions {
  protocols: readonly Protocol[];
  deps: ScreeningDeps;
  tokens: TokenTable;
  assets: ReadonlyMap<string, StaticAsset>;
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /** The address to listen on (default 127.0.0.1); listen-address.ts checks it first. */
  host?: string;
  /** Extra names reviewers reach it by (the name in its TLS certificate). */
  hostnames?: readonly string[];
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  logError?: (message: string) => void;
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" (https with TLS; for every interface, one other machines can reach). */
  url: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped (not kept), so the client still gets its 413.
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new BodyTooLarge());
      else resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

export async function startScreeningServer(options: LocalServerOptions): Promise<LocalServer> {
  const verify = tokenVerifier(options.tokens);
  const host = options.host ?? LOOPBACK;
  const scheme = options.tls ? 'https' : 'http';
  const names = hostHeaderNames(host, options.hostnames ?? []);
  let port = 0;
  const origins = () => names.map((name) => `${scheme}://${name}:${port}`);
  const api = createScreeningApi({
    protocols: options.protocols,
    deps: options.deps,
    assets: options.assets,
    authenticate: (request) => {
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(request.headers.authorization ?? '');
      const reviewerId = match ? verify(match[1]!) : null;
      return reviewerId ? { reviewerId } : null;
    },
    allowedOrigins: origins,
    ...(options.tls ? { extraHeaders: { 'strict-transport-security': 'max-age=31536000' } } : {}),
    ...(options.logError ? { logError: options.logError } : {}),
  });

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    try {
      const hostHeader = incoming.headers.host ?? '';
      if (!origins().some((origin) => origin === `${scheme}://${hostHeader}`)) {
        const refused = problem(421, 'wrong-host', 'this server answers only to its own addresses');
        send(response, refused.status, { ...refused.headers, ...SECURITY_HEADERS }, refused.body);
        return;
      }
      const url = new URL(incoming.url ?? '/', `${scheme}://${hostHeader}`);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers[name] = value;
        else if (Array.isArray(value)) headers[name] = value.join(', ');
      }
      let body: string | null;
      try {
        body = await readBody(incoming);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        const tooLarge = problem(413, 'too-large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
        send(
          response,
          tooLarge.status,
          { ...tooLarge.headers, ...SECURITY_HEADERS, connection: 'close' },
          tooLarge.body,
        );
        return;
      }
      const request: HttpRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        body,
      };
      const answer = await api(request);
      send(response, answer.status, answer.headers, answer.body);
    } catch (error) {
      (options.logError ?? console.error)(String((error as Error)?.stack ?? error));
      if (!response.headersSent) {
        const failed = problem(500, 'internal', 'something went wrong on our side');
        send(response, failed.status, { ...failed.headers, ...SECURITY_HEADERS }, failed.body);
      }
    }
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://${urlHost(displayAddress(host))}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
