// The two labelled benchmark sets (test/fixtures/dedup, see PROVENANCE.md), loaded for the accuracy tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchmarkLabels,
  dedupRecordFromBenchmark,
  parseBenchmarkJsonl,
} from '../../../shared/domain/dedup/benchmark-record.ts';
import type { DedupRecord } from '../../../shared/domain/dedup/dedup-record.ts';

export const fixtureDirectory = join(import.meta.dirname, '..', '..', 'fixtures', 'dedup');

export interface BenchmarkSet {
  name: 'respiratory' | 'stroke';
  file: string;
  records: DedupRecord[];
  labels: Map<string, string>;
  /** ASySD's published missed duplicates on this set (with 0 false merges): the figure to beat. */
  asysdMissed: number;
}

export function loadBenchmarkSet(name: BenchmarkSet['name']): BenchmarkSet {
  const file = join(fixtureDirectory, `sra_${name}.jsonl`);
  const rows = parseBenchmarkJsonl(readFileSync(file, 'utf8'), file);
  return {
    name,
    file,
    records: rows.map(dedupRecordFromBenchmark),
    labels: benchmarkLabels(rows),
    asysdMissed: name === 'respiratory' ? 37 : 12,
  };
}
