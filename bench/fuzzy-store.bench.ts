// Fuzzy dedup on the store: 4,000 incoming records checked against 20,000 stored citations in the embedded
// store (dynalite on LevelDB, one server process, loopback HTTP), through the monitor's recording path
// (shared/app/fuzzy-dedup.ts, in batches of 100 as an import records them: key claims, citation slots and
// blocking key markers read per batch, occupied blocking keys queried, recordCitation, possible duplicates
// queued, the batch indexed), and what it asks DynamoDB for.
//
//   npx tsx bench/fuzzy-store.bench.ts [--seed 20000] [--incoming 4000] [--batch 100] [--data DIR] [--seeded DIR]
//
// --seeded DIR keeps a copy of the seeded store in DIR, and later runs (same --seed, same item layout) start
// from a copy of it instead of seeding again (saves ~100 s a run, e.g. while profiling). Note that a store
// copied in starts with LevelDB's caches cold, so its first figures are not those of a run that seeded it.
//
// 1. Seeds `--seed` stored works: 70 % PubMed records (PMID + DOI), 30 % id-less export records (title key),
//    each with the items recording it would have written: the citation, its key claims, one blocking entry
//    per blocking key and each key's marker (same item builders, without the conditions), by BatchWriteItem.
//    Titles are
//    built from a large made-up vocabulary plus common title words, and 5 % start with one of a few stock
//    phrases, so some blocks are large (over maxBlockSize: left out) and most are small, as in real reviews.
// 2. Records `--incoming` records, `--batch` at a time, through one fuzzy recorder:
//      40 % new PubMed works                      -> new (searched fuzzily: no key known)
//      10 % id-less new works (an export)         -> new
//      10 % Europe PMC copies of stored PubMed    -> duplicate by PMID (exact)
//      10 % DOI-only copies of stored PubMed      -> duplicate by DOI (exact; the titles agree)
//      20 % re-typed id-less copies of stored     -> duplicate, fuzzily (last word cut, capitals, a full stop,
//           works                                    fewer authors)
//      10 % same title elsewhere (other volume,   -> new: a supplement page of another volume is
//           a supplement page, no journal)               another work, nobody is asked
// 3. Prints wall time, records/s, per-record latency, the CPU time this process and the store server spent
//    per record and per request (and the rate that allows on a quiet 2-core machine), outcomes against what the generator
//    intended, DynamoDB requests by operation (a hook on the client, SDK retries included) and checks that no
//    Scan was sent. Asserts nothing.
import { seededRandom } from '../cli/demo/seeded-random.ts';
import {
  blockEntryItem,
  blockMarkerItem,
  blockMarkersCompleteItem,
  dynamoFuzzyDedupPorts,
} from '../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoCitationStore } from '../shared/adapters/dynamodb/citation-store.ts';
import { createFuzzyDedup } from '../shared/app/fuzzy-dedup.ts';
import type { Author, Citation } from '../shared/domain/citation/citation.ts';
import { sha256Hex } from '../shared/domain/citation/citation-id.ts';
import { blockingKeys } from '../shared/domain/dedup/blocking.ts';
import { dedupRecordFromCitation } from '../shared/domain/dedup/dedup-record.ts';
import { prepareRecord } from '../shared/domain/dedup/pair-score.ts';
import { makeStoreCitation } from '../test/support/store-fixtures.ts';
import {
  batchChunks,
  batchWriteAll,
  cpuMeter,
  fmt,
  inParallel,
  openBenchStore,
  print,
  printHeader,
  printRequests,
  printThroughput,
  pseudoWord,
  storeBenchArgs,
  storedCitationItems,
} from './support/store-bench.ts';

const args = storeBenchArgs({ seed: 20_000, incoming: 4_000, batch: 100 });
const { seed: SEED, incoming: INCOMING, batch: BATCH } = args;
const REVIEW = 'bench-fuzzy';
const FIRST_PMID = 20_000_000;

// ------------------------------------------------------------------------------------------- generator

/** mulberry32 over a seed derived from `n`, so record n is the same in every run. */
const randomFor = (n: number): (() => number) => seededRandom(n * 2654435761);

const COMMON = [
  'patients',
  'outcomes',
  'cancer',
  'metastases',
  'spinal',
  'surgery',
  'cohort',
  'analysis',
  'study',
  'risk',
  'treatment',
  'survival',
  'children',
  'adults',
  'therapy',
  'clinical',
  'effect',
  'after',
  'with',
  'and',
  'in',
  'of',
  'the',
  'for',
  'radiotherapy',
  'tumour',
  'cord',
  'compression',
  'imaging',
  'resection',
];
const STOCK = ['a randomised controlled trial of', 'a systematic review of', 'outcomes of', 'the effect of'];

