// The embedded store: the DynamoDB adapter pointed at a local dynalite server that keeps its data in a
// directory (default `.data/`; the CLI resolves --data DIR / LIVING_REVIEW_DATA and passes the path here).
//
// dynalite's LevelDB admits one process per folder, yet several processes may use one data directory at once
// (two CLI commands, the test runner's workers). So every directory gets ONE server process, shared by all:
//
//   openEmbeddedStore(dir)
//     store.lock names a live server that answers?  -> join it
//     store.lock names a dead process, or its pid now belongs to another process (process identity), or
//     it was copied from another directory (its dir identity is not this directory's)?
//                                                    -> remove it (only if unchanged) and look again
//     no store.lock?                                 -> create it exclusively (we won the election), spawn a
//                                                       detached store-server.ts, wait until it announces
//                                                       its port in store.lock (or exits: try again)
//     someone else is starting one?                  -> wait for it
//     this process started one early (the bundled CLI does, while a store command loads: server-start.ts)?
//                                                    -> wait for it as for our own
//
// The server outlives the process that started it only while others use it: every open store sends a
// heartbeat, and the server exits after an idle period without requests (LIVING_REVIEW_STORE_IDLE_MS,
// default 30 s), removing its lock. Even if the lock protocol were raced (a stale lock removed twice), a
// second server could not serve the folder: LevelDB's own lock makes it exit before it announces itself.
//
// The directory is private (0700, its files 0600) and the server answers only requests that present the
// store's secret (store.secret) as their access key id: see data-dir.ts.
//
// ## dynalite 4: what the store works around (found while building it)
// - No TransactWriteItems/TransactGetItems: recordCitation uses conditional single-item writes only.
// - No ReturnValuesOnConditionCheckFailure item: after a refused key claim the owner is read with a
//   consistent GetItem (one extra read).
// - A second process on the same folder does not fail when it starts or listens: LevelDB's open fails in
//   the background and the first request then throws LEVEL_DATABASE_NOT_OPEN as an uncaught exception
//   inside dynalite's request handler. Hence the server's self-request before it announces its port.
// - server.close() waits for keep-alive sockets (the SDK keeps them open): the server closes them itself.
// - Signatures are not verified (only the presence of an Authorization header), so any credentials would
//   work: the store server checks the access key id itself (the store's secret), and a health check can be
//   a plain HTTP ListTables carrying it.
// - Key size limits are counted in UTF-16 code units, not UTF-8 bytes as on DynamoDB: a key of 600
//   non-ASCII characters passes dynalite and fails on AWS. The table design measures UTF-8 bytes itself.
// - Queries on the "queue" index are strongly consistent on dynalite; on DynamoDB a GSI lags its table
//   slightly, so a citation recorded a moment ago may not be listed yet.
// - No TTL, Streams or PartiQL (unused by this store); throughput on the 2-core machines here is a few
//   hundred single-item requests per second (bench/dedup.bench.ts).
// - CPU per request: LevelDB reads and writes through classic-level's thread pool cost the server ~75 µs each
//   in hand-overs, dynalite reads the table's description and parses every expression on every request: the
//   server reads synchronously, writes one batch per turn of the event loop, keeps active tables'
//   descriptions and repeated expressions' parses (dynalite-patches.ts). The client sends the store's key id
//   without computing a SigV4 signature (dynamo-client.ts). What is left is ~0.3 ms (GetItem) to ~0.5 ms (a
//   conditional PutItem) of server CPU a request, and ~0.7-1 ms in the client's SDK (measured under load;
//   bench/fuzzy-store.bench.ts and the README's figures).
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../../errors.ts';
import { DynamoCitationStore } from '../dynamodb/citation-store.ts';
import {
  createDynamoClient,
  destroyDynamoClient,
  embeddedClientConfig,
  ensureTable,
} from '../dynamodb/dynamo-client.ts';
import { tableNameFromEnv } from '../dynamodb/table-design.ts';
import { dataDirIdentity, ensurePrivateDataDir, readOrCreateStoreSecret } from './data-dir.ts';
import {
  awaitServer,
  type ServerFound,
  type StoreDirectory,
  serverFound,
  serverLogPath,
  spawnServer,
  startingLock,
  takeEarlyStart,
} from './server-start.ts';
import {
  createLockExclusive,
  isProcessAlive,
  lockAgeMs,
  lockHolderGone,
  lockPath,
  probeStore,
  readLock,
  removeLockIf,
  type StoreLock,
} from './store-lock.ts';

