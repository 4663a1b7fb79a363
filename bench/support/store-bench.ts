// What the two store benchmarks (bench/dedup.bench.ts, bench/fuzzy-store.bench.ts) share: their command line,
// the embedded store with every DynamoDB request counted by operation, seeding by BatchWriteItem with a bounded
// number of requests in flight, and the lines they print (header, latency, requests by operation, load).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { onDynamoRequest } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { citationItem, keyClaimItem } from '../../shared/adapters/dynamodb/table-design.ts';
import {
  type EmbeddedStore,
  openEmbeddedStore,
  stopEmbeddedServer,
} from '../../shared/adapters/embedded/embedded-store.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { citationId } from '../../shared/domain/citation/citation-id.ts';
import { citationKeys } from '../../shared/domain/citation/citation-keys.ts';

/**
 * [--seed N] [--incoming N] [--concurrency N] [--batch N] [--data DIR] [--seeded DIR], with a bench's own
 * defaults. --seeded DIR: keep a copy of the seeded store in DIR and start later runs from a copy of it (skips
 * the seeding, e.g. while profiling; remove DIR when the item layout changes).
 */
export function storeBenchArgs(
  defaults: { seed?: number; incoming?: number; concurrency?: number; batch?: number } = {},
): {
  seed: number;
  incoming: number;
  concurrency: number;
  batch: number;
  data?: string;
  seeded?: string;
} {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(defaults.seed ?? 100_000) },
      incoming: { type: 'string', default: String(defaults.incoming ?? 10_000) },
      concurrency: { type: 'string', default: String(defaults.concurrency ?? 32) },
      batch: { type: 'string', default: String(defaults.batch ?? 100) },
      data: { type: 'string' },
      seeded: { type: 'string' },
    },
  });
  return {
    seed: Number(values.seed),
    incoming: Number(values.incoming),
    concurrency: Number(values.concurrency),
    batch: Number(values.batch),
    ...(values.data ? { data: values.data } : {}),
    ...(values.seeded ? { seeded: values.seeded } : {}),
  };
}

export const print = (line = '') => process.stdout.write(`${line}\n`);
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

/** Writes every item (BatchWriteItem, at most 25 a call), retrying the unprocessed ones with backoff. */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
) {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
  }
}

/** The items recording a stored work writes (its citation and its key claims), without the conditions. */
export function storedCitationItems(
  reviewId: string,
  citation: Citation,
  queuedAt: string,
): { citationId: string; items: Record<string, unknown>[] } {
  const keys = citationKeys(citation);
  const id = citationId(keys[0]!);
  return {
    citationId: id,
    items: [
      citationItem({
        reviewId,
        citationId: id,
        citation,
        keys,
        sourceRecord: `${citation.source}:${citation.sourceRecordId}`,
        queuedAt,
      }),
      ...keys.map((key) => keyClaimItem({ reviewId, key, owner: id, claimedAt: queuedAt })),
    ],
  };
}

