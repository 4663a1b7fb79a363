// Port: where screening decisions, their projections and possible-duplicate pairs live. Implemented over the
// single DynamoDB table (shared/adapters/dynamodb/screening-store.ts), so the embedded store serves it as well.
//
// The log is the truth: an event is written only at the position after the last one its writer replayed (a
// conditional put of a deterministic key), so two writers racing for one position cannot both win; the loser
// re-reads the log and tries again. No transactions are needed.
//
// Everything else here is a projection of the logs, kept up to date on the write path so that reading a queue,
// a reviewer's progress or their decisions never reads every record (shared/app/screening.ts says when each is
// written and how a crash in between is completed):
// - each citation's derived status and queue (who it waits for);
// - the review's tallies (shared/domain/screening/report.ts), as one delta per event and per arrival, each
//   written once under a deterministic key and added to the sums exactly once;
// - each reviewer's latest decision per record and stage ("my decisions"), newest first;
// - each reviewer's cursor: the record they were last handed, so concurrent screeners get different records;
// - dirty marks: records whose projections a writer may not have finished.
import type { DecisionRole, ScreeningEvent, Stage, Vote } from '../domain/screening/events.ts';
import type { Tallies } from '../domain/screening/report.ts';
import type { ScreeningStatus } from '../domain/screening/workflow.ts';

export interface ScreeningQueueEntry {
  citationId: string;
  title: string;
  year: number | null;
  queuedAt: string;
  /** The derived status the citation item carries (it may lag the log after a crash). */
  status: ScreeningStatus;
  /** The log position the status reflects (0: none yet). */
  version: number;
  /** Who made the first decision of a record awaiting a second one (its queue depends on it). */
  firstDecider: string | null;
}

/** A queue: the records at one status (for "awaiting a second decision", those the given screener decided). */
export interface QueueName {
  status: ScreeningStatus;
  firstDecider?: string | null;
}

/** One entry of a queue, in arrival order (`position` orders entries across queues). */
export interface QueueHead {
  citationId: string;
  title: string;
  year: number | null;
  queuedAt: string;
  /** `<queuedAt>#<citationId>`: arrival order, the same in every queue. */
  position: string;
}

/** What a citation's screening projection says: where it stands as of log position `version`. */
export interface RecordProjection {
  version: number;
  status: ScreeningStatus;
  firstDecider: string | null;
}

/** A reviewer's latest decision on one record at one stage. */
export interface ReviewerDecision {
  reviewerId: string;
  citationId: string;
  stage: Stage;
  role: DecisionRole;
  decision: Vote;
  reasonId: string | null;
  note: string | null;
  at: string;
  /** The event's position in the record's log: a newer one replaces an older one, never the reverse. */
  seq: number;
  title: string;
  year: number | null;
}

/** What a reviewer's decision row shows of its record. */
export interface CitationHeading {
  title: string;
  year: number | null;
}

/** The record a reviewer was last handed, and until when it is held for them. */
export interface Cursor {
  reviewerId: string;
  citationId: string;
  stage: Stage;
  as: 'screener' | 'arbiter';
  /** When it was handed (ties between screeners handed the same record at once go to the earlier). */
  since: string;
  until: string;
}

/** A record whose projections a writer set out to update (removed when done). */
export interface DirtyMark {
  citationId: string;
  /** The writer's own token (its event id), so concurrent writers do not clear each other's marks. */
  token: string;
  at: string;
  /**
   * The mark is on the event at this position of the record's log (appended with it: see CountedAppend).
   * Without it, the mark was put by an earlier version before it appended: an attribute of the tallies item,
   * or (older still) a DIRTY# item of its own (`legacyItem`).
   */
  seq?: number;
  legacyItem?: true;
}

/** What an append writes with the event in the same item. */
export interface CountedAppend {
  /** The event's tally delta (tallies after - before): counted by the write that appends the event. */
  delta: Tallies;
  /** The writer's mark (when it began projecting the event), until it has written the projections. */
  projecting: string;
}

/** An event as the log stores it. */
export interface LoggedEvent {
  event: ScreeningEvent;
  /** The event's item carries its tally delta (older events have a tally-delta item of their own). */
  counted: boolean;
  /** Its writer's mark, while the projections may be incomplete (null: complete). */
  projecting: string | null;
}

/** The review-wide state `next` reads in one request. */
export interface ReviewBoard {
  cursors: Cursor[];
  /** The rolled-up tallies (without deltas not yet added): who has ever decided first, for the queues. */
  rolledTallies: Tallies;
  /** The projection format this review's items were last brought up to (0: never). */
  projectionVersion: number;
  /**
   * The dirty marks on the tallies item (not those on events, which readTallies finds among the deltas, nor
   * DIRTY# items: listDirty has every kind).
   */
  dirty: DirtyMark[];
}

export interface ScreeningStore {
  /** One record's log, in seq order. */
  listEvents(reviewId: string, citationId: string): Promise<ScreeningEvent[]>;
  /** One record's log as stored (with what each event's item carries), in seq order. */
  listLog(reviewId: string, citationId: string): Promise<LoggedEvent[]>;
  /** Every record's log in the review (the report, the digest, a rebuild of the projections). */
  listReviewEvents(reviewId: string): Promise<ScreeningEvent[]>;
  /**
   * Writes `event` at position event.seq (with `counted`: its delta and its writer's mark, in the same item).
   * Returns false, writing nothing, when another event already holds that position (a concurrent writer won it).
   */
  appendEvent(reviewId: string, event: ScreeningEvent, counted?: CountedAppend): Promise<boolean>;
  /** The title and year of a stored citation (null: none under that id); reads no more of it. */
  citationHeading(reviewId: string, citationId: string): Promise<CitationHeading | null>;
  /** Every citation of the review with its projection, in arrival order (reads them all). */
  listCitations(reviewId: string): Promise<ScreeningQueueEntry[]>;

