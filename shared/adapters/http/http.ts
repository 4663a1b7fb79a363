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

/**
 * The page's Content-Security-Policy: script and style from its own origin only (no 'unsafe-inline'); requests to
 * its own origin, plus `connect` (where attached PDFs are uploaded, the sign-in token endpoint); frames only from `frame` (where they are
 * read: the PDF beside the decision buttons); nothing may frame the page.
 */
export function contentSecurityPolicy(
  extra: { connect?: readonly string[]; frame?: readonly string[] } = {},
): string {
  const frame = extra.frame?.length ? extra.frame.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${["'self'", ...(extra.connect ?? [])].join(' ')}`,
    `frame-src ${frame}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Headers on every response: the CSP above, no sniffing, no framing, no referrer (the page's links to PubMed or
 * a publisher send nothing of where they came from).
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
