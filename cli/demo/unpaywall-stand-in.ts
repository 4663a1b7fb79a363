// A loopback stand-in for Unpaywall's REST API (GET /v2/<doi>?email=...): a real HTTP server on 127.0.0.1 that
// answers in Unpaywall's JSON shape, rate-limits, and fails on demand. The full-text tests talk to it over real
// HTTP; point UNPAYWALL_BASE_URL at its baseUrl to try the screening page with it.
//
// What it imitates: a DOI record {doi, doi_url, is_oa, oa_status, best_oa_location, oa_locations, title, ...}
// for a DOI it knows (DOIs match case-insensitively, as Unpaywall lower-cases them); 404 with Unpaywall's error
// JSON for one it does not; 422 without a valid `email`; 429 when one e-mail starts more than `rateLimit`
// requests in any one-second window.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ArrivalWindow,
  type LoopbackAnswer,
  retryAfterHeader,
  sendAnswer,
  sleep,
  startLoopbackServer,
} from './loopback-server.ts';

/** What the stand-in knows of one DOI. */
export interface UnpaywallCorpusRecord {
  doi: string;
  title?: string;
  /** The best open-access location, or null for a closed work. */
  best: {
    url: string;
    url_for_pdf: string | null;
    host_type: 'publisher' | 'repository';
    license: string | null;
    version: string;
    repository_institution?: string | null;
  } | null;
}

export type UnpaywallStandInFault =
  /** Answer with this status (JSON error body), e.g. 429 with Retry-After, 503. */
  | { kind: 'status'; status: number; retryAfter?: number | string }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /** Hold the whole answer. */
  | { kind: 'slow'; delayMs: number }
  /** Send the first half of the JSON and end the response normally. */
  | { kind: 'truncate' };

export interface UnpaywallStandInRequest {
  doi: string;
  email: string | null;
  /** 0 when the connection was destroyed without an answer. */
  status: number;
  time: number;
  fault: UnpaywallStandInFault['kind'] | 'rate-limit' | null;
}

export interface UnpaywallStandIn {
  /** `http://127.0.0.1:PORT/v2/`, to use as UNPAYWALL_BASE_URL. */
  baseUrl: string;
  requests: UnpaywallStandInRequest[];
  faults: { enqueue(fault: UnpaywallStandInFault): void };
  close(): Promise<void>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function errorBody(status: number, message: string): string {
  return JSON.stringify({ HTTP_status_code: status, error: true, message });
}

function recordBody(record: UnpaywallCorpusRecord): string {
  const best = record.best
    ? {
        ...record.best,
        url_for_landing_page: record.best.url,
        evidence: 'oa repository (via OAI-PMH doi match)',
        is_best: true,
        oa_date: '2024-05-02',
        pmh_id: null,
        endpoint_id: null,
        updated: '2025-01-10T00:00:00',
        repository_institution: record.best.repository_institution ?? null,
      }
    : null;
  return JSON.stringify({
    doi: record.doi.toLowerCase(),
    doi_url: `https://doi.org/${record.doi.toLowerCase()}`,
    title: record.title ?? null,
    genre: 'journal-article',
    is_paratext: false,
    is_oa: best !== null,
    oa_status: best ? (best.host_type === 'publisher' ? 'gold' : 'green') : 'closed',
    has_repository_copy: best?.host_type === 'repository',
    best_oa_location: best,
    first_oa_location: best,
    oa_locations: best ? [best] : [],
    oa_locations_embargoed: [],
    updated: '2025-01-10T00:00:00',
    data_standard: 2,
  });
}

export async function startUnpaywallStandIn(options: {
  corpus: readonly UnpaywallCorpusRecord[];
  /** Requests per e-mail per one-second window before a 429 (default 10). */
  rateLimit?: number;
  latencyMs?: number;
  port?: number;
}): Promise<UnpaywallStandIn> {
  const byDoi = new Map(options.corpus.map((r) => [r.doi.toLowerCase(), r]));
  const requests: UnpaywallStandInRequest[] = [];
  const queue: UnpaywallStandInFault[] = [];
  const window = new ArrivalWindow();
  const limit = options.rateLimit ?? 10;

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    request: { time: number; url: URL; params: Record<string, string> },
  ) => {
    const path = request.url.pathname;
    const doi = decodeURIComponent(path.replace(/^\/v2\//, ''));
    const email = request.params.email ?? null;
    const log: UnpaywallStandInRequest = { doi, email, status: 0, time: request.time, fault: null };
    requests.push(log);
    await sleep(options.latencyMs ?? 0);
    const fault = queue.shift() ?? null;
    if (fault?.kind === 'reset') {
      log.fault = 'reset';
      req.socket.destroy();
      return;
    }
    let answer: LoopbackAnswer;
    if (fault?.kind === 'status') {
      log.fault = 'status';
      answer = {
        status: fault.status,
        body: errorBody(fault.status, `stand-in fault ${fault.status}`),
        contentType: 'application/json',
        headers: retryAfterHeader(fault.retryAfter),
      };
    } else if (!path.startsWith('/v2/') || doi === '') {
      answer = { status: 404, body: errorBody(404, 'not found'), contentType: 'application/json' };
    } else if (!email || !EMAIL.test(email)) {
      answer = {
        status: 422,
        body: errorBody(
          422,
          'Please use your email address as the email parameter, like ?email=you@example.com',
        ),
        contentType: 'application/json',
      };
    } else if (window.count(email, request.time) > limit) {
      log.fault = 'rate-limit';
      answer = {
        status: 429,
        body: errorBody(429, 'Too many requests'),
        contentType: 'application/json',
        headers: { 'Retry-After': '1' },
      };
    } else {
      const record = byDoi.get(doi.toLowerCase());
      answer = record
        ? { status: 200, body: recordBody(record), contentType: 'application/json' }
        : {
            status: 404,
            body: errorBody(404, `'${doi}' is an invalid doi. See https://doi.org/${doi}`),
            contentType: 'application/json',
          };
    }
    if (fault?.kind === 'slow' || fault?.kind === 'truncate') log.fault = fault.kind;
    log.status = answer.status;
    await sendAnswer(req, res, answer, { gzip: false, fault, cut: 'text' });
  };
  const server = await startLoopbackServer(options.port ?? 0, handle);
  return {
    baseUrl: `http://127.0.0.1:${server.port}/v2/`,
    requests,
    faults: { enqueue: (fault) => queue.push(fault) },
    close: () => server.close(),
  };
}
