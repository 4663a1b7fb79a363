// Lambda: regenerate and publish a review's living report, evaluate its update triggers, and emit
// LivingReviewUpdated. Chosen triggers (one function, two event shapes, both handled by updateLivingReview, which
// is idempotent: a report whose content did not change is not published again):
//
// 1. The table's DynamoDB stream, filtered by `reportStreamFilterPatterns` to the items that change the report:
//    the SNAPSHOT_LATEST pointer (recompute-stats stored a new statistics version: after every inclusion, patient
//    import or retraction with exclude-patients) and NOTICE# inserts (the retraction watch found a notice; with
//    onRetraction flag-only no new snapshot follows). One update per review per batch; partial batch responses
//    (Powertools BatchProcessor, records one at a time) report the failed records by sequence number.
//    Suggested source settings: batch size 10, bisectBatchOnError, retryAttempts 3, an on-failure SQS destination.
// 2. A schedule (or an operator) with { "reviewId": "iesm" }: after each weekly search, so the search log and the
//    PRISMA counts of the report follow the runs. A failure throws (async retries, then the DLQ).
//
// Environment (publishReportEnvSchema): LIVING_REVIEW_TABLE, LIVING_REVIEW_PROTOCOLS, REPORT_BUCKET,
// REPORT_PREFIX (optional key prefix, e.g. "reports/"), REPORT_PUBLIC_BASE_URL (optional, the URL the bucket's
// keys are served under), EVENT_BUS_NAME (optional, default bus), DIGEST_FROM and DIGEST_RECIPIENTS (trigger
// notifications by SES), SES_CONFIGURATION_SET (optional). IAM: s3:PutObject on the bucket prefix,
// events:PutEvents on the bus, ses:SendRawEmail, DynamoDB read/write on the table and its stream.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { DynamoDigestStore, NOTICE_PREFIX } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore, SNAPSHOT_LATEST_SK } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { EventBridgePublisher } from '../../shared/adapters/events/eventbridge-publisher.ts';
import { SesMailer } from '../../shared/adapters/mail/ses-mailer.ts';
import { functionLogger, type Log, logThrough } from '../../shared/adapters/observability.ts';
import { S3ReportPublisher } from '../../shared/adapters/report/s3-publisher.ts';
import {
  type PublishReportDeps,
  type UpdateLivingReviewOutcome,
  updateLivingReview,
} from '../../shared/app/publish-report.ts';
import { publishReviewStatus } from '../../shared/app/review-status.ts';
import { parseLambdaEnv } from '../../shared/config/lambda-env.ts';
import { loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import type { CitationStore } from '../../shared/ports/citation-store.ts';
import type { Mailer } from '../../shared/ports/mailer.ts';
import { recipientsSchema } from '../send-digest/handler.ts';
import { citationStoreOf, protocolsById, reviewEventSchema, tableClient } from './wiring.ts';

const logger = functionLogger('publish-report');

export const PUBLISH_REPORT_ENV = {
  table: 'LIVING_REVIEW_TABLE',
  protocols: 'LIVING_REVIEW_PROTOCOLS',
  bucket: 'REPORT_BUCKET',
  prefix: 'REPORT_PREFIX',
  publicBaseUrl: 'REPORT_PUBLIC_BASE_URL',
  eventBus: 'EVENT_BUS_NAME',
  from: 'DIGEST_FROM',
  recipients: 'DIGEST_RECIPIENTS',
  configurationSet: 'SES_CONFIGURATION_SET',
} as const;

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const publishReportEnvSchema = z.object({
  LIVING_REVIEW_TABLE: z.string().min(1),
  LIVING_REVIEW_PROTOCOLS: z.string().min(1),
  REPORT_BUCKET: z.string().min(3),
  REPORT_PREFIX: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[^/].*\/$/, 'expected a prefix ending in "/"')
      .optional(),
  ),
  REPORT_PUBLIC_BASE_URL: z.preprocess(blank, z.url({ protocol: /^https?$/ }).optional()),
  EVENT_BUS_NAME: z.preprocess(blank, z.string().min(1).optional()),
  DIGEST_FROM: z.string().min(3),
  DIGEST_RECIPIENTS: recipientsSchema,
  SES_CONFIGURATION_SET: z.preprocess(blank, z.string().min(1).optional()),
});

const streamKeysSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    Keys: z.object({
      pk: z.object({ S: z.string().regex(/^REVIEW#.+/) }),
      sk: z.object({ S: z.string().min(1) }),
    }),
    SequenceNumber: z.string().min(1),
  }),
});

/** The review a stream record is about, or null for an item the filter should have kept out. */
export function reviewOfStreamRecord(record: unknown): string | null {
  const parsed = streamKeysSchema.safeParse(record);
  if (!parsed.success) {
    throw new InputError(`unreadable stream record: ${formatIssues(parsed.error, '')}`);
  }
  const sk = parsed.data.dynamodb.Keys.sk.S;
  if (sk !== SNAPSHOT_LATEST_SK && !sk.startsWith(NOTICE_PREFIX)) return null;
  return parsed.data.dynamodb.Keys.pk.S.slice('REVIEW#'.length);
}

