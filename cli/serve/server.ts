// The local screening server: the same API as the Lambda, authenticated by per-reviewer bearer tokens. It
// listens on 127.0.0.1 unless told otherwise (`serve --host`, where listen-address.ts decides what may be
// served how). It refuses requests whose Host is not one of its own addresses (a DNS-rebinding page cannot reach
// it by another name) and state-changing requests from any other origin. With a TLS certificate and key it
// speaks HTTPS only, and sends HSTS.

import { createReadStream } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  type LocalAttachmentStorage,
  READ_PATH,
  UPLOAD_PATH,
} from '../../shared/adapters/attachments/local-attachments.ts';
import {
  type HttpRequest,
  MAX_BODY_BYTES,
  problem,
  SECURITY_HEADERS,
} from '../../shared/adapters/http/http.ts';
import { createScreeningApi } from '../../shared/adapters/http/screening-api.ts';
import type { StaticAsset } from '../../shared/adapters/http/static-assets.ts';
import type { AppraisalDeps } from '../../shared/app/appraisal.ts';
import { DEFAULT_MAX_ATTACHMENT_BYTES, type FullTextDeps } from '../../shared/app/full-text.ts';
import type { ScreeningDeps } from '../../shared/app/screening.ts';
import type { VerificationDeps } from '../../shared/app/verify-extraction.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { displayAddress, hostHeaderNames, LOOPBACK, urlHost } from './listen-address.ts';
import { type TokenTable, tokenVerifier } from './tokens.ts';

export interface LocalServerOptions {
  protocols: readonly Protocol[];
  deps: ScreeningDeps;
  appraisal?: AppraisalDeps;
  verification?: VerificationDeps;
  tokens: TokenTable;
  assets: ReadonlyMap<string, StaticAsset>;
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /** Origins the page may fetch besides its own (a sign-in token endpoint: see shared/adapters/http/sign-in.ts). */
  connectOrigins?: readonly string[];
  /** The address to listen on (default 127.0.0.1); listen-address.ts checks it first. */
  host?: string;
  /** Extra names reviewers reach it by (the name in its TLS certificate). */
  hostnames?: readonly string[];
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  /** The full-text view; with local attachments, this server also takes their uploads and serves them. */
  fullText?: FullTextDeps;
  attachments?: LocalAttachmentStorage;
  logError?: (message: string) => void;
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" (https with TLS; for every interface, one other machines can reach). */
  url: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/** The body, up to `limit` bytes; past it the rest is read and dropped, so the client still gets its 413. */
function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > limit) reject(new BodyTooLarge());
      else resolve(size === 0 ? null : Buffer.concat(chunks));
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
    ...(options.appraisal ? { appraisal: options.appraisal } : {}),
    ...(options.verification ? { verification: options.verification } : {}),
    assets: options.assets,
    authenticate: (request) => {
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(request.headers.authorization ?? '');
      const reviewerId = match ? verify(match[1]!) : null;
      return reviewerId ? { reviewerId } : null;
    },
    allowedOrigins: origins,
    ...(options.fullText ? { fullText: options.fullText } : {}),
    ...(options.connectOrigins ? { connectOrigins: options.connectOrigins } : {}),
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
      if (options.attachments && (url.pathname === UPLOAD_PATH || url.pathname === READ_PATH)) {
        await serveAttachment(options.attachments, incoming, response, url, origins());
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers[name] = value;
        else if (Array.isArray(value)) headers[name] = value.join(', ');
      }
      let body: string | null;
      try {
        const raw = await readBody(incoming);
        body = raw === null ? null : raw.toString('utf8');
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

/** Headers of a PDF read back: shown inline, framed only by this server's own page. */
const PDF_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/pdf',
  'cache-control': 'private, no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'SAMEORIGIN',
  'content-security-policy': "default-src 'none'; frame-ancestors 'self'",
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The local stand-in for S3's browser upload and signed read: POST /files/upload takes a multipart form this
 * server signed (key, content type, size limit, expiry) with the file last, as S3's POST Object does; GET
 * /files/read streams a file a signed, unexpired link names.
 */
async function serveAttachment(
  storage: LocalAttachmentStorage,
  incoming: IncomingMessage,
  response: ServerResponse,
  url: URL,
  origins: readonly string[],
): Promise<void> {
  const refuse = (status: number, code: string, message: string) => {
    const answer = problem(status, code, message);
    send(response, status, { ...answer.headers, ...SECURITY_HEADERS }, answer.body);
  };
  if (url.pathname === READ_PATH) {
    if (incoming.method !== 'GET') return refuse(405, 'method-not-allowed', 'GET only');
    const read = storage.checkRead(url.searchParams);
    if (!read.ok) return refuse(read.status, 'forbidden', read.reason);
    const name = encodeURIComponent(read.fileName);
    response.writeHead(200, { ...PDF_HEADERS, 'content-disposition': `inline; filename*=UTF-8''${name}` });
    createReadStream(read.path).pipe(response);
    return;
  }
  if (incoming.method !== 'POST') return refuse(405, 'method-not-allowed', 'POST only');
  const origin = incoming.headers.origin;
  if (origin !== undefined && !origins.includes(origin)) {
    return refuse(403, 'cross-origin', `requests from ${origin} are not accepted`);
  }
  const type = String(incoming.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data'))
    return refuse(415, 'unsupported-media-type', 'send a multipart form');
  let raw: Buffer | null;
  try {
    raw = await readBody(incoming, DEFAULT_MAX_ATTACHMENT_BYTES + 1024 * 1024);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      return refuse(413, 'too-large', 'the file is larger than any upload may be');
    throw error;
  }
  let form: FormData;
  try {
    form = await new Request('http://local/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    }).formData();
  } catch {
    return refuse(400, 'invalid-form', 'the body is not a multipart form');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
  const checked = storage.checkUpload(fields);
  if (!checked.ok) return refuse(403, 'forbidden', checked.reason);
  const file = form.get('file');
  if (!(file instanceof Blob)) return refuse(400, 'invalid-form', 'the form has no file');
  if (file.size < 1 || file.size > checked.upload.maxBytes) {
    return refuse(400, 'entity-too-large', `the file must be 1 to ${checked.upload.maxBytes} bytes`);
  }
  storage.store(checked.upload.key, Buffer.from(await file.arrayBuffer()));
  response.writeHead(204, { ...SECURITY_HEADERS });
  response.end();
}
