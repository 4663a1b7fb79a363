// Lambda: the weekly retraction and correction watch of one review. An EventBridge Scheduler schedule per review
// invokes it with { "reviewId": "iesm" }. It calls watchRetractions once: the included studies' PubMed records
// are re-fetched by id (efetch, POST, through the same rate limiter and retry rules as the search), notices are
// recorded (NOTICE# items), a newly retracted study is flagged and, under onRetraction "exclude-patients", the
// statistics are recomputed. The report follows through the table's stream (publish-report is triggered by the
// SNAPSHOT_LATEST pointer and by NOTICE# inserts). Idempotent; a failure throws (async retries, then the DLQ).
//
// A protocol that lists `crossref` also has its included studies' DOIs looked up in Crossref's update notices
// (publishers' and Retraction Watch's), so a study without a PMID is checked too.
//
// Environment (watchRetractionsEnvSchema): LIVING_REVIEW_TABLE, LIVING_REVIEW_PROTOCOLS, NCBI_API_KEY_SECRET_ARN
// (optional: the secret holding the NCBI api_key, as for search-review; never the key itself in the env),
// NCBI_API_KEY_MAX_AGE_SECONDS, the client's NCBI_* settings (NCBI_TOOL, NCBI_EMAIL, NCBI_EUTILS_BASE_URL), and
// CROSSREF_EMAIL (Crossref's polite pool) with the other CROSSREF_* settings (crossref-client.ts).
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { CrossrefClient, crossrefConfigFromEnv } from '../../shared/adapters/crossref/crossref-client.ts';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { functionLogger } from '../../shared/adapters/observability.ts';
import { efetchPubmedByIds } from '../../shared/adapters/pubmed/efetch-by-ids.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../shared/adapters/pubmed/eutils-client.ts';
import {
  type WatchRetractionsDeps,
  type WatchRetractionsOutcome,
  watchRetractions,
} from '../../shared/app/watch-retractions.ts';
import { parseLambdaEnv, secretReader } from '../../shared/config/lambda-env.ts';
import { loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { watchesCrossref } from '../../shared/domain/protocol/sources.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';
import { InputError } from '../../shared/errors.ts';
import { protocolsById, reviewEventSchema, tableClient } from '../publish-report/wiring.ts';

const logger = functionLogger('watch-retractions');

export const watchRetractionsEnvSchema = z.object({
  LIVING_REVIEW_TABLE: z.string().min(1),
  LIVING_REVIEW_PROTOCOLS: z.string().min(1),
  NCBI_API_KEY_SECRET_ARN: z.string().min(1).optional(),
  NCBI_API_KEY_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(900),
  NCBI_API_KEY: z
    .undefined({ error: 'the NCBI api_key must not be in the environment: use NCBI_API_KEY_SECRET_ARN' })
    .optional(),
});

export const watchRetractionsEventSchema = reviewEventSchema;

export function createWatchRetractionsHandler(
  deps: Omit<WatchRetractionsDeps, 'clock'> & { protocols: readonly Protocol[]; clock?: () => Date },
) {
  const byId = protocolsById(deps.protocols);
  const clock = deps.clock ?? (() => new Date());
  return async (input: unknown, _context?: Context): Promise<WatchRetractionsOutcome> => {
    const parsed = watchRetractionsEventSchema.safeParse(input);
    if (!parsed.success) {
      throw new InputError(`invalid watch-retractions event: ${formatIssues(parsed.error, '(event)')}`);
    }
    const outcome = await watchRetractions({ protocol: byId(parsed.data.reviewId) }, { ...deps, clock });
    logger.info('retraction watch', {
      reviewId: outcome.reviewId,
      checked: outcome.checked,
      checkedCrossref: outcome.checkedCrossref,
      notChecked: outcome.notChecked.length,
      missing: outcome.missing.length,
      newNotices: outcome.newNotices.length,
      retracted: outcome.retracted.map((s) => s.citationId),
      version: outcome.recompute?.version ?? null,
    });
    return outcome;
  };
}

let cold: ReturnType<typeof createWatchRetractionsHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createWatchRetractionsHandler> {
  const env = parseLambdaEnv(watchRetractionsEnvSchema, process.env);
  const table = tableClient(env.LIVING_REVIEW_TABLE);
  const readApiKey = secretReader({
    secretId: env.NCBI_API_KEY_SECRET_ARN,
    maxAgeSeconds: env.NCBI_API_KEY_MAX_AGE_SECONDS,
  });
  let current: { apiKey: string | undefined; client: EutilsClient } | undefined;
  const protocols = loadProtocolDirectory(env.LIVING_REVIEW_PROTOCOLS);
  const crossref = protocols.some(watchesCrossref)
    ? new CrossrefClient(crossrefConfigFromEnv(process.env))
    : null;
  return createWatchRetractionsHandler({
    protocols,
    ...(crossref ? { doiUpdates: (dois: readonly string[]) => crossref.updatesOf(dois) } : {}),
    evidence: new DynamoEvidenceStore(table),
    digests: new DynamoDigestStore(table),
    fetchRecords: async (pmids) => {
      const apiKey = await readApiKey();
      if (!current || current.apiKey !== apiKey) {
        await current?.client.close();
        current = { apiKey, client: new EutilsClient(eutilsConfigFromEnv(process.env, { apiKey })) };
      }
      return efetchPubmedByIds(current.client, pmids);
    },
  });
}

/** The Lambda entry point (adapters built once per container). */
export async function handler(event: unknown, context?: Context) {
  cold ??= fromEnvironment();
  return cold(event, context);
}
