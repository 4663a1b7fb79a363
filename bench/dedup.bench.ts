// Dedup benchmark: how fast recordCitation runs against a review that already holds many citations, on the
// embedded store (dynalite on LevelDB, one server process, loopback HTTP), and what it asks DynamoDB for.
//
//   npx tsx bench/dedup.bench.ts [--seed 100000] [--incoming 10000] [--concurrency 32] [--data DIR]
//
// 1. Seeds `--seed` stored citations (PMID + DOI each, every tenth with a PMCID) with their key claims. The
//    seed uses BatchWriteItem (25 items a request) for speed: it writes exactly the items recordCitation
//    would write (same item builders), only without the conditions.
// 2. Records `--incoming` records through recordCitation with `--concurrency` records in flight: 80 % new
//    PubMed works, 10 % Europe PMC copies of stored works (same PMID), 10 % Embase exports of stored works
//    (DOI only, no PMID).
// 3. Prints wall time, records/s, per-record latency, DynamoDB requests by operation (counted by a hook on the
//    client, SDK retries included) and checks that no Scan was sent. Asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCitationStore } from '../shared/adapters/dynamodb/citation-store.ts';
import { onDynamoRequest } from '../shared/adapters/dynamodb/dynamo-client.ts';
import { citationItem, keyClaimItem } from '../shared/adapters/dynamodb/table-design.ts';
import { openEmbeddedStore, stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { citationId } from '../shared/domain/citation/citation-id.ts';
import type { Citation } from '../shared/domain/citation/citation.ts';
import { citationKeys } from '../shared/domain/citation/citation-keys.ts';
import type { RecordOutcome } from '../shared/ports/citation-store.ts';
import { makeStoreCitation } from '../test/support/store-fixtures.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '100000' },
    incoming: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    data: { type: 'string' },
  },
});
const SEED = Number(values.seed);
const INCOMING = Number(values.incoming);
const CONCURRENCY = Number(values.concurrency);
const REVIEW = 'bench';
const FIRST_PMID = 20_000_000;

const print = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function storedWork(i: number): Citation {
  const pmid = String(FIRST_PMID + i);
  return makeStoreCitation({
    pmid,
    doi: `10.4000/bench.${pmid}`,
    pmcid: i % 10 === 0 ? `PMC${pmid}` : null,
    title: `Stored work ${pmid}: outcomes after surgery for spinal metastases`,
  });
}

/** Record i of the incoming stream: mostly new works, some copies of stored ones from other sources. */
function incomingRecord(i: number): { citation: Citation; expect: RecordOutcome['kind'] } {
  const stored = (i * 7919) % SEED; // spread over the whole seed
  if (i % 10 === 3) {
    const pmid = String(FIRST_PMID + stored);
    return {
      citation: makeStoreCitation({ source: 'europepmc', sourceRecordId: `MED/${pmid}`, pmid }),
      expect: 'duplicate',
    };
  }
  if (i % 10 === 7) {
    const doi = `10.4000/bench.${FIRST_PMID + stored}`;
    return {
      citation: makeStoreCitation({ source: 'embase-ris', sourceRecordId: `E${i}`, pmid: null, doi }),
      expect: 'duplicate',
    };
  }
  const pmid = String(FIRST_PMID + SEED + i);
  return { citation: makeStoreCitation({ pmid, doi: `10.4000/new.${pmid}` }), expect: 'new' };
}

