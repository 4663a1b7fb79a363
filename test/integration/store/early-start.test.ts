// The store server the bundled CLI starts while a store command loads (shared/adapters/embedded/server-start.ts,
// cli/bundle/early-store.ts), with real server processes: it starts only for a directory that holds a store and
// has no server, wins the directory's election like any opener, is taken over by the command's
// openEmbeddedStore, and withdraws its election when its server cannot serve.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStoreEarly } from '../../../cli/bundle/early-store.ts';
import type { StoreCommandSpec } from '../../../cli/bundle/run-bundled.ts';
import { queueCommand } from '../../../cli/commands/queue.ts';
import {
  openEmbeddedStore,
  serverLogPath,
  stopEmbeddedServer,
} from '../../../shared/adapters/embedded/embedded-store.ts';
import { startServerEarly, takeEarlyStart } from '../../../shared/adapters/embedded/server-start.ts';
import { isProcessAlive, lockPath, readLock } from '../../../shared/adapters/embedded/store-lock.ts';
import { tempDataDirs, waitFor } from '../../support/store-fixtures.ts';

const dirs = tempDataDirs();

afterEach(async () => {
  await dirs.removeAll();
});

/** A directory holding a store whose server has been stopped (what the first command of a session finds). */
async function storeWithoutServer(label: string): Promise<string> {
  const dataDir = dirs.fresh(label);
  const store = await openEmbeddedStore({ dataDir });
  await store.close();
  await stopEmbeddedServer(dataDir);
  expect(existsSync(lockPath(dataDir))).toBe(false);
  return dataDir;
}

describe('starting a store command’s server early', () => {
  it('starts the server of a stopped store, and the command’s open takes that start over', async () => {
    const dataDir = await storeWithoutServer('early');

    expect(startServerEarly(dataDir, undefined)).toBe(true);
    const starting = await readLock(dataDir);
    expect(starting).toMatchObject({ pid: process.pid, state: 'starting', port: null });
    // A second early start of the same directory (or one racing it) finds the election taken.
    expect(startServerEarly(dataDir, undefined)).toBe(false);

    const store = await openEmbeddedStore({ dataDir });
    try {
      const lock = await readLock(dataDir);
      expect(lock).toMatchObject({ state: 'ready', pid: store.serverPid });
      expect(lock !== null && lock !== 'unreadable' && lock.token).toBe(
        starting !== null && starting !== 'unreadable' && starting.token,
      );
      expect(await store.store.getWatermark('iesm', 'pubmed')).toBeNull();
    } finally {
      await store.close();
    }
    // Taken over: nothing is left for a later open to wait on, and one server was started.
    expect(takeEarlyStart(dataDir)).toBeUndefined();
    expect(readFileSync(serverLogPath(dataDir), 'utf8').match(/serving /g)).toHaveLength(2);
  });

  it('creates nothing for a directory without a store, and leaves a running server alone', async () => {
    const empty = join(dirs.fresh('nostore'), 'data');
    expect(startServerEarly(empty, undefined)).toBe(false);
    expect(existsSync(empty)).toBe(false);

    const dataDir = dirs.fresh('running');
    const store = await openEmbeddedStore({ dataDir });
    try {
      const before = await readLock(dataDir);
      expect(startServerEarly(dataDir, undefined)).toBe(false);
      expect(await readLock(dataDir)).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('withdraws its election when its server cannot serve the directory', async () => {
    const dataDir = dirs.fresh('lost');
    const store = await openEmbeddedStore({ dataDir });
    try {
      // The running server's lock goes (as if removed by hand): an early start elects itself and spawns a
      // second server, which LevelDB's own lock turns away before it announces anything.
      const running = await readLock(dataDir);
      unlinkSync(lockPath(dataDir));
      expect(startServerEarly(dataDir, undefined)).toBe(true);
      const early = await readLock(dataDir);
      expect(early).toMatchObject({ pid: process.pid, state: 'starting' });
      await waitFor(() => !existsSync(lockPath(dataDir)), 'the early election to be withdrawn');
      expect(readFileSync(serverLogPath(dataDir), 'utf8')).toMatch(/cannot serve/);
      expect(takeEarlyStart(dataDir)).toBeUndefined();
      // The server that held the directory all along still serves it.
      expect(running !== null && running !== 'unreadable' && isProcessAlive(running.pid)).toBe(true);
      expect(await store.store.getWatermark('iesm', 'pubmed')).toBeNull();
    } finally {
      await store.close();
      // Its lock is gone, so the directory's removal cannot find it: stop it here.
      process.kill(store.serverPid, 'SIGTERM');
      await waitFor(() => !isProcessAlive(store.serverPid), 'the first server to stop');
    }
  });

  it('reads the data directory from the command line as the command does', async () => {
    const dataDir = await storeWithoutServer('args');
    const queue: StoreCommandSpec = { options: queueCommand.options, positionals: false };

    // Arguments the command refuses, and a deployed table, start nothing.
    expect(await startStoreEarly(['--review', 'iesm', '--data', dataDir, '--bogus'], queue)).toBe(false);
    expect(await startStoreEarly(['--review', 'iesm', '--data', dataDir, 'stray'], queue)).toBe(false);
    expect(await startStoreEarly(['--review', 'iesm', '--data', dataDir, '--aws-table', 't'], queue)).toBe(
      false,
    );
    expect(existsSync(lockPath(dataDir))).toBe(false);

    expect(await startStoreEarly(['--review', 'iesm', `--data=${dataDir}`], queue)).toBe(true);
    const store = await openEmbeddedStore({ dataDir });
    await store.close();
    expect(await readLock(dataDir)).toMatchObject({ state: 'ready', pid: store.serverPid });
  });
});
