import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../../shared/adapters/http/http.ts';
import { createScreeningApi, SCREENING_ROUTE_SPECS } from '../../../shared/adapters/http/screening-api.ts';
import type { ScreeningDeps } from '../../../shared/app/screening.ts';
import type { ScreeningStore } from '../../../shared/ports/screening-store.ts';

function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body: string | null = null,
) {
  const url = new URL(path, 'http://127.0.0.1');
  return { method, path: url.pathname, query: url.searchParams, headers, body } satisfies HttpRequest;
}

// These checks happen before the store: any call reaching it is recorded (and fails).
const storeCalls: string[] = [];
const store = new Proxy({} as ScreeningStore & ScreeningDeps['citations'], {
  get: (_target, name) => () => {
    storeCalls.push(String(name));
    throw new Error(`the store was reached (${String(name)})`);
  },
});
const deps: ScreeningDeps = {
  citations: store,
  screening: store,
  clock: () => new Date(0),
  newId: () => 'x',
};
const errors: string[] = [];
const api = createScreeningApi({
  protocols: [],
  deps,
  authenticate: (r) => (r.headers.authorization === 'Bearer good' ? { reviewerId: 'pp' } : null),
  allowedOrigins: () => ['http://127.0.0.1:1'],
  assets: new Map([['index.html', { contentType: 'text/html; charset=utf-8', body: '<!doctype html>' }]]),
  logError: (m) => errors.push(m),
});

describe('Function: createScreeningApi (routing and edge checks)', () => {
  it('answers unknown paths 404 and known paths with another method 405, with security headers', async () => {
    const missing = await api(request('GET', '/nope'));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-security-policy']).toContain("default-src 'none'");
    const wrongMethod = await api(request('DELETE', '/api/me', { authorization: 'Bearer good' }));
    expect(wrongMethod.status).toBe(405);
    expect((await api(request('OPTIONS', '/api/reviews/iesm/records/c1/decisions'))).status).toBe(405);
  });

  it('does not match path parameters that break their pattern or their encoding', async () => {
    expect(
      (await api(request('GET', '/api/reviews/Bad_Id/next', { authorization: 'Bearer good' }))).status,
    ).toBe(404);
    expect(
      (await api(request('GET', '/api/reviews/iesm/records/%E0%A4%A', { authorization: 'Bearer good' })))
        .status,
    ).toBe(404);
    expect((await api(request('GET', '/assets/..%2Fsecret.js'))).status).toBe(404);
  });

  it('authenticates before it looks at the body, and checks JSON and origin before the store', async () => {
    const anonymous = await api(request('POST', '/api/reviews/iesm/records/c1/decisions', {}, 'x=1'));
    expect(anonymous.status).toBe(401);
    const form = await api(
      request(
        'POST',
        '/api/reviews/iesm/records/c1/decisions',
        { authorization: 'Bearer good', 'content-type': 'text/plain' },
        '{}',
      ),
    );
    expect(form.status).toBe(415);
    const foreign = await api(
      request(
        'POST',
        '/api/reviews/iesm/records/c1/decisions',
        { authorization: 'Bearer good', 'content-type': 'application/json', origin: 'http://127.0.0.1:2' },
        '{}',
      ),
    );
    expect(foreign.status).toBe(403);
    expect(storeCalls).toEqual([]);
  });

  it('answers 403 for a review it does not serve, without saying whether it exists', async () => {
    const answer = await api(request('GET', '/api/reviews/iesm/progress', { authorization: 'Bearer good' }));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'forbidden', message: 'pp is not a reviewer of review "iesm"' },
    });
  });

  it('lists its routes in API Gateway syntax, data routes behind the authorizer', () => {
    expect(
      SCREENING_ROUTE_SPECS.filter((r) => r.path.startsWith('/api/')).every((r) => r.auth === 'jwt'),
    ).toBe(true);
    expect(SCREENING_ROUTE_SPECS.map((r) => `${r.method} ${r.path}`)).toContain(
      'GET /api/reviews/{reviewId}/next',
    );
  });
});
