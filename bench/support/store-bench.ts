// What the two store benchmarks (bench/dedup.bench.ts, bench/fuzzy-store.bench.ts) share: their command line,
// the embedded store with every DynamoDB request counted by operation, seeding by BatchWriteItem with a bounded
// number of requests in flight, and the lines they print (header, latency, requests by operation, load).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { onDynamoRequest } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import {
  type EmbeddedStore,
  openEmbeddedStore,
  stopEmbeddedServer,
} from '../../shared/adapters/embedded/embedded-store.ts';

/** [--seed N] [--incoming N] [--concurrency N] [--batch N] [--data DIR], with a bench's own defaults. */
export function storeBenchArgs(
  defaults: { seed?: number; incoming?: number; concurrency?: number; batch?: number } = {},
): { seed: number; incoming: number; concurrency: number; batch: number; data?: string } {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(defaults.seed ?? 100_000) },
      incoming: { type: 'string', default: String(defaults.incoming ?? 10_000) },
      concurrency: { type: 'string', default: String(defaults.concurrency ?? 32) },
      batch: { type: 'string', default: String(defaults.batch ?? 100) },
      data: { type: 'string' },
    },
  });
  return {
    seed: Number(values.seed),
    incoming: Number(values.incoming),
    concurrency: Number(values.concurrency),
    batch: Number(values.batch),
    ...(values.data ? { data: values.data } : {}),
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
  /** Closes the store; stops the server and removes the data directory unless --data named it. */
  close(): Promise<void>;
}

/** Opens the embedded store in `data` (or a fresh temporary directory named `lr-bench-<name>-`). */
export async function openBenchStore(name: string, data: string | undefined): Promise<BenchStore> {
  const dataDir = data ?? mkdtempSync(join(tmpdir(), `lr-bench-${name}-`));
  const embedded = await openEmbeddedStore({ dataDir });
  const requests = new Map<string, { ok: number; failed: number }>();
  onDynamoRequest(embedded.client, ({ operation, ok }) => {
    const entry = requests.get(operation) ?? { ok: 0, failed: 0 };
    if (ok) entry.ok++;
    else entry.failed++;
    requests.set(operation, entry);
  });
  return {
    dataDir,
    embedded,
    requests,
    close: async () => {
      await embedded.close();
      if (!data) {
        await stopEmbeddedServer(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
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

/** CPU used by this process and the store server since `mark()`, for figures a busy machine does not skew. */
export function cpuMeter(serverPid: number): { mark(): void; print(count: number): void } {
  let client0 = 0;
  let server0 = 0;
  return {
    mark() {
      client0 = processCpuMs(process.pid) ?? 0;
      server0 = processCpuMs(serverPid) ?? 0;
    },
    print(count) {
      const client = (processCpuMs(process.pid) ?? 0) - client0;
      const server = (processCpuMs(serverPid) ?? 0) - server0;
      // On a quiet 2-core machine the two processes run side by side: the busier one sets the pace.
      const bound = Math.max(client, server, (client + server) / 2) / count;
      print(
        `  CPU per record: this process ${(client / count).toFixed(2)} ms, store server ${(server / count).toFixed(2)} ms; ` +
          `on a quiet 2-core machine about ${fmt(1000 / bound)} records/s (the busier process's CPU time bounds it)`,
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
