// Shared set-up of the Lambda handler contract tests: the embedded store (dynalite in its own process, in a
// temp data directory) with the process environment pointed at it the way a handler's SDK client reads it
// (AWS_ENDPOINT_URL_DYNAMODB, a region and dummy credentials: `new DynamoDBClient({})` needs no code change),
// and builders for the events Lambda delivers: a scheduled invocation, a DynamoDB stream batch
// (NEW_AND_OLD_IMAGES, marshalled as the stream marshals them) and an SQS batch, plus a Lambda context.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { ensureTable } from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import {
  type EmbeddedStore,
  openEmbeddedStore,
  stopEmbeddedServer,
} from '../../../shared/adapters/embedded/embedded-store.ts';

export const eventFixtureDir = join(import.meta.dirname, '..', '..', 'fixtures', 'events');

/** A recorded event from test/fixtures/events/, parsed. */
export function eventFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(eventFixtureDir, name), 'utf8')) as T;
}

export interface FunctionHarness {
  dataDir: string;
  embedded: EmbeddedStore;
  /** The variables set on process.env (restored by close()). */
  env: Record<string, string>;
  /** Creates another table on the same embedded server (e.g. one per handler instance). */
  createTable(tableName: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens an embedded store in a fresh temp directory and points process.env at it: AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_REGION, the store's AWS keys, LIVING_REVIEW_TABLE, plus `env`. Metrics are switched off (Powertools would print
 * EMF lines to stdout); logs stay on at WARN.
 */
export async function startFunctionHarness(
  name: string,
  env: Record<string, string> = {},
): Promise<FunctionHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), `lr-fn-${name}-`));
  const tableName = `fn-${name}`;
  const embedded = await openEmbeddedStore({ dataDir, tableName });
  const set: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: embedded.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: embedded.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: embedded.credentials.secretAccessKey,
    LIVING_REVIEW_TABLE: tableName,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  };
  const previous = new Map(Object.keys(set).map((key) => [key, process.env[key]]));
  Object.assign(process.env, set);
  return {
    dataDir,
    embedded,
    env: set,
    createTable: (table) => ensureTable(embedded.client, table),
    close: async () => {
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await embedded.close();
      await stopEmbeddedServer(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The context Lambda passes a handler (what Powertools' logger reads from it). */
export function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/01/05/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface StreamChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item before and after (plain values; marshalled here as the stream does). */
  oldItem?: Record<string, unknown>;
  newItem?: Record<string, unknown>;
}

const marshallItem = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as Record<
    string,
    AttributeValue
  >;

/**
 * A DynamoDB stream batch with NEW_AND_OLD_IMAGES as Lambda delivers it: Keys from the item's pk/sk, images
 * marshalled, ascending sequence numbers, the table's stream ARN.
 */
export function dynamoStreamEvent(
  changes: readonly StreamChange[],
  tableName = 'living-review',
  firstSequence = 100_000_000_000_000_000_000n,
): DynamoDBStreamEvent {
  const streamArn = `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/2026-01-05T06:00:00.000`;
  const records = changes.map((change, index): DynamoDBRecord => {
    const item = change.newItem ?? change.oldItem;
    if (!item) throw new Error('a stream change needs an old or a new item');
    const keys = marshallItem({ pk: item.pk, sk: item.sk });
    const newImage = change.newItem ? marshallItem(change.newItem) : undefined;
    const oldImage = change.oldItem ? marshallItem(change.oldItem) : undefined;
    return {
      eventID: randomUUID().replace(/-/g, ''),
      eventName: change.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1767592800 + index,
        Keys: keys as never,
        ...(newImage ? { NewImage: newImage as never } : {}),
        ...(oldImage ? { OldImage: oldImage as never } : {}),
        SequenceNumber: String(firstSequence + BigInt(index)),
        SizeBytes: JSON.stringify([keys, newImage, oldImage]).length,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
    };
  });
  return { Records: records };
}

/** An SQS batch as Lambda delivers it: each body as given (objects are JSON-encoded). */
export function sqsEvent(bodies: readonly unknown[], queueName = 'living-review-queue'): SQSEvent {
  return { Records: bodies.map((body, index) => sqsRecord(body, index, queueName)) };
}

/**
 * A batch from a FIFO queue as Lambda delivers it: the records carry their message group, deduplication id
 * and sequence number (what Powertools' FIFO processor groups by), in the order given.
 */
export function sqsFifoEvent(
  messages: readonly { body: unknown; groupId: string }[],
  queueName = 'living-review-search-requests.fifo',
): SQSEvent {
  return {
    Records: messages.map(({ body, groupId }, index) => {
      const record = sqsRecord(body, index, queueName);
      record.attributes.MessageGroupId = groupId;
      record.attributes.MessageDeduplicationId = randomUUID().replace(/-/g, '');
      record.attributes.SequenceNumber = String(18_850_000_000_000_000_000n + BigInt(index));
      return record;
    }),
  };
}

function sqsRecord(body: unknown, index: number, queueName: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID().replace(/-/g, '')}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(1767592800000 + index),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(1767592800000 + index),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queueName}`,
    awsRegion: 'us-east-1',
  };
}
