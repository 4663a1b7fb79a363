// Port: where the extraction-verification logs live (one append-only log per included study). Implemented over
// the single DynamoDB table (shared/adapters/dynamodb/verification-store.ts). The write rule is the appraisal
// store's: an event is written only at the position after the last one its writer replayed (a conditional put
// of a deterministic key), so of two writers racing for a position exactly one wins; the other re-reads.
import type { VerificationEvent } from '../domain/verification/events.ts';

export interface VerificationStore {
  /** One study's log, in seq order (strongly consistent). */
  listEvents(reviewId: string, studyId: string): Promise<VerificationEvent[]>;
  /** Every study's log in the review. */
  listReviewEvents(reviewId: string): Promise<VerificationEvent[]>;
  /** Writes `event` at event.seq; false, writing nothing, when that position is taken. */
  appendEvent(reviewId: string, event: VerificationEvent): Promise<boolean>;
}
