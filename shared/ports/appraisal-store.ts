// Port: where the appraisal logs of included studies live (one append-only log per study). Implemented over the
// single DynamoDB table (shared/adapters/dynamodb/appraisal-store.ts). The write rule is the screening store's:
// an event is written only at the position after the last one its writer replayed (a conditional put of a
// deterministic key), so of two writers racing for a position exactly one wins; the other re-reads and retries.
import type { AppraisalEvent } from '../domain/appraisal/events.ts';

export interface AppraisalStore {
  /** One study's log, in seq order (strongly consistent). */
  listEvents(reviewId: string, studyId: string): Promise<AppraisalEvent[]>;
  /** Every study's log in the review. */
  listReviewEvents(reviewId: string): Promise<AppraisalEvent[]>;
  /** Writes `event` at event.seq; false, writing nothing, when that position is taken. */
  appendEvent(reviewId: string, event: AppraisalEvent): Promise<boolean>;
}
