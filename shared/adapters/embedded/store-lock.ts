// The lock file that names the one dynalite server of a data directory: `<dataDir>/store.lock`, JSON
// {pid, process, dir, port, state, token, idleMs, startedAt, table}. Shared by the opener (embedded-store.ts) and the
// server process (store-server.ts). `process` identifies the pid's process (a pid reused by another process
// after a crash is told apart), `dir` the directory served (a copied directory's lock is told apart).
//
// Every change is atomic, so a reader never sees half a lock:
// - create: write a private temp file, then link(2) it to store.lock. link fails with EEXIST when the lock
//   exists, exactly like open(O_CREAT|O_EXCL) ("wx"), but the lock appears with its whole content at once.
// - replace (the server announcing its port): write a temp file, rename(2) it over store.lock.
// - remove only if it is still the lock we judged (stale): rename it aside, re-read it, and put it back
//   (link, never overwriting) when it turns out to be a newer one.
import { randomBytes } from 'node:crypto';
import { linkSync, unlinkSync, writeFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { keyIdHeaders } from '../dynamodb/key-id-auth.ts';
import { isProcessAlive, processCommandLine, processIdentity } from '../process/process-identity.ts';

export { isProcessAlive };

/** Exit code of a server process that found its folder already served by another process. */
export const EXIT_LOST = 75;

export interface StoreLock {
  /** The process that holds the lock: the opener while the server starts, then the server itself. */
  pid: number;
  /** processIdentity(pid) when the lock was written; absent in locks of older versions, null off Linux. */
  process?: string | null;
  /** dataDirIdentity of the directory the lock belongs to; absent in locks of older versions. */
  dir?: string;
  /** The server's loopback port once it answers; null while starting. */
  port: number | null;
  state: 'starting' | 'ready';
  /** Names one election: the server writes the token of the opener that started it. */
  token: string;
  /** The server exits after this long without a request; openers send heartbeats well within it. */
  idleMs: number | null;
  startedAt: string;
  /**
   * The table the server found ACTIVE (creating it if need be) before it announced itself: openers of that
   * table need not ask. Absent while starting, in locks of older versions, and when the server could not.
   */
  table?: string;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'store.lock');
}

