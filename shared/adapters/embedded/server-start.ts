// Starting a data directory's store server (store-server.ts) and waiting until it announces itself: what
// openEmbeddedStore does once it has won the directory's election (embedded-store.ts), and what the bundled CLI
// does early, while a store command's code is still loading (startServerEarly).
//
// Early start: the bundled CLI's entry (cli/bundle/run-bundled.ts) knows from the command line which data
// directory a store command will open before it loads the command's bundle (~0.15 s of CPU). When that
// directory already holds a store (its store.secret) and has no store.lock, the entry wins the election as
// openEmbeddedStore would (a 'starting' lock created exclusively, naming this process and a fresh token) and
// spawns the server, which starts on another core while the command loads. The command's openEmbeddedStore
// then takes that start over (takeEarlyStart) and waits for it as for a start of its own. If the command never
// opens the store (an argument error), the server still announces itself and idles out, as one whose opener
// exited does; if it exits before announcing itself, its lock is withdrawn; if this process dies first, the
// 'starting' lock names a dead process, which every opener clears. Nothing is created that the command would
// not create: a directory without a store is left to the command.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { nodeEntry } from '../node-entry.ts';
import { processIdentity } from '../process/process-identity.ts';
import { dataDirIdentity, ensurePrivateDataDir, secretPath } from './data-dir.ts';
import {
  createLockExclusiveSync,
  lockPath,
  probeStore,
  readLock,
  removeLockIf,
  type StoreLock,
} from './store-lock.ts';

export interface ServerFound {
  pid: number;
  port: number;
  idleMs: number | null;
  /** The table the server found ACTIVE before it announced itself (StoreLock.table). */
  table?: string;
}

export interface StoreDirectory {
  /** Absolute path. */
  path: string;
  /** dataDirIdentity(path). */
  identity: string;
  /** The store's secret (store.secret). */
  secret: string;
}

/** The lock of an election this process holds while it starts the server of the directory `identity`. */
export function startingLock(identity: string, token: string): StoreLock {
  return {
    pid: process.pid,
    process: processIdentity(process.pid),
    dir: identity,
    port: null,
    state: 'starting',
    token,
    idleMs: null,
    startedAt: new Date().toISOString(),
  };
}

/** What an opener needs of the announced server `lock` (at `port`: its lock's port, known not null). */
export function serverFound(lock: StoreLock, port: number): ServerFound {
  return {
    pid: lock.pid,
    port,
    idleMs: lock.idleMs,
    ...(lock.table === undefined ? {} : { table: lock.table }),
  };
}

/** A server this process spawned for the election `token`, watched from the moment it was spawned. */
export interface SpawnedServer {
  token: string;
  child: ChildProcess;
  /** Set when it exited (its code; 128 when killed by a signal). */
  exitCode: number | null | undefined;
  exited: Promise<void>;
}

export type StartOutcome =
  | { kind: 'ready'; server: ServerFound }
  | { kind: 'exited'; code: number | null }
  | { kind: 'other' }
  | { kind: 'timeout' };

const SERVER = nodeEntry(import.meta.url, 'store-server');

/** How often a starter looks at the lock for its server's announcement. */
const ANNOUNCE_POLL_MS = 10;

export function serverLogPath(dataDir: string): string {
  return join(dataDir, 'store-server.log');
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Spawns the server of `dataDir` for the election `token`. It does not keep this process alive: whoever waits
 * for it (awaitServer) does.
 */
export function spawnServer(dataDir: string, token: string, idleMs: number | undefined): SpawnedServer {
  const log = openSync(serverLogPath(dataDir), 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...SERVER.execArgv, SERVER.file, dataDir, token], {
      // Not the data directory: a process whose working directory is deleted under it can hang in tsx's
      // loader before any of its code runs (seen when a test removed its directory during a start).
      cwd: dirname(SERVER.file),
      detached: true,
      stdio: ['ignore', 'ignore', log],
      env:
        idleMs === undefined ? process.env : { ...process.env, LIVING_REVIEW_STORE_IDLE_MS: String(idleMs) },
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  const spawned: SpawnedServer = { token, child, exitCode: undefined, exited: Promise.resolve() };
  spawned.exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      spawned.exitCode = code ?? (signal ? 128 : null);
      done();
    }),
  );
  return spawned;
}

/**
 * Waits until the spawned server announces itself (and answers), exits, or is superseded by another server.
 * One that has not announced itself by the deadline is stopped: a starter that gives up leaves nothing
 * half-started behind.
 */
export async function awaitServer(
  directory: StoreDirectory,
  spawned: SpawnedServer,
  deadline: number,
): Promise<StartOutcome> {
  while (Date.now() < deadline) {
    const lock = await readLock(directory.path);
    if (lock !== null && lock !== 'unreadable' && lock.state === 'ready' && lock.port !== null) {
      if (lock.token !== spawned.token) return { kind: 'other' };
      if ((await probeStore(lock.port, directory.secret, 2000)).kind === 'answers') {
        return { kind: 'ready', server: serverFound(lock, lock.port) };
      }
    }
    if (spawned.exitCode !== undefined) return { kind: 'exited', code: spawned.exitCode };
    await sleep(ANNOUNCE_POLL_MS);
  }
  if (spawned.exitCode !== undefined) return { kind: 'exited', code: spawned.exitCode };
  spawned.child.kill('SIGTERM');
  await Promise.race([spawned.exited, sleep(5000)]);
  return { kind: 'timeout' };
}

// The early starts of this process, by data directory. On globalThis: the bundled CLI's entry and the command's
// bundle each carry their own copy of this module.
const EARLY_STARTS = Symbol.for('living-review.store-server.early-starts');

function earlyStarts(): Map<string, SpawnedServer> {
  const global = globalThis as { [EARLY_STARTS]?: Map<string, SpawnedServer> };
  global[EARLY_STARTS] ??= new Map();
  return global[EARLY_STARTS];
}

/**
 * Starts the server of `dataDir` now when the directory holds a store and no server is running or starting
 * there (see above); true when it did. Never throws: a start that cannot be made is left to the command.
 */
export function startServerEarly(dataDir: string, idleMs: number | undefined): boolean {
  const path = resolve(dataDir);
  let token: string | undefined;
  try {
    if (earlyStarts().has(path) || !existsSync(secretPath(path)) || existsSync(lockPath(path))) return false;
    ensurePrivateDataDir(path);
    token = randomUUID();
    if (!createLockExclusiveSync(path, startingLock(dataDirIdentity(path), token))) return false;
  } catch {
    return false;
  }
  const election = token;
  try {
    const spawned = spawnServer(path, election, idleMs);
    earlyStarts().set(path, spawned);
    // A server that exits before it announces itself, while no command waits for it, withdraws our election.
    void spawned.exited.then(() => {
      if (earlyStarts().get(path) !== spawned) return;
      earlyStarts().delete(path);
      return removeLockIf(path, (found) => found !== 'unreadable' && found.token === election).catch(
        () => false,
      );
    });
    return true;
  } catch {
    // Nothing was spawned: the lock is ours alone (no server replaced it), so it goes.
    try {
      unlinkSync(lockPath(path));
    } catch {
      // Gone already.
    }
    return false;
  }
}

/** The early start of `dataDir` this process made and no one has taken yet (see above), taken. */
export function takeEarlyStart(dataDir: string): SpawnedServer | undefined {
  const path = resolve(dataDir);
  const spawned = earlyStarts().get(path);
  earlyStarts().delete(path);
  return spawned;
}
