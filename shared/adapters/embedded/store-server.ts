// The embedded store's server process: one dynalite (DynamoDB API over LevelDB) per data directory, on
// 127.0.0.1 at a port the OS picks. Started detached by openEmbeddedStore:
//
//   node --import tsx shared/adapters/embedded/store-server.ts <dataDir> <token>
//
// Life cycle:
// 1. Open LevelDB at <dataDir>/dynamodb and listen. LevelDB's own LOCK file admits one process per folder,
//    so a second server on the same folder can never serve: its first request fails (dynalite reports the
//    closed database as an uncaught error) and it exits with EXIT_LOST before announcing anything.
// 2. Answer one ListTables to itself (which proves the database is open), make sure the table openers use
//    (LIVING_REVIEW_TABLE, as it inherited it from the opener that started it) exists and is ACTIVE, then
//    announce: replace store.lock with {pid, process, dir, port, state: 'ready', token, idleMs, table}. An
//    opener of that table skips its own DescribeTable (embedded-store.ts): one request less for every command.
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { tableDefinition, tableIsActive, tableNameFromEnv } from '../dynamodb/table-design.ts';
import { processIdentity } from '../process/process-identity.ts';
import { dataDirIdentity, makeTreePrivate, readOrCreateStoreSecret } from './data-dir.ts';
import { DYNALITE_FROM, startDynalite } from './dynalite-patches.ts';
import {
  DIR_HEADER,
  EXIT_LOST,
  probeStore,
  removeLockIf,
  replaceLock,
  storeRequest,
  UNRECOGNIZED_CLIENT,
} from './store-lock.ts';

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
const server = startDynalite({
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

/**
 * The table `name`, created if missing, once it and its index are ACTIVE (as ensureTable in dynamo-client.ts,
 * through this server's own endpoint); undefined when it could not be made sure of in time, and then the lock
 * names no table and openers ask themselves (and report what goes wrong).
 */
async function ensureServedTable(name: string): Promise<string | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const described = await storeRequest(port, secret, 'DescribeTable', { TableName: name });
    if (described === null) return undefined;
    if (described.status === 200) {
      const { Table } = JSON.parse(described.body) as { Table?: Parameters<typeof tableIsActive>[0] };
      if (tableIsActive(Table)) return name;
    } else if (described.body.includes('ResourceNotFoundException')) {
      const created = await storeRequest(port, secret, 'CreateTable', tableDefinition(name));
      // Another answer than "created" or "already there" (an opener created it first) is not ours to judge.
      if (created === null || (created.status !== 200 && !created.body.includes('ResourceInUseException')))
        return undefined;
    } else {
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

const table = await ensureServedTable(tableNameFromEnv(process.env));
if (table === undefined) log('could not make sure of the table: openers will');

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
  ...(table === undefined ? {} : { table }),
});
log(`serving ${dataDir} on 127.0.0.1:${port} (idle exit after ${idleMs} ms; dynalite from ${DYNALITE_FROM})`);

setInterval(
  () => {
    if (Date.now() - lastRequestAt > idleMs) void stop('idle', 0);
  },
  Math.max(50, Math.min(1000, Math.floor(idleMs / 4))),
);
