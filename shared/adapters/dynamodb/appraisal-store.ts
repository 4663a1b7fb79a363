// AppraisalStore over the single table.
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | appraisal event | `REVIEW#<reviewId>` | `APPRAISAL#<studyId>#<seq, 6 digits>` | type "appraisal-event", event (map) |
//
// The append is a conditional PutItem at the event's position (putIfAbsent): of two writers racing for one
// position one wins, the other re-reads (shared/app/appraisal.ts). Logs are read strongly consistent, so a
// writer always judges an answer against the latest log. Nothing is ever updated or deleted: the log is the audit.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type AppraisalEvent, appraisalEventSchema } from '../../domain/appraisal/events.ts';
import { StoreError } from '../../errors.ts';
import type { AppraisalStore } from '../../ports/appraisal-store.ts';
import { putIfAbsent, queryReviewPrefix } from './query-pages.ts';
import { type ItemKey, reviewPk } from './table-design.ts';

export const APPRAISAL_PREFIX = 'APPRAISAL#';

export function appraisalEventKey(reviewId: string, studyId: string, seq: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${APPRAISAL_PREFIX}${studyId}#${String(seq).padStart(6, '0')}` };
}

const eventItemSchema = z.object({ type: z.literal('appraisal-event'), event: appraisalEventSchema });

export class DynamoAppraisalStore implements AppraisalStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  listEvents(reviewId: string, studyId: string): Promise<AppraisalEvent[]> {
    return this.query(reviewId, `${APPRAISAL_PREFIX}${studyId}#`, `the appraisal log of ${studyId}`);
  }

  listReviewEvents(reviewId: string): Promise<AppraisalEvent[]> {
    return this.query(reviewId, APPRAISAL_PREFIX, `the appraisal logs of review "${reviewId}"`);
  }

  appendEvent(reviewId: string, event: AppraisalEvent): Promise<boolean> {
    const key = appraisalEventKey(reviewId, event.studyId, event.seq);
    const what = `review "${reviewId}", item ${key.sk} in table "${this.options.tableName}"`;
    return putIfAbsent(
      this.options.client,
      this.options.tableName,
      { ...key, type: 'appraisal-event', reviewId, event },
      what,
    );
  }

  private async query(reviewId: string, prefix: string, what: string): Promise<AppraisalEvent[]> {
    const items = await queryReviewPrefix(
      this.options.client,
      this.options.tableName,
      { reviewId, prefix },
      what,
    );
    return items.map((item) => {
      const parsed = eventItemSchema.safeParse(item);
      if (!parsed.success) {
        const issues = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`)
          .join('; ');
        throw new StoreError(`${what} holds an item of an unexpected shape: ${issues}`);
      }
      return parsed.data.event;
    });
  }
}
