// The trap cases of issue #12 (test/fixtures/dedup/traps, see its README): each file deduplicated whole and
// with every other record stored first. No file may lose a work; the true duplicates must still be found; the
// human queue stays small.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  benchmarkLabels,
  dedupRecordFromBenchmark,
  parseBenchmarkJsonl,
} from '../../../shared/domain/dedup/benchmark-record.ts';
import { deduplicate, deduplicateIncoming } from '../../../shared/domain/dedup/cluster.ts';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';
import { fixtureDirectory } from './benchmark-sets.ts';

const trapDirectory = join(fixtureDirectory, 'traps');
const files = readdirSync(trapDirectory).filter((f) => f.endsWith('.jsonl'));

function load(file: string) {
  const path = join(trapDirectory, file);
  const rows = parseBenchmarkJsonl(readFileSync(path, 'utf8'), path);
  return { rows, records: rows.map(dedupRecordFromBenchmark), labels: benchmarkLabels(rows) };
}

/** Files whose every duplicate must be found (the others may leave a pair for a person, or apart). */
const MUST_FIND_ALL = new Set(['true-duplicates.jsonl', 'versions-and-reprints.jsonl', 'notices.jsonl']);

describe.each(files)('trap cases: %s', (file) => {
  const { records, labels } = load(file);

  it('loses no work, whole and incrementally', () => {
    const whole = deduplicate(records);
    const score = scoreClusters(
      whole.clusters.map((c) => c.recordIds),
      labels,
    );
    expect(score.falseMerges).toBe(0);
    if (MUST_FIND_ALL.has(file)) expect(score.missedDuplicates).toBe(0);
    // Nobody is asked about a pair the labels call two works more than once per file.
    const falsePairs = whole.possibleDuplicates.filter((p) => labels.get(p.a) !== labels.get(p.b));
    expect(falsePairs.length).toBeLessThanOrEqual(1);

    const incremental = deduplicateIncoming(
      records.filter((_, i) => i % 2 === 0),
      records.filter((_, i) => i % 2 === 1),
    );
    const incrementalScore = scoreClusters(
      incremental.clusters.map((c) => c.recordIds),
      labels,
    );
    expect(incrementalScore.falseMerges).toBe(0);
    expect(incrementalScore.missedDuplicates).toBe(score.missedDuplicates);
  });

  it('says why each merge happened', () => {
    for (const merge of deduplicate(records).merges) {
      expect(merge.why).toMatch(/^duplicate: /);
      expect(merge.agreed.length).toBeGreaterThan(0);
    }
  });
});

describe('what each trap is about', () => {
  const clusterOf = (file: string) => {
    const { records } = load(file);
    const map = new Map<string, string>();
    for (const c of deduplicate(records).clusters) for (const id of c.recordIds) map.set(id, c.clusterId);
    return map;
  };

  it('a correction notice, in any database’s form, is never its article; the three copies of it are one', () => {
    const cluster = clusterOf('notices.jsonl');
    expect(cluster.get('not:2')).toBe(cluster.get('not:1'));
    for (const notice of ['not:3', 'not:4', 'not:5', 'not:12'])
      expect(cluster.get(notice)).not.toBe(cluster.get('not:1'));
    expect(new Set(['not:3', 'not:4', 'not:5'].map((id) => cluster.get(id))).size).toBe(1);
  });

  it('abstracts on one supplement page stay apart; one abstract from two databases is one', () => {
    const cluster = clusterOf('supplement-abstracts.jsonl');
    expect(cluster.get('sup:2')).toBe(cluster.get('sup:1'));
    expect(
      new Set(
        ['sup:1', 'sup:3', 'sup:4', 'sup:5', 'sup:6', 'sup:7', 'sup:8', 'sup:9'].map((id) => cluster.get(id)),
      ).size,
    ).toBe(8);
  });

  it('a record without a title is not merged, and an empty record is kept', () => {
    const { records } = load('missing-fields.jsonl');
    const result = deduplicate(records);
    const cluster = clusterOf('missing-fields.jsonl');
    expect(cluster.get('mis:1')).toBe('mis:1');
    expect(cluster.get('mis:9')).toBe('mis:9');
    expect(cluster.get('mis:7')).toBe(cluster.get('mis:6'));
    expect(cluster.get('mis:8')).toBe(cluster.get('mis:6'));
    // The untitled record beside its titled twin is worth a look: the authors and the place agree.
    expect(result.possibleDuplicates.map((p) => [p.a, p.b])).toEqual([['mis:1', 'mis:2']]);
  });

  it('a protocol, a data set and a later version are never the work; a Scopus author list still is', () => {
    const cluster = clusterOf('after-the-rules.jsonl');
    // The Cochrane review and its protocol, exported with one DOI stem.
    expect(cluster.get('aft-b:19')).not.toBe(cluster.get('aft-b:18'));
    expect(cluster.get('aft-b:20')).toBe(cluster.get('aft-b:18'));
    // The article's data set, deposited under its title and authors.
    expect(cluster.get('aft-a:34')).not.toBe(cluster.get('aft-a:30'));
    // "Brown J., Kim S." is two authors, the same two as "Brown, J. and Kim, S.".
    expect(cluster.get('aft-a:32')).toBe(cluster.get('aft-a:30'));
  });
});
