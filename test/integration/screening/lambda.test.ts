// The Lambda handler over the embedded store, with API Gateway HTTP API (payload 2.0) events as the JWT
// authorizer passes them on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHandler,
  reviewerFromClaims,
  type ScreeningApiEvent,
} from '../../../functions/screening-api/handler.ts';
import { SCREENING_API_ENTRY, SCREENING_API_ROUTES } from '../../../functions/screening-api/routes.ts';
import { signInConfigFromEnv } from '../../../shared/adapters/http/sign-in.ts';
import { citation, type Harness, iesm, otherReview, startHarness } from './support.ts';

let h: Harness;
let handler: ReturnType<typeof createHandler>;

function event(
  method: string,
  path: string,
  options: {
    claims?: Record<string, string>;
    body?: unknown;
    headers?: Record<string, string>;
    base64?: boolean;
  } = {},
): ScreeningApiEvent {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'screening.example.org',
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(options.headers ?? {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'screening.example.org',
      domainPrefix: 'screening',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '05/Jan/2026:06:00:00 +0000',
      timeEpoch: 0,
      authorizer: {
        jwt: { claims: options.claims ?? {}, scopes: [] },
        principalId: '',
        integrationLatency: 0,
      },
    },
    isBase64Encoded: options.base64 ?? false,
    body: body && options.base64 ? Buffer.from(body).toString('base64') : body,
  } as ScreeningApiEvent;
}

beforeAll(async () => {
  h = await startHarness('lambda', [
    { reviewId: iesm.id, citation: citation('201') },
    { reviewId: otherReview.id, citation: citation('202') },
  ]);
  handler = createHandler({ protocols: [iesm, otherReview], deps: h.screening.deps });
});

afterAll(async () => {
  await h?.close();
});

describe('Function: screening-api handler', () => {
  it('reads the reviewer from the custom claim, else cognito:username, else username', () => {
    expect(reviewerFromClaims({ 'custom:reviewer_id': 'pp', 'cognito:username': 'x' })).toEqual({
      reviewerId: 'pp',
    });
    expect(reviewerFromClaims({ 'cognito:username': 'alc' })).toEqual({ reviewerId: 'alc' });
    expect(reviewerFromClaims({ username: 'ash' })).toEqual({ reviewerId: 'ash' });
    expect(reviewerFromClaims({ sub: 'abc' })).toBeNull();
    expect(reviewerFromClaims(undefined)).toBeNull();
  });

  it('answers 401 when the event carries no usable claims', async () => {
    const result = await handler(event('GET', '/api/me'));
    expect(result.statusCode).toBe(401);
  });

  it('answers 403 on a review that does not list the reviewer', async () => {
    const result = await handler(
      event('GET', `/api/reviews/${otherReview.id}/next`, { claims: { 'cognito:username': 'pp' } }),
    );
    expect(result.statusCode).toBe(403);
  });

  it('records a decision (base64 body) from the API own origin and refuses another origin', async () => {
    const c = h.ids.get('201')!;
    const path = `/api/reviews/${iesm.id}/records/${c}/decisions`;
    const claims = { 'custom:reviewer_id': 'alc' };
    const foreign = await handler(
      event('POST', path, {
        claims,
        body: { stage: 'title-abstract', decision: 'include' },
        headers: { origin: 'https://evil.example' },
      }),
    );
    expect(foreign.statusCode).toBe(403);
    const ok = await handler(
      event('POST', path, {
        claims,
        base64: true,
        body: { stage: 'title-abstract', decision: 'include' },
        headers: { origin: 'https://screening.example.org' },
      }),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.headers?.['strict-transport-security']).toContain('max-age=');
    expect(await h.screening.screening.listEvents(iesm.id, c)).toHaveLength(1);
  });

  it('serves the page without claims', async () => {
    const page = await handler(event('GET', '/'));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves the page with its Cognito sign-in (code + PKCE), and a CSP admitting only the token endpoint', async () => {
    const signIn = signInConfigFromEnv({
      COGNITO_DOMAIN_URL: 'https://iesm-screening.auth.eu-west-1.amazoncognito.com',
      COGNITO_CLIENT_ID: 'client123',
      SCREENING_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
    });
    expect(signIn).toEqual({
      authorizeUrl: 'https://iesm-screening.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
      tokenUrl: 'https://iesm-screening.auth.eu-west-1.amazoncognito.com/oauth2/token',
      clientId: 'client123',
      redirectUri: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
      scope: 'openid email profile',
    });
    const meta = (html: string) => {
      const content = /<meta name="living-review-sign-in" content="([^"]*)" \/>/.exec(html)?.[1];
      if (content === undefined) throw new Error('no sign-in meta element');
      return content
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    };

    const withSignIn = createHandler({ protocols: [iesm], deps: h.screening.deps, signIn });
    const page = await withSignIn(event('GET', '/'));
    expect(page.statusCode).toBe(200);
    expect(JSON.parse(meta(page.body as string))).toEqual(signIn);
    expect(page.headers?.['content-security-policy']).toContain(
      "connect-src 'self' https://iesm-screening.auth.eu-west-1.amazoncognito.com;",
    );

    const local = await handler(event('GET', '/'));
    expect(meta(local.body as string)).toBe('');
    expect(local.headers?.['content-security-policy']).toContain("connect-src 'self';");
  });

  it('takes its sign-in from all three variables or none', () => {
    expect(signInConfigFromEnv({})).toBeNull();
    expect(() => signInConfigFromEnv({ COGNITO_CLIENT_ID: 'x' })).toThrow(
      /COGNITO_DOMAIN_URL, SCREENING_URL not set/,
    );
    expect(() =>
      signInConfigFromEnv({
        COGNITO_DOMAIN_URL: 'http://plain.example.org',
        COGNITO_CLIENT_ID: 'x',
        SCREENING_URL: 'https://page.example.org/',
      }),
    ).toThrow(/must be https/);
  });

  it('exports its entry and a route table for the HTTP API', () => {
    expect(SCREENING_API_ENTRY.endsWith('functions/screening-api/handler.ts')).toBe(true);
    expect(SCREENING_API_ROUTES).toContainEqual({
      method: 'POST',
      path: '/api/reviews/{reviewId}/records/{citationId}/decisions',
      auth: 'jwt',
    });
    expect(SCREENING_API_ROUTES.filter((r) => r.auth === 'none').map((r) => r.path)).toEqual([
      '/',
      '/favicon.ico',
      '/assets/{file}',
    ]);
  });
});
