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
import type { AppraisalStore } from '../../ports/appraisal-store.ts';
import { parseItem, TableAccess } from './table-access.ts';
import { type ItemKey, reviewPk } from './table-design.ts';

export const APPRAISAL_PREFIX = 'APPRAISAL#';

export function appraisalEventKey(reviewId: string, studyId: string, seq: number): ItemKey {
  return { pk: reviewPk(reviewId), sk: `${APPRAISAL_PREFIX}${studyId}#${String(seq).padStart(6, '0')}` };
}

const eventItemSchema = z.object({ type: z.literal('appraisal-event'), event: appraisalEventSchema });

export class DynamoAppraisalStore implements AppraisalStore {
  private readonly table: TableAccess;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.table = new TableAccess(options.client, options.tableName);
  }

  listEvents(reviewId: string, studyId: string): Promise<AppraisalEvent[]> {
    return this.query(reviewId, `${APPRAISAL_PREFIX}${studyId}#`, `the appraisal log of ${studyId}`);
  }

  listReviewEvents(reviewId: string): Promise<AppraisalEvent[]> {
    return this.query(reviewId, APPRAISAL_PREFIX, `the appraisal logs of review "${reviewId}"`);
  }

  appendEvent(reviewId: string, event: AppraisalEvent): Promise<boolean> {
    const key = appraisalEventKey(reviewId, event.studyId, event.seq);
    const what = this.table.describe(reviewId, key);
    return this.table.putIfAbsent({ ...key, type: 'appraisal-event', reviewId, event }, what);
  }

  private async query(reviewId: string, prefix: string, what: string): Promise<AppraisalEvent[]> {
    const items = await this.table.queryPrefix({ reviewId, prefix }, what);
    return items.map((item) => parseItem(eventItemSchema, item, `an item of ${what}`).event);
  }
}
