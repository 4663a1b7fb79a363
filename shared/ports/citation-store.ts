// Port: where a review's citations, screening queue, watermarks and run logs live.
// Implemented over DynamoDB (shared/adapters/dynamodb/); the embedded default is the same adapter pointed at
// a local dynalite server.
import type { Citation } from '../domain/citation/citation.ts';
import type { CitationKey } from '../domain/citation/citation-keys.ts';
import type { RunOutcome, RunOwnerRef } from '../domain/monitor/run-liveness.ts';
import type { ScreeningStatus } from '../domain/screening/workflow.ts';
import type { SearchWindow } from './literature-source.ts';

export type RecordOutcome =
  /** First time this work is seen: stored and queued for screening. */
  | { kind: 'new'; citationId: string }
  /** The same record stored before (a re-run, an overlapping window, a concurrent run). Nothing written. */
  | { kind: 'already-known'; citationId: string }
  /** Another citation owns one of this record's keys: the record's source is added to that citation. */
  | { kind: 'duplicate'; citationId: string; matchedKey: CitationKey };

/** Where a citation stands in screening ("awaiting-screening" on arrival; see domain/screening/workflow.ts). */
export type { ScreeningStatus };

export interface StoredCitation {
  reviewId: string;
  citationId: string;
  citation: Citation;
  keys: CitationKey[];
  /** Every source record that turned out to be this work, e.g. ["pubmed:123", "embase-ris:E456"]. */
  sourceRecords: string[];
  /** Why each source record merged fuzzily (no shared key) joined this work, by source record. */
  mergeReasons?: Record<string, string>;
  queuedAt: string;
  screeningStatus: ScreeningStatus;
}

export interface QueueEntry {
  citationId: string;
  pmid: string | null;
  doi: string | null;
  title: string;
  year: number | null;
  queuedAt: string;
}

export interface Watermark {
  reviewId: string;
  source: string;
  /** Every record created on or before this day (YYYY-MM-DD) has been committed. */
  completedThrough: string;
  runId: string;
  updatedAt: string;
}

export interface RunCounts {
  /** Records the source said the window holds. */
  found: number;
  fetched: number;
  new: number;
  alreadyKnown: number;
  duplicates: number;
  queued: number;
  deleted: number;
  /** Registrations seen before and changed since (ongoing-study registries only; absent elsewhere). */
  updated?: number;
}

export interface RunLog {
  runId: string;
  reviewId: string;
  source: string;
  query: string;
  window: SearchWindow;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /**
   * 'abandoned' is never written by the run itself: a reader sees a 'running' log so when its owner is gone
   * (domain/monitor/run-liveness.ts).
   */
  outcome: RunOutcome;
  counts: RunCounts;
  warnings: string[];
  error: string | null;
  /** The process running it; absent in logs of older versions, null when unknown. */
  owner?: RunOwnerRef | null;
  /** When the running run last saved its log (progress or heartbeat); absent or null: only at its start. */
  heartbeatAt?: string | null;
  /** What the run cost: requests sent to the source, by endpoint, retries included (absent in older logs). */
  requests?: Record<string, number>;
}

/** What a citation id holds: a stored citation, a redirect to another citation's id, or nothing (null). */
export type CitationSlot = StoredCitation | { redirectTo: string } | null;

/**
 * What a caller read in one batch before recording a record (fuzzy-dedup.ts): the slots of citation ids and
 * the owners of keys, so recordCitation can skip reading them again. Stale hints are harmless: every write
 * stays conditional, and a hint is used only where what it says cannot have changed for the worse (a slot
 * read absent is written with a condition; a key owned by a stored citation keeps its owner).
 */
export interface RecordHints {
  /** Slots by citation id, as read (absent from the map: not read). */
  slots?: ReadonlyMap<string, CitationSlot>;
  /** Owners of claimed keys, as read (a key absent from the map may be unclaimed or not read). */
  owners?: ReadonlyMap<CitationKey, string>;
  /** Ids known to hold a stored citation (a citation is never removed nor turned into a redirect). */
  citations?: ReadonlySet<string>;
  /** Why this record is the same work as the one it joins (a fuzzy merge), kept on that citation. */
  mergeReason?: string;
}

export interface CitationStore {
  /** Idempotent: calling it again with the same record, at any point after a crash, never doubles anything. */
  recordCitation(
    reviewId: string,
    citation: Citation,
    now: Date,
    hints?: RecordHints,
  ): Promise<RecordOutcome>;
  getCitation(reviewId: string, citationId: string): Promise<StoredCitation | null>;
  /** The slots of many citation ids at once (one batched read per hundred). */
  getCitationSlots(reviewId: string, citationIds: readonly string[]): Promise<Map<string, CitationSlot>>;
  /** The screening queue in arrival order (oldest first). */
  listQueue(reviewId: string, options?: { limit?: number }): Promise<QueueEntry[]>;
  getWatermark(reviewId: string, source: string): Promise<Watermark | null>;
  /** Moves the watermark forward only; a stale or equal value leaves it as it is. */
  advanceWatermark(watermark: Watermark): Promise<void>;
  saveRunLog(run: RunLog): Promise<void>;
  /** Newest first; a running run whose owner is gone is returned abandoned (judgeRun). */
  listRunLogs(reviewId: string, options?: { limit?: number }): Promise<RunLog[]>;
}

/** Finding a stored citation by a name people use for it (shared/app/resolve-citation.ts). */
export interface CitationLookup {
  getCitation(reviewId: string, citationId: string): Promise<StoredCitation | null>;
  /** The citation that owns `key` (e.g. "pmid:123") in the review, or null when no citation claims it. */
  citationIdForKey(reviewId: string, key: CitationKey): Promise<string | null>;
  /** `citationId` when it is a stored citation, the citation it redirects to when it is a duplicate's id. */
  canonicalCitationId(reviewId: string, citationId: string): Promise<string | null>;
}

/** An id that turned out to be another citation's duplicate: it leads to that citation for good. */
export interface CitationRedirect {
  citationId: string;
  redirectTo: string;
  /** The key the duplicate shared with the citation it leads to. */
  matchedKey: CitationKey;
}

/** Every citation of a review, for exports. */
export interface CitationListing {
  /** The review's citations (keys: own and merged duplicates', sources: every record that was this work). */
  listCitations(reviewId: string): Promise<{ citations: StoredCitation[]; redirects: CitationRedirect[] }>;
}

/** The store's view of one citation for the PRISMA counts: which source records turned out to be this work. */
export interface CitationSources {
  citationId: string;
  /** "<source>:<sourceRecordId>", e.g. "pubmed:123"; more than one = duplicates removed by the store. */
  sourceRecords: string[];
  queuedAt: string;
}

export interface CitationSourceListing {
  /** Every citation of the review with its source records (read-only; citation-store.ts writes them). */
  listCitationSources(reviewId: string): Promise<CitationSources[]>;
}
