// The one way the stores touch the table: reads (a consistent GetItem, every page of a Query, batches of gets),
// writes (put, update, delete, the conditional forms that answer false/null when the condition did not hold,
// and BatchWriteItem with unprocessed items retried), item parsing with zod, and SDK errors mapped to StoreErrors
// naming what was read or written. Each store keeps only its key design and item shapes (the model is
// Powertools' persistence layer: one base, each backend a few primitives).
//
// DynamoDB stops a Query page at 1 MB, so a caller that wants all of a review's items of one kind must follow
// LastEvaluatedKey; BatchGetItem takes 100 keys and BatchWriteItem 25 requests, and either may hand back
// unprocessed ones under load, which are retried with backoff.
import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { formatIssues } from '../../domain/zod-issues.ts';
import { errorMessage, StoreError } from '../../errors.ts';
import { type ItemKey, reviewPk } from './table-design.ts';

// ---------------------------------------------------------------------------------------------------------
// SDK errors

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
]);
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Throttling, 5xx and dropped connections: trying again later can help. */
export function isRetryableStoreFailure(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** The SDK error as a StoreError naming what was being done (operation, review, item). */
export function toStoreError(error: unknown, operation: string, what: string): StoreError {
  if (error instanceof StoreError) return error;
  const name = (error as { name?: string } | null)?.name;
  const detail =
    name && !errorMessage(error).includes(name) ? `${name}: ${errorMessage(error)}` : errorMessage(error);
  return new StoreError(`DynamoDB ${operation} failed for ${what}: ${detail}`, {
    cause: error,
    retryable: isRetryableStoreFailure(error) && !(error instanceof ResourceNotFoundException),
  });
}

/** A conditional write whose condition did not hold (the SDK's exception, or its name from another copy). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

// ---------------------------------------------------------------------------------------------------------
// Items

/**
 * The item as `schema` says, or a StoreError naming the item and the fields that are not as they should be
 * (the first `limit` of them, when given: a large item can break in many places at once).
 */
export function parseItem<T extends z.ZodType>(
  schema: T,
  item: unknown,
  what: string,
  limit?: number,
): z.output<T> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issues = formatIssues(parsed.error, '(item)', limit === undefined ? {} : { limit });
  throw new StoreError(`${what} does not have the expected shape: ${issues}`);
}

/** `review "r", item SK in table "t"`: how every store names an item in its errors. */
export function describeItem(tableName: string, reviewId: string, key: ItemKey): string {
  return `review "${reviewId}", item ${key.sk} in table "${tableName}"`;
}

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const PARALLEL_BATCHES = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Input<T> = Omit<T, 'TableName'>;

/** One table, read and written through the SDK's document client; every failure is a StoreError. */
export class TableAccess {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  describe(reviewId: string, key: ItemKey): string {
    return describeItem(this.tableName, reviewId, key);
  }

