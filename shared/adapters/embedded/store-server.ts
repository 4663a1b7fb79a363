// The embedded store's server process: one dynalite (DynamoDB API over LevelDB) per data directory, on
// 127.0.0.1 at a port the OS picks. Started detached by openEmbeddedStore:
//
//   node --import tsx shared/adapters/embedded/store-server.ts <dataDir> <token>
//
// Life cycle:
// 1. Open LevelDB at <dataDir>/dynamodb and listen. LevelDB's own LOCK file admits one process per folder,
//    so a second server on the same folder can never serve: its first request fails (dynalite reports the
//    closed database as an uncaught error) and it exits with EXIT_LOST before announcing anything.
// 2. Answer one ListTables to itself (which proves the database is open), then announce: replace store.lock
//    with {pid, process, dir, port, state: 'ready', token, idleMs}.
// 3. Serve. Openers send a heartbeat while they hold the store open. After LIVING_REVIEW_STORE_IDLE_MS
//    (default 30 s) without any request, or on SIGTERM/SIGINT, remove the lock (if it is still ours) and
//    close LevelDB, then exit. Requests that arrive while stopping are refused, so an opener never joins a
//    server that is about to go.
// Access: the server creates its files under umask 077 and makes private whatever it finds in the directory
// (data-dir.ts). Every request must be signed with the store's secret as its SigV4 access key id: one that
// is not is answered UnrecognizedClientException before dynalite sees it (dynalite itself checks only that
// a signature is present). Every answer names the directory served (DIR_HEADER), so an opener holding a
// copied lock can tell that this server is not its directory's.
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { processIdentity } from '../process/process-identity.ts';
import { dataDirIdentity, makeTreePrivate, readOrCreateStoreSecret } from './data-dir.ts';
import {
  DIR_HEADER,
  EXIT_LOST,
  probeStore,
  removeLockIf,
  replaceLock,
  UNRECOGNIZED_CLIENT,
} from './store-lock.ts';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no TypeScript types: this is the one function of it we use.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

// dynalite reads every Query and Scan through a stream that closes its LevelDB iterator by calling
// `iterator.return()` when it ends; abstract-level 3's iterators have no `return`, only `close`, so every
// iterator stayed open. An open iterator pins the memtables and table files of the moment it was made: the
// server grew to gigabytes and LevelDB could delete no table file it had compacted away (the data directory
// reached ten times the live data, and shrank only when reopened). Giving the iterators `return` closes each
// one when its stream ends.
for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
  const prototype = (require('abstract-level') as Record<string, { prototype: Record<string, unknown> }>)[
    name
  ]?.prototype;
  if (prototype && typeof prototype.return !== 'function') {
    prototype.return = function (this: { close(): Promise<void> }) {
      return this.close();
    };
  }
}

// classic-level answers every get() on libuv's thread pool: the hand-over there and back costs this thread
// ~75 µs of CPU a read (a quiet machine; more when busy), while LevelDB finds the value in its cache (or the
// page cache) in ~2 µs. dynalite reads the table's description before every request and every item of a
// batch, and the old item before every write: a third of this process's CPU went to those hand-overs
// (bench/fuzzy-store.bench.ts, --cpu-prof). Reads are answered synchronously instead (classic-level's own
// getSync, the same lookup). Writes stay as they were (on the pool, LevelDB's log written before each answers).
const classicLevel = (
  require('classic-level') as {
    ClassicLevel: {
      prototype: Record<string, unknown> & { _getSync?: (key: unknown, options: unknown) => unknown };
    };
  }
).ClassicLevel.prototype;
if (typeof classicLevel._getSync === 'function') {
  classicLevel._get = async function (this: typeof classicLevel, key: unknown, options: unknown) {
    return this._getSync!(key, options);
  };
}

// dynalite reads a Query's items one next() at a time; classic-level answers the first next() with one item
// from the thread pool and the second with the rest (two hand-overs for the smallest Query, see above).
// One nextv() for the whole page (up to 1000 items, the iterator's own range and limit still apply) is one.
const kBuffered = Symbol('buffered');
type Buffered = { items: unknown[]; at: number; done: boolean };
for (const name of ['AbstractValueIterator', 'AbstractKeyIterator']) {
  const prototype = (
    require('abstract-level') as Record<string, { prototype: Record<string | symbol, unknown> }>
  )[name]?.prototype;
  if (!prototype || typeof prototype.nextv !== 'function') continue;
  prototype.next = async function (
    this: { [kBuffered]?: Buffered; nextv(size: number): Promise<unknown[]> },
    ...args: unknown[]
  ) {
    if (args.length > 0) throw new TypeError('next() with a callback is not supported by the store server');
    let buffered = this[kBuffered];
    if (!buffered) {
      buffered = { items: [], at: 0, done: false };
      this[kBuffered] = buffered;
    }
    if (buffered.at < buffered.items.length) return buffered.items[buffered.at++];
    if (buffered.done) return undefined;
    buffered.items = await this.nextv(1000);
    buffered.at = 0;
    if (buffered.items.length === 0) {
      buffered.done = true;
      return undefined;
    }
    return buffered.items[buffered.at++];
  };
}

