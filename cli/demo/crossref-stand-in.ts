// A loopback stand-in for Crossref's REST API works list (GET /works): a real HTTP server on 127.0.0.1 answering
// in Crossref's envelope ({ status: "ok", message-type: "work-list", message: { total-results, items,
// items-per-page, next-cursor, ... } }), paging with cursors, stating its rate limit in X-Rate-Limit-Limit and
// X-Rate-Limit-Interval as Crossref does, and failing on demand (json-api-stand-in.ts). Point CROSSREF_BASE_URL
// at it to try the CLI.
//
// What it imitates (Crossref's REST API documentation and its filters list): filter=updates:<doi> (the works
// whose update-to names the DOI) and filter=doi:<doi>, repeated filters of one name OR-ed; rows (at most 1000);
// cursor=* then next-cursor (sent on every page; an empty page ends the list). Without mailto the answer says
// it came from the public pool (x-api-pool: public) and states a lower limit.
//
// What it does not: any other filter or a query is a 400 in Crossref's error shape.
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

/** A work as Crossref serves it: a notice (with update-to) or an article (perhaps with updated-by). */
export type CrossrefCorpusWork = Record<string, unknown> & {
  DOI: string;
  'update-to'?: { DOI: string }[];
};

const lower = (doi: string) => doi.toLowerCase();

export async function startCrossrefStandIn(options: {
  corpus: readonly CrossrefCorpusWork[];
  /** Stated in X-Rate-Limit-Limit per 1s (polite pool); default 10. Enforced too. */
  politeLimit?: number;
  latencyMs?: number;
  port?: number;
}): Promise<JsonApiStandIn> {
  const works = [...options.corpus].sort((a, b) => (lower(a.DOI) < lower(b.DOI) ? -1 : 1));
  const polite = options.politeLimit ?? 10;
  const limitHeaders = (request: ApiRequest) => {
    const isPolite = Boolean(request.params.mailto);
    return {
      'X-Rate-Limit-Limit': String(isPolite ? polite : Math.max(1, Math.floor(polite / 2))),
      'X-Rate-Limit-Interval': '1s',
      'X-Api-Pool': isPolite ? 'polite' : 'public',
    };
  };
  const failure = (status: number, message: string, headers?: Record<string, string>) =>
    jsonAnswer(
      status,
      {
        status: 'failed',
        'message-type': 'validation-failure',
        message: [{ type: 'filter-not-available', value: message, message }],
      },
      headers,
    );

  const list = (request: ApiRequest, fault: ApiFault | null) => {
    const headers = limitHeaders(request);
    const rows = Number(request.params.rows ?? '20');
    if (!Number.isInteger(rows) || rows < 0 || rows > 1000)
      return { answer: failure(400, `rows: ${request.params.rows}`, headers) };
    const wanted = { updates: new Set<string>(), doi: new Set<string>() };
    for (const clause of (request.params.filter ?? '').split(',').filter(Boolean)) {
      const colon = clause.indexOf(':');
      const name = clause.slice(0, colon);
      if (name !== 'updates' && name !== 'doi')
        return { answer: failure(400, `filter ${name} is not available`, headers) };
      wanted[name].add(lower(clause.slice(colon + 1)));
    }
    const matched = works.filter(
      (w) =>
        (wanted.updates.size === 0 || (w['update-to'] ?? []).some((u) => wanted.updates.has(lower(u.DOI)))) &&
        (wanted.doi.size === 0 || wanted.doi.has(lower(w.DOI))),
    );
    const cursor = request.params.cursor ?? '*';
    const key = `${request.params.filter ?? ''}|${rows}`;
    const offset = cursor === '*' ? 0 : tokenOffset(key, cursor);
    if (offset === null) return { answer: failure(400, `cursor ${cursor}`, headers) };
    const page = pageOf(matched, offset, rows, fault);
    return {
      answer: jsonAnswer(
        200,
        {
          status: 'ok',
          'message-type': 'work-list',
          'message-version': '1.0.0',
          message: {
            facets: {},
            'next-cursor': pageToken(key, fault?.kind === 'repeat-cursor' ? offset : offset + rows),
            'total-results': matched.length,
            items: page,
            'items-per-page': rows,
            query: { 'start-index': 0, 'search-terms': null },
          },
        },
        headers,
      ),
      results: page.length,
    };
  };

  return startJsonApiStandIn({
    basePath: '/crossref/',
    rateLimit: polite,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.port === undefined ? {} : { port: options.port }),
    route: (request, fault) =>
      request.endpoint === 'works'
        ? list(request, fault)
        : { answer: failure(404, `no route ${request.endpoint}`) },
    errorAnswer: (status, headers) =>
      status === 429
        ? {
            status,
            body: 'Too Many Requests',
            contentType: 'text/plain',
            headers: { ...headers, 'X-Rate-Limit-Limit': String(polite), 'X-Rate-Limit-Interval': '1s' },
          }
        : { status, body: `<html><body><h1>${status}</h1></body></html>`, contentType: 'text/html', headers },
  });
}
