// Deduplication: records are added one at a time to an index; each is compared with the records that share a
// blocking key with it, certain duplicates are merged into clusters (union-find) and possible duplicates are
// kept for a person to judge. Deduplicating a batch is adding its records in order, so checking arriving
// records against stored ones gives the same clusters as deduplicating everything at once.
import { InputError } from '../../errors.ts';
import { blockingKeys } from './blocking.ts';
import type { DedupRecord } from './dedup-record.ts';
import {
  cannotLink,
  compareRecords,
  conflictsOf,
  decidePair,
  type PairScore,
  type PreparedRecord,
  prepareRecord,
} from './pair-score.ts';

export interface DedupOptions {
  /**
   * A blocking key shared by more records than this is not used to find candidates (a title beginning such as
   * "a randomized controlled trial"): it would compare every such record with every other. Default 200.
   */
  maxBlockSize?: number;
  /** Possible-duplicate pairs kept per arriving record, best first. Default 3. */
  maxPossiblePerRecord?: number;
}

/** Pairs a person is asked about per arriving record: the best few, so one vague record cannot flood the queue. */
export const MAX_POSSIBLE_PER_RECORD = 3;

export interface DedupCluster {
  /** The id of the cluster's first record (the one added first): stable as records arrive. */
  clusterId: string;
  /** Every record of the cluster, in the order they were added: nothing is dropped. */
  recordIds: string[];
}

/** Why two records were merged: the pair whose decision joined their clusters. */
export interface MergeReason {
  a: string;
  b: string;
  score: number;
  /** Fields that agreed, fields that differed, and the rule: see PairScore. */
  agreed: string[];
  differed: string[];
  why: string;
}

/** A pair left for a person, with why (agreed, then differed, then the rule, as one list in `reasons`). */
export interface PossibleDuplicate extends MergeReason {
  reasons: string[];
}

export interface DedupResult {
  /** Every record in exactly one cluster; a record without duplicates is a cluster of one. */
  clusters: DedupCluster[];
  /** Pairs a person should look at, in different clusters, highest score first. */
  possibleDuplicates: PossibleDuplicate[];
  /** Record pairs compared. */
  comparisons: number;
  /** For each merge, the pair that decided it and why, in the order the merges happened. */
  merges: MergeReason[];
}

export interface AddResult {
  /** The cluster the record is in now. */
  clusterId: string;
  /** Records it was found a certain duplicate of (empty: it is new). */
  duplicateOf: string[];
  /** Possible duplicates found for it. */
  possible: PossibleDuplicate[];
}

export interface DedupIndex {
  add(record: DedupRecord): AddResult;
  result(): DedupResult;
  /** Record pairs compared so far. */
  readonly comparisons: number;
}

class Index implements DedupIndex {
  private readonly prepared: PreparedRecord[] = [];
  private readonly positions = new Map<string, number>();
  private readonly parent: number[] = [];
  private readonly members: number[][] = [];
  private readonly postings = new Map<string, number[]>();
  private readonly possible: PossibleDuplicate[] = [];
  private readonly merges: MergeReason[] = [];
  private readonly maxBlockSize: number;
  private readonly maxPossible: number;
  comparisons = 0;

  constructor(options: DedupOptions) {
    this.maxBlockSize = options.maxBlockSize ?? 200;
    this.maxPossible = options.maxPossiblePerRecord ?? MAX_POSSIBLE_PER_RECORD;
  }

