// Port: tells subscribers that a review's living report changed. In AWS an EventBridge event
// (shared/adapters/events/eventbridge-publisher.ts), locally a line appended to <dataDir>/events.jsonl
// (local-event-publisher.ts). The detail's schema is exported for subscribers and the CDK rule.
import { z } from 'zod';

export const LIVING_REVIEW_EVENT_SOURCE = 'living-review';
export const LIVING_REVIEW_UPDATED = 'LivingReviewUpdated';

export const livingReviewUpdatedDetailSchema = z.object({
  reviewId: z.string().min(1),
  /** The statistics snapshot version the report shows. */
  version: z.number().int().min(1),
  /** The report's content hash (a new report for the same version, e.g. a new search run, has a new one). */
  revision: z.string().min(1),
  /** Where the report's index.html is: the S3 key or the local path. */
  key: z.string().min(1),
  url: z.string().nullable(),
  publishedAt: z.string(),
  changes: z.object({
    /** What changed since the previous statistics version, one line each ("patients added (5): ..."). */
    summary: z.array(z.string()),
    fromVersion: z.number().int().nullable(),
    patientsAdded: z.number().int().min(0),
    patientsRemoved: z.number().int().min(0),
    studiesAdded: z.number().int().min(0),
    studiesRemoved: z.number().int().min(0),
    /** Studies retracted (named) so far. */
    retractedStudies: z.array(
      z.object({ citationId: z.string(), title: z.string(), pmid: z.string().nullable() }),
    ),
  }),
});

export type LivingReviewUpdatedDetail = z.infer<typeof livingReviewUpdatedDetailSchema>;

export interface EventPublisher {
  livingReviewUpdated(detail: LivingReviewUpdatedDetail): Promise<void>;
}
