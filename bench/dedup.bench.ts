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
import { DynamoCitationStore } from '../shared/adapters/dynamodb/citation-store.ts';
import type { Citation } from '../shared/domain/citation/citation.ts';
import type { RecordOutcome } from '../shared/ports/citation-store.ts';
import { makeStoreCitation } from '../test/support/store-fixtures.ts';
import {
  batchChunks,
  batchWriteAll,
  fmt,
  inParallel,
  openBenchStore,
  print,
  printHeader,
  printRequests,
  printThroughput,
  storeBenchArgs,
  storedCitationItems,
} from './support/store-bench.ts';

const args = storeBenchArgs();
const { seed: SEED, incoming: INCOMING, concurrency: CONCURRENCY } = args;
const REVIEW = 'bench';
const FIRST_PMID = 20_000_000;

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

const bench = await openBenchStore('dedup', args);
const { client, tableName } = bench.embedded;
const { requests } = bench;

printHeader(
  '# Dedup benchmark (embedded store: dynalite 4 on LevelDB, one server process, loopback HTTP)',
  bench.dataDir,
);

// 1. Seed
const seedStart = performance.now();
const queuedAt = '2026-01-01T00:00:00.000Z';
const { chunks: chunk, push } = batchChunks();
let seedItems = 0;
for (let i = 0; i < SEED; i++) {
  const { items } = storedCitationItems(REVIEW, storedWork(i), queuedAt);
  seedItems += items.length;
  for (const item of items) push(item);
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

print(`incoming: ${fmt(INCOMING)} records through recordCitation, ${CONCURRENCY} in flight`);
printThroughput(INCOMING, wallMs, latencies);
print(
  `  outcomes: ${[...outcomes].map(([kind, n]) => `${kind} ${fmt(n)}`).join(', ')}; ${unexpected} differ from what the generator intended`,
);
printRequests(requests, INCOMING, { operation: 12, count: 7 });

await bench.close();
