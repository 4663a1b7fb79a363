// dynalite (the DynamoDB API over LevelDB) as the embedded store's server runs it: the same API, with seven
// defects of dynalite 4 and its LevelDB packages mended. Each was found in a profile of the store server
// (bench/fuzzy-store.bench.ts, bench/screening.bench.ts); test/integration/store/dynalite-patches.test.ts
// checks each one. The patches change how dynalite reads and writes, never what it answers or what it writes.
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
type Callback = (error: unknown, value?: unknown) => void;
interface DynaliteStore {
  db: { keys(options: Record<string, unknown>): KeyIterator };
  tableDb: {
    createKeyStream(options?: Record<string, unknown>): Readable;
    put(key: string, value: unknown, callback: Callback): void;
    del(key: string, callback: Callback): void;
    batch(operations: unknown[], callback: Callback): void;
  };
  getTable(name: string, checkStatus: unknown, callback?: Callback): void;
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
    writeInBatches();
    keepActiveTablesRead();
    parseEachExpressionOnce();
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

// 5. Every LevelDB write (classic-level's put, del and batch) goes to libuv's thread pool on its own: a
// hand-over there and back (see 2) and a write of LevelDB's log for each one. dynalite writes each item of a
// BatchWriteItem, and each index entry of an item, with its own put: a 25-item BatchWriteItem was 25 to 50
// hand-overs. Writes are queued instead, and the writes queued during one turn of the event loop go to
// LevelDB as one batch, in the order they were made (a batch applies its operations in order: a put then a
// del of one key leaves it deleted, as before). Each write's promise settles when its batch is written, so
// whatever waited for a write (dynalite answers a request only after its writes) waits as before.
const kQueued = Symbol('queued writes');
type QueuedWrite = {
  operations: Record<string, unknown>[];
  sync: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
};
function writeInBatches(): void {
  const classicLevel = (
    require('classic-level') as {
      ClassicLevel: {
        prototype: Record<string | symbol, unknown> & {
          _batch(operations: Record<string, unknown>[], options: Record<string, unknown>): Promise<void>;
        };
      };
    }
  ).ClassicLevel.prototype;
  type Db = typeof classicLevel & { [kQueued]?: QueuedWrite[] };
  const batch = classicLevel._batch;
  const flush = (db: Db) => {
    const queued = db[kQueued]!;
    db[kQueued] = undefined;
    const operations = queued.flatMap((write) => write.operations);
    batch.call(db, operations, { sync: queued.some((write) => write.sync) }).then(
      () => {
        for (const write of queued) write.resolve();
      },
      (error: unknown) => {
        for (const write of queued) write.reject(error);
      },
    );
  };
  const enqueue = (db: Db, operations: Record<string, unknown>[], options: { sync?: unknown }) =>
    new Promise<void>((resolve, reject) => {
      let queued = db[kQueued];
      if (!queued) {
        queued = [];
        db[kQueued] = queued;
        setImmediate(flush, db);
      }
      queued.push({ operations, sync: options?.sync === true, resolve, reject });
    });
  classicLevel._put = function (this: Db, key: unknown, value: unknown, options: { sync?: unknown }) {
    return enqueue(this, [{ type: 'put', key, value }], options);
  };
  classicLevel._del = function (this: Db, key: unknown, options: { sync?: unknown }) {
    return enqueue(this, [{ type: 'del', key }], options);
  };
  classicLevel._batch = function (
    this: Db,
    operations: Record<string, unknown>[],
    options: { sync?: unknown },
  ) {
    return enqueue(this, operations, options);
  };
}

// 6. dynalite reads a table's description from LevelDB and decodes its JSON for every request, and for every
// item of a BatchGetItem or BatchWriteItem. The item operations (those that ask for an ACTIVE table) now get
// it from memory: the description as last read, frozen (no item operation changes it), dropped whenever any
// table description is written or deleted (CreateTable, UpdateTable, DeleteTable and their status changes;
// a read that a write overtook is not kept).
// Table operations (DescribeTable, UpdateTable, DeleteTable) read it from LevelDB as before.
function keepActiveTablesRead(): void {
  const create = dynaliteDb.create;
  dynaliteDb.create = (options) => {
    const store = create(options);
    const active = new Map<string, unknown>();
    // Bumped by every write: a read that started before one is not kept (it may be the old description).
    let generation = 0;
    const { tableDb } = store;
    for (const method of ['put', 'del', 'batch'] as const) {
      const write = tableDb[method] as (...args: unknown[]) => void;
      tableDb[method] = function (this: unknown, ...args: unknown[]) {
        active.clear();
        generation++;
        return write.apply(this, args);
      } as never;
    }
    const getTable = store.getTable;
    store.getTable = (name, checkStatus, callback) => {
      const done = (typeof checkStatus === 'function' ? checkStatus : callback) as Callback;
      if (!checkStatus) return getTable(name, checkStatus, callback);
      const known = active.get(name);
      if (known) {
        queueMicrotask(() => done(null, known));
        return;
      }
      const readAt = generation;
      // getTable(name, callback) checks the status too (the callback stands in for checkStatus).
      getTable(name, true, (error, table) => {
        const status = (table as { TableStatus?: string } | undefined)?.TableStatus;
        if (!error && status === 'ACTIVE' && readAt === generation) active.set(name, deepFreeze(table));
        done(error, table);
      });
    };
    return store;
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// 7. dynalite parses every expression of every request (ConditionExpression, UpdateExpression,
// KeyConditionExpression, FilterExpression, ProjectionExpression) with its PEG parsers: ~0.3 ms a request,
// a tenth of the server's CPU, for the few expressions a client sends over and over with other values. A
// parse is kept (up to EXPRESSIONS_KEPT) for its expression, its attribute names and the type of each of its
// attribute values, and reused as a copy with the request's own values in it and the same names and values
// marked as used. What the parsers check of a value is its type, except BETWEEN (which compares its bounds)
// and attribute_type (which reads its type name): expressions with either, and anything that does not
// parse, go through the parser every time.
const EXPRESSIONS_KEPT = 1000;
const VALUE_TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'];
const kValueName = Symbol('attribute value name');
interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
  [other: string]: unknown;
}
type Parser = { parse: (text: string, options: { context: ParseContext }) => unknown };
function parseEachExpressionOnce(): void {
  for (const name of [
    'dynalite/db/conditionParser',
    'dynalite/db/updateParser',
    'dynalite/db/projectionParser',
  ] as const) {
    const parser = require(name) as Parser;
    const parse = parser.parse;
    const kept = new Map<string, { result: unknown; names: string[]; values: string[] }>();
    parser.parse = (text, options) => {
      const context = options.context;
      const key = keepable(text, context);
      if (key === null) return parse(text, options);
      let entry = kept.get(key);
      if (!entry) {
        // Parse against stand-ins of the same types, to learn what is used and where the values go.
        const values = context.attrVals ?? {};
        const standIns: Record<string, Record<string | symbol, unknown>> = {};
        for (const [valueName, value] of Object.entries(values))
          standIns[valueName] = { [typeOf(value)!]: true, [kValueName]: valueName };
        const unusedNames = Object.fromEntries(Object.keys(context.attrNames ?? {}).map((n) => [n, true]));
        const unusedValues = Object.fromEntries(Object.keys(values).map((n) => [n, true]));
        let result: unknown;
        try {
          result = parse(text, {
            context: {
              ...context,
              attrVals: standIns as ParseContext['attrVals'],
              unusedAttrNames: unusedNames,
              unusedAttrVals: unusedValues,
            },
          });
        } catch {
          return parse(text, options);
        }
        if (typeof result === 'string') return parse(text, options);
        entry = {
          result,
          names: Object.keys(context.attrNames ?? {}).filter((n) => !(n in unusedNames)),
          values: Object.keys(values).filter((n) => !(n in unusedValues)),
        };
        if (kept.size >= EXPRESSIONS_KEPT) kept.clear();
        kept.set(key, entry);
      }
      for (const used of entry.names) delete context.unusedAttrNames?.[used];
      for (const used of entry.values) delete context.unusedAttrVals?.[used];
      return withValues(entry.result, context.attrVals ?? {});
    };
  }
}

/** The first type a value has (the parsers' own order); null when it is not a plain attribute value. */
function typeOf(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value) || 'attrType' in value) return null;
  const record = value as Record<string, unknown>;
  return VALUE_TYPES.find((type) => record[type] !== null && record[type] !== undefined) ?? null;
}

/** The key a parse is kept under, or null when it cannot be kept. */
function keepable(text: string, context: ParseContext): string | null {
  if (/between|attribute_type/i.test(text)) return null;
  const types: string[] = [];
  for (const [name, value] of Object.entries(context.attrVals ?? {})) {
    const type = typeOf(value);
    if (type === null) return null;
    types.push(`${name}=${type}`);
  }
  return [
    text,
    context.isKeyCondition ? 'key' : '',
    JSON.stringify(context.attrNames ?? null),
    types.join(','),
  ].join('\u0000');
}

/** A copy of a kept parse (callers change what they get) with each stand-in replaced by the request's value. */
function withValues(node: unknown, values: Record<string, unknown>): unknown {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((child) => withValues(child, values));
  const record = node as Record<string | symbol, unknown>;
  const valueName = record[kValueName];
  if (typeof valueName === 'string') return values[valueName];
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [name, child] of Object.entries(record)) copy[name] = withValues(child, values);
  return copy;
}
