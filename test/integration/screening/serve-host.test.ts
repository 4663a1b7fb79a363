// Where `serve` may listen (cli/serve/listen-address.ts), and the server on HTTPS with a certificate: plain HTTP
// on loopback; a non-loopback address refused over plain HTTP unless --insecure-lan (which warns); HTTPS with a
// certificate and key, answering only to its own names, with HSTS. Real sockets, a real TLS handshake.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostHeaderNames, planListen } from '../../../cli/serve/listen-address.ts';
import { type LocalServer, startScreeningServer } from '../../../cli/serve/server.ts';
import { loadScreeningAssets } from '../../../shared/adapters/http/static-assets.ts';
import { REPO_ROOT } from '../../support/store-fixtures.ts';
import { type Harness, iesm, otherReview, startHarness, TOKENS } from './support.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'tls');
const cert = readFileSync(join(FIXTURES, 'loopback-cert.pem'), 'utf8');
const key = readFileSync(join(FIXTURES, 'loopback-key.pem'), 'utf8');

describe('Function: planListen', () => {
  it('serves plain HTTP on loopback, and HTTPS anywhere with a certificate', () => {
    expect(planListen({ host: '127.0.0.1', tls: false, insecureLan: false })).toMatchObject({
      ok: true,
      warning: null,
    });
    expect(planListen({ host: 'localhost', tls: false, insecureLan: false })).toMatchObject({
      ok: true,
      host: '127.0.0.1',
    });
    expect(planListen({ host: '::1', tls: false, insecureLan: false })).toMatchObject({ ok: true });
    expect(planListen({ host: '192.168.1.20', tls: true, insecureLan: false })).toMatchObject({
      ok: true,
      tls: true,
      warning: null,
    });
  });

  it('refuses plain HTTP on any other address unless --insecure-lan, which warns', () => {
    const refused = planListen({ host: '192.168.1.20', tls: false, insecureLan: false });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.ok ? '' : refused.reason).toContain('--tls-cert FILE and --tls-key FILE');
    expect(refused.ok ? '' : refused.reason).toContain('--insecure-lan');
    expect(planListen({ host: '0.0.0.0', tls: false, insecureLan: false }).ok).toBe(false);
    const lan = planListen({ host: '0.0.0.0', tls: false, insecureLan: true });
    expect(lan.ok && lan.warning).toContain('plain HTTP');
    expect(planListen({ host: 'screening.lab', tls: true, insecureLan: false })).toMatchObject({ ok: false });
  });

  it('answers on every interface by each interface address and the machine name', () => {
    const names = hostHeaderNames('0.0.0.0');
    expect(names).toContain('127.0.0.1');
    expect(names).toContain('localhost');
    expect(hostHeaderNames('127.0.0.1', ['screening.lab'])).toEqual([
      '127.0.0.1',
      'screening.lab',
      'localhost',
    ]);
    expect(hostHeaderNames('::1')).toContain('[::1]');
  });
});

describe('the server over HTTPS', () => {
  let h: Harness;
  let server: LocalServer;
  const trusting = new Agent({ connect: { ca: cert } });

  beforeAll(async () => {
    h = await startHarness('tls', []);
    server = await startScreeningServer({
      protocols: [iesm, otherReview],
      deps: h.screening.deps,
      tokens: TOKENS,
      assets: loadScreeningAssets(),
      tls: { cert, key },
      logError: () => {},
    });
  });

  afterAll(async () => {
    await server?.close();
    await trusting.close();
    await h?.close();
  });

  it('serves the API over TLS with HSTS, and refuses a Host that is not its own', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const me = await undiciFetch(`${server.url}/api/me`, {
      dispatcher: trusting,
      headers: { authorization: `Bearer ${TOKENS.pp}` },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const byName = await undiciFetch(`${server.url.replace('127.0.0.1', 'localhost')}/api/me`, {
      dispatcher: trusting,
      headers: { authorization: `Bearer ${TOKENS.pp}` },
    });
    expect(byName.status).toBe(200);
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/api/me`,
        { ca: cert, servername: 'localhost', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('speaks no plain HTTP on its port', async () => {
    await expect(fetch(server.url.replace('https:', 'http:'))).rejects.toThrow();
  });
});

describe('living-review serve --host (process)', () => {
  function serve(args: string[]): Promise<{ code: number | null; stderr: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'cli', 'living-review.js'), 'serve', '--review', 'iesm', '--port', '0', ...args],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('Ctrl-C')) resolve({ code: null, stderr, child });
      });
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, child }));
    });
  }

  it('refuses a non-loopback address over plain HTTP, saying why and what to give', async () => {
    const refused = await serve(['--host', '0.0.0.0', '--data', join(REPO_ROOT, '.data', 'never-created')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a loopback address');
    expect(refused.stderr).toContain('--insecure-lan');
  });

  it('serves plain HTTP on every interface with --insecure-lan, warning loudly', async () => {
    const h = await startHarness('lan', []);
    try {
      const lan = await serve(['--host', '0.0.0.0', '--insecure-lan', '--data', h.dataDir]);
      expect(lan.code).toBeNull();
      expect(lan.stderr).toContain('WARNING: serving plain HTTP on 0.0.0.0');
      const port = /:(\d+)\//.exec(lan.stderr.split('\n').find((l) => l.startsWith('screening '))!)![1];
      const closed = new Promise((resolve) => lan.child.once('exit', resolve));
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      lan.child.kill('SIGTERM');
      await closed;
    } finally {
      await h.close();
    }
  });
});