const [dataDir, token] = process.argv.slice(2);
if (!dataDir || !token) {
  process.stderr.write('usage: store-server.ts <dataDir> <token>\n');
  process.exit(2);
}

const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString()} [${process.pid}] ${message}\n`);
const IDLE_DEFAULT_MS = 30_000;
// A period that is not a positive number of milliseconds would never end (NaN compares false): say so, use 30 s.
const idleSetting = process.env.LIVING_REVIEW_STORE_IDLE_MS;
let idleMs = idleSetting === undefined ? IDLE_DEFAULT_MS : Number(idleSetting);
if (!Number.isFinite(idleMs) || idleMs <= 0) {
  log(
    `LIVING_REVIEW_STORE_IDLE_MS="${idleSetting}" is not a positive number of milliseconds: using ${IDLE_DEFAULT_MS}`,
  );
  idleMs = IDLE_DEFAULT_MS;
}

let ready = false;
let stopping = false;
let lastRequestAt = Date.now();

// Everything this process creates (LevelDB's files, temp locks) is private to its owner.
process.umask(0o077);
const notPrivate = makeTreePrivate(dataDir);
if (notPrivate.length > 0) log(`could not make private: ${notPrivate.join(', ')}`);
const secret = readOrCreateStoreSecret(dataDir);
const dirIdentity = dataDirIdentity(dataDir);

mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
const server = dynalite({
  path: join(dataDir, 'dynamodb'),
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
});

const digest = (text: string) => createHash('sha256').update(text).digest();
const secretDigest = digest(secret);

/** True when the request's SigV4 Authorization names the store's secret as its access key id. */
function presentsSecret(req: IncomingMessage): boolean {
  const keyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
  return keyId !== undefined && timingSafeEqual(digest(keyId), secretDigest);
}

// dynalite's own handler runs only for requests that present the secret.
const dynaliteHandlers = server.listeners('request') as ((
  req: IncomingMessage,
  res: ServerResponse,
) => void)[];
server.removeAllListeners('request');
server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  if (stopping) {
    req.socket.destroy();
    return;
  }
  if (!presentsSecret(req)) {
    req.resume();
    res.writeHead(UNRECOGNIZED_CLIENT.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(UNRECOGNIZED_CLIENT.body);
    return;
  }
  lastRequestAt = Date.now();
  res.setHeader(DIR_HEADER, dirIdentity);
  for (const handler of dynaliteHandlers) handler.call(server, req, res);
});

async function removeOurLock(): Promise<void> {
  await removeLockIf(dataDir!, (lock) => lock !== 'unreadable' && lock.pid === process.pid).catch(
    () => false,
  );
}

async function stop(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log(`stopping (${reason})`);
    // Unannounce first: from here on openers start a new server instead of joining this one.
    await removeOurLock();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  process.exit(code);
}

process.on('uncaughtException', (error) => {
  if (!ready) {
    log(`cannot serve ${dataDir}: ${error.message}`);
    process.exit(EXIT_LOST);
  }
  log(`uncaught error: ${error.stack ?? error.message}`);
  void stop('uncaught error', 1);
});
process.on('SIGTERM', () => void stop('SIGTERM', 0));
process.on('SIGINT', () => void stop('SIGINT', 0));

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

if ((await probeStore(port, secret, 10_000)).kind !== 'answers') {
  log(`cannot serve ${dataDir}: the database did not answer`);
  process.exit(EXIT_LOST);
}
ready = true;

// Announce. This process holds LevelDB's lock on the folder, so whatever store.lock says now (a starting
// lock of an opener, a dead server's lock) names no other live server of this folder.
await replaceLock(dataDir, {
  pid: process.pid,
  process: processIdentity(process.pid),
  dir: dirIdentity,
  port,
  state: 'ready',
  token,
  idleMs,
  startedAt: new Date().toISOString(),
});
log(`serving ${dataDir} on 127.0.0.1:${port} (idle exit after ${idleMs} ms)`);

setInterval(
  () => {
    if (Date.now() - lastRequestAt > idleMs) void stop('idle', 0);
  },
  Math.max(50, Math.min(1000, Math.floor(idleMs / 4))),
);
