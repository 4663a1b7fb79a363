// VerificationStore over the single table: one append-only log per included study (./event-log.ts).
//
// | item | pk | sk | other attributes |
// |---|---|---|---|
// | verification event | `REVIEW#<reviewId>` | `VERIFY#<studyId>#<seq, 6 digits>` | type "verification-event", event (map) |
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type VerificationEvent, verificationEventSchema } from '../../domain/verification/events.ts';
import type { VerificationStore } from '../../ports/verification-store.ts';
import { DynamoStudyEventLog } from './event-log.ts';

export const VERIFICATION_PREFIX = 'VERIFY#';

export class DynamoVerificationStore
  extends DynamoStudyEventLog<VerificationEvent>
  implements VerificationStore
{
  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    super(options, {
      prefix: VERIFICATION_PREFIX,
      itemType: 'verification-event',
      name: 'verification',
      eventSchema: verificationEventSchema,
    });
  }
}
