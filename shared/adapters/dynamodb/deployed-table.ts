// The table of a deployment (the TableName output of the LivingReviewData stack), reached with the operator's
// own AWS credentials, region and, when set, AWS_ENDPOINT_URL_DYNAMODB: what the CLI uses instead of the
// embedded store when given `--aws-table`, so an operator can import exports, include or withdraw studies,
// import patient rows and read the statistics of a deployed review. The table is never created here (the CDK
// stack owns it): a missing table, or one whose keys are not this design's, fails naming it.
import {
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errorMessage, StoreError } from '../../errors.ts';
import { DynamoCitationStore } from './citation-store.ts';
import { createDynamoClient, destroyDynamoClient } from './dynamo-client.ts';
import { DEFAULT_TABLE_NAME, tableDefinition } from './table-design.ts';

export interface DeployedTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  store: DynamoCitationStore;
  close(): Promise<void>;
}

export async function openDeployedTable(tableName: string): Promise<DeployedTable> {
  const client = createDynamoClient();
  try {
    const region = await client.config.region();
    let described: DescribeTableCommandOutput;
    try {
      described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        throw new StoreError(
          `no DynamoDB table "${tableName}" in ${region} (--aws-table takes the TableName output of the LivingReviewData stack; AWS_REGION or the profile picks the region)`,
        );
      }
      throw new StoreError(`cannot read DynamoDB table "${tableName}" in ${region}: ${errorMessage(error)}`, {
        cause: error,
        retryable: true,
      });
    }
    const keys = (described.Table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).sort();
    const expected = (tableDefinition(DEFAULT_TABLE_NAME).KeySchema ?? [])
      .map((k) => `${k.AttributeName}:${k.KeyType}`)
      .sort();
    if (keys.join() !== expected.join()) {
      throw new StoreError(
        `DynamoDB table "${tableName}" in ${region} is not a living review table: its keys are ${keys.join(', ') || 'unknown'}, expected ${expected.join(', ')}`,
      );
    }
  } catch (error) {
    destroyDynamoClient(client);
    throw error;
  }
  return {
    client,
    tableName,
    store: new DynamoCitationStore({ client, tableName }),
    close: async () => destroyDynamoClient(client),
  };
}
