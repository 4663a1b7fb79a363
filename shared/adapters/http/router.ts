// A small router: routes are declared with API Gateway's path syntax ("/api/reviews/{reviewId}"), so the same
// list configures the HTTP API's routes in the CDK app and dispatches requests here.
import { HttpError, type HttpRequest, type HttpResponse } from './http.ts';

export type Method = 'GET' | 'POST';

export interface RouteSpec {
  method: Method;
  /** API Gateway path syntax: literal segments and {param} segments. */
  path: string;
  /** "jwt": needs an authenticated caller (the Cognito authorizer on AWS, a token locally). */
  auth: 'jwt' | 'none';
}

export interface Route<C> extends RouteSpec {
  /** Each path parameter must match its pattern (decoded), or the route does not match (404). */
  params?: Record<string, RegExp>;
  handle(request: HttpRequest, params: Record<string, string>, context: C): Promise<HttpResponse>;
}

/** The route and decoded path parameters for a request; a known path with another method is a 405. */
export function matchRoute<C>(
  routes: readonly Route<C>[],
  request: HttpRequest,
): { route: Route<C>; params: Record<string, string> } | null {
  const segments = request.path.split('/');
  let pathMatched = false;
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const part = pattern[i]!;
      const segment = segments[i]!;
      if (part.startsWith('{') && part.endsWith('}')) {
        let value: string;
        try {
          value = decodeURIComponent(segment);
        } catch {
          ok = false;
          break;
        }
        const name = part.slice(1, -1);
        if (value === '' || !(route.params?.[name] ?? /^[^/]+$/).test(value)) ok = false;
        else params[name] = value;
      } else if (part !== segment) ok = false;
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === request.method) return { route, params };
  }
  if (pathMatched) throw new HttpError(405, 'method-not-allowed', `${request.method} is not allowed here`);
  return null;
}