async function batchWriteAll(
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

async function inParallel<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>) {
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

const dataDir = values.data ?? mkdtempSync(join(tmpdir(), 'lr-bench-dedup-'));
const embedded = await openEmbeddedStore({ dataDir });
const { client, tableName } = embedded;
const requests = new Map<string, { ok: number; failed: number }>();
onDynamoRequest(client, ({ operation, ok }) => {
  const entry = requests.get(operation) ?? { ok: 0, failed: 0 };
  if (ok) entry.ok++;
  else entry.failed++;
  requests.set(operation, entry);
});

print('# Dedup benchmark (embedded store: dynalite 4 on LevelDB, one server process, loopback HTTP)');
print(`node ${process.version}, ${cpus().length} CPUs, data ${dataDir}`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
print(`load average at start: ${load()} (a busy machine slows every figure below)`);
print();

// 1. Seed
const seedStart = performance.now();
const queuedAt = '2026-01-01T00:00:00.000Z';
const chunk: Record<string, unknown>[][] = [];
let seedItems = 0;
for (let i = 0; i < SEED; i++) {
  const citation = storedWork(i);
  const keys = citationKeys(citation);
  const id = citationId(keys[0]!);
  const items = [
    citationItem({
      reviewId: REVIEW,
      citationId: id,
      citation,
      keys,
      sourceRecord: `pubmed:${citation.pmid}`,
      queuedAt,
    }),
    ...keys.map((key) => keyClaimItem({ reviewId: REVIEW, key, owner: id, claimedAt: queuedAt })),
  ];
  seedItems += items.length;
  for (const item of items) {
    const last = chunk[chunk.length - 1];
    if (!last || last.length === 25) chunk.push([item]);
    else last.push(item);
  }
}
await inParallel(chunk, 8, (items) => batchWriteAll(client, tableName, items));
const seedMs = performance.now() - seedStart;
print(
  `seed: ${fmt(SEED)} citations = ${fmt(seedItems)} items (citation + key claims) in ${fmt(chunk.length)} BatchWriteItem requests, 8 in flight: ${(seedMs / 1000).toFixed(1)} s (${fmt((seedItems / seedMs) * 1000)} items/s)`,
);

// 2. Incoming
requests.clear();
const store = new DynamoCitationStore({ client, tableName });
const incoming = Array.from({ length: INCOMING }, (_, i) => incomingRecord(i));
const outcomes = new Map<string, number>();
const latencies: number[] = [];
let unexpected = 0;
const now = new Date('2026-03-02T06:00:00.000Z');
const start = performance.now();
await inParallel(incoming, CONCURRENCY, async ({ citation, expect }) => {
  const t0 = performance.now();
  const outcome = await store.recordCitation(REVIEW, citation, now);
  latencies.push(performance.now() - t0);
  outcomes.set(outcome.kind, (outcomes.get(outcome.kind) ?? 0) + 1);
  if (outcome.kind !== expect) unexpected++;
});
const wallMs = performance.now() - start;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

print(`incoming: ${fmt(INCOMING)} records through recordCitation, ${CONCURRENCY} in flight`);
print(`  wall time ${(wallMs / 1000).toFixed(2)} s, ${fmt((INCOMING / wallMs) * 1000)} records/s`);
print(
  `  per record: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms`,
);
print(
  `  outcomes: ${[...outcomes].map(([kind, n]) => `${kind} ${fmt(n)}`).join(', ')}; ${unexpected} differ from what the generator intended`,
);
print('  DynamoDB requests by operation (answered ok / refused, e.g. a failed condition):');
let total = 0;
for (const [operation, { ok, failed }] of [...requests].sort()) {
  total += ok + failed;
  print(
    `    ${operation.padEnd(12)} ${fmt(ok + failed).padStart(7)}  (${fmt(ok)} ok, ${fmt(failed)} refused)  ${((ok + failed) / INCOMING).toFixed(2)} per record`,
  );
}
print(`    ${'total'.padEnd(12)} ${fmt(total).padStart(7)}  ${(total / INCOMING).toFixed(2)} per record`);
const scans = (requests.get('Scan')?.ok ?? 0) + (requests.get('Scan')?.failed ?? 0);
print(`  Scan requests: ${scans}${scans === 0 ? ' (none, as designed)' : ' (UNEXPECTED)'}`);

print(`load average at end: ${load()}`);

await embedded.close();
if (!values.data) {
  await stopEmbeddedServer(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}
