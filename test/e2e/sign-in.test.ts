// Signing in to the screening page with Cognito's authorization code flow and PKCE, in real headless Chromium,
// against a loopback stand-in for Cognito's endpoints (cognito-stand-in.ts): the page sends an S256 challenge,
// trades the code with its verifier, never carries a token in a URL, and then screens as the signed-in
// reviewer. The stand-in hands out reviewer pp's local token as the ID token, so the local server's API
// accepts it as Cognito's JWT authorizer accepts a real one.
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startScreeningServer } from '../../cli/serve/server.ts';
import { type SignInConfig, signInConnectOrigins } from '../../shared/adapters/http/sign-in.ts';
import { loadScreeningAssets } from '../../shared/adapters/http/static-assets.ts';
import {
  citation,
  type Harness,
  iesm,
  otherReview,
  startHarness,
  TOKENS,
} from '../integration/screening/support.ts';
import { type Chromium, launchChromium } from './chromium.ts';
import { type CognitoStandIn, startCognitoStandIn } from './cognito-stand-in.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

let h: Harness;
let cognito: CognitoStandIn;
let server: LocalServer;
let browser: Chromium | undefined;

/** A free loopback port (the page's address must be known before the server starts: it is the callback). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  h = await startHarness('e2e-sign-in', [{ reviewId: iesm.id, citation: citation('501') }]);
  const port = await freePort();
  const page = `http://127.0.0.1:${port}/`;
  cognito = await startCognitoStandIn({
    clientId: 'screening-client',
    redirectUri: page,
    idToken: TOKENS.pp!,
  });
  const signIn: SignInConfig = {
    authorizeUrl: `${cognito.baseUrl}/oauth2/authorize`,
    tokenUrl: `${cognito.baseUrl}/oauth2/token`,
    clientId: 'screening-client',
    redirectUri: page,
    scope: 'openid email profile',
  };
  server = await startScreeningServer({
    protocols: [iesm, otherReview],
    deps: h.screening.deps,
    tokens: TOKENS,
    assets: loadScreeningAssets(undefined, signIn),
    connectOrigins: signInConnectOrigins(signIn),
    port,
    logError: () => {},
  });
  browser = await launchChromium({ width: 1000, height: 800 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await cognito?.close();
  await h?.close();
});

describe('sign-in with the authorization code flow and PKCE', () => {
  it('signs the reviewer in through the authorize and token endpoints, with no token in any URL', async () => {
    const problems: string[] = [];
    const page: Page = await browser!.context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    const visited: string[] = [];
    page.on('framenavigated', (frame) => visited.push(frame.url()));

    await page.goto(`${server.url}/?review=${iesm.id}`);
    await page.locator('#signin-cognito').click();
    await page.waitForFunction(
      () => document.getElementById('review-title')?.textContent !== 'Screening',
      null,
      {
        timeout: 15_000,
      },
    );
    expect(await page.locator('#review-title').textContent()).toBe(iesm.title);
    await page.waitForFunction(
      () => document.getElementById('record-title')?.textContent?.includes('case 501') ?? false,
      null,
      { timeout: 15_000 },
    );

    const authorize = cognito.requests.find((r) => r.path === '/oauth2/authorize')!;
    expect(authorize.params).toMatchObject({
      response_type: 'code',
      client_id: 'screening-client',
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    expect(authorize.params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = cognito.requests.find((r) => r.path === '/oauth2/token')!;
    expect(token.params).toMatchObject({ grant_type: 'authorization_code', client_id: 'screening-client' });
    expect(token.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // No token ever in an address; the code left the address bar, the review chosen before signing in stays.
    for (const url of visited) expect(url).not.toMatch(/token|id_token/);
    expect(page.url()).toBe(`${server.url}/?review=${iesm.id}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses an answer the page did not ask for (a forged redirect with a code and state)', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${server.url}/?code=stolen&state=forged`);
    await page.waitForFunction(
      () => document.getElementById('error')?.textContent?.includes('not asked for') ?? false,
      null,
      { timeout: 15_000 },
    );
    expect(await page.locator('#signin-account').isVisible()).toBe(true);
    expect(cognito.requests.filter((r) => r.params.code === 'stolen')).toEqual([]);
    await page.close();
  });
});
