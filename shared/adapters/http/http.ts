// A framework-free HTTP model shared by the Lambda (API Gateway HTTP API, payload v2) and the local server
// (node:http): both turn their event into an HttpRequest and send back the HttpResponse.

export interface HttpRequest {
  method: string;
  /** The path without the query string, e.g. "/api/reviews/iesm/next". */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body as text (UTF-8), or null. */
  body: string | null;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The largest request body the API reads (a decision is a few hundred bytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** The page's CSP; `connectOrigins` are origins besides its own it may fetch (the sign-in token endpoint). */
export function contentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  const connect = ["'self'", ...connectOrigins].join(' ');
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src ${connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/**
 * Headers on every response. The page loads its script and style from its own origin only, so the CSP needs
 * no 'unsafe-inline' for either; nothing may frame it, and nothing is sent as a referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** An error answer: `{ error: { code, message } }`. */
export function problem(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return json(status, { error: { code, message } }, headers);
}

/** A failure with a status and a message that may be shown to the caller. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function header(request: HttpRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()];
}
