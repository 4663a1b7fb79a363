// Reads every store needs: all pages of a Query (DynamoDB stops a page at 1 MB, so a caller that wants all of
// a review's items of one kind must follow LastEvaluatedKey), one consistent GetItem, batches of gets, the one
// batched write (BatchWriteItem, 25 requests each, unprocessed items retried) and the conditional put. SDK errors
// become StoreErrors naming what was read or written.
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../../errors.ts';
import { isConditionFailure, toStoreError } from './citation-store.ts';
import { type ItemKey, reviewPk } from './table-design.ts';

export async function queryAllPages(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  what: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    try {
      const page = await client.send(
        new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } catch (error) {
      throw toStoreError(error, 'Query', what);
    }
  } while (startKey);
  return items;
}

/** Every item of a review whose sort key starts with `prefix`, strongly consistent, all pages. */
export function queryReviewPrefix(
  client: DynamoDBDocumentClient,
  tableName: string,
  request: { reviewId: string; prefix: string; projection?: string; names?: Record<string, string> },
  what: string,
): Promise<Record<string, unknown>[]> {
  return queryAllPages(
    client,
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': reviewPk(request.reviewId), ':prefix': request.prefix },
      ConsistentRead: true,
      ...(request.projection ? { ProjectionExpression: request.projection } : {}),
      ...(request.names ? { ExpressionAttributeNames: request.names } : {}),
    },
    what,
  );
}

/** One item by key, strongly consistent; undefined when there is none. */
export async function getItemConsistent(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  } catch (error) {
    throw toStoreError(error, 'GetItem', what);
  }
}

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const PARALLEL_BATCHES = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Items by key (BatchGetItem, 100 keys a request, all requests at once), strongly consistent, retrying
 * unprocessed keys with backoff. Missing items are simply absent from the answer. `projection` names the
 * attributes to read.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  what: string,
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> {
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
          const result = await client.send(
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
 * Write requests ({PutRequest} / {DeleteRequest}) in BatchWriteItems of 25, a few at a time, retrying unprocessed
 * items with backoff. Each request is idempotent, so a retry or a re-run after a failure converges.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly Record<string, unknown>[],
  what: string,
): Promise<void> {
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
          const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (result.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
        } catch (error) {
          throw toStoreError(error, 'BatchWriteItem', what);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, worker));
}

/** PutItem if no item holds the key: false (nothing written) when one does. */
export async function putIfAbsent(
  client: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  what: string,
): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw toStoreError(error, 'PutItem', what);
  }
}
