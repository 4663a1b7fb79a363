// `npx tsx bench/dedup-accuracy.bench.ts`: fuzzy deduplication on the two labelled SRA sets (test/fixtures/dedup),
// scored as the benchmark README counts, deduplicating everything at once and incrementally (every other record
// stored first, the rest arriving one at a time), beside the published figures of ASySD and bib-dedupe; then
// every hand-made trap file (test/fixtures/dedup/traps) the same way. Per set: false merges (works lost),
// missed duplicates, precision, recall, F1, and the pairs queued for a person (count, share of the records).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchmarkLabels,
  dedupRecordFromBenchmark,
  parseBenchmarkJsonl,
} from '../shared/domain/dedup/benchmark-record.ts';
import { createDedupIndex, type DedupResult, deduplicate } from '../shared/domain/dedup/cluster.ts';
import { type ClusterScore, scoreClusters } from '../shared/domain/dedup/score-clusters.ts';
import { type BenchmarkSet, fixtureDirectory, loadBenchmarkSet } from '../test/unit/dedup/benchmark-sets.ts';

const RUNS = 5;

/** Published false merges / missed duplicates on these sets (fixtures README), same counting. */
const PUBLISHED: Record<BenchmarkSet['name'], Record<string, [number, number]>> = {
  respiratory: { ASySD: [0, 37], 'bib-dedupe (tuned on these sets)': [0, 28], 'exact title+year': [8, 87] },
  stroke: { ASySD: [0, 12], 'bib-dedupe (tuned on these sets)': [0, 2], 'exact title+year': [3, 10] },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed<T>(work: () => T): { value: T; ms: number } {
  const times: number[] = [];
  let value: T = work(); // warm-up, not timed
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    value = work();
    times.push(performance.now() - start);
  }
  return { value, ms: median(times) };
}

function row(
  label: string,
  score: ClusterScore,
  result: DedupResult,
  comparisons: string,
  ms: number,
  set: Pick<BenchmarkSet, 'labels'>,
) {
  const queued = result.possibleDuplicates.length;
  const queuedTrue = result.possibleDuplicates.filter(
    (p) => set.labels.get(p.a) === set.labels.get(p.b),
  ).length;
  const share = `${((100 * queued) / set.labels.size).toFixed(1)}%`;
  return [
    label.padEnd(12),
    String(score.falseMerges).padStart(12),
    String(score.missedDuplicates).padStart(7),
    score.precision.toFixed(4).padStart(7),
    score.recall.toFixed(4).padStart(7),
    score.f1.toFixed(4).padStart(7),
    comparisons.padStart(15),
    `${queued} ${share} (${queuedTrue} true)`.padStart(20),
    `${ms.toFixed(0)} ms`.padStart(9),
  ].join('  ');
}

const header = [
  'mode'.padEnd(12),
  'false merges'.padStart(12),
  'missed'.padStart(7),
  'P'.padStart(7),
  'R'.padStart(7),
  'F1'.padStart(7),
  'comparisons'.padStart(15),
  'queued for a person'.padStart(20),
  'wall'.padStart(9),
].join('  ');

for (const name of ['respiratory', 'stroke'] as const) {
  const set = loadBenchmarkSet(name);
  const pairs = (set.records.length * (set.records.length - 1)) / 2;
  const groups = new Set(set.labels.values()).size;
  console.log(
    `\nSRA ${name}: ${set.records.length} records, ${groups} works, ${pairs.toLocaleString('en')} possible pairs`,
  );
  console.log(`${header}\n${'-'.repeat(header.length)}`);

  const whole = timed(() => deduplicate(set.records));
  const wholeScore = scoreClusters(
    whole.value.clusters.map((c) => c.recordIds),
    set.labels,
  );
  console.log(row('whole', wholeScore, whole.value, String(whole.value.comparisons), whole.ms, set));

  const stored = set.records.filter((_, i) => i % 2 === 0);
  const arriving = set.records.filter((_, i) => i % 2 === 1);
  const built = timed(() => createDedupIndex(stored));
  const incremental = timed(() => {
    const index = createDedupIndex(stored);
    const before = index.comparisons;
    for (const record of arriving) index.add(record);
    return {
      result: index.result(),
      storedComparisons: before,
      arrivingComparisons: index.comparisons - before,
    };
  });
  const incrementalScore = scoreClusters(
    incremental.value.result.clusters.map((c) => c.recordIds),
    set.labels,
  );
  const arrivalMs = incremental.ms - built.ms;
  console.log(
    row(
      'incremental',
      incrementalScore,
      incremental.value.result,
      `${incremental.value.storedComparisons}+${incremental.value.arrivingComparisons}`,
      incremental.ms,
      set,
    ),
  );
  console.log(
    `  incremental: ${stored.length} stored (index built in ${built.ms.toFixed(0)} ms), ${arriving.length} arriving ` +
      `(${arrivalMs.toFixed(0)} ms, ${((arrivalMs / arriving.length) * 1000).toFixed(0)} us a record); ` +
      `comparisons shown as stored+arriving`,
  );
  console.log('  published (false merges / missed duplicates):');
  for (const [tool, [falseMerges, missed]] of Object.entries(PUBLISHED[name])) {
    console.log(`    ${tool.padEnd(34)} ${falseMerges} / ${missed}`);
  }
  console.log(`    ${'this (whole)'.padEnd(34)} ${wholeScore.falseMerges} / ${wholeScore.missedDuplicates}`);
}
console.log(
  '\nTrap cases (test/fixtures/dedup/traps, hand-made, see its README): whole / every other record stored first',
);
console.log(`${'file'.padEnd(30)}  ${header.slice(14)}`);
const traps = join(fixtureDirectory, 'traps');
for (const file of readdirSync(traps)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()) {
  const rows = parseBenchmarkJsonl(readFileSync(join(traps, file), 'utf8'), file);
  const records = rows.map(dedupRecordFromBenchmark);
  const set = { labels: benchmarkLabels(rows) };
  const whole = timed(() => deduplicate(records));
  const score = scoreClusters(
    whole.value.clusters.map((c) => c.recordIds),
    set.labels,
  );
  const index = createDedupIndex(records.filter((_, i) => i % 2 === 0));
  for (const record of records.filter((_, i) => i % 2 === 1)) index.add(record);
  const incremental = scoreClusters(
    index.result().clusters.map((c) => c.recordIds),
    set.labels,
  );
  console.log(
    `${file.padEnd(30)}  ${row('', score, whole.value, String(whole.value.comparisons), whole.ms, set).slice(14)}` +
      `   incremental ${incremental.falseMerges} / ${incremental.missedDuplicates}`,
  );
}
console.log(`\nwall: median of ${RUNS} runs after a warm-up, in one process (Node ${process.version})`);
