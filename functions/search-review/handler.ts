// Lambda: one monitor cycle of one review per request. Requests arrive two ways:
//
// 1. From the search-request queue (SQS FIFO, the normal path): the review's EventBridge schedule (one per
//    protocol file, made by the CDK app at synth time) sends
//      { "reviewId": "iesm", "scheduledTime": "<aws.scheduler.scheduled-time>", "executionId": "..." }
//    with the review's id as message group. The queue is what keeps NCBI's rate limit across reviews: at most
//    SEARCH_CONCURRENCY searches run at once (the event source's maximum concurrency), each with that share of
//    the rate; one review's searches never overlap (FIFO per group). A batch is answered with a partial batch
//    response (Powertools SqsFifoPartialProcessorAsync, skipGroupOnError): a message that fails, and any later
//    message of its review in the batch, go back to the queue and are retried after the visibility timeout,
//    then dead-lettered; the other reviews' messages are deleted. A message is not started when less than
//    SEARCH_MIN_REMAINING_SECONDS of the invocation are left (reported as failed, retried later), so a batch
//    of long backfills never ends in a timeout half-way through a search.
// 2. Directly (an operator's `aws lambda invoke`): { "reviewId": "iesm", "force": true } runs even when the
//    review is not due; { "reviewId": "iesm", "window": { "from": "2024-01-01", "to": "2024-01-31" } }
//    re-searches a window (the CLI's `search --from --to`). A failed run throws. Both shapes are accepted as
//    queue messages too.
//
// Records are deduplicated by exact keys and fuzzily (blocking index and possible-duplicate queue on the same
// table, shared/app/fuzzy-dedup.ts), as runSearch does with dedup ports.
//
// Every source the protocol lists is searched through searchReview (shared/app/search-review.ts), the use case
// the CLI's `search` and `run` call too: a source is due when no successful run of it started since the
// review's latest scheduled time, so a duplicate delivery of the same schedule (Scheduler and SQS are
// at-least-once) searches nothing twice. The watermark only moves after a complete window, so the next run
// covers what a failed one missed.
//
// Environment (validated at cold start): LIVING_REVIEW_TABLE, LIVING_REVIEW_PROTOCOLS (the protocols folder
// bundled into the function: /var/task/protocols), NCBI_API_KEY_SECRET_ARN (optional: the secret holding the
// NCBI api_key, read through Powertools Parameters and cached; absent means no key, 3 requests/s),
// SEARCH_CONCURRENCY and SEARCH_MIN_REMAINING_SECONDS (above), NCBI_TOOL / NCBI_EMAIL / NCBI_EUTILS_BASE_URL
// and the client's other NCBI_* settings (eutils-client.ts), EUROPEPMC_EMAIL / EUROPEPMC_BASE_URL and the
// other EUROPEPMC_* settings (europepmc-client.ts), OPENALEX_API_KEY_SECRET_ARN (optional: the secret holding
// the OpenAlex api key; without it the citation watch runs on Europe PMC alone) with OPENALEX_EMAIL and the
// other OPENALEX_* settings (openalex-client.ts), and the CLINICALTRIALS_* settings (clinicaltrials-client.ts).
// AWS_ENDPOINT_URL_DYNAMODB points the SDK at another DynamoDB endpoint (the tests' embedded store).

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { dynamoFuzzyDedupPorts } from '../../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoCitationStore } from '../../shared/adapters/dynamodb/citation-store.ts';
import { createDynamoClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import {
  functionLogger,
  functionMetrics,
  type Logger,
  type Metrics,
  MetricUnit,
} from '../../shared/adapters/observability.ts';
import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { newRunId } from '../../shared/adapters/process/run-id.ts';
import { type BuiltReviewSources, reviewSourcesFromEnv } from '../../shared/adapters/review-sources.ts';
import { type ReviewSource, type SourceRunResult, searchReview } from '../../shared/app/search-review.ts';
import { parseLambdaEnv, secretReader } from '../../shared/config/lambda-env.ts';
import { loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';
import { errorMessage, InputError, LivingReviewError, ProtocolError } from '../../shared/errors.ts';
import type { FuzzyDedupPorts } from '../../shared/ports/blocking-index.ts';
import type { CitationStore, RunCounts } from '../../shared/ports/citation-store.ts';
import type { EvidenceStore } from '../../shared/ports/evidence-store.ts';
import type { CitationWatchStore, OngoingStudyStore } from '../../shared/ports/watch-store.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** The invocation payload: the schedule's input, or an operator's. */
export const searchEventSchema = z.object({
  reviewId: z.string().min(1),
  scheduledTime: z.string().optional(),
  executionId: z.string().optional(),
  force: z.boolean().optional(),
  window: z
    .object({ from: day, to: day })
    .refine((w) => w.from <= w.to, 'window.from must not be after window.to')
    .optional(),
});
export type SearchEvent = z.infer<typeof searchEventSchema>;

export const searchEnvSchema = z.object({
  LIVING_REVIEW_TABLE: z.string().min(1),
  LIVING_REVIEW_PROTOCOLS: z.string().min(1),
  NCBI_API_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** How long a read api key is reused before Secrets Manager is asked again. */
  NCBI_API_KEY_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(900),
  /** How many searches may run at once (the queue's maximum concurrency): each gets this share of the rates. */
  SEARCH_CONCURRENCY: z.coerce.number().int().min(1).default(1),
  /** A queued search is not started with less of the invocation left than this (it is retried later). */
  SEARCH_MIN_REMAINING_SECONDS: z.coerce.number().int().min(0).default(300),
  NCBI_API_KEY: z
    .undefined({
      error:
        'the NCBI api_key must not be in the environment: store it in Secrets Manager (NCBI_API_KEY_SECRET_ARN)',
    })
    .optional(),
  /** The secret holding the OpenAlex api key; absent: the citation watch runs on Europe PMC alone. */
  OPENALEX_API_KEY_SECRET_ARN: z.string().min(1).optional(),
  OPENALEX_API_KEY: z
    .undefined({
      error:
        'the OpenAlex api key must not be in the environment: store it in Secrets Manager (OPENALEX_API_KEY_SECRET_ARN)',
    })
    .optional(),
});

export interface SourceRunSummary {
  source: string;
  status: SourceRunResult['status'];
  runId?: string;
  window?: { from: string; to: string };
  counts?: RunCounts;
  warnings?: string[];
  requests?: Record<string, number>;
  error?: string;
  reason?: string;
  nextDueAt?: string | null;
}

export interface SearchResult {
  reviewId: string;
  results: SourceRunSummary[];
}

/** At least one source's run failed; the message names each. Retryable: the next attempt re-reads the window. */
export class SearchFailedError extends LivingReviewError {
  constructor(
    readonly result: SearchResult,
    message: string,
  ) {
    super(message, { retryable: true });
  }
}

export interface SearchHandlerDeps {
  store: CitationStore;
  /** The included studies the citation watch follows; its relations and seeds; the ongoing studies. */
  evidence?: Pick<EvidenceStore, 'listIncludedStudies'>;
  watch?: CitationWatchStore;
  ongoing?: OngoingStudyStore;
  /** Fuzzy deduplication over the same table (blocking index, possible-duplicate queue); exact keys only without. */
  dedup?: FuzzyDedupPorts;
  protocols: readonly Protocol[];
  /** The review sources by run name, as configured now (the PubMed client follows the current api key). */
  sources: () => Promise<Record<string, ReviewSource>>;
  clock?: () => Date;
  newRunId?: () => string;
  logger?: Logger;
  metrics?: Metrics;
  /** Queue messages are not started with less of the invocation left than this; 0 starts every one. */
  minRemainingMs?: number;
}

/** A queued search left for a later invocation, because this one has too little time left to run it. */
export class SearchDeferredError extends LivingReviewError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs')
  );
}

