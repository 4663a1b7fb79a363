// Scoring a clustering against human labels, counted as the benchmark README counts (independent of which
// record a tool keeps):
// - false merges: for each predicted cluster, the distinct label groups in it minus one (works lost);
// - missed duplicates: for each label group, the predicted clusters it is split across minus one;
// - pairwise precision, recall and F1 over record pairs (a pair is predicted when both records share a
//   cluster, true when both share a label group).

export interface ClusterScore {
  records: number;
  falseMerges: number;
  missedDuplicates: number;
  /** Record pairs in one predicted cluster. */
  predictedPairs: number;
  /** Record pairs in one label group. */
  truePairs: number;
  /** Pairs both predicted and true. */
  correctPairs: number;
  /** 1 when nothing is predicted. */
  precision: number;
  /** 1 when there is nothing to find. */
  recall: number;
  f1: number;
}

function pairs(n: number): number {
  return (n * (n - 1)) / 2;
}

/**
 * @param clusters predicted clusters as lists of record ids; every labelled record must be in exactly one
 * @param labels record id -> label group
 */
export function scoreClusters(
  clusters: readonly (readonly string[])[],
  labels: ReadonlyMap<string, string>,
): ClusterScore {
  const clusterOf = new Map<string, number>();
  for (const [index, cluster] of clusters.entries()) {
    for (const id of cluster) {
      if (!labels.has(id)) throw new Error(`record "${id}" has no label`);
      if (clusterOf.has(id)) throw new Error(`record "${id}" is in more than one cluster`);
      clusterOf.set(id, index);
    }
  }
  for (const id of labels.keys()) if (!clusterOf.has(id)) throw new Error(`record "${id}" is in no cluster`);

  // Records per (cluster, group) cell: every count below derives from these cells.
  const cells = new Map<string, number>();
  const groupsPerCluster = new Map<number, Set<string>>();
  const clustersPerGroup = new Map<string, Set<number>>();
  const groupSizes = new Map<string, number>();
  for (const [id, group] of labels) {
    const cluster = clusterOf.get(id)!;
    const cell = `${cluster}\u0000${group}`;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    if (!groupsPerCluster.has(cluster)) groupsPerCluster.set(cluster, new Set());
    groupsPerCluster.get(cluster)!.add(group);
    if (!clustersPerGroup.has(group)) clustersPerGroup.set(group, new Set());
    clustersPerGroup.get(group)!.add(cluster);
    groupSizes.set(group, (groupSizes.get(group) ?? 0) + 1);
  }

  let falseMerges = 0;
  for (const groups of groupsPerCluster.values()) falseMerges += groups.size - 1;
  let missedDuplicates = 0;
  for (const spanned of clustersPerGroup.values()) missedDuplicates += spanned.size - 1;

  let predictedPairs = 0;
  for (const cluster of clusters) predictedPairs += pairs(cluster.length);
  let truePairs = 0;
  for (const size of groupSizes.values()) truePairs += pairs(size);
  let correctPairs = 0;
  for (const count of cells.values()) correctPairs += pairs(count);

  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    records: labels.size,
    falseMerges,
    missedDuplicates,
    predictedPairs,
    truePairs,
    correctPairs,
    precision,
    recall,
    f1,
  };
}