  /** One item by key, strongly consistent; undefined when there is none. */
  async get(
    key: ItemKey,
    what: string,
    read: Omit<Input<GetCommandInput>, 'Key'> = {},
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ...read }),
      );
      return Item;
    } catch (error) {
      throw toStoreError(error, 'GetItem', what);
    }
  }

  async put(input: Input<PutCommandInput>, what: string): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      throw toStoreError(error, 'PutItem', what);
    }
  }

  /** True when written, false when the condition failed; anything else throws a StoreError. */
  async conditionalPut(input: Input<PutCommandInput>, what: string): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toStoreError(error, 'PutItem', what);
    }
  }

  /** PutItem if no item holds the key: false (nothing written) when one does. */
  putIfAbsent(item: Record<string, unknown>, what: string): Promise<boolean> {
    return this.conditionalPut({ Item: item, ConditionExpression: 'attribute_not_exists(pk)' }, what);
  }

  async update(input: Input<UpdateCommandInput>, what: string): Promise<UpdateCommandOutput> {
    try {
      return await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      throw toStoreError(error, 'UpdateItem', what);
    }
  }

  /** The output when written, null when the condition failed; anything else throws a StoreError. */
  async conditionalUpdate(
    input: Input<UpdateCommandInput>,
    what: string,
  ): Promise<UpdateCommandOutput | null> {
    try {
      return await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw toStoreError(error, 'UpdateItem', what);
    }
  }

  async delete(key: ItemKey, what: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
    } catch (error) {
      throw toStoreError(error, 'DeleteItem', what);
    }
  }

  /** One page of a Query. */
  async queryPage(input: Input<QueryCommandInput>, what: string): Promise<QueryCommandOutput> {
    try {
      return await this.client.send(new QueryCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      throw toStoreError(error, 'Query', what);
    }
  }

  /** Every page of a Query (up to `limit` items when given). */
  async queryAll(
    input: Input<QueryCommandInput>,
    what: string,
    limit?: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      if (remaining !== undefined && remaining <= 0) break;
      const page = await this.queryPage(
        {
          ...input,
          ...(remaining !== undefined ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        },
        what,
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Every item of a review whose sort key starts with `prefix`, strongly consistent, all pages. */
  queryPrefix(
    request: { reviewId: string; prefix: string; projection?: string; names?: Record<string, string> },
    what: string,
  ): Promise<Record<string, unknown>[]> {
    return this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(request.reviewId), ':prefix': request.prefix },
        ConsistentRead: true,
        ...(request.projection ? { ProjectionExpression: request.projection } : {}),
        ...(request.names ? { ExpressionAttributeNames: request.names } : {}),
      },
      what,
    );
  }

  /**
   * Items by key (BatchGetItem, 100 keys a request, all requests at once), strongly consistent, retrying
   * unprocessed keys with backoff. Missing items are simply absent from the answer. `projection` names the
   * attributes to read.
   */
  async batchGet(
    keys: readonly ItemKey[],
    what: string,
    projection?: { expression: string; names: Record<string, string> },
  ): Promise<Record<string, unknown>[]> {
    const tableName = this.tableName;
    const read = {
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection.expression } : {}),
      ...(projection && Object.keys(projection.names).length > 0
        ? { ExpressionAttributeNames: projection.names }
        : {}),
    };
    const chunks: ItemKey[][] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      chunks.push(keys.slice(start, start + BATCH_GET_LIMIT));
    }
    const pages = await Promise.all(
      chunks.map(async (chunk) => {
        const found: Record<string, unknown>[] = [];
        let pending = chunk as unknown as Record<string, unknown>[];
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 8) {
            throw new StoreError(`BatchGetItem of ${what}: ${pending.length} keys stayed unprocessed`, {
              retryable: true,
            });
          }
          if (attempt > 0) await sleep(Math.min(20 * 2 ** attempt, 1000) * (0.5 + Math.random() / 2));
          try {
            const result = await this.client.send(
              new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...read } } }),
            );
            found.push(...(result.Responses?.[tableName] ?? []));
            pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
          } catch (error) {
            throw toStoreError(error, 'BatchGetItem', what);
          }
        }
        return found;
      }),
    );
    return pages.flat();
  }

  /**
   * Write requests ({PutRequest} / {DeleteRequest}) in BatchWriteItems of 25, a few at a time, retrying
   * unprocessed items with backoff. Each request is idempotent, so a retry or a re-run after a failure converges.
   */
  async batchWrite(requests: readonly Record<string, unknown>[], what: string): Promise<void> {
    const tableName = this.tableName;
    const batches: Record<string, unknown>[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      batches.push(requests.slice(start, start + BATCH_WRITE_LIMIT));
    }
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        let pending = batches[next++]!;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) {
            if (attempt > 8) {
              throw new StoreError(`BatchWriteItem of ${what}: ${pending.length} items stayed unprocessed`, {
                retryable: true,
              });
            }
            await sleep(Math.min(50 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2));
          }
          try {
            const result = await this.client.send(
              new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
            );
            pending = (result.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
          } catch (error) {
            throw toStoreError(error, 'BatchWriteItem', what);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
  }
}
