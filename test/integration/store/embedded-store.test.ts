// The embedded store's one-server-per-directory protocol, with real processes: election, joining, stale
// locks, data surviving a restart, and the server leaving once nobody uses it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../../shared/adapters/dynamodb/table-design.ts';
import {
  findEmbeddedServer,
  openEmbeddedStore,
  serverLogPath,
  stopEmbeddedServer,
} from '../../../shared/adapters/embedded/embedded-store.ts';
import {
  EXIT_LOST,
  isProcessAlive,
  lockPath,
  readLock,
} from '../../../shared/adapters/embedded/store-lock.ts';
import { StoreError } from '../../../shared/errors.ts';
import {
  lastJsonLine,
  makeStoreCitation,
  runTsChild,
  tempDataDirs,
  waitFor,
} from '../../support/store-fixtures.ts';

const CHILD = 'test/integration/store/children/open-child.ts';

const dirs = tempDataDirs();
const freshDir = dirs.fresh;

afterEach(() => dirs.removeAll());

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('openEmbeddedStore', () => {
  it('four processes opening one fresh directory at once share one server, and all succeed', async () => {
    const dataDir = freshDir('four');

    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((tag) => runTsChild(CHILD, ['--data', dataDir, '--tag', tag])),
    );

    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const reports = results.map((r) =>
      lastJsonLine<{ endpoint: string; serverPid: number; runId: string }>(r),
    );
    expect(reports.map((r) => r.runId)).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(reports.map((r) => r.endpoint)).size).toBe(1);
    expect(new Set(reports.map((r) => r.serverPid)).size).toBe(1);
    const server = await findEmbeddedServer(dataDir);
    expect(server?.pid).toBe(reports[0]!.serverPid);
    const log = readFileSync(serverLogPath(dataDir), 'utf8');
    expect(log.match(/serving /g)).toHaveLength(1);
  });

  it('joins the running server from the same process and from another one', async () => {
    const dataDir = freshDir('join');
    const first = await openEmbeddedStore({ dataDir });
    const second = await openEmbeddedStore({ dataDir });
    const child = lastJsonLine<{ serverPid: number }>(
      await runTsChild(CHILD, ['--data', dataDir, '--tag', 'x']),
    );

    expect(second.endpoint).toBe(first.endpoint);
    expect(child.serverPid).toBe(first.serverPid);
    expect(await second.store.getWatermark('open-x', 'pubmed')).toMatchObject({ runId: 'x' });
    await first.close();
    await second.close();
  });

  it('keeps data across a server restart', async () => {
    const dataDir = freshDir('persist');
    const before = await openEmbeddedStore({ dataDir });
    const outcome = await before.store.recordCitation('r', makeStoreCitation({ pmid: '42' }), new Date());
    await before.close();

    expect(await stopEmbeddedServer(dataDir)).toBe(true);
    expect(isProcessAlive(before.serverPid)).toBe(false);
    expect(existsSync(lockPath(dataDir))).toBe(false);

    const after = await openEmbeddedStore({ dataDir });
    expect(after.serverPid).not.toBe(before.serverPid);
    expect((await after.store.getCitation('r', outcome.citationId))?.citation.pmid).toBe('42');
    expect(await after.store.recordCitation('r', makeStoreCitation({ pmid: '42' }), new Date())).toEqual({
      kind: 'already-known',
      citationId: outcome.citationId,
    });
    await after.close();
  });

  it('replaces a lock left by a dead server', async () => {
    const dataDir = freshDir('stale');
    const pid = deadPid();
    writeFileSync(
      lockPath(dataDir),
      JSON.stringify({ pid, port: 1, state: 'ready', token: 'old', idleMs: 30000, startedAt: '2020-01-01' }),
    );

    const store = await openEmbeddedStore({ dataDir });

    expect(store.serverPid).not.toBe(pid);
    const lock = await readLock(dataDir);
    expect(lock).toMatchObject({ pid: store.serverPid, state: 'ready' });
    await store.close();
  });

  it('replaces a lock left by an opener that died while its server was starting', async () => {
    const dataDir = freshDir('stale-start');
    writeFileSync(
      lockPath(dataDir),
      JSON.stringify({
        pid: deadPid(),
        port: null,
        state: 'starting',
        token: 'old',
        idleMs: null,
        startedAt: 'x',
      }),
    );

    const store = await openEmbeddedStore({ dataDir });

    expect(await findEmbeddedServer(dataDir)).toMatchObject({ pid: store.serverPid });
    await store.close();
  });

  it('the server makes its table ACTIVE before announcing it; an opener of another table makes its own', async () => {
    const dataDir = freshDir('table');
    // The server takes the table name from the environment it inherits (LIVING_REVIEW_TABLE); this opener
    // asks for another one, so only the server can have created "served".
    const before = process.env.LIVING_REVIEW_TABLE;
    process.env.LIVING_REVIEW_TABLE = 'served';
    let store: Awaited<ReturnType<typeof openEmbeddedStore>>;
    try {
      store = await openEmbeddedStore({ dataDir, tableName: 'mine' });
    } finally {
      if (before === undefined) delete process.env.LIVING_REVIEW_TABLE;
      else process.env.LIVING_REVIEW_TABLE = before;
    }
    try {
      const lock = await readLock(dataDir);
      expect(lock !== null && lock !== 'unreadable' && lock.table).toBe('served');
      const { TableNames } = await store.client.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(['mine', 'served']);
      const { Table } = await store.client.send(new DescribeTableCommand({ TableName: 'served' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexStatus)).toEqual(['ACTIVE']);
      expect(Table?.KeySchema).toEqual(tableDefinition('served').KeySchema);
      // The opener's own table works as before.
      await store.store.recordCitation('r', makeStoreCitation({ pmid: '7' }), new Date());
      expect(await store.store.getWatermark('r', 'pubmed')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('the server stays while a store is open, and leaves (removing its lock) once none is', async () => {
    const dataDir = freshDir('idle');
    const store = await openEmbeddedStore({ dataDir, serverIdleMs: 600 });
    // Several idle periods pass with no store request: the open store's heartbeat keeps the server.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(isProcessAlive(store.serverPid)).toBe(true);
    expect(await store.store.getWatermark('r', 'pubmed')).toBeNull();

    await store.close();
    await waitFor(() => !isProcessAlive(store.serverPid), 'the idle server to exit');
    expect(existsSync(lockPath(dataDir))).toBe(false);
    expect(readFileSync(serverLogPath(dataDir), 'utf8')).toMatch(/stopping \(idle\)/);
  });

  it('a second server started on a folder that is already served exits without announcing itself', async () => {
    const dataDir = freshDir('second');
    const store = await openEmbeddedStore({ dataDir });
    const lockBefore = readFileSync(lockPath(dataDir), 'utf8');

    const second = await runTsChild('shared/adapters/embedded/store-server.ts', [dataDir, 'intruder']);

    expect(second.code).toBe(EXIT_LOST);
    expect(readFileSync(lockPath(dataDir), 'utf8')).toBe(lockBefore);
    expect(await store.store.getWatermark('r', 'pubmed')).toBeNull();
    await store.close();
  });

  it('clears a lock file that holds no lock (not JSON) once it is not new', async () => {
    const dataDir = freshDir('garbage');
    writeFileSync(lockPath(dataDir), 'not a lock');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(dataDir), old, old);

    const store = await openEmbeddedStore({ dataDir });

    expect(await readLock(dataDir)).toMatchObject({ pid: store.serverPid, state: 'ready' });
    await store.close();
  });

  it('gives up with a clear error when the folder is held by a server nobody can find', async () => {
    const dataDir = freshDir('hidden');
    const first = await openEmbeddedStore({ dataDir });
    const hidden = first.serverPid;
    await first.close();
    // The server runs on, but its lock is gone: no opener can find it, and no new server can open LevelDB.
    rmSync(lockPath(dataDir));
    try {
      const attempt = openEmbeddedStore({ dataDir, startTimeoutMs: 8000 });

      await expect(attempt).rejects.toBeInstanceOf(StoreError);
      await expect(attempt).rejects.toThrow(/exited with code 75 \(see .*store-server\.log\)/);
    } finally {
      process.kill(hidden, 'SIGTERM');
      await waitFor(() => !isProcessAlive(hidden), 'the hidden server to stop');
    }
  });
});
