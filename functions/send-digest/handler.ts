// Lambda: the weekly digest of one review. An EventBridge Scheduler schedule per review invokes it with
//   { "reviewId": "iesm", "scheduledTime": "<aws.scheduler.scheduled-time>" }
// (an operator may add "sendWhenEmpty": true). It calls sendDigest once: the digest of everything since the last
// one is composed (text + HTML + the candidates as RIS) and sent through SES v2 as a raw message; nothing is sent
// when nothing is new (unless the protocol says sendWhenEmpty). A retried invocation never sends a period twice
// (a one-time claim per period in the table; see shared/app/send-digest.ts). A failure throws: Lambda retries the
// async invocation and then hands it to the schedule's dead-letter queue.
//
// Environment (sendDigestEnvSchema, checked at cold start): LIVING_REVIEW_TABLE, LIVING_REVIEW_PROTOCOLS,
// DIGEST_FROM (the SES verified sender), DIGEST_RECIPIENTS (optional, comma-separated: replaces every protocol's
// digest.recipients), SCREENING_BASE_URL (optional: the screening page the digest links to), and
// SES_CONFIGURATION_SET (optional). IAM: ses:SendRawEmail/SendEmail on the sender identity; DynamoDB read and
// write on the table.
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { SesMailer } from '../../shared/adapters/mail/ses-mailer.ts';
import { functionLogger } from '../../shared/adapters/observability.ts';
import { type SendDigestDeps, type SendDigestOutcome, sendDigest } from '../../shared/app/send-digest.ts';
import { parseLambdaEnv } from '../../shared/config/lambda-env.ts';
import { loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';
import { InputError } from '../../shared/errors.ts';
import { citationStoreOf, protocolsById, reviewEventSchema, tableClient } from '../publish-report/wiring.ts';

const logger = functionLogger('send-digest');

export const SEND_DIGEST_ENV = {
  table: 'LIVING_REVIEW_TABLE',
  protocols: 'LIVING_REVIEW_PROTOCOLS',
  from: 'DIGEST_FROM',
  recipients: 'DIGEST_RECIPIENTS',
  screeningBaseUrl: 'SCREENING_BASE_URL',
  configurationSet: 'SES_CONFIGURATION_SET',
} as const;

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    schema.optional(),
  );

/** Comma-separated addresses (blank: none). */
export const recipientsSchema = optional(
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.email())),
);

export const sendDigestEnvSchema = z.object({
  LIVING_REVIEW_TABLE: z.string().min(1),
  LIVING_REVIEW_PROTOCOLS: z.string().min(1),
  DIGEST_FROM: z.string().min(3),
  DIGEST_RECIPIENTS: recipientsSchema,
  SCREENING_BASE_URL: optional(z.url({ protocol: /^https?$/ })),
  SES_CONFIGURATION_SET: optional(z.string().min(1)),
});

/** The invocation payload (the schedule's input, or an operator's). */
export const sendDigestEventSchema = reviewEventSchema.extend({ sendWhenEmpty: z.boolean().optional() });
export type SendDigestEvent = z.infer<typeof sendDigestEventSchema>;

export function createSendDigestHandler(
  deps: Omit<SendDigestDeps, 'clock'> & { protocols: readonly Protocol[]; clock?: () => Date },
) {
  const byId = protocolsById(deps.protocols);
  const clock = deps.clock ?? (() => new Date());
  return async (input: unknown, _context?: Context): Promise<SendDigestOutcome & { reviewId: string }> => {
    const parsed = sendDigestEventSchema.safeParse(input);
    if (!parsed.success) {
      throw new InputError(`invalid digest event: ${formatIssues(parsed.error, '(event)')}`);
    }
    const protocol = byId(parsed.data.reviewId);
    const outcome = await sendDigest(
      { protocol, ...(parsed.data.sendWhenEmpty ? { sendWhenEmpty: true } : {}) },
      { ...deps, clock },
    );
    logger.info('digest', { reviewId: protocol.id, ...outcome });
    return { reviewId: protocol.id, ...outcome };
  };
}

let cold: ReturnType<typeof createSendDigestHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createSendDigestHandler> {
  const env = parseLambdaEnv(sendDigestEnvSchema, process.env);
  const table = tableClient(env.LIVING_REVIEW_TABLE);
  // One store serves what the citation watch found and the ongoing studies.
  const watch = new DynamoWatchStore(table);
  return createSendDigestHandler({
    protocols: loadProtocolDirectory(env.LIVING_REVIEW_PROTOCOLS),
    citations: citationStoreOf(table),
    screening: new DynamoScreeningStore(table),
    evidence: new DynamoEvidenceStore(table),
    digests: new DynamoDigestStore(table),
    watch,
    ongoing: watch,
    mailer: new SesMailer(
      env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {},
    ),
    from: env.DIGEST_FROM,
    ...(env.DIGEST_RECIPIENTS?.length ? { recipients: env.DIGEST_RECIPIENTS } : {}),
    screeningBaseUrl: env.SCREENING_BASE_URL ?? null,
  });
}

/** The Lambda entry point (adapters built once per container). */
export async function handler(event: unknown, context?: Context) {
  cold ??= fromEnvironment();
  return cold(event, context);
}
