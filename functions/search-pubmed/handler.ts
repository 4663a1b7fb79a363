// Lambda: one monitor cycle of one review. The review's EventBridge schedule (one per protocol file, made by the
// CDK app at synth time) invokes it asynchronously with
//   { "reviewId": "iesm", "scheduledTime": "<aws.scheduler.scheduled-time>", "executionId": "..." }
// An operator can invoke it too: { "reviewId": "iesm", "force": true } runs even when the review is not due;
// { "reviewId": "iesm", "window": { "from": "2024-01-01", "to": "2024-01-31" } } re-searches a window (the
// CLI's `search --from --to`).
//
// Records are deduplicated by exact keys and fuzzily (blocking index and possible-duplicate queue on the same
// table, shared/app/fuzzy-dedup.ts), as runSearch does with dedup ports.
//
// Each of the protocol's sources (PubMed; Europe PMC when the protocol lists it) is searched through runMonitor:
// a review is due when no successful run started since its latest scheduled time, so a duplicate delivery of
// the same schedule (Scheduler is at-least-once) searches nothing twice. A failed run throws after logging:
// Lambda retries the event (SEARCH_ASYNC_RETRY_ATTEMPTS) and then sends it to the dead-letter queue, whose
// alarm tells the operator. The watermark only moves after a complete window, so the next run covers what a
// failed one missed.
//
// Environment (validated at cold start): LIVING_REVIEW_TABLE, LIVING_REVIEW_PROTOCOLS (the protocols folder
// bundled into the function: /var/task/protocols), NCBI_API_KEY_SECRET_ARN (optional: the secret holding the
// NCBI api_key, read through Powertools Parameters and cached; absent means no key, 3 requests/s),
// NCBI_TOOL / NCBI_EMAIL / NCBI_EUTILS_BASE_URL and the client's other NCBI_* settings (eutils-client.ts),
// EUROPEPMC_EMAIL / EUROPEPMC_BASE_URL and the other EUROPEPMC_* settings (europepmc-client.ts).
// AWS_ENDPOINT_URL_DYNAMODB points the SDK at another DynamoDB endpoint (the tests' embedded store).
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoCitationStore } from '../../shared/adapters/dynamodb/citation-store.ts';
import { dynamoFuzzyDedupPorts } from '../../shared/adapters/dynamodb/blocking-key-store.ts';
import { createDynamoClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { EuropePmcClient, europePmcConfigFromEnv } from '../../shared/adapters/europepmc/europepmc-client.ts';
import { EuropePmcSource } from '../../shared/adapters/europepmc/europepmc-source.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../shared/adapters/pubmed/pubmed-source.ts';
import type { FuzzyDedupPorts } from '../../shared/app/fuzzy-dedup.ts';
import { type ReviewRunResult, runMonitor } from '../../shared/app/run-monitor.ts';
import { RunFailedError, runSearch } from '../../shared/app/run-search.ts';
import { parseLambdaEnv, secretReader } from '../../shared/config/lambda-env.ts';
import { loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { errorMessage, InputError, LivingReviewError, ProtocolError } from '../../shared/errors.ts';
import type { CitationStore, RunCounts } from '../../shared/ports/citation-store.ts';
import type { LiteratureSource } from '../../shared/ports/literature-source.ts';

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
  NCBI_API_KEY: z
    .undefined({
      error:
        'the NCBI api_key must not be in the environment: store it in Secrets Manager (NCBI_API_KEY_SECRET_ARN)',
    })
    .optional(),
});