/** Items gathered into BatchWriteItem requests (chunks of 25, the most one request takes). */
export function batchChunks(): {
  chunks: Record<string, unknown>[][];
  push(item: Record<string, unknown>): void;
} {
  const chunks: Record<string, unknown>[][] = [];
  return {
    chunks,
    push: (item) => {
      const last = chunks[chunks.length - 1];
      if (!last || last.length === 25) chunks.push([item]);
      else last.push(item);
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

export interface BenchStore {
  dataDir: string;
  embedded: EmbeddedStore;
  /** DynamoDB requests by operation since the last requests.clear() (a hook on the client, SDK retries in). */
  requests: Map<string, { ok: number; failed: number }>;
  /** True when the store started as a copy of a seeded store (--seeded DIR): the bench skips its seeding. */
  seeded: boolean;
  /**
   * After seeding: with --seeded DIR, stops the server, keeps a copy of the store in DIR (labelled `label`),
   * and opens the store again (the returned one); otherwise this store as it is.
   */
  keepSeed(label: string): Promise<BenchStore>;
  /** Closes the store; stops the server and removes the data directory unless --data named it. */
  close(): Promise<void>;
}

/**
 * Opens the embedded store in `args.data` (or a fresh temporary directory named `lr-bench-<name>-`). With
 * `args.seeded` naming a seed kept for the same `label`, the store starts as a copy of it.
 */
export async function openBenchStore(
  name: string,
  args: { data?: string; seeded?: string },
  label = '',
): Promise<BenchStore> {
  const { data, seeded } = args;
  const dataDir = data ?? mkdtempSync(join(tmpdir(), `lr-bench-${name}-`));
  const seedLabel = seeded ? join(seeded, 'seed.txt') : null;
  const fromSeed =
    seeded !== undefined && existsSync(seedLabel!) && readFileSync(seedLabel!, 'utf8') === label;
  if (fromSeed) cpSync(join(seeded, 'store'), dataDir, { recursive: true });
  const embedded = await openEmbeddedStore({ dataDir });
  const requests = new Map<string, { ok: number; failed: number }>();
  onDynamoRequest(embedded.client, ({ operation, ok }) => {
    const entry = requests.get(operation) ?? { ok: 0, failed: 0 };
    if (ok) entry.ok++;
    else entry.failed++;
    requests.set(operation, entry);
  });
  const bench: BenchStore = {
    dataDir,
    embedded,
    requests,
    seeded: fromSeed,
    keepSeed: async (keptLabel) => {
      if (!seeded || fromSeed) return bench;
      await embedded.close();
      await stopEmbeddedServer(dataDir);
      rmSync(seeded, { recursive: true, force: true });
      mkdirSync(seeded, { recursive: true });
      cpSync(dataDir, join(seeded, 'store'), { recursive: true });
      writeFileSync(join(seeded, 'seed.txt'), keptLabel);
      return openBenchStore(name, { ...(data ? { data } : {}), seeded }, keptLabel).then((reopened) => {
        // The reopened store is a copy of the one kept: this directory is no longer used.
        if (!data) rmSync(dataDir, { recursive: true, force: true });
        return reopened;
      });
    },
    close: async () => {
      await embedded.close();
      if (!data) {
        await stopEmbeddedServer(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return bench;
}

/** The heading, the machine and the load average at start, and a blank line. */
export function printHeader(title: string, dataDir: string): void {
  print(title);
  print(`node ${process.version}, ${cpus().length} CPUs, data ${dataDir}`);
  print(`load average at start: ${load()} (a busy machine slows every figure below)`);
  print();
}

/** CPU time (ms) a process has used so far, from /proc (user + system); null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU used by this process and the store server since `mark()`, for figures a busy machine does not skew (as
 * much: contention still inflates CPU time somewhat). The server's figure counts all of its threads (LevelDB's
 * compaction and libuv's pool too). `requests`: the DynamoDB requests sent meanwhile, for a figure per request.
 */
export function cpuMeter(serverPid: number): {
  mark(): void;
  print(count: number, requests?: number): void;
} {
  let client0 = 0;
  let server0 = 0;
  return {
    mark() {
      client0 = processCpuMs(process.pid) ?? 0;
      server0 = processCpuMs(serverPid) ?? 0;
    },
    print(count, requests) {
      const client = (processCpuMs(process.pid) ?? 0) - client0;
      const server = (processCpuMs(serverPid) ?? 0) - server0;
      // On a quiet 2-core machine the two processes run side by side: the busier one sets the pace.
      const bound = Math.max(client, server, (client + server) / 2) / count;
      print(
        `  CPU per record: this process ${(client / count).toFixed(2)} ms, store server ${(server / count).toFixed(2)} ms; ` +
          `on a quiet 2-core machine about ${fmt(1000 / bound)} records/s (the busier process's CPU time bounds it)`,
      );
      if (requests)
        print(
          `  CPU per DynamoDB request: this process ${(client / requests).toFixed(2)} ms (the SDK, and the dedup work shared out), store server ${(server / requests).toFixed(2)} ms`,
        );
    },
  };
}

/** Wall time, records/s and the per-record latency percentiles (sorts `latencies`). */
export function printThroughput(count: number, wallMs: number, latencies: number[]): void {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  print(`  wall time ${(wallMs / 1000).toFixed(2)} s, ${fmt((count / wallMs) * 1000)} records/s`);
  print(
    `  per record: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms`,
  );
}

/**
 * The requests by operation (per record of `count`), their total, whether any Scan was sent, and the load
 * average at the end. `widths`: the operation and count columns.
 */
export function printRequests(
  requests: BenchStore['requests'],
  count: number,
  widths: { operation: number; count: number },
): void {
  print('  DynamoDB requests by operation (answered ok / refused, e.g. a failed condition):');
  let total = 0;
  for (const [operation, { ok, failed }] of [...requests].sort()) {
    total += ok + failed;
    print(
      `    ${operation.padEnd(widths.operation)} ${fmt(ok + failed).padStart(widths.count)}  (${fmt(ok)} ok, ${fmt(failed)} refused)  ${((ok + failed) / count).toFixed(2)} per record`,
    );
  }
  print(
    `    ${'total'.padEnd(widths.operation)} ${fmt(total).padStart(widths.count)}  ${(total / count).toFixed(2)} per record`,
  );
  const scans = (requests.get('Scan')?.ok ?? 0) + (requests.get('Scan')?.failed ?? 0);
  print(`  Scan requests: ${scans}${scans === 0 ? ' (none, as designed)' : ' (UNEXPECTED)'}`);
  print(`load average at end: ${load()}`);
}

// Made-up words for generated titles and names: many distinct words, so blocks stay as small as in real reviews.
const SYLLABLES = [
  'ra',
  'ne',
  'to',
  'li',
  'ka',
  'mo',
  'su',
  'vi',
  'pe',
  'da',
  'lo',
  'mi',
  'ter',
  'gan',
  'sol',
  'bri',
  'cal',
  'dor',
  'fen',
  'hul',
];

/** A made-up word of 2-4 syllables. */
export function pseudoWord(random: () => number): string {
  const length = 2 + Math.floor(random() * 3);
  let word = '';
  for (let i = 0; i < length; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)]!;
  return word;
}
