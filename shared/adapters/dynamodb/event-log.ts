// Per-study append-only event logs over the single table (appraisal, extraction verification): one item per
// event at `REVIEW#<reviewId>` / `<PREFIX><studyId>#<seq, 6 digits>`, holding the event as a map.
//
// The append is a conditional PutItem at the event's position (putIfAbsent): of two writers racing for one
// position one wins, the other re-reads and tries the next one (the use cases do). Logs are read strongly
// consistent, so a writer always judges an event against the latest log. Nothing is ever updated or deleted:
// the log is the audit.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { parseItem, TableAccess } from './table-access.ts';
import { type ItemKey, reviewPk, seq6 } from './table-design.ts';

export interface StudyEvent {
  studyId: string;
  seq: number;
}

export class DynamoStudyEventLog<E extends StudyEvent> {
  private readonly itemSchema: z.ZodType<{ event: E }>;
  private readonly table: TableAccess;

  constructor(
    options: { client: DynamoDBDocumentClient; tableName: string },
    private readonly log: {
      /** The sort-key prefix, e.g. "APPRAISAL#". */
      prefix: string;
      /** The item's type attribute, e.g. "appraisal-event". */
      itemType: string;
      /** What the log is called in errors, e.g. "appraisal". */
      name: string;
      eventSchema: z.ZodType<E>;
    },
  ) {
    this.itemSchema = z.object({ type: z.literal(log.itemType), event: log.eventSchema }) as z.ZodType<{
      event: E;
    }>;
    this.table = new TableAccess(options.client, options.tableName);
  }

  private key(reviewId: string, studyId: string, seq: number): ItemKey {
    return { pk: reviewPk(reviewId), sk: `${this.log.prefix}${studyId}#${seq6(seq)}` };
  }

  listEvents(reviewId: string, studyId: string): Promise<E[]> {
    return this.query(reviewId, `${this.log.prefix}${studyId}#`, `the ${this.log.name} log of ${studyId}`);
  }

  listReviewEvents(reviewId: string): Promise<E[]> {
    return this.query(reviewId, this.log.prefix, `the ${this.log.name} logs of review "${reviewId}"`);
  }

  appendEvent(reviewId: string, event: E): Promise<boolean> {
    const key = this.key(reviewId, event.studyId, event.seq);
    const what = this.table.describe(reviewId, key);
    return this.table.putIfAbsent({ ...key, type: this.log.itemType, reviewId, event }, what);
  }

  private async query(reviewId: string, prefix: string, what: string): Promise<E[]> {
    const items = await this.table.queryPrefix({ reviewId, prefix }, what);
    return items.map((item) => parseItem(this.itemSchema, item, `an item of ${what}`).event);
  }
}
