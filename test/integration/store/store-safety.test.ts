// The embedded store against a careless user and a hostile local one (issue #16 items 2, 4 and 5), with real
// processes, real dynalite and real files:
// - a data directory copied with `cp -a` while its server runs is a store of its own: the copied lock names
//   the original's server, and joining it would write into the original;
// - a stale lock whose pid now belongs to another process (pid 1 here) is recognised as stale at once, and a
//   server that is there but does not answer gives an error saying what to do;
// - the data directory and everything in it is private to its owner, and the server refuses any request that
//   does not present the store's secret (kept in a 0600 file) before dynalite sees it.
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { isProcessAlive, lockPath, readLock } from '../../../shared/adapters/embedded/store-lock.ts';
import { OutboxMailer } from '../../../shared/adapters/mail/outbox-mailer.ts';
import { LocalReportPublisher } from '../../../shared/adapters/report/local-publisher.ts';
import { StoreError } from '../../../shared/errors.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeStoreCitation, tempDataDirs, waitFor } from '../../support/store-fixtures.ts';

const RIS = join(import.meta.dirname, '../../fixtures/exports/embase-ovid.ris');

const dirs = tempDataDirs();
const freshDir = dirs.fresh;

afterEach(() => dirs.removeAll());

/** Every path under `dir` (not following links), with its permission bits. */
function modesUnder(dir: string): { path: string; kind: 'dir' | 'file'; mode: number }[] {
  const found: { path: string; kind: 'dir' | 'file'; mode: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    found.push({ path, kind: stat.isDirectory() ? 'dir' : 'file', mode: stat.mode & 0o777 });
    if (stat.isDirectory()) found.push(...modesUnder(path));
  }
  return found;
}

