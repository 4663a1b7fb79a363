// A loopback stand-in for OpenAlex's works list (GET /works): a real HTTP server on 127.0.0.1 answering in
// OpenAlex's shape ({ meta: { count, db_response_time_ms, page, per_page, next_cursor, groups_count }, results,
// group_by }), paging with cursors, charging a daily budget per api key the way OpenAlex's pricing says, and
// failing on demand (json-api-stand-in.ts). Point OPENALEX_BASE_URL at it to try the CLI.
//
// What it imitates (developers.openalex.org: filters, paging, authentication and pricing): the filters the
// monitor writes, comma-separated with values OR-ed by "|": cites:W..., openalex:W..., pmid:N, doi:10...,
// from_created_date / to_created_date (on each work's created_date); per_page 1 to 100 (else a 400 in
// OpenAlex's error shape); select=; cursor=* then each page's next_cursor (null on the last page). Every list
// call costs $0.0001 of the key's daily budget ($1 with a key, $0.01 without), stated in X-RateLimit-Limit-USD,
// X-RateLimit-Remaining-USD and X-RateLimit-Cost-USD; a call the budget cannot pay for is a 429.
//
// What it does not: any other filter or search is a 400; results come in one fixed order (by id).
import {
  type ApiFault,
  type ApiRequest,
  type JsonApiStandIn,
  jsonAnswer,
  pageOf,
  pageToken,
  startJsonApiStandIn,
  tokenOffset,
} from './json-api-stand-in.ts';

/** A Work as OpenAlex serves it (see shared/adapters/openalex/openalex-work.ts). */
export type OpenAlexCorpusWork = Record<string, unknown> & {
  id: string;
  created_date: string;
  referenced_works?: string[];
  ids?: Record<string, string>;
  doi?: string | null;
};

export interface OpenAlexStandInOptions {
  corpus: readonly OpenAlexCorpusWork[];
  /** Daily budget in USD of a keyed request (default 1) and of a keyless one (default 0.01). */
  budgetUsd?: { withKey?: number; withoutKey?: number };
  rateLimit?: number;
  latencyMs?: number;
  port?: number;
}

export interface OpenAlexStandIn extends Omit<JsonApiStandIn, 'faults'> {
  faults: { enqueue(fault: ApiFault): void; pending(): number };
  /** USD spent today, by api key ("" for keyless). */
  spent: Map<string, number>;
}

const LIST_CALL_USD = 0.0001;
const MAX_PER_PAGE = 100;

const tail = (url: string) => url.slice(url.lastIndexOf('/') + 1).toLowerCase();

function matcher(name: string, values: string[]): ((work: OpenAlexCorpusWork) => boolean) | null {
  const wanted = new Set(values.map((v) => tail(v)));
  switch (name) {
    case 'cites':
      return (w) => (w.referenced_works ?? []).some((r) => wanted.has(tail(r)));
    case 'openalex':
    case 'ids.openalex':
      return (w) => wanted.has(tail(w.id));
    case 'pmid':
    case 'ids.pmid':
      return (w) => wanted.has(tail(w.ids?.pmid ?? ''));
    case 'doi':
      return (w) => {
        const doi = (w.doi ?? '').replace(/^https?:\/\/doi\.org\//i, '').toLowerCase();
        return values.some((v) => v.replace(/^https?:\/\/doi\.org\//i, '').toLowerCase() === doi);
      };
    case 'from_created_date':
      return (w) => w.created_date >= values[0]!;
    case 'to_created_date':
      return (w) => w.created_date <= values[0]!;
    default:
      return null;
  }
}

export async function startOpenAlexStandIn(options: OpenAlexStandInOptions): Promise<OpenAlexStandIn> {
  const works = [...options.corpus].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const spent = new Map<string, number>();
  const allowance = (key: string) =>
    key ? (options.budgetUsd?.withKey ?? 1) : (options.budgetUsd?.withoutKey ?? 0.01);
  const budgetHeaders = (key: string, cost: number) => ({
    'X-RateLimit-Limit-USD': allowance(key).toFixed(4),
    'X-RateLimit-Remaining-USD': Math.max(0, allowance(key) - (spent.get(key) ?? 0)).toFixed(4),
    'X-RateLimit-Cost-USD': cost.toFixed(4),
  });
  const error = (status: number, message: string, headers?: Record<string, string>) =>
    jsonAnswer(
      status,
      { error: status === 429 ? 'Rate limit exceeded' : 'Invalid query parameters error.', message },
      headers,
    );

  const list = (request: ApiRequest, fault: ApiFault | null) => {
    const key = request.params.api_key ?? '';
    const remaining = allowance(key) - (spent.get(key) ?? 0);
    if (remaining + 1e-12 < LIST_CALL_USD) {
      return {
        answer: error(
          429,
          'You have used up your daily budget. It renews at midnight UTC; a free api key raises it to $1/day.',
          budgetHeaders(key, 0),
        ),
      };
    }
    const perPage = Number(request.params.per_page ?? request.params['per-page'] ?? '25');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      return { answer: error(400, `per_page must be an integer between 1 and ${MAX_PER_PAGE}`) };
    }
    const filters: ((work: OpenAlexCorpusWork) => boolean)[] = [];
    for (const clause of (request.params.filter ?? '').split(',').filter(Boolean)) {
      const colon = clause.indexOf(':');
      const match = colon > 0 ? matcher(clause.slice(0, colon), clause.slice(colon + 1).split('|')) : null;
      if (!match) return { answer: error(400, `Invalid filter: ${clause}`) };
      filters.push(match);
    }
    const matched = works.filter((w) => filters.every((f) => f(w)));
    const cursor = request.params.cursor ?? '*';
    const queryKey = `${request.params.filter ?? ''}|${perPage}`;
    const offset = cursor === '*' ? 0 : tokenOffset(queryKey, cursor);
    if (offset === null) return { answer: error(400, `Invalid cursor: ${cursor}`) };
    spent.set(key, (spent.get(key) ?? 0) + LIST_CALL_USD);
    const page = pageOf(matched, offset, perPage, fault);
    const end = offset + perPage >= matched.length;
    const select = request.params.select?.split(',').filter(Boolean);
    return {
      answer: jsonAnswer(
        200,
        {
          meta: {
            count: matched.length,
            db_response_time_ms: 12,
            page: null,
            per_page: perPage,
            next_cursor:
              fault?.kind === 'repeat-cursor' ? cursor : end ? null : pageToken(queryKey, offset + perPage),
            groups_count: null,
          },
          results: page.map((w) =>
            select ? Object.fromEntries(select.map((field) => [field, w[field] ?? null])) : w,
          ),
          group_by: [],
        },
        budgetHeaders(key, LIST_CALL_USD),
      ),
      results: page.length,
    };
  };

  const standIn = await startJsonApiStandIn({
    basePath: '/openalex/',
    rateLimit: options.rateLimit ?? 100,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.port === undefined ? {} : { port: options.port }),
    client: (request, req) => request.params.api_key ?? req.socket.remoteAddress ?? 'unknown',
    route: (request, fault) =>
      request.endpoint === 'works'
        ? list(request, fault)
        : { answer: error(404, `no such endpoint: ${request.endpoint}`) },
    errorAnswer: (status, headers) =>
      status === 429
        ? error(429, 'Too many requests per second: slow down.', headers)
        : { status, body: `<html><body><h1>${status}</h1></body></html>`, contentType: 'text/html', headers },
  });
  return { ...standIn, spent };
}