export type PublishReportHandlerDeps = PublishReportDeps & {
  /** The run logs and the queue, for the review's status.json (shared/app/review-status.ts). */
  citations: Pick<CitationStore, 'listRunLogs' | 'listQueue'>;
  protocols: readonly Protocol[];
  mailer: Mailer;
  from: string;
  recipients?: readonly string[];
  /** Where readers find a review's report (for the trigger notification), when it is public. */
  reportUrlOf?: (reviewId: string) => string | null;
  log?: Log;
};

type ScheduledResult = UpdateLivingReviewOutcome['report'] & {
  triggers: UpdateLivingReviewOutcome['triggers']['notification'];
};

function isStreamEvent(event: unknown): event is DynamoDBStreamEvent {
  return (
    typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records)
  );
}

export function createPublishReportHandler(deps: PublishReportHandlerDeps) {
  const byId = protocolsById(deps.protocols);
  const log = deps.log ?? logThrough(logger);
  const update = async (reviewId: string) => {
    const outcome = await updateLivingReview(
      { protocol: byId(reviewId), reportUrl: deps.reportUrlOf?.(reviewId) ?? null },
      deps,
    );
    const { report, triggers } = outcome;
    // The status beside the report (last search, next due, records waiting): after every update, since the
    // weekly scheduled one follows the search even when the report itself is unchanged.
    await publishReviewStatus(byId(reviewId), deps);
    log({
      level: 'INFO',
      message: 'living report',
      reviewId,
      status: report.status,
      ...('version' in report ? { version: report.version, revision: report.revision } : {}),
      triggersCrossed: triggers.crossings.length,
      notification: triggers.notification,
    });
    return outcome;
  };
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  return async (event: unknown, context?: Context): Promise<DynamoDBBatchResponse | ScheduledResult> => {
    if (isStreamEvent(event)) {
      const runs = new Map<string, Promise<unknown>>();
      const recordHandler = async (record: DynamoDBRecord) => {
        let reviewId: string | null;
        try {
          reviewId = reviewOfStreamRecord(record);
        } catch (error) {
          log({
            level: 'ERROR',
            message: 'unreadable stream record',
            eventID: record.eventID,
            error: errorMessage(error),
          });
          throw error;
        }
        if (reviewId === null) return;
        let run = runs.get(reviewId);
        if (!run) {
          run = update(reviewId);
          runs.set(reviewId, run);
        }
        try {
          await run;
        } catch (error) {
          log({
            level: 'ERROR',
            message: 'report update failed',
            reviewId,
            eventID: record.eventID,
            error: errorMessage(error),
          });
          throw error;
        }
      };
      return processPartialResponse(event, recordHandler, processor, {
        ...(context ? { context } : {}),
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    }
    const parsed = reviewEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InputError(`invalid publish-report event: ${formatIssues(parsed.error, '(event)')}`);
    }
    const outcome = await update(parsed.data.reviewId);
    return { ...outcome.report, triggers: outcome.triggers.notification };
  };
}

let cold: ReturnType<typeof createPublishReportHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createPublishReportHandler> {
  const env = parseLambdaEnv(publishReportEnvSchema, process.env);
  const table = tableClient(env.LIVING_REVIEW_TABLE);
  return createPublishReportHandler({
    protocols: loadProtocolDirectory(env.LIVING_REVIEW_PROTOCOLS),
    evidence: new DynamoEvidenceStore(table),
    citations: citationStoreOf(table),
    screening: new DynamoScreeningStore(table),
    appraisals: new DynamoAppraisalStore(table),
    digests: new DynamoDigestStore(table),
    ongoing: new DynamoWatchStore(table),
    publisher: new S3ReportPublisher({
      bucket: env.REPORT_BUCKET,
      ...(env.REPORT_PREFIX ? { prefix: env.REPORT_PREFIX } : {}),
      publicBaseUrl: env.REPORT_PUBLIC_BASE_URL,
    }),
    events: new EventBridgePublisher(env.EVENT_BUS_NAME ? { eventBusName: env.EVENT_BUS_NAME } : {}),
    mailer: new SesMailer(
      env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {},
    ),
    from: env.DIGEST_FROM,
    ...(env.DIGEST_RECIPIENTS?.length ? { recipients: env.DIGEST_RECIPIENTS } : {}),
    reportUrlOf: (reviewId) =>
      env.REPORT_PUBLIC_BASE_URL
        ? `${env.REPORT_PUBLIC_BASE_URL.replace(/\/?$/, '/')}${env.REPORT_PREFIX ?? ''}${reviewId}/index.html`
        : null,
    clock: () => new Date(),
  });
}

/** The Lambda entry point (adapters built once per container). */
export async function handler(event: unknown, context?: Context) {
  cold ??= fromEnvironment();
  return cold(event, context);
}