/** A raw DynamoDB request to the server, signed (badly) with `accessKeyId`, or with no signature at all. */
function rawRequest(
  port: number,
  target: string,
  body: object,
  accessKeyId: string | null,
): Promise<{ status: number; body: string }> {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${target}`,
    'x-amz-date': now,
  };
  if (accessKeyId !== null) {
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${now.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('a copied data directory', () => {
  it('is a store of its own: an import into the copy never reaches the original', async () => {
    const original = freshDir('original');
    const store = await openEmbeddedStore({ dataDir: original, serverIdleMs: 60_000 });
    try {
      const copy = `${freshDir('copy')}/data`;
      const copied = spawnSync('cp', ['-a', original, copy]);
      expect(copied.status, copied.stderr.toString()).toBe(0);
      // The copied lock names the original's live server.
      expect((await readLock(copy)) as { pid: number }).toMatchObject({ pid: store.serverPid });

      const imported = await runLivingReview([
        'import',
        RIS,
        '--review',
        'iesm',
        '--source',
        'embase',
        '--data',
        copy,
      ]);
      expect(imported.code, imported.stderr).toBe(0);

      expect(await store.store.listQueue('iesm')).toEqual([]);
      const own = await openEmbeddedStore({ dataDir: copy });
      try {
        expect(own.serverPid).not.toBe(store.serverPid);
        expect((await own.store.listQueue('iesm')).length).toBeGreaterThan(0);
      } finally {
        await own.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe('a stale lock', () => {
  it('naming a pid that now belongs to another process (pid 1) is replaced at once', async () => {
    // A server killed with -9 leaves its lock; its pid is then reused by another process.
    const dataDir = freshDir('reused');
    const first = await openEmbeddedStore({ dataDir });
    await first.close();
    process.kill(first.serverPid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(first.serverPid), 'the killed server to go');
    const left = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as Record<string, unknown>;
    writeFileSync(lockPath(dataDir), JSON.stringify({ ...left, pid: 1 }));
    expect(isProcessAlive(1)).toBe(true);

    const store = await openEmbeddedStore({ dataDir });

    expect(store.serverPid).not.toBe(1);
    expect(await readLock(dataDir)).toMatchObject({ pid: store.serverPid, state: 'ready' });
    await store.close();
  });

  it('written by an older version (no process identity) naming pid 1 as the server is replaced too', async () => {
    const dataDir = freshDir('reused-old');
    writeFileSync(
      lockPath(dataDir),
      JSON.stringify({
        pid: 1,
        port: 9,
        state: 'ready',
        token: 'old',
        idleMs: 30000,
        startedAt: '2020-01-01',
      }),
    );

    const store = await openEmbeddedStore({ dataDir });

    expect(store.serverPid).not.toBe(1);
    await store.close();
  });

  it('naming a live server that does not answer ends in an error saying what to do', async () => {
    const dataDir = freshDir('hung');
    const first = await openEmbeddedStore({ dataDir });
    await first.close();
    process.kill(first.serverPid, 'SIGSTOP');
    try {
      const attempt = openEmbeddedStore({ dataDir, startTimeoutMs: 4000 });
      await expect(attempt).rejects.toBeInstanceOf(StoreError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`does not answer.*stop it \\(kill ${first.serverPid}\\).*${lockPath(dataDir)}`),
      );
    } finally {
      process.kill(first.serverPid, 'SIGCONT');
    }
  });
});

describe('access to the store', () => {
  it('the data directory and everything in it is private to its owner (0700 / 0600)', async () => {
    const dataDir = freshDir('private');
    const store = await openEmbeddedStore({ dataDir });
    await store.store.recordCitation('r', makeStoreCitation({ pmid: '42' }), new Date());
    await store.close();
    // What the CLI writes there besides the store: the living report and the digest outbox.
    await new LocalReportPublisher(join(dataDir, 'reports')).publish('iesm', [
      { path: 'v1/index.html', contentType: 'text/html', body: '<p>unpublished results</p>' },
    ]);
    await new OutboxMailer(join(dataDir, 'outbox')).send({
      from: 'monitor@example.org',
      to: ['team@example.org'],
      subject: 'digest',
      text: 'notes',
      html: '<p>notes</p>',
      attachments: [],
    });

    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    const entries = modesUnder(dataDir);
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        lockPath(dataDir),
        join(dataDir, 'store.secret'),
        join(dataDir, 'dynamodb'),
        join(dataDir, 'reports', 'iesm', 'v1', 'index.html'),
        join(dataDir, 'outbox'),
      ]),
    );
    for (const entry of entries) {
      expect(entry.mode & 0o077, `${entry.path} is ${entry.mode.toString(8)}`).toBe(0);
      if (entry.kind === 'dir') expect(entry.mode, entry.path).toBe(0o700);
    }
    expect(lstatSync(join(dataDir, 'store.secret')).mode & 0o777).toBe(0o600);
  });

  it('a directory made readable to others before is made private when the store opens', async () => {
    const dataDir = freshDir('lax');
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'reports'), { mode: 0o755 });
    writeFileSync(join(dataDir, 'reports', 'index.html'), 'x', { mode: 0o644 });

    const store = await openEmbeddedStore({ dataDir });
    await store.close();

    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(dataDir, 'reports')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(dataDir, 'reports', 'index.html')).mode & 0o777).toBe(0o600);
  });

  it("the server refuses a request without the store's secret before dynalite sees it", async () => {
    const dataDir = freshDir('secret');
    const store = await openEmbeddedStore({ dataDir });
    try {
      const port = Number(new URL(store.endpoint).port);
      const secret = readFileSync(join(dataDir, 'store.secret'), 'utf8').trim();
      expect(store.credentials.accessKeyId).toBe(secret);

      const put = {
        TableName: store.tableName,
        Item: { pk: { S: 'REVIEW#intruder' }, sk: { S: 'NOTE#1' }, note: { S: 'written by anyone' } },
      };
      for (const key of ['embedded', 'AKIAIOSFODNN7EXAMPLE', `${secret}x`, null]) {
        const answer = await rawRequest(port, 'PutItem', put, key);
        expect(answer.status, String(key)).toBe(400);
        expect(answer.body).toContain('UnrecognizedClientException');
        const listed = await rawRequest(port, 'ListTables', {}, key);
        expect(listed.body).not.toContain(store.tableName);
      }
      // Nothing of the refused writes reached the table.
      const read = await rawRequest(
        port,
        'GetItem',
        { TableName: store.tableName, Key: { pk: { S: 'REVIEW#intruder' }, sk: { S: 'NOTE#1' } } },
        secret,
      );
      expect(read.status).toBe(200);
      expect(JSON.parse(read.body)).toEqual({});

      // The AWS SDK with other keys is refused; with the store's own it works.
      const intruder = new DynamoDBClient({
        endpoint: store.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
        maxAttempts: 1,
      });
      await expect(intruder.send(new ListTablesCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      intruder.destroy();
      const owner = new DynamoDBClient({
        endpoint: store.endpoint,
        region: 'us-east-1',
        credentials: store.credentials,
      });
      expect((await owner.send(new ListTablesCommand({}))).TableNames).toContain(store.tableName);
      owner.destroy();
    } finally {
      await store.close();
    }
  });
});
