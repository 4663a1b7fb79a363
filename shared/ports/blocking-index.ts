// Port: the blocking index fuzzy deduplication searches (records under their blocking keys, the key claims
// it reads and makes) and the ports the fuzzy layer needs together (over DynamoDB: blocking-key-store.ts).
import type { CitationKey } from '../domain/citation/citation-keys.ts';
import type { DedupRecord } from '../domain/dedup/dedup-record.ts';
import type { ScreeningStore } from './screening-store.ts';

/** One entry of the blocking index: a record (a citation's own, or one merged into it) under a key. */
export interface BlockCandidate {
  citationId: string;
  record: DedupRecord;
}

/** A record to index: its compact record under each of its blocking keys, for the citation it ended in. */
export interface IndexJob {
  citationId: string;
  record: DedupRecord;
  keys: readonly string[];
}

/** Where the blocking index lives and how claims are read (over DynamoDB: blocking-key-store.ts). */
export interface BlockingIndex {
  /** The citation that owns each claimed key; unclaimed keys are absent. Strongly consistent. */
  keyOwners(reviewId: string, keys: readonly CitationKey[]): Promise<Map<CitationKey, string>>;
  /** Which of `keys` hold entries at all, and which hold more than any block may (never queried again). */
  occupiedKeys(
    reviewId: string,
    keys: readonly string[],
  ): Promise<{ occupied: Set<string>; large: Set<string> }>;
  /**
   * The entries under `keys`. A key holding more than `maxBlockSize` entries is left out (a title beginning
   * such as "a randomised controlled trial" would compare every such record with every other) and named in
   * `skipped`.
   */
  candidates(
    reviewId: string,
    keys: readonly string[],
    maxBlockSize: number,
  ): Promise<{ candidates: BlockCandidate[]; skipped: string[] }>;
  /** Marks keys found holding more than maxBlockSize entries. */
  markLarge(reviewId: string, keys: readonly string[]): Promise<void>;
  /**
   * Adds each job's record under each of its keys, each record's last key's entry after all the others.
   * Idempotent. `occupied`: keys known to have their marker already.
   */
  indexRecords(
    reviewId: string,
    jobs: readonly IndexJob[],
    options?: { occupied?: ReadonlySet<string> },
  ): Promise<void>;
  /** Whether each job's record is indexed for its citation (its last key's entry exists). */
  indexedOf(reviewId: string, jobs: readonly IndexJob[]): Promise<boolean[]>;
  /** Claims `key` for citation `owner` unless someone holds it; returns the owner it has now. */
  claimKeyFor(reviewId: string, key: CitationKey, owner: string, now: Date): Promise<string>;
}

export interface FuzzyDedupPorts {
  index: BlockingIndex;
  /** The screening store's queue of pairs for a person to confirm or split. */
  possibleDuplicates: Pick<ScreeningStore, 'recordPossibleDuplicate'>;
  /** Default 200, as the in-memory engine. */
  maxBlockSize?: number;
  /** Pairs queued per arriving record, best first. Default 3, as the in-memory engine. */
  maxPossiblePerRecord?: number;
}
