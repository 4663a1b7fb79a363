// The goal of issues #7 and #12, measured on both human-labelled sets: no unique work lost (0 false merges),
// fewer missed duplicates than ASySD and at most 2% of the records in the human queue, whether everything is
// deduplicated at once or half the records arrive later. (Until issue #12 recall here had to exceed 0.98:
// rules read off these sets' own errors reached it, and merged works on sets they had never seen. The
// general rules keep every work apart that the trap cases in test/fixtures/dedup/traps describe, and still
// miss far fewer duplicates than ASySD here.)
import { describe, expect, it } from 'vitest';
import { deduplicate, deduplicateIncoming } from '../../../shared/domain/dedup/cluster.ts';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';
import { type BenchmarkSet, loadBenchmarkSet } from './benchmark-sets.ts';

// The figures the engine reaches today, asserted as they are, so any change in them (better or worse) is seen
// and explained in the commit that makes it: records left unmerged with a twin (ASySD's figure beside it) and
// pairs queued for a person.
const measured: Record<string, { missed: number; queued: number }> = {
  respiratory: { missed: 10, queued: 5 },
  stroke: { missed: 3, queued: 2 },
};
const sets: BenchmarkSet[] = [loadBenchmarkSet('respiratory'), loadBenchmarkSet('stroke')];

describe.each(sets)('accuracy on the SRA $name set', (set) => {
  const pairs = (set.records.length * (set.records.length - 1)) / 2;

  it('loses no work and misses fewer duplicates than ASySD', () => {
    const result = deduplicate(set.records);
    const score = scoreClusters(
      result.clusters.map((c) => c.recordIds),
      set.labels,
    );
    expect(score.falseMerges).toBe(0);
    expect(score.missedDuplicates).toBe(measured[set.name]!.missed);
    expect(score.missedDuplicates).toBeLessThan(set.asysdMissed);
    expect(score.precision).toBe(1);
    expect(score.recall).toBeGreaterThan(0.97);
    expect(result.possibleDuplicates).toHaveLength(measured[set.name]!.queued);
    expect(result.possibleDuplicates.length).toBeLessThanOrEqual(set.records.length * 0.02);
    // Blocking keeps the comparisons to a sliver of all pairs.
    expect(result.comparisons).toBeLessThan(pairs / 100);
  });

  it('does as well when half the records are stored and half arrive', () => {
    const whole = scoreClusters(
      deduplicate(set.records).clusters.map((c) => c.recordIds),
      set.labels,
    );
    // Alternate records, so most duplicate groups have members on both sides.
    const stored = set.records.filter((_, i) => i % 2 === 0);
    const arriving = set.records.filter((_, i) => i % 2 === 1);
    const incremental = deduplicateIncoming(stored, arriving);
    const score = scoreClusters(
      incremental.clusters.map((c) => c.recordIds),
      set.labels,
    );
    expect(score.falseMerges).toBe(0);
    expect(score.missedDuplicates).toBe(whole.missedDuplicates);
    expect(score.f1).toBe(whole.f1);
    expect(incremental.incoming).toHaveLength(arriving.length);
  });
});
