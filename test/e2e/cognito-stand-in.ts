// A loopback stand-in for Cognito's managed login as the screening page meets it: /oauth2/authorize (the
// authorization code flow with PKCE: it signs the configured user in at once and redirects back with a code)
// and /oauth2/token (a browser-reachable POST, answered with CORS as Cognito does: it trades the code and the
// verifier for tokens only when SHA-256(verifier) is the challenge the code was issued for). Errors answer
// as Cognito's do: a bad client or callback is an error page, a bad grant a JSON {"error"}.
import { createHash, randomBytes } from 'node:crypto';
import { startLoopbackServer } from '../../cli/demo/loopback-server.ts';

export interface CognitoStandIn {
  /** "http://127.0.0.1:PORT" */
  baseUrl: string;
  /** Every request: path and parameters (query and form). */
  requests: { path: string; params: Record<string, string> }[];
  close(): Promise<void>;
}

const base64Url = (bytes: Buffer) => bytes.toString('base64url');

export async function startCognitoStandIn(options: {
  clientId: string;
  redirectUri: string;
  /** The ID token handed out for a good code. */
  idToken: string;
}): Promise<CognitoStandIn> {
  const requests: CognitoStandIn['requests'] = [];
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const server = await startLoopbackServer(0, async (req, res, request) => {
    requests.push({ path: request.url.pathname, params: request.params });
    const p = request.params;
    if (req.method === 'GET' && request.url.pathname === '/oauth2/authorize') {
      if (p.client_id !== options.clientId || p.redirect_uri !== options.redirectUri) {
        res.writeHead(400, { 'content-type': 'text/html' });
        res.end('<p>An error was encountered with the requested page.</p>');
        return;
      }
      const back = new URL(options.redirectUri);
      if (p.response_type !== 'code' || p.code_challenge_method !== 'S256' || !p.code_challenge) {
        back.search = new URLSearchParams({ error: 'invalid_request', state: p.state ?? '' }).toString();
      } else {
        const code = randomBytes(16).toString('hex');
        codes.set(code, { challenge: p.code_challenge, redirectUri: p.redirect_uri });
        back.search = new URLSearchParams({ code, state: p.state ?? '' }).toString();
      }
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (request.url.pathname === '/oauth2/token') {
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST' });
        res.end();
        return;
      }
      const issued = p.code ? codes.get(p.code) : undefined;
      if (p.code) codes.delete(p.code); // a code is good once
      const verified =
        issued !== undefined &&
        p.grant_type === 'authorization_code' &&
        p.client_id === options.clientId &&
        p.redirect_uri === issued.redirectUri &&
        typeof p.code_verifier === 'string' &&
        base64Url(createHash('sha256').update(p.code_verifier).digest()) === issued.challenge;
      res.writeHead(verified ? 200 : 400, { ...cors, 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          verified
            ? { id_token: options.idToken, access_token: 'access', token_type: 'Bearer', expires_in: 3600 }
            : { error: 'invalid_grant' },
        ),
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return { baseUrl: `http://127.0.0.1:${server.port}`, requests, close: () => server.close() };
}
