// Lambda on the table's DynamoDB stream (NEW_AND_OLD_IMAGES), filtered in CDK (streamFilterPatterns in
// shared/adapters/dynamodb/stream-filters.ts) to the included-study (STUDY#) and patient-row (PATIENT#) items:
// recomputes the statistics of every review a batch touches, once per review, and answers with a partial
// batch response.
//
// With Powertools batch (processPartialResponse, BatchProcessor for DynamoDB streams, records one at a time):
// each record is parsed with zod (stream-record.ts); its review's recompute is started by the first record of
// that review in the batch and awaited by the others, so a batch of 100 patient rows runs one recompute. A
// record fails when it cannot be read (a poison record: reported alone, other reviews go on) or when its
// review's recompute failed (every record of that review is reported). Powertools reports failures by
// dynamodb.SequenceNumber, as Lambda expects for streams; Lambda then retries from the lowest one reported
// (bisecting and giving up per the event source's settings), which is harmless: recomputeStatistics is
// idempotent, so duplicates and replays store nothing new.
//
// Environment: LIVING_REVIEW_TABLE (the table), LIVING_REVIEW_PROTOCOLS (the protocol files bundled with the
// function: each review's onRetraction), the region from the Lambda environment. AWS_ENDPOINT_URL_DYNAMODB
// points the SDK at another endpoint (the tests' embedded store).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { tableNameFromEnv } from '../../shared/adapters/dynamodb/table-design.ts';
import { functionLogger, type Log, logThrough } from '../../shared/adapters/observability.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import { defaultProtocolDirectory, loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import { rowSchemaOf } from '../../shared/domain/extraction/patient-row.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { ConfigError, errorMessage } from '../../shared/errors.ts';
import type { EvidenceStore } from '../../shared/ports/evidence-store.ts';
import { checkStreamRow, parseStreamRecord } from './stream-record.ts';

export interface RecomputeHandlerOptions {
  evidence: EvidenceStore;
  protocols: readonly Protocol[];
  clock?: () => Date;
  /** Where failures are written (one JSON line each, never patient data); the function's logger by default. */
  log?: Log;
}

/** A handler over the given store and protocols (the tests build one over the embedded store). */
export function createRecomputeHandler(options: RecomputeHandlerOptions) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? logThrough(functionLogger('recompute-stats'));
  const byId = new Map(options.protocols.map((protocol) => [protocol.id, protocol]));
  const schemas = new Map(
    options.protocols.flatMap((p) => (p.extraction ? [[p.id, rowSchemaOf(p.extraction)] as const] : [])),
  );

  const recompute = async (reviewId: string) => {
    const protocol = byId.get(reviewId);
    if (!protocol) throw new ConfigError(`review "${reviewId}" has no protocol in LIVING_REVIEW_PROTOCOLS`);
    return recomputeStatistics({ protocol }, { evidence: options.evidence, clock });
  };

  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    // One recompute per review per invocation, shared by that review's records.
    const runs = new Map<string, Promise<unknown>>();
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const where = { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber };
      let parsed: ReturnType<typeof parseStreamRecord>;
      try {
        parsed = parseStreamRecord(record);
        const schema = parsed.kind === 'evidence' && parsed.row ? schemas.get(parsed.reviewId) : undefined;
        if (schema && parsed.kind === 'evidence' && parsed.row) checkStreamRow(parsed.row, schema);
      } catch (error) {
        log({ level: 'ERROR', message: 'unreadable stream record', ...where, error: errorMessage(error) });
        throw error;
      }
      if (parsed.kind === 'ignored') return;
      let run = runs.get(parsed.reviewId);
      if (!run) {
        run = recompute(parsed.reviewId);
        runs.set(parsed.reviewId, run);
      }
      try {
        await run;
      } catch (error) {
        log({
          level: 'ERROR',
          message: 'recompute failed',
          reviewId: parsed.reviewId,
          ...where,
          error: errorMessage(error),
        });
        throw error;
      }
    };
    return processPartialResponse(event, recordHandler, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
      // A batch whose every record failed is reported item by item too (Lambda retries it the same way).
      throwOnFullBatchFailure: false,
    });
  };
}

let cold: ReturnType<typeof createRecomputeHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createRecomputeHandler> {
  return createRecomputeHandler({
    evidence: new DynamoEvidenceStore({ client: createDynamoClient(), tableName: tableNameFromEnv() }),
    protocols: loadProtocolDirectory(defaultProtocolDirectory()),
  });
}

/** The Lambda entry point (adapters built once per container, on the first batch). */
export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  cold ??= fromEnvironment();
  return cold(event, context);
}
