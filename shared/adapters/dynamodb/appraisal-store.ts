// AppraisalStore over the single table: one append-only log per included study (./event-log.ts).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | appraisal event | `REVIEW#<reviewId>` | `APPRAISAL#<studyId>#<seq, 6 digits>` | type "appraisal-event", event (map) |
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AppraisalEvent, appraisalEventSchema } from '../../domain/appraisal/events.ts';
import type { AppraisalStore } from '../../ports/appraisal-store.ts';
import { DynamoStudyEventLog } from './event-log.ts';

export const APPRAISAL_PREFIX = 'APPRAISAL#';

const APPRAISAL_LOG = {
  prefix: APPRAISAL_PREFIX,
  itemType: 'appraisal-event',
  name: 'appraisal',
  eventSchema: appraisalEventSchema,
};

export class DynamoAppraisalStore extends DynamoStudyEventLog<AppraisalEvent> implements AppraisalStore {
  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    super(options, APPRAISAL_LOG);
  }
}
