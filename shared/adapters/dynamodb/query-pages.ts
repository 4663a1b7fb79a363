// Every page of a Query, in order. DynamoDB stops a page at 1 MB, so a caller that wants all of a review's
// items of one kind must follow LastEvaluatedKey; SDK errors become StoreErrors naming what was read.
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { toStoreError } from './citation-store.ts';

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