export { serverLogPath };

export interface EmbeddedStoreOptions {
  /** The data directory (created if missing); the table lives in <dataDir>/dynamodb. */
  dataDir: string;
  /** Default: LIVING_REVIEW_TABLE, else "living-review". */
  tableName?: string;
  /** How long to wait for a server to be elected and answer (default 30 s). */
  startTimeoutMs?: number;
  /**
   * Idle period after which a server started by this call exits (default: LIVING_REVIEW_STORE_IDLE_MS, else
   * 30 s). A server that is already running keeps its own.
   */
  serverIdleMs?: number;
}

export interface EmbeddedStore {
  /** "http://127.0.0.1:PORT" */
  endpoint: string;
  /** What a DynamoDB client of this store signs with: the store's secret (the server checks the key id). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The adapter over this client and table. */
  store: DynamoCitationStore;
  /** The shared server process. */
  serverPid: number;
  /** Stops the heartbeat and releases the client. The server stays up for other users until it idles out. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? tableNameFromEnv();
  ensurePrivateDataDir(dataDir);
  const directory: StoreDirectory = {
    path: dataDir,
    identity: dataDirIdentity(dataDir),
    secret: readOrCreateStoreSecret(dataDir),
  };
  const server = await joinOrStartServer(
    directory,
    Date.now() + (options.startTimeoutMs ?? 30_000),
    options.serverIdleMs,
  );
  const endpoint = `http://127.0.0.1:${server.port}`;
  const credentials = { accessKeyId: directory.secret, secretAccessKey: directory.secret };
  const client = createDynamoClient(embeddedClientConfig(endpoint, credentials));
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    // The server made sure of its table before announcing itself (store-server.ts); any other, we do.
    if (server.table !== tableName) await ensureTable(client, tableName);
  } catch (error) {
    destroyDynamoClient(client);
    throw error;
  }
  // Keep the shared server alive while this store is open (the timer never keeps the process alive).
  const idleMs = server.idleMs ?? 30_000;
  heartbeat = setInterval(
    () => void probeStore(server.port, directory.secret, 1000),
    Math.max(20, Math.floor(idleMs / 3)),
  );
  heartbeat.unref();
  return {
    endpoint,
    credentials,
    client,
    tableName,
    store: new DynamoCitationStore({ client, tableName }),
    serverPid: server.pid,
    close: async () => {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      destroyDynamoClient(client);
    },
  };
}

/** The server announced in `dataDir`'s lock if it is alive, serves this directory and answers; else null. */
export async function findEmbeddedServer(dataDir: string): Promise<ServerFound | null> {
  const path = resolve(dataDir);
  const lock = await readLock(path);
  if (lock === null || lock === 'unreadable' || lock.state !== 'ready' || lock.port === null) return null;
  if (lockHolderGone(lock, null) !== null) return null;
  const identity = dataDirIdentity(path);
  if (lock.dir !== undefined && lock.dir !== identity) return null;
  const probe = await probeStore(lock.port, readOrCreateStoreSecret(path), 1000);
  if (probe.kind !== 'answers' || (probe.dir !== null && probe.dir !== identity)) return null;
  return serverFound(lock, lock.port);
}

/**
 * Asks the directory's server to stop (SIGTERM: it unannounces itself and closes LevelDB) and waits until
 * its process is gone. True when a server was stopped. For tests and `living-review` maintenance commands.
 */
export async function stopEmbeddedServer(dataDir: string, timeoutMs = 15_000): Promise<boolean> {
  const path = resolve(dataDir);
  const lock = await readLock(path).catch(() => null);
  if (lock === null || lock === 'unreadable' || lock.state !== 'ready' || lockHolderGone(lock, null) !== null)
    return false;
  // A copied lock names another directory's server: that one is not this directory's to stop.
  if (lock.dir !== undefined && lock.dir !== dataDirIdentity(path)) return false;
  process.kill(lock.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(lock.pid)) {
    if (Date.now() > deadline) throw new StoreError(`embedded store server ${lock.pid} did not stop`);
    await sleep(25);
  }
  return true;
}

async function joinOrStartServer(
  directory: StoreDirectory,
  deadline: number,
  idleMs: number | undefined,
): Promise<ServerFound> {
  const dataDir = directory.path;
  let backoff = 50;
  let lastProblem = 'no server answered';
  let advice = '';
  const removeIfSame = (lock: StoreLock) =>
    removeLockIf(dataDir, (found) => found !== 'unreadable' && found.token === lock.token);
  // A start the bundled CLI made while this command loaded (server-start.ts): wait for it as for our own.
  const early = takeEarlyStart(dataDir);
  if (early !== undefined) {
    const outcome = await awaitServer(directory, early, deadline);
    if (outcome.kind === 'ready') return outcome.server;
    if (outcome.kind !== 'other')
      await removeLockIf(dataDir, (found) => found !== 'unreadable' && found.token === early.token);
  }
  while (Date.now() < deadline) {
    const lock = await readLock(dataDir);

    if (lock === null) {
      const token = randomUUID();
      // Someone else won: look again.
      if (!(await createLockExclusive(dataDir, startingLock(directory.identity, token)))) continue;
      const outcome = await awaitServer(directory, spawnServer(dataDir, token, idleMs), deadline);
      if (outcome.kind === 'ready') return outcome.server;
      if (outcome.kind === 'other') continue; // another server announced itself: join it
      // Our server exited, or did not start in time (and was stopped): withdraw our election.
      await removeLockIf(dataDir, (found) => found !== 'unreadable' && found.token === token);
      if (outcome.kind === 'timeout') {
        lastProblem += '; the last server started did not announce itself in time';
      } else {
        lastProblem = `the store server exited with code ${outcome.code} (see ${serverLogPath(dataDir)})`;
        advice = '';
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
      }
      continue;
    }

    if (lock === 'unreadable') {
      // Locks are written whole, so this is debris (hand-edited, a full disk): clear it once it is not new.
      if (((await lockAgeMs(dataDir)) ?? 0) > 5000)
        await removeLockIf(dataDir, (found) => found === 'unreadable');
      else await sleep(50);
      continue;
    }

    if (lock.dir !== undefined && lock.dir !== directory.identity) {
      // Copied with the directory (cp -a): it names the original's server, which this directory is not.
      await removeIfSame(lock);
      continue;
    }
    if (lockHolderGone(lock, await lockAgeMs(dataDir)) !== null) {
      // The lock's holder died (a crashed server, or an opener killed while its server started), perhaps
      // long ago: its pid may belong to another process by now.
      await removeIfSame(lock);
      continue;
    }
    if (lock.state === 'ready' && lock.port !== null) {
      const probe = await probeStore(lock.port, directory.secret, 2000);
      if (probe.kind === 'answers') {
        if (probe.dir === null || probe.dir === directory.identity) return serverFound(lock, lock.port);
        // A server of another directory answers there: this lock is not about this directory.
        await removeIfSame(lock);
        continue;
      }
      lastProblem =
        probe.kind === 'refused'
          ? `the server ${lock.pid} announced on port ${lock.port} refuses this store's secret (store.secret changed while it ran)`
          : `the server ${lock.pid} announced on port ${lock.port} does not answer`;
      advice = `: if no living-review command is using ${dataDir}, stop it (kill ${lock.pid}); if no such process is a living-review store server, remove ${lockPath(dataDir)}`;
    }
    await sleep(50); // starting, or stopping: look again shortly
  }
  throw new StoreError(
    `could not start or join the embedded store server for ${dataDir}: ${lastProblem}${advice || ` (lock ${lockPath(dataDir)})`}`,
    { retryable: true },
  );
}
