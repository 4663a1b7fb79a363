// One DynamoDB stream record (NEW_AND_OLD_IMAGES) of the table, parsed with zod: which review's evidence it
// touches, or that it touches none (a record the CDK filter should have kept out), or why it is unreadable.
//
// Keys and images are unmarshalled with @aws-sdk/util-dynamodb and checked against the shapes the evidence
// adapter writes (shared/adapters/dynamodb/evidence-store.ts): an INSERT or MODIFY must carry a NewImage whose
// keys match the record's and whose item is an included study or a valid patient row; a REMOVE must carry the
// keys (its OldImage, when present, must be such an item too). Anything else is a poison record.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import {
  PATIENT_PREFIX,
  STUDY_PREFIX,
  storedPatientRowSchema,
} from '../../shared/adapters/dynamodb/evidence-store.ts';
import { VERIFICATION_PREFIX } from '../../shared/adapters/dynamodb/verification-store.ts';
import { type RowSchema, storedRowProblems } from '../../shared/domain/extraction/patient-row.ts';
import { verificationEventSchema } from '../../shared/domain/verification/events.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';

/** A verification event (its rows' verification moves what the statistics pool). */
const verificationImageSchema = z.looseObject({
  reviewId: z.string().min(1),
  type: z.literal('verification-event'),
  event: verificationEventSchema,
});

const attributeMap = z.record(z.string(), z.looseObject({}));

export const streamRecordSchema = z.object({
  eventID: z.string().min(1),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventSourceARN: z.string().optional(),
  dynamodb: z.object({
    Keys: attributeMap,
    NewImage: attributeMap.optional(),
    OldImage: attributeMap.optional(),
    SequenceNumber: z.string().min(1),
    StreamViewType: z.string().optional(),
  }),
});

const keysSchema = z.object({ pk: z.string().regex(/^REVIEW#.+/), sk: z.string().min(1) });

const studyImageSchema = z.object({
  type: z.literal('included-study'),
  reviewId: z.string().min(1),
  citationId: z.string().min(1),
  retracted: z.boolean(),
  // A withdrawn inclusion (a MODIFY setting it triggers the recompute that leaves the study out); absent on
  // items written before withdrawals existed.
  withdrawn: z.object({ at: z.string().min(1), by: z.string().min(1), reason: z.string().min(1) }).nullish(),
});

const patientImageSchema = z.object({
  type: z.literal('patient-row'),
  reviewId: z.string().min(1),
  studyId: z.string().min(1),
  patientId: z.string().min(1),
  row: storedPatientRowSchema,
});

export type ParsedStreamRecord =
  /** A change to a review's included studies or patient rows (with the row written, for a new patient row). */
  | { kind: 'evidence'; reviewId: string; sk: string; row?: Record<string, unknown> }
  /** Not an evidence item (the filter lets none through; a missing filter would): nothing to do. */
  | { kind: 'ignored'; sk: string };

/** Thrown for a record that cannot be read; the message never quotes patient data. */
export class PoisonRecordError extends Error {
  override name = 'PoisonRecordError';
}

function unmarshallOrThrow(image: Record<string, unknown>, what: string): Record<string, unknown> {
  try {
    return unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    throw new PoisonRecordError(`${what} is not a DynamoDB image: ${(error as Error).message}`);
  }
}

function checkImage(
  image: Record<string, unknown>,
  keys: { pk: string; sk: string },
  what: string,
): Record<string, unknown> | undefined {
  const item = unmarshallOrThrow(image, what);
  if (item.pk !== keys.pk || item.sk !== keys.sk)
    throw new PoisonRecordError(`${what}: its keys differ from the record's`);
  const schema = keys.sk.startsWith(STUDY_PREFIX)
    ? studyImageSchema
    : keys.sk.startsWith(VERIFICATION_PREFIX)
      ? verificationImageSchema
      : patientImageSchema;
  const parsed = schema.safeParse(item);
  if (!parsed.success)
    throw new PoisonRecordError(`${what}: ${formatIssues(parsed.error, '(record)', { limit: 5 })}`);
  if (`REVIEW#${parsed.data.reviewId}` !== keys.pk) {
    throw new PoisonRecordError(`${what}: reviewId does not match its partition`);
  }
  return 'row' in parsed.data ? (parsed.data.row as Record<string, unknown>) : undefined;
}

/** The review a stream record touches; throws PoisonRecordError for a record that cannot be read. */
export function parseStreamRecord(record: unknown): ParsedStreamRecord {
  const envelope = streamRecordSchema.safeParse(record);
  if (!envelope.success)
    throw new PoisonRecordError(
      `not a DynamoDB stream record: ${formatIssues(envelope.error, '(record)', { limit: 5 })}`,
    );
  const { eventName, dynamodb } = envelope.data;
  const keysParsed = keysSchema.safeParse(unmarshallOrThrow(dynamodb.Keys, 'Keys'));
  if (!keysParsed.success)
    throw new PoisonRecordError(`Keys: ${formatIssues(keysParsed.error, '(record)', { limit: 5 })}`);
  const keys = keysParsed.data;
  if (![STUDY_PREFIX, PATIENT_PREFIX, VERIFICATION_PREFIX].some((prefix) => keys.sk.startsWith(prefix))) {
    return { kind: 'ignored', sk: keys.sk };
  }
  const reviewId = keys.pk.slice('REVIEW#'.length);
  if (eventName === 'REMOVE') {
    if (dynamodb.OldImage) checkImage(dynamodb.OldImage, keys, 'OldImage');
    return { kind: 'evidence', reviewId, sk: keys.sk };
  }
  if (!dynamodb.NewImage) throw new PoisonRecordError(`${eventName} without a NewImage`);
  const row = checkImage(dynamodb.NewImage, keys, 'NewImage');
  return { kind: 'evidence', reviewId, sk: keys.sk, ...(row ? { row } : {}) };
}

/**
 * A patient row written to the table checked against its review's declared variables: a row no import would
 * have written (a value its variable cannot hold, an unknown or missing variable) is a poison record, named by
 * variable (never by value).
 */
export function checkStreamRow(row: Record<string, unknown>, schema: RowSchema): void {
  const problems = storedRowProblems(schema, row);
  if (problems.length > 0) {
    throw new PoisonRecordError(`NewImage: row: ${problems.slice(0, 5).join('; ')}`);
  }
}
