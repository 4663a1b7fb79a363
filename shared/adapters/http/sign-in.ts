// How the screening page signs a reviewer in on AWS: Cognito's managed login with the OAuth authorization code
// flow and PKCE (RFC 7636, S256). The page (a public client: it can keep no secret) makes a one-time verifier,
// sends its SHA-256 challenge to the authorize endpoint, and trades the code it gets back, with the verifier,
// for tokens at the token endpoint. A code intercepted on the way back is worthless without the verifier, and
// no token ever appears in a URL (the implicit flow put the ID token in the redirect's fragment).
//
// The page learns the endpoints from a <meta name="living-review-sign-in"> the server fills in (static-assets.ts),
// and may fetch the token endpoint (the CSP's connect-src names its origin). Locally there is no Cognito: the
// page asks for the reviewer's token instead.

export interface SignInConfig {
  /** Cognito's /oauth2/authorize. */
  authorizeUrl: string;
  /** Cognito's /oauth2/token. */
  tokenUrl: string;
  clientId: string;
  /** The screening page, as registered as the app client's callback URL. */
  redirectUri: string;
  scope: string;
}

const SCOPE = 'openid email profile';

/**
 * From COGNITO_DOMAIN_URL (https://<prefix>.auth.<region>.amazoncognito.com), COGNITO_CLIENT_ID and
 * SCREENING_URL (the page); null when none is set. Some but not all set is a configuration error.
 */
export function signInConfigFromEnv(env: NodeJS.ProcessEnv): SignInConfig | null {
  const names = ['COGNITO_DOMAIN_URL', 'COGNITO_CLIENT_ID', 'SCREENING_URL'] as const;
  const values = names.map((name) => env[name]?.trim() ?? '');
  if (values.every((value) => value === '')) return null;
  const missing = names.filter((_, i) => values[i] === '');
  if (missing.length > 0) throw new Error(`sign-in configuration incomplete: ${missing.join(', ')} not set`);
  const [domain, clientId, page] = values as [string, string, string];
  const base = new URL(domain);
  if (base.protocol !== 'https:') throw new Error(`COGNITO_DOMAIN_URL must be https, not ${domain}`);
  return {
    authorizeUrl: new URL('/oauth2/authorize', base).toString(),
    tokenUrl: new URL('/oauth2/token', base).toString(),
    clientId,
    redirectUri: page,
    scope: SCOPE,
  };
}

/** The origins a page with this sign-in must reach besides its own (the token endpoint), for its CSP. */
export function signInConnectOrigins(signIn: SignInConfig | null): string[] {
  return signIn ? [new URL(signIn.tokenUrl).origin] : [];
}