  /** Moves the citation to its status and queue as of `version`, unless a newer version is there. */
  saveProjection(reviewId: string, citationId: string, projection: RecordProjection): Promise<void>;
  /** Oldest first, from after `after` (a position), at most `limit`; `more` when the queue goes on. */
  queueHeads(
    reviewId: string,
    queue: QueueName,
    options: { limit: number; after?: string },
  ): Promise<{ entries: QueueHead[]; more: boolean }>;

  /**
   * Stores the tallies delta of event `seq` of a record (0: its arrival) unless one is stored: the same event
   * always has the same delta, so writing it again (a retry, a repair) is harmless.
   */
  putTallyDelta(reviewId: string, citationId: string, seq: number, delta: Tallies, at: string): Promise<void>;
  /** "<citationId>#<seq>" of every stored delta, those events carry too (a rebuild finds the missing ones). */
  listTallyDeltaKeys(reviewId: string): Promise<Set<string>>;
  /**
   * The review's tallies: the rolled-up sums plus every delta not added yet (each counted exactly once);
   * `backlog`: how many deltas wait; `projectionVersion` as readBoard gives it; `dirty`: the board's marks and
   * those on events (an event is not added to the sums while it carries its writer's mark).
   */
  readTallies(
    reviewId: string,
  ): Promise<{ tallies: Tallies; backlog: number; projectionVersion: number; dirty: DirtyMark[] }>;
  /** Adds waiting deltas into the sums, exactly once each, up to `max` of them. */
  rollUpTallies(reviewId: string, options?: { max?: number }): Promise<{ rolled: number; left: boolean }>;

  /** The board, with the cursors of these reviewers. */
  readBoard(reviewId: string, reviewerIds: readonly string[]): Promise<ReviewBoard>;
  setProjectionVersion(reviewId: string, version: number): Promise<void>;
  /**
   * Stores a reviewer's cursor (replacing their last) and answers every reviewer's cursor as of that write,
   * atomically: the cursors stored before it, none stored after (whose writers see this one).
   */
  putCursor(reviewId: string, cursor: Cursor): Promise<Cursor[]>;

  /** Keeps a reviewer's latest decision per record and stage (an older seq never replaces a newer one). */
  putReviewerDecision(reviewId: string, decision: ReviewerDecision): Promise<void>;
  /** A reviewer's decisions, newest first, a page at a time (`after`: the previous page's `next`). */
  listReviewerDecisions(
    reviewId: string,
    reviewerId: string,
    options: { limit: number; after?: string | null },
  ): Promise<{ decisions: ReviewerDecision[]; next: string | null }>;

  /**
   * Marks a record as being projected on the tallies item, as the version before CountedAppend did (a writer
   * now marks the event it appends): kept for the tests that build what such a writer left.
   */
  markDirty(reviewId: string, mark: DirtyMark): Promise<void>;
  /** Removes a mark, wherever it is (an event's, the tallies item's, a DIRTY# item). */
  clearDirty(reviewId: string, mark: DirtyMark): Promise<void>;
  /** Every dirty mark, those of earlier versions too. */
  listDirty(reviewId: string): Promise<DirtyMark[]>;
  /** The marks earlier versions left as items of their own (DIRTY#): what readTallies does not bring. */
  listDirtyItems(reviewId: string): Promise<DirtyMark[]>;

  /** Stores a pair the dedup found; idempotent (an existing pair is left as it is). */
  recordPossibleDuplicate(
    reviewId: string,
    pair: Pick<
      PossibleDuplicate,
      'citationId' | 'twinId' | 'reason' | 'score' | 'foundAt' | 'agreed' | 'differed'
    >,
  ): Promise<PossibleDuplicate>;
  getPossibleDuplicate(reviewId: string, pairId: string): Promise<PossibleDuplicate | null>;
  listPossibleDuplicates(reviewId: string): Promise<PossibleDuplicate[]>;
  /** The pending pairs one citation is part of (read in time that grows with its pairs, not the review's). */
  listPendingDuplicatesOf(reviewId: string, citationId: string): Promise<PossibleDuplicate[]>;
  /**
   * Makes every stored pair findable from both of its citations (pairs recorded before projection version 3
   * are findable from their first one only). Idempotent.
   */
  mirrorPossibleDuplicates(reviewId: string): Promise<void>;
  /**
   * Resolves a pending pair. Returns the pair as stored afterwards: `resolved` is false when it had already
   * been resolved (by anyone), in which case nothing changed.
   */
  resolvePossibleDuplicate(
    reviewId: string,
    pairId: string,
    resolution: { status: 'confirmed' | 'split'; resolvedBy: string; resolvedAt: string },
  ): Promise<{ resolved: boolean; pair: PossibleDuplicate }>;
}

export interface PossibleDuplicate {
  /** "<a>~<b>" with a < b: one pair, whichever side the dedup found first ("~" needs no escaping in a URL). */
  pairId: string;
  /** The citation the dedup flagged (it arrived second). */
  citationId: string;
  /** The citation it may duplicate. */
  twinId: string;
  /** Why the dedup thinks so, in one line, e.g. "title exact, authors same (3 matched), year one apart". */
  reason: string;
  /** The fields that agreed (e.g. "title exact", "pages same"), when the dedup gave them. */
  agreed?: string[];
  /** The fields that differed and what tells the records apart (e.g. "year one apart"), when given. */
  differed?: string[];
  score: number | null;
  foundAt: string;
  status: 'pending' | 'confirmed' | 'split';
  resolvedBy: string | null;
  resolvedAt: string | null;
}

/** The deterministic id of the pair of two citations. */
export function possibleDuplicatePairId(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}
