import { describe, expect, it } from 'vitest';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';

// Four works: A (3 records), B (2), C (1), D (2).
const labels = new Map([
  ['a1', 'A'],
  ['a2', 'A'],
  ['a3', 'A'],
  ['b1', 'B'],
  ['b2', 'B'],
  ['c1', 'C'],
  ['d1', 'D'],
  ['d2', 'D'],
]);

describe('scoreClusters (the benchmark README counting)', () => {
  it('counts false merges, missed duplicates and pairwise figures on a hand-made clustering', () => {
    const score = scoreClusters([['a1', 'a2', 'b1'], ['a3'], ['b2'], ['c1', 'd1'], ['d2']], labels);
    // False merges: {A,B} in the first cluster (1) + {C,D} in the fourth (1).
    expect(score.falseMerges).toBe(2);
    // Missed: A split over 2 clusters (1), B over 2 (1), D over 2 (1), C whole (0).
    expect(score.missedDuplicates).toBe(3);
    // Predicted pairs: 3 in the first cluster + 1 in the fourth. True pairs: A 3 + B 1 + D 1.
    expect(score.predictedPairs).toBe(4);
    expect(score.truePairs).toBe(5);
    // Only a1-a2 is both.
    expect(score.correctPairs).toBe(1);
    expect(score.precision).toBe(0.25);
    expect(score.recall).toBe(0.2);
    expect(score.f1).toBeCloseTo((2 * 0.25 * 0.2) / 0.45, 12);
    expect(score.records).toBe(8);
  });

  it('scores the labels themselves as perfect', () => {
    const score = scoreClusters([['a1', 'a2', 'a3'], ['b1', 'b2'], ['c1'], ['d1', 'd2']], labels);
    expect(score).toMatchObject({ falseMerges: 0, missedDuplicates: 0, precision: 1, recall: 1, f1: 1 });
  });

  it('counts every duplicate as missed when nothing is merged, and everything as merged when all is one', () => {
    const singletons = scoreClusters(
      [...labels.keys()].map((id) => [id]),
      labels,
    );
    expect(singletons).toMatchObject({
      falseMerges: 0,
      missedDuplicates: 4,
      predictedPairs: 0,
      precision: 1,
      recall: 0,
    });
    const one = scoreClusters([[...labels.keys()]], labels);
    expect(one).toMatchObject({
      falseMerges: 3,
      missedDuplicates: 0,
      predictedPairs: 28,
      correctPairs: 5,
      recall: 1,
    });
  });

  it('refuses a clustering that loses, repeats or invents records', () => {
    expect(() => scoreClusters([['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'd1']], labels)).toThrow(
      /"d2" is in no cluster/,
    );
    expect(() => scoreClusters([[...labels.keys()], ['a1']], labels)).toThrow(/"a1" is in more than one/);
    expect(() => scoreClusters([[...labels.keys(), 'x9']], labels)).toThrow(/"x9" has no label/);
  });
});