  private find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    let node = i;
    while (this.parent[node] !== root) {
      const next = this.parent[node]!;
      this.parent[node] = root;
      node = next;
    }
    return root;
  }

  /** Joins the clusters of i and j unless a record of one cannot be the same work as a record of the other. */
  private union(i: number, j: number, verdict: PairScore): void {
    const a = this.find(i);
    const b = this.find(j);
    if (a === b) return;
    for (const x of this.members[a]!) {
      for (const y of this.members[b]!) {
        if ((x === i && y === j) || (x === j && y === i)) continue;
        this.comparisons++;
        if (cannotLink(compareRecords(this.prepared[x]!, this.prepared[y]!))) return;
      }
    }
    // The smaller index stays root, so a cluster is named after its first record.
    const [root, child] = a < b ? [a, b] : [b, a];
    this.parent[child] = root;
    this.members[root] = [...this.members[root]!, ...this.members[child]!].sort((x, y) => x - y);
    this.members[child] = [];
    this.merges.push({
      a: this.prepared[i]!.record.id,
      b: this.prepared[j]!.record.id,
      score: verdict.score,
      agreed: verdict.agreed,
      differed: verdict.differed,
      why: verdict.why,
    });
  }

  /** True when a record of one cluster says it is another work than a record of the other (hard conflict). */
  private clustersConflict(i: number, j: number): boolean {
    for (const x of this.members[this.find(i)]!) {
      for (const y of this.members[this.find(j)]!) {
        if (x === y) continue;
        if (conflictsOf(compareRecords(this.prepared[x]!, this.prepared[y]!)).hard.length > 0) return true;
      }
    }
    return false;
  }

  add(record: DedupRecord): AddResult {
    if (this.positions.has(record.id)) throw new InputError(`record id "${record.id}" occurs twice`);
    const position = this.prepared.length;
    const prepared = prepareRecord(record);
    this.prepared.push(prepared);
    this.positions.set(record.id, position);
    this.parent.push(position);
    this.members.push([position]);

    const candidates = new Set<number>();
    for (const key of blockingKeys(prepared)) {
      let posting = this.postings.get(key);
      if (!posting) {
        posting = [];
        this.postings.set(key, posting);
      }
      if (posting.length <= this.maxBlockSize) for (const other of posting) candidates.add(other);
      posting.push(position);
    }

    const duplicateOf: string[] = [];
    const possible: PossibleDuplicate[] = [];
    const possibleWith: number[] = [];
    for (const other of [...candidates].sort((x, y) => x - y)) {
      this.comparisons++;
      const verdict = decidePair(compareRecords(this.prepared[other]!, prepared));
      if (verdict.decision === 'duplicate') {
        duplicateOf.push(this.prepared[other]!.record.id);
        this.union(other, position, verdict);
      } else if (verdict.decision === 'possible') {
        possibleWith.push(other);
        possible.push({
          a: this.prepared[other]!.record.id,
          b: record.id,
          score: verdict.score,
          agreed: verdict.agreed,
          differed: verdict.differed,
          why: verdict.why,
          reasons: verdict.reasons,
        });
      }
    }
    const root = this.find(position);
    // A person is asked only about twins in another cluster that no record of either cluster rules out, and
    // only about the best few.
    const kept = possible
      .map((pair, k) => ({ pair, other: possibleWith[k]! }))
      .filter(({ other }) => this.find(other) !== root && !this.clustersConflict(other, position))
      .sort((x, y) => y.pair.score - x.pair.score)
      .slice(0, this.maxPossible)
      .map(({ pair }) => pair);
    this.possible.push(...kept);
    return { clusterId: this.prepared[root]!.record.id, duplicateOf, possible: kept };
  }

  result(): DedupResult {
    const clusters: DedupCluster[] = [];
    for (const [root, members] of this.members.entries()) {
      if (members.length === 0 || this.find(root) !== root) continue;
      clusters.push({
        clusterId: this.prepared[root]!.record.id,
        recordIds: members.map((m) => this.prepared[m]!.record.id),
      });
    }
    const seen = new Set<string>();
    const possibleDuplicates = this.possible
      .filter((p) => {
        const a = this.positions.get(p.a)!;
        const b = this.positions.get(p.b)!;
        return this.find(a) !== this.find(b) && !this.clustersConflict(a, b);
      })
      .filter((p) => {
        const key = `${p.a}\u0000${p.b}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((x, y) => y.score - x.score);
    return { clusters, possibleDuplicates, comparisons: this.comparisons, merges: [...this.merges] };
  }
}

/** An index over stored records; `add` checks an arriving record against everything indexed so far. */
export function createDedupIndex(
  stored: readonly DedupRecord[] = [],
  options: DedupOptions = {},
): DedupIndex {
  const index = new Index(options);
  for (const record of stored) index.add(record);
  return index;
}

/** Clusters of certain duplicates, possible duplicates for review, and the number of comparisons made. */
export function deduplicate(records: readonly DedupRecord[], options: DedupOptions = {}): DedupResult {
  return createDedupIndex(records, options).result();
}

export interface IncomingMatch extends AddResult {
  id: string;
}

/**
 * Arriving records checked against stored ones (and each other): what each arriving record matched, and the
 * clustering of everything. `comparisons` counts the comparisons the arriving records needed.
 */
export function deduplicateIncoming(
  stored: readonly DedupRecord[],
  incoming: readonly DedupRecord[],
  options: DedupOptions = {},
): DedupResult & { incoming: IncomingMatch[] } {
  const index = createDedupIndex(stored, options);
  const before = index.comparisons;
  const matches = incoming.map((record) => ({ id: record.id, ...index.add(record) }));
  return { ...index.result(), comparisons: index.comparisons - before, incoming: matches };
}
