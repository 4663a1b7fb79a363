// What the JSON APIs' loopback stand-ins share (OpenAlex, ClinicalTrials.gov, Crossref: openalex-stand-in.ts,
// clinicaltrials-stand-in.ts, crossref-stand-in.ts): a real HTTP server on 127.0.0.1 that hands each request to
// the API's own router, counts requests per client in a sliding second (429 with the API's own error body above
// the limit), and injects the same fault matrix as the E-utilities and Europe PMC stand-ins on demand:
//
// | fault | what the client sees |
// |---|---|
// | status (429 with Retry-After, 5xx, ...) | that status with the API's error body |
// | reset | the connection destroyed without an answer |
// | slow | the answer (or its second half) held back: a client timeout |
// | truncate | the first half of the JSON in a complete transfer |
// | drop-record | a partial page: one result left out, paging goes on as if it had been sent |
// | repeat-cursor | the page's next cursor/token is the one it was asked with |
// | other-record | a lookup by id answered about another record (bioRxiv/medRxiv's by-DOI details) |
//
// The routers build real-shaped answers from their corpora (shapes from each API's public documentation; see
// cli/demo/recorded/README.md) and apply the two data faults themselves; this module applies the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ArrivalWindow,
  type LoopbackAnswer,
  retryAfterHeader,
  sendAnswer,
  sleep,
  startLoopbackServer,
} from './loopback-server.ts';

export type ApiFault =
  | { kind: 'status'; status: number; retryAfter?: number | string }
  | { kind: 'reset' }
  | { kind: 'slow'; delayMs: number; phase?: 'headers' | 'body' }
  | { kind: 'truncate' }
  | { kind: 'drop-record' }
  | { kind: 'repeat-cursor' }
  | { kind: 'other-record' };

export interface ApiRequest {
  method: string;
  /** The path below the stand-in's base path, e.g. "works". */
  endpoint: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** 0 when the connection was destroyed without an answer. */
  status: number;
  time: number;
  fault: ApiFault['kind'] | 'rate-limit' | null;
  /** Results the answer carried. */
  results: number;
}

export interface ApiRoute {
  answer: LoopbackAnswer;
  /** Results in the answer (for the request log). */
  results?: number;
}

export interface JsonApiStandInOptions {
  /** The base path, e.g. "/openalex/" (the base URL ends with it). */
  basePath: string;
  /** The API's answer to a request (after faults at HTTP level; data faults are the router's to apply). */
  route(request: ApiRequest, fault: ApiFault | null): ApiRoute | Promise<ApiRoute>;
  /** The API's own error answer for a status (429 body, 5xx page). */
  errorAnswer(status: number, headers: Record<string, string>): LoopbackAnswer;
  /** Who a request counts against for the rate limit (default: the client's address). */
  client?(request: ApiRequest, req: IncomingMessage): string;
  /** Requests per client per one-second window before a 429; default 10. */
  rateLimit?: number;
  enforceRateLimit?: boolean;
  latencyMs?: number;
  gzip?: boolean;
  port?: number;
}

export interface JsonApiStandIn {
  baseUrl: string;
  requests: ApiRequest[];
  faults: {
    /** The next request consumes the fault; faults queue in order. */
    enqueue(fault: ApiFault): void;
    pending(): number;
  };
  close(): Promise<void>;
}

export const jsonAnswer = (
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): LoopbackAnswer => ({
  status,
  body: JSON.stringify(value),
  contentType: 'application/json;charset=UTF-8',
  ...(headers ? { headers } : {}),
});

export async function startJsonApiStandIn(options: JsonApiStandInOptions): Promise<JsonApiStandIn> {
  const requests: ApiRequest[] = [];
  const faults: ApiFault[] = [];
  const arrivals = new ArrivalWindow();
  const limit = options.rateLimit ?? 10;
  const enforce = options.enforceRateLimit ?? true;
  const gzip = options.gzip ?? true;

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: ApiRequest,
    answer: LoopbackAnswer,
    fault: ApiFault | null,
  ) => {
    entry.status = answer.status;
    return sendAnswer(req, res, answer, { gzip, fault, cut: 'text' });
  };

  const server = await startLoopbackServer(options.port ?? 0, async (req, res, { time, url, params }) => {
    const entry: ApiRequest = {
      method: req.method ?? 'GET',
      endpoint: url.pathname.startsWith(options.basePath)
        ? url.pathname.slice(options.basePath.length)
        : url.pathname,
      params,
      headers: req.headers,
      status: 0,
      time,
      fault: null,
      results: 0,
    };
    requests.push(entry);
    const client = options.client?.(entry, req) ?? req.socket.remoteAddress ?? 'unknown';
    if (enforce && arrivals.count(client, time) > limit) {
      entry.fault = 'rate-limit';
      return send(req, res, entry, options.errorAnswer(429, retryAfterHeader(1)), null);
    }
    const fault = faults.shift() ?? null;
    entry.fault = fault?.kind ?? null;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    await sleep(options.latencyMs ?? 0);
    if (fault?.kind === 'status') {
      return send(
        req,
        res,
        entry,
        options.errorAnswer(fault.status, retryAfterHeader(fault.retryAfter)),
        null,
      );
    }
    const routed = await options.route(entry, fault);
    entry.results = routed.results ?? 0;
    return send(req, res, entry, routed.answer, fault);
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}${options.basePath}`,
    requests,
    faults: { enqueue: (fault) => void faults.push(fault), pending: () => faults.length },
    close: () => server.close(),
  };
}

/** An opaque page token for `offset` into the answers of `key` (like a real cursor, it says nothing readable). */
export function pageToken(key: string, offset: number): string {
  return Buffer.from(`${key.length}:${offset}:${key}`).toString('base64url');
}

/** The offset a token stands for, or null when it is not one of `key`'s tokens. */
export function tokenOffset(key: string, token: string): number | null {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^(\d+):(\d+):([\s\S]*)$/.exec(decoded);
  if (!match || match[3] !== key || Number(match[1]) !== key.length) return null;
  return Number(match[2]);
}

/** The 'drop-record' fault of every stand-in: a page with its middle result left out (an empty page as it is). */
export function withoutMiddleResult<T>(page: readonly T[]): T[] {
  const drop = Math.floor(page.length / 2);
  return page.filter((_, i) => i !== drop);
}

/** One page of `items` at `offset`, with the 'drop-record' fault applied (the middle result left out). */
export function pageOf<T>(items: readonly T[], offset: number, size: number, fault: ApiFault | null): T[] {
  const page = items.slice(offset, offset + size);
  return fault?.kind === 'drop-record' ? withoutMiddleResult(page) : page;
}