function tempPath(dataDir: string): string {
  return join(dataDir, `store.lock.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function isStoreLock(value: unknown): value is StoreLock {
  const lock = value as Partial<StoreLock> | null;
  return (
    typeof lock === 'object' &&
    lock !== null &&
    Number.isInteger(lock.pid) &&
    (lock.port === null || Number.isInteger(lock.port)) &&
    (lock.state === 'starting' || lock.state === 'ready') &&
    typeof lock.token === 'string' &&
    (lock.process === undefined || lock.process === null || typeof lock.process === 'string') &&
    (lock.dir === undefined || typeof lock.dir === 'string') &&
    (lock.table === undefined || typeof lock.table === 'string')
  );
}

/** The lock, null when there is none, 'unreadable' when the file holds something else. */
export async function readLock(dataDir: string): Promise<StoreLock | null | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(lockPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isStoreLock(parsed) ? parsed : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Milliseconds since the lock file last changed; null when there is none. */
export async function lockAgeMs(dataDir: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(lockPath(dataDir))).mtimeMs;
  } catch {
    return null;
  }
}

/** Creates the lock unless one exists; true when this call created it. */
export async function createLockExclusive(dataDir: string, lock: StoreLock): Promise<boolean> {
  const temp = tempPath(dataDir);
  await writeFile(temp, JSON.stringify(lock), { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, lockPath(dataDir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** createLockExclusive, synchronously: for a start made before anything else runs (server-start.ts). */
export function createLockExclusiveSync(dataDir: string, lock: StoreLock): boolean {
  const temp = tempPath(dataDir);
  writeFileSync(temp, JSON.stringify(lock), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temp, lockPath(dataDir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Gone already.
    }
  }
}

/** Replaces the lock's content atomically (creating it if it is gone). */
export async function replaceLock(dataDir: string, lock: StoreLock): Promise<void> {
  const temp = tempPath(dataDir);
  await writeFile(temp, JSON.stringify(lock), { flag: 'wx', mode: 0o600 });
  await rename(temp, lockPath(dataDir));
}

/**
 * Removes the lock if `judge` accepts the lock found at removal time; true when removed. A lock that changed
 * since the caller looked is put back untouched.
 */
export async function removeLockIf(
  dataDir: string,
  judge: (lock: StoreLock | 'unreadable') => boolean,
): Promise<boolean> {
  const aside = tempPath(dataDir);
  try {
    await rename(lockPath(dataDir), aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  let found: StoreLock | 'unreadable' = 'unreadable';
  try {
    const parsed: unknown = JSON.parse(await readFile(aside, 'utf8'));
    if (isStoreLock(parsed)) found = parsed;
  } catch {
    found = 'unreadable';
  }
  if (judge(found)) {
    await unlink(aside).catch(() => {});
    return true;
  }
  // Not the lock the caller judged: restore it, unless a newer one has appeared meanwhile.
  await link(aside, lockPath(dataDir)).catch(() => {});
  await unlink(aside).catch(() => {});
  return false;
}

/** A starting lock of an older version (no process identity) older than this is taken as stale. */
const UNIDENTIFIED_START_LIMIT_MS = 120_000;

/**
 * Why the lock's holder is gone, or null while it may still hold it: its pid is dead, the pid now names
 * another process (the lock's process identity differs), or, for locks of older versions without an
 * identity, the "server" at the pid is not a store server, or an opener has been starting one for minutes.
 */
export function lockHolderGone(lock: StoreLock, lockAgeMs: number | null): string | null {
  if (!isProcessAlive(lock.pid)) return `its process ${lock.pid} has exited`;
  if (typeof lock.process === 'string') {
    const now = processIdentity(lock.pid);
    return now !== null && now !== lock.process ? `pid ${lock.pid} now belongs to another process` : null;
  }
  if (lock.process === undefined) {
    const commandLine = processCommandLine(lock.pid);
    if (lock.state === 'ready' && commandLine !== null && !commandLine.includes('store-server')) {
      return `pid ${lock.pid} is not a store server (${commandLine.slice(0, 80)})`;
    }
    if (lock.state === 'starting' && (lockAgeMs ?? 0) > UNIDENTIFIED_START_LIMIT_MS) {
      return `its server has been starting for ${Math.round((lockAgeMs ?? 0) / 1000)} s`;
    }
  }
  return null;
}

/** The response header in which a store server names the directory it serves (its dataDirIdentity). */
export const DIR_HEADER = 'x-living-review-dir';

/** The DynamoDB error a request without the store's secret gets (what DynamoDB answers for unknown keys). */
export const UNRECOGNIZED_CLIENT = {
  status: 400,
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  }),
};

export type StoreProbe =
  /** It answered ListTables; `dir` is the directory it says it serves (null: a server that does not say). */
  | { kind: 'answers'; dir: string | null }
  /** It refused the secret: it serves a directory whose store.secret was replaced, or is not ours. */
  | { kind: 'refused' }
  | { kind: 'silent' };

/** What the store server answered a request: its HTTP status, its body, and the directory it says it serves. */
export interface StoreAnswer {
  status: number;
  body: string;
  dir: string | null;
}

/**
 * Sends one DynamoDB request (`target`, e.g. "ListTables") to the endpoint on 127.0.0.1:port, signed with
 * `secret` as the access key id (the store server checks the key id only); null when nothing answered in
 * time. A plain HTTP request, so it needs no SDK (the server itself uses it) and is not counted as a store
 * request by the SDK hooks.
 */
export function storeRequest(
  port: number,
  secret: string,
  target: string,
  input: unknown,
  timeoutMs = 2000,
): Promise<StoreAnswer | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          ...keyIdHeaders(secret),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => {
          const dir = res.headers[DIR_HEADER];
          resolve({ status: res.statusCode ?? 0, body, dir: typeof dir === 'string' ? dir : null });
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end(JSON.stringify(input));
  });
}

/** Asks the endpoint on 127.0.0.1:port for ListTables (storeRequest): does a store server of ours answer? */
export async function probeStore(port: number, secret: string, timeoutMs = 2000): Promise<StoreProbe> {
  const answer = await storeRequest(port, secret, 'ListTables', {}, timeoutMs);
  if (answer === null) return { kind: 'silent' };
  if (answer.status === 200 && answer.body.includes('TableNames'))
    return { kind: 'answers', dir: answer.dir };
  if (answer.body.includes('UnrecognizedClientException')) return { kind: 'refused' };
  return { kind: 'silent' };
}
