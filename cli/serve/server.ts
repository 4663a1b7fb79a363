// The local screening server: the same API as the Lambda, on 127.0.0.1 only, authenticated by per-reviewer
// bearer tokens. It refuses requests whose Host is not its own loopback address (a DNS-rebinding page cannot
// reach it by another name) and state-changing requests from any other origin.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
import { type TokenTable, tokenVerifier } from './tokens.ts';

export interface LocalServerOptions {
  protocols: readonly Protocol[];
  deps: ScreeningDeps;
  tokens: TokenTable;
  assets: ReadonlyMap<string, StaticAsset>;
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /** Extra response headers (a CSP that admits a sign-in endpoint: see shared/adapters/http/sign-in.ts). */
  extraHeaders?: Record<string, string>;
  logError?: (message: string) => void;
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" */
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
  let port = 0;
  const origins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
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
    ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
    ...(options.logError ? { logError: options.logError } : {}),
  });

  const server = createServer(async (incoming, response) => {
    try {
      const host = incoming.headers.host ?? '';
      if (!origins().some((origin) => origin === `http://${host}`)) {
        const refused = problem(421, 'wrong-host', 'this server answers only on its loopback address');
        send(response, refused.status, { ...refused.headers, ...SECURITY_HEADERS }, refused.body);
        return;
      }
      const url = new URL(incoming.url ?? '/', `http://${host}`);
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
