// Port: the publication notices (retractions, errata, ...) found on a review's included studies.
// Implemented over the single DynamoDB table by shared/adapters/dynamodb/digest-store.ts (one class serves
// every port the digest, report, triggers and retraction watch keep between runs), so the embedded store serves it too.
import type { PublicationNotice, StudyNotice } from '../domain/retraction/notices.ts';

/** A study's notice as the store keeps it (keyed by the notice's `key` within the study). */
export interface StoredNotice extends StudyNotice, PublicationNotice {
  reviewId: string;
}

export interface NoticeLog {
  /** Records a notice on an included study unless that study's notice (same key) is known: true when new. */
  recordNotice(notice: StoredNotice): Promise<boolean>;
  /** Every notice of the review, oldest first. */
  listNotices(reviewId: string): Promise<StoredNotice[]>;
}
