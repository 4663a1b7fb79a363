// Port: where screening decisions and possible-duplicate pairs live. Implemented over the single DynamoDB table
// (shared/adapters/dynamodb/screening-store.ts), so the embedded store serves it as well.
//
// The write rule is optimistic appends: an event is written only at the position after the last one its
// writer replayed (a conditional put of a deterministic key), so two writers racing for one position cannot
// both win; the loser re-reads the log and tries again. No transactions are needed.
import type { ScreeningEvent } from '../domain/screening/events.ts';
import type { ScreeningStatus } from '../domain/screening/workflow.ts';

export interface ScreeningQueueEntry {
  citationId: string;
  title: string;
  year: number | null;
  queuedAt: string;
  /** The derived status the citation item carries (it may lag the log by one write after a crash). */
  status: ScreeningStatus;
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

export interface ScreeningStore {
  /** One record's log, in seq order. */
  listEvents(reviewId: string, citationId: string): Promise<ScreeningEvent[]>;
  /** Every record's log in the review (counts, kappa, queues). */
  listReviewEvents(reviewId: string): Promise<ScreeningEvent[]>;
  /**
   * Writes `event` at position event.seq. Returns false, writing nothing, when another event already holds that
   * position (a concurrent writer won it).
   */
  appendEvent(reviewId: string, event: ScreeningEvent): Promise<boolean>;
  /**
   * Sets the citation's derived status (and so its queue) as of log position `version`, unless a newer version
   * is already there. Throws when the citation does not exist.
   */
  saveStatus(reviewId: string, citationId: string, version: number, status: ScreeningStatus): Promise<void>;
  /** Every citation of the review with its derived status, in arrival order. */
  listCitations(reviewId: string): Promise<ScreeningQueueEntry[]>;

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

/** The deterministic id of the pair of two citations. */
export function possibleDuplicatePairId(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}