function title(random: () => number): string {
  const words: string[] = [];
  if (random() < 0.05) words.push(STOCK[Math.floor(random() * STOCK.length)]!);
  const count = 6 + Math.floor(random() * 6);
  for (let i = 0; i < count; i++) {
    words.push(random() < 0.4 ? COMMON[Math.floor(random() * COMMON.length)]! : pseudoWord(random));
  }
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}`;
}

function authors(random: () => number): Author[] {
  return Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
    const family = pseudoWord(random);
    const initial = String.fromCharCode(65 + Math.floor(random() * 26));
    return {
      family: `${family[0]!.toUpperCase()}${family.slice(1)}`,
      given: null,
      initials: initial,
      orcid: null,
    };
  });
}

function journalName(random: () => number): string {
  const name = `${pseudoWord(random)} ${COMMON[Math.floor(random() * 6)]}`;
  return `Journal of ${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** The work behind stored record i (and behind copies of it). */
function work(i: number): Citation {
  const random = randomFor(i + 1);
  const pubmed = i % 10 < 7;
  const pmid = String(FIRST_PMID + i);
  const page = 1 + Math.floor(random() * 900);
  return makeStoreCitation({
    source: pubmed ? 'pubmed' : 'embase',
    sourceRecordId: pubmed ? pmid : `E${i}`,
    pmid: pubmed ? pmid : null,
    doi: pubmed ? `10.4000/bench.${pmid}` : null,
    title: title(random),
    authors: authors(random),
    year: 2000 + Math.floor(random() * 26),
    journal: {
      title: journalName(random),
      isoAbbreviation: null,
      issn: null,
      volume: String(1 + Math.floor(random() * 200)),
      issue: String(1 + Math.floor(random() * 12)),
      pages: `${page}-${page + 3 + Math.floor(random() * 10)}`,
    },
    abstract: [],
  });
}

type Intent = 'new-pubmed' | 'new-export' | 'epmc-copy' | 'doi-copy' | 'retyped-copy' | 'elsewhere';
const EXPECTED: Record<Intent, string> = {
  'new-pubmed': 'new',
  'new-export': 'new',
  'epmc-copy': 'duplicate/exact',
  'doi-copy': 'duplicate/exact',
  'retyped-copy': 'duplicate/fuzzy',
  elsewhere: 'new',
};

/** A stored PubMed work (i % 10 < 7) near `n`. */
function storedPubmed(n: number): number {
  const i = (n * 7919) % SEED;
  return i - (i % 10) + ((i % 10) % 7);
}

function incoming(n: number): { intent: Intent; citation: Citation } {
  const slot = n % 10;
  if (slot < 4) {
    const base = work(SEED + n);
    const pmid = String(FIRST_PMID + SEED + n);
    return {
      intent: 'new-pubmed',
      citation: { ...base, source: 'pubmed', sourceRecordId: pmid, pmid, doi: `10.4000/new.${pmid}` },
    };
  }
  if (slot === 4) {
    const base = work(SEED + n);
    return {
      intent: 'new-export',
      citation: { ...base, source: 'embase', sourceRecordId: `N${n}`, pmid: null, doi: null },
    };
  }
  if (slot === 5) {
    const stored = work(storedPubmed(n));
    return {
      intent: 'epmc-copy',
      citation: { ...stored, source: 'europepmc', sourceRecordId: `MED/${stored.pmid}` },
    };
  }
  if (slot === 6) {
    const stored = work(storedPubmed(n));
    return {
      intent: 'doi-copy',
      citation: { ...stored, source: 'scopus', sourceRecordId: `S${n}`, pmid: null },
    };
  }
  if (slot === 9) {
    // A stored PubMed work: an id-less export work with the same title, year and first author would be the
    // same work by its exact title key.
    const stored = work(storedPubmed(n));
    return {
      intent: 'elsewhere',
      citation: {
        ...stored,
        source: 'wos',
        sourceRecordId: `W${n}`,
        pmid: null,
        doi: null,
        journal: { title: null, isoAbbreviation: null, issn: null, volume: '900', issue: null, pages: 'S12' },
      },
    };
  }
  const stored = work((n * 104729) % SEED);
  // Its last word cut (a field limit), upper case, a full stop: no exact title key left in common.
  const cut = stored.title.slice(0, stored.title.lastIndexOf(' '));
  return {
    intent: 'retyped-copy',
    citation: {
      ...stored,
      source: 'wos',
      sourceRecordId: `R${n}`,
      pmid: null,
      doi: null,
      title: `${cut.toUpperCase()}.`,
      authors: stored.authors.slice(0, 2),
    },
  };
}

// ------------------------------------------------------------------------------------------------- run

/** The items recording stored work i would have written (without the conditions), and its blocking keys. */
function seedItemsOf(i: number): { items: Record<string, unknown>[]; blocks: string[] } {
  const citation = work(i);
  const stored = storedCitationItems(REVIEW, citation, '2026-01-01T00:00:00.000Z');
  const record = dedupRecordFromCitation(citation);
  const blocks = blockingKeys(prepareRecord(record));
  const items = [
    ...stored.items,
    ...blocks.map((key) => blockEntryItem(REVIEW, key, stored.citationId, record)),
  ];
  return { items, blocks };
}

// A kept seed (--seeded) is used only by runs that would write the same items (same size, same layout).
const layout = sha256Hex(
  new TextEncoder().encode(
    JSON.stringify(seedItemsOf(0).items, (_, value) => (value instanceof Set ? [...value] : value)),
  ),
).slice(0, 16);
const seedLabel = `fuzzy-store seed of ${SEED}, item layout ${layout}`;
let bench = await openBenchStore('fuzzy', args, seedLabel);

printHeader(
  '# Fuzzy dedup on the store (embedded store: dynalite 4 on LevelDB, one server process, loopback HTTP)',
  bench.dataDir,
);

// 1. Seed, in slices so the item lists never all sit in memory at once.
if (bench.seeded) print(`seed: ${fmt(SEED)} citations, a copy of the store kept in ${args.seeded}`);
else await seedStore();
bench = await bench.keepSeed(seedLabel);
const { client, tableName } = bench.embedded;
const { requests } = bench;

async function seedStore() {
  const { client, tableName } = bench.embedded;
  const seedStart = performance.now();
  let seedItems = 0;
  let seedRequests = 0;
  const SLICE = 5_000;
  for (let from = 0; from < SEED; from += SLICE) {
    const { chunks, push } = batchChunks();
    if (from === 0) push(blockMarkersCompleteItem(REVIEW));
    const markers = new Set<string>();
    for (let i = from; i < Math.min(SEED, from + SLICE); i++) {
      const { items, blocks } = seedItemsOf(i);
      for (const item of items) push(item);
      for (const key of blocks) markers.add(key);
    }
    for (const key of markers) push(blockMarkerItem(REVIEW, key));
    seedItems += chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    seedRequests += chunks.length;
    await inParallel(chunks, 8, (items) => batchWriteAll(client, tableName, items));
    if (process.stdout.isTTY)
      process.stdout.write(`\rseeded ${fmt(Math.min(SEED, from + SLICE))} of ${fmt(SEED)}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[2K');
  const seedMs = performance.now() - seedStart;
  print(
    `seed: ${fmt(SEED)} citations = ${fmt(seedItems)} items (citation, key claims, blocking entries) in ${fmt(seedRequests)} BatchWriteItem requests, 8 in flight: ${(seedMs / 1000).toFixed(1)} s (${fmt((seedItems / seedMs) * 1000)} items/s)`,
  );
}

// 2. Incoming
requests.clear();
const store = new DynamoCitationStore({ client, tableName });
const fuzzy = createFuzzyDedup(store, dynamoFuzzyDedupPorts(client, tableName));
const records = Array.from({ length: INCOMING }, (_, n) => incoming(n));
const matrix = new Map<Intent, Map<string, number>>();
const latencies: number[] = [];
let possible = 0;
let unexpected = 0;
const now = new Date('2026-03-02T06:00:00.000Z');
const cpu = cpuMeter(bench.embedded.serverPid);
cpu.mark();
const start = performance.now();
for (let from = 0; from < records.length; from += BATCH) {
  const batch = records.slice(from, from + BATCH);
  const t0 = performance.now();
  const outcomes = await fuzzy.recordBatch(
    REVIEW,
    batch.map((r) => r.citation),
    now,
  );
  const perRecord = (performance.now() - t0) / batch.length;
  for (const [i, outcome] of outcomes.entries()) {
    const { intent } = batch[i]!;
    latencies.push(perRecord);
    possible += outcome.possibleDuplicates.length;
    const got =
      outcome.kind === 'duplicate'
        ? `duplicate/${outcome.via}`
        : outcome.kind === 'new' && outcome.possibleDuplicates.length > 0
          ? 'new+possible'
          : outcome.kind;
    const row = matrix.get(intent) ?? new Map<string, number>();
    row.set(got, (row.get(got) ?? 0) + 1);
    matrix.set(intent, row);
    if (got !== EXPECTED[intent]) unexpected++;
  }
}
const wallMs = performance.now() - start;

print(
  `incoming: ${fmt(INCOMING)} records through the fuzzy recorder, in batches of ${BATCH} (latency: the batch's time over its records)`,
);
printThroughput(INCOMING, wallMs, latencies);
cpu.print(
  INCOMING,
  [...requests.values()].reduce((sum, { ok, failed }) => sum + ok + failed, 0),
);
print('  outcomes by what the generator intended (intended -> got: count):');
for (const intent of Object.keys(EXPECTED) as Intent[]) {
  const row = matrix.get(intent);
  if (!row) continue;
  print(
    `    ${intent.padEnd(13)} (${EXPECTED[intent]}): ${[...row].map(([got, n]) => `${got} ${fmt(n)}`).join(', ')}`,
  );
}
print(
  `  ${fmt(unexpected)} records differ from what the generator intended; ${fmt(possible)} possible-duplicate pairs queued`,
);
printRequests(requests, INCOMING, { operation: 15, count: 8 });

await bench.close();
