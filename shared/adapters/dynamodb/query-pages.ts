// Reads every store needs: all pages of a Query (DynamoDB stops a page at 1 MB, so a caller that wants all of
// a review's items of one kind must follow LastEvaluatedKey) and one consistent GetItem. SDK errors become
// StoreErrors naming what was read. And telling a failed condition from any other failure of a write.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { toStoreError } from './citation-store.ts';
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

/** A conditional write whose condition did not hold (not an error: the item was not as expected). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