/** A queue message's body as a search event; an unreadable one fails naming the message. */
function searchEventOfMessage(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body) as unknown;
  } catch {
    throw new InputError(`message ${record.messageId}: the body is not JSON: ${record.body.slice(0, 80)}`);
  }
}

function summarise(result: SourceRunResult): SourceRunSummary {
  switch (result.status) {
    case 'succeeded':
      return {
        source: result.source,
        status: result.status,
        runId: result.run.runId,
        window: result.run.window,
        counts: result.run.counts,
        warnings: result.run.warnings,
        ...(result.run.requests ? { requests: result.run.requests } : {}),
      };
    case 'failed':
    case 'deferred':
      return {
        source: result.source,
        status: result.status,
        ...(result.run
          ? { runId: result.run.runId, window: result.run.window, counts: result.run.counts }
          : {}),
        error: result.error,
      };
    case 'not-due':
      return { source: result.source, status: result.status, nextDueAt: result.nextDueAt };
    case 'skipped':
      return { source: result.source, status: result.status, reason: result.reason };
  }
}

/**
 * A handler over the given store, protocols and sources (the contract tests build one from the environment):
 * a queue batch gets a partial batch response, a direct event its SearchResult.
 */
export function createSearchHandler(deps: SearchHandlerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const runIds = deps.newRunId ?? (() => newRunId(clock()));
  const logger = deps.logger ?? functionLogger('search-review');
  const metrics = deps.metrics ?? functionMetrics('search-review');
  const byId = new Map(deps.protocols.map((protocol) => [protocol.id, protocol]));
  const minRemainingMs = deps.minRemainingMs ?? 0;

  const searchOne = async (input: unknown): Promise<SearchResult> => {
    const parsed = searchEventSchema.safeParse(input);
    if (!parsed.success) {
      throw new InputError(`invalid search event: ${formatIssues(parsed.error, '(event)')}`);
    }
    const event = parsed.data;
    const protocol = byId.get(event.reviewId);
    if (!protocol) {
      const known = [...byId.keys()].join(', ') || 'none';
      throw new ProtocolError(`no protocol for review "${event.reviewId}" (bundled: ${known})`);
    }
    logger.appendKeys({ reviewId: protocol.id, executionId: event.executionId });
    // One set of metrics for the deployment (dimension: service), whatever the number of reviews: the review
    // is a property of the metric's log line (searchable in Logs Insights), not a dimension, so a review adds no
    // billed custom metric (infra/README.md, "What it costs").
    metrics.addMetadata('reviewId', protocol.id);
    try {
      const results = await searchReview(
        { protocol, ...(event.window ? { window: event.window } : {}), force: event.force ?? false },
        {
          store: deps.store,
          sources: await deps.sources(),
          clock,
          newRunId: runIds,
          owner: currentProcess(),
          ...(deps.dedup ? { dedup: deps.dedup } : {}),
          ...(deps.evidence ? { evidence: deps.evidence } : {}),
          ...(deps.watch ? { watch: deps.watch } : {}),
          ...(deps.ongoing ? { ongoing: deps.ongoing } : {}),
        },
      );

      const summary: SearchResult = { reviewId: protocol.id, results: results.map(summarise) };
      // Three metrics per deployment: CloudWatch bills each name x dimension set beyond its free ten.
      for (const result of summary.results) {
        if (result.counts) {
          metrics.addMetric('RecordsFound', MetricUnit.Count, result.counts.found);
          metrics.addMetric('CitationsQueued', MetricUnit.Count, result.counts.queued);
        }
        if (result.status === 'failed') {
          metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
          logger.error('search run failed', { ...result });
        } else if (result.status === 'skipped' || result.status === 'deferred') {
          logger.warn(`source ${result.status}`, { ...result });
        } else {
          logger.info(`search run ${result.status}`, { ...result });
        }
      }
      const failed = summary.results.filter((result) => result.status === 'failed');
      if (failed.length > 0) {
        throw new SearchFailedError(
          summary,
          `review "${protocol.id}": ${failed.map((f) => `${f.source} run ${f.runId ?? '(not started)'} failed: ${f.error}`).join('; ')}`,
        );
      }
      return summary;
    } finally {
      metrics.publishStoredMetrics();
      logger.removeKeys(['reviewId', 'executionId']);
    }
  };

  // One processor per handler: Powertools keeps a batch's state on it, and a container runs one batch at a time.
  const processor = new SqsFifoPartialProcessorAsync();
  const searchQueued = async (record: SQSRecord, context: Context | undefined): Promise<SearchResult> => {
    const where = { messageId: record.messageId, messageGroupId: record.attributes.MessageGroupId };
    try {
      const remaining = context?.getRemainingTimeInMillis();
      if (remaining !== undefined && remaining < minRemainingMs) {
        throw new SearchDeferredError(
          `message ${record.messageId} not started: ${Math.round(remaining / 1000)} s left in this invocation, a search is given at least ${Math.round(minRemainingMs / 1000)} s; it returns to the queue`,
        );
      }
      return await searchOne(searchEventOfMessage(record));
    } catch (error) {
      const level = error instanceof SearchDeferredError ? 'warn' : 'error';
      logger[level]('queued search not done', {
        ...where,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: errorMessage(error),
      });
      throw error;
    }
  };

  function handle(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  function handle(event: SearchEvent, context?: Context): Promise<SearchResult>;
  function handle(event: unknown, context?: Context): Promise<SearchResult | SQSBatchResponse>;
  async function handle(event: unknown, context?: Context): Promise<SearchResult | SQSBatchResponse> {
    if (context) logger.addContext(context);
    if (!isSqsEvent(event)) return searchOne(event);
    return processPartialResponse(event, (record: SQSRecord) => searchQueued(record, context), processor, {
      ...(context ? { context } : {}),
      // A failed review's later messages in the batch go back with it (its order is kept); other reviews go on.
      skipGroupOnError: true,
      // A batch whose every message failed is answered the same way, message by message.
      throwOnFullBatchFailure: false,
    });
  }
  return handle;
}

// -------------------------------------------------------------------------------------------------------
// Cold start: adapters from the environment, built on the first invocation and reused while warm.

let cold: ReturnType<typeof createSearchHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createSearchHandler> {
  const env = parseLambdaEnv(searchEnvSchema, process.env);
  const readNcbiKey = secretReader({
    secretId: env.NCBI_API_KEY_SECRET_ARN,
    maxAgeSeconds: env.NCBI_API_KEY_MAX_AGE_SECONDS,
  });
  const readOpenAlexKey = secretReader({
    secretId: env.OPENALEX_API_KEY_SECRET_ARN,
    maxAgeSeconds: env.NCBI_API_KEY_MAX_AGE_SECONDS,
  });
  const protocols = loadProtocolDirectory(env.LIVING_REVIEW_PROTOCOLS);
  // The sources for the current keys: a rotated key (seen once Powertools' cache expires) gets new clients.
  // Up to SEARCH_CONCURRENCY searches run at once, in as many containers: each keeps to its share of the rates.
  let built: { keys: string; sources: BuiltReviewSources } | undefined;
  const sources = async (): Promise<Record<string, ReviewSource>> => {
    const keys = { ncbi: await readNcbiKey(), openAlex: await readOpenAlexKey() };
    const id = JSON.stringify(keys);
    if (!built || built.keys !== id) {
      const previous = built;
      built = {
        keys: id,
        sources: reviewSourcesFromEnv({ env: process.env, protocols, keys, share: env.SEARCH_CONCURRENCY }),
      };
      await previous?.sources.close();
    }
    return built.sources.sources;
  };
  const client = createDynamoClient();
  const table = { client, tableName: env.LIVING_REVIEW_TABLE };
  const watch = new DynamoWatchStore(table);
  return createSearchHandler({
    store: new DynamoCitationStore(table),
    dedup: dynamoFuzzyDedupPorts(client, env.LIVING_REVIEW_TABLE),
    evidence: new DynamoEvidenceStore(table),
    watch,
    ongoing: watch,
    protocols,
    sources,
    minRemainingMs: env.SEARCH_MIN_REMAINING_SECONDS * 1000,
  });
}

/** The Lambda entry point: a queue batch gets a partial batch response, a direct invocation its result. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: SearchEvent, context?: Context): Promise<SearchResult>;
export async function handler(event: unknown, context?: Context): Promise<SearchResult | SQSBatchResponse>;
export async function handler(event: unknown, context?: Context): Promise<SearchResult | SQSBatchResponse> {
  cold ??= fromEnvironment();
  return cold(event, context);
}