export interface SourceRunSummary {
  source: string;
  status: ReviewRunResult['status'];
  runId?: string;
  window?: { from: string; to: string };
  counts?: RunCounts;
  warnings?: string[];
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
  /** Fuzzy deduplication over the same table (blocking index, possible-duplicate queue); exact keys only without. */
  dedup?: FuzzyDedupPorts;
  protocols: readonly Protocol[];
  /** The literature sources by name, as configured now (the PubMed client follows the current api key). */
  sources: () => Promise<Record<string, LiteratureSource>>;
  clock?: () => Date;
  newRunId?: () => string;
  logger?: Logger;
  metrics?: Metrics;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

function summarise(result: ReviewRunResult): SourceRunSummary {
  switch (result.status) {
    case 'succeeded':
      return {
        source: result.source,
        status: result.status,
        runId: result.run.runId,
        window: result.run.window,
        counts: result.run.counts,
        warnings: result.run.warnings,
      };
    case 'failed':
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

/** A handler over the given store, protocols and sources (the contract tests build one from the environment). */
export function createSearchHandler(deps: SearchHandlerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const runIds = deps.newRunId ?? (() => newRunId(clock()));
  const logger = deps.logger ?? new Logger({ serviceName: 'search-pubmed' });
  const metrics = deps.metrics ?? new Metrics({ serviceName: 'search-pubmed' });
  const byId = new Map(deps.protocols.map((protocol) => [protocol.id, protocol]));

  return async (input: unknown, context?: Context): Promise<SearchResult> => {
    if (context) logger.addContext(context);
    const parsed = searchEventSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
      throw new InputError(`invalid search event: ${problems.join('; ')}`);
    }
    const event = parsed.data;
    const protocol = byId.get(event.reviewId);
    if (!protocol) {
      const known = [...byId.keys()].join(', ') || 'none';
      throw new ProtocolError(`no protocol for review "${event.reviewId}" (bundled: ${known})`);
    }
    logger.appendKeys({ reviewId: protocol.id, executionId: event.executionId });
    metrics.addDimension('review', protocol.id);
    try {
      const sources = await deps.sources();
      const base = {
        store: deps.store,
        clock,
        newRunId: runIds,
        ...(deps.dedup ? { dedup: deps.dedup } : {}),
      };
      let results: ReviewRunResult[];
      if (event.window) {
        results = [];
        for (const { name } of protocol.sources) {
          const source = sources[name];
          if (!source) {
            results.push({
              reviewId: protocol.id,
              source: name,
              status: 'skipped',
              reason: `no "${name}" source`,
            });
            continue;
          }
          try {
            const run = await runSearch({ protocol, window: event.window }, { ...base, source });
            results.push({ reviewId: protocol.id, source: name, status: 'succeeded', run });
          } catch (error) {
            const run = error instanceof RunFailedError ? error.run : null;
            results.push({
              reviewId: protocol.id,
              source: name,
              status: 'failed',
              error: errorMessage(error),
              run,
            });
          }
        }
      } else {
        results = await runMonitor(
          { protocols: [protocol], force: event.force ?? false },
          { ...base, sources },
        );
      }

      const summary: SearchResult = { reviewId: protocol.id, results: results.map(summarise) };
      // Three metrics per review: CloudWatch bills each name x dimension set beyond its free ten (infra/README.md).
      for (const result of summary.results) {
        if (result.counts) {
          metrics.addMetric('RecordsFound', MetricUnit.Count, result.counts.found);
          metrics.addMetric('CitationsQueued', MetricUnit.Count, result.counts.queued);
        }
        if (result.status === 'failed') {
          metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
          logger.error('search run failed', { ...result });
        } else if (result.status === 'skipped') {
          logger.warn('source skipped', { ...result });
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
}

// -------------------------------------------------------------------------------------------------------
// Cold start: adapters from the environment, built on the first invocation and reused while warm.

let cold: ReturnType<typeof createSearchHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createSearchHandler> {
  const env = parseLambdaEnv(searchEnvSchema, process.env);
  const readApiKey = secretReader({
    secretId: env.NCBI_API_KEY_SECRET_ARN,
    maxAgeSeconds: env.NCBI_API_KEY_MAX_AGE_SECONDS,
  });
  const protocols = loadProtocolDirectory(env.LIVING_REVIEW_PROTOCOLS);
  // One PubMed source per api key: a rotated key (seen once Powertools' cache expires) gets a new client.
  let pubmed: { apiKey: string | undefined; client: EutilsClient; source: PubmedSource } | undefined;
  // Europe PMC (no key) only when a bundled protocol lists it, built once.
  const wantsEuropePmc = protocols.some((protocol) => protocol.sources.some((s) => s.name === 'europepmc'));
  let europePmc: EuropePmcSource | undefined;
  const sources = async (): Promise<Record<string, LiteratureSource>> => {
    const apiKey = await readApiKey();
    if (!pubmed || pubmed.apiKey !== apiKey) {
      const previous = pubmed;
      const client = new EutilsClient(eutilsConfigFromEnv(process.env, { apiKey }));
      pubmed = { apiKey, client, source: new PubmedSource(client) };
      await previous?.client.close();
    }
    if (wantsEuropePmc && !europePmc) {
      const config = europePmcConfigFromEnv(process.env);
      europePmc = new EuropePmcSource(new EuropePmcClient(config), { pageSize: config.pageSize });
    }
    return { pubmed: pubmed.source, ...(europePmc ? { europepmc: europePmc } : {}) };
  };
  const client = createDynamoClient();
  return createSearchHandler({
    store: new DynamoCitationStore({ client, tableName: env.LIVING_REVIEW_TABLE }),
    dedup: dynamoFuzzyDedupPorts(client, env.LIVING_REVIEW_TABLE),
    protocols,
    sources,
  });
}

/** The Lambda entry point. */
export async function handler(event: unknown, context?: Context): Promise<SearchResult> {
  cold ??= fromEnvironment();
  return cold(event, context);
}
