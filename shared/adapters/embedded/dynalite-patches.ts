// dynalite (the DynamoDB API over LevelDB) as the embedded store's server runs it: the same API, with four
// defects of dynalite 4 and its LevelDB packages mended. Each was found in a profile of the store server
// (bench/fuzzy-store.bench.ts, bench/screening.bench.ts); test/integration/store/dynalite-patches.test.ts
// checks each one. The patches change how dynalite reads, never what it answers or what it writes.
import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import { dynaliteLoader } from './dynalite-modules.ts';

export interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no TypeScript types: these are the parts of it (and of its LevelDB packages) we touch.
const loader = dynaliteLoader();
/** Where dynalite came from (dynalite-modules.ts), for the server's log. */
export const DYNALITE_FROM = loader.from;
const require = loader.require;
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;
type KeyIterator = AsyncIterable<string>;
interface DynaliteStore {
  db: { keys(options: Record<string, unknown>): KeyIterator };
  tableDb: { createKeyStream(options?: Record<string, unknown>): Readable };
}
const dynaliteDb = require('dynalite/db') as { create(options: DynaliteOptions): DynaliteStore };
const abstractLevel = require('abstract-level') as Record<
  string,
  { prototype: Record<string | symbol, unknown> } | undefined
>;

let patched = false;

/** Applies the patches (once per process) and returns dynalite's server, not yet listening. */
export function startDynalite(options: DynaliteOptions): Server {
  if (!patched) {
    patched = true;
    closeIteratorsOnReturn();
    readSynchronously();
    readQueryPagesAtOnce();
    listTablesFromTheirOwnRange();
  }
  return dynalite(options);
}

// 1. dynalite reads every Query and Scan through a stream that closes its LevelDB iterator by calling
// `iterator.return()` when it ends; abstract-level 3's iterators have no `return`, only `close`, so every
// iterator stayed open. An open iterator pins the memtables and table files of the moment it was made: the
// server grew to gigabytes and LevelDB could delete no table file it had compacted away (the data directory
// reached ten times the live data, and shrank only when reopened). Giving the iterators `return` closes each
// one when its stream ends.
function closeIteratorsOnReturn(): void {
  for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
    const prototype = abstractLevel[name]?.prototype;
    if (prototype && typeof prototype.return !== 'function') {
      prototype.return = function (this: { close(): Promise<void> }) {
        return this.close();
      };
    }
  }
}

// 2. classic-level answers every get() on libuv's thread pool: the hand-over there and back costs this thread
// ~75 µs of CPU a read (a quiet machine; more when busy), while LevelDB finds the value in its cache (or the
// page cache) in ~2 µs. dynalite reads the table's description before every request and every item of a
// batch, and the old item before every write: a third of the server's CPU went to those hand-overs. Reads
// are answered synchronously instead (classic-level's own getSync, the same lookup). Writes stay as they
// were (on the pool, LevelDB's log written before each answers).
function readSynchronously(): void {
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
}

// 3. dynalite reads a Query's items one next() at a time; classic-level answers the first next() with one
// item from the thread pool and the second with the rest (two hand-overs for the smallest Query, see 2).
// One nextv() for the whole page (up to 1000 items; the iterator's own range and limit, which dynalite sets
// to the Query's Limit + 1, still apply) is one.
const kBuffered = Symbol('buffered');
type Buffered = { items: unknown[]; at: number; done: boolean };
function readQueryPagesAtOnce(): void {
  for (const name of ['AbstractValueIterator', 'AbstractKeyIterator']) {
    const prototype = abstractLevel[name]?.prototype;
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
}

// 4. dynalite keeps its tables' descriptions under the key prefix "table~" of the one LevelDB, and lists them
// (ListTables) through a key stream that iterates every key of the database and drops those without the
// prefix: every item and index entry of every table. The embedded store's openers send ListTables as their
// heartbeat (every 10 s) and every command probes the server with one, so at 20,000 citations each probe
// read some 400,000 keys: up to 7 s of the server's CPU (bench/screening.bench.ts, 40,000 decisions), taken
// from the requests around it. The table list is read from its own key range instead: the same names, in
// the same order.
const TABLE_PREFIX = 'table~';
function listTablesFromTheirOwnRange(): void {
  const create = dynaliteDb.create;
  dynaliteDb.create = (options) => {
    const store = create(options);
    store.tableDb.createKeyStream = (streamOptions = {}) => {
      if (Object.keys(streamOptions).length > 0) {
        throw new TypeError('the table list is read whole: a ranged read of it is not supported here');
      }
      const keys = store.db.keys({ gte: TABLE_PREFIX, lt: `${TABLE_PREFIX}\xff` });
      return Readable.from(
        (async function* () {
          for await (const key of keys) yield String(key).slice(TABLE_PREFIX.length);
        })(),
      );
    };
    return store;
  };
}
