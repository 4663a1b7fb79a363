// Builds the DynamoDB document client the store uses, for AWS and for the embedded dynalite server alike: the
// only difference is an endpoint and the store's own credentials, both set on the client (process.env is never
// touched).
// Also: ensureTable (embedded use and tests; on AWS the CDK stack owns the table) and a per-request hook that
// the benchmark and the tests use to count DynamoDB calls.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errorMessage, StoreError } from '../../errors.ts';
import { keyIdHeaders } from './key-id-auth.ts';
import { tableDefinition, tableIsActive } from './table-design.ts';

export interface DynamoClientConfig {
  /** e.g. "eu-west-1"; default: the SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** A non-AWS endpoint such as the embedded server, "http://127.0.0.1:PORT". */
  endpoint?: string;
  /** Static credentials; default: the SDK's provider chain (the Lambda role on AWS). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SDK attempts per request including the first (default 3; throttling and 5xx are retried). */
  maxAttempts?: number;
  /**
   * 'key-id-only': requests carry the credentials' access key id in a SigV4-shaped Authorization header
   * without computing the signature (the embedded server checks the key id and verifies no signature: see
   * embedded-store.ts). Never for AWS, which rejects such requests. Default: SigV4.
   */
  signing?: 'sigv4' | 'key-id-only';
}

const baseClients = new WeakMap<DynamoDBDocumentClient, DynamoDBClient>();

/**
 * Settings for the embedded store's local server: any region works there; the credentials carry the store's
 * secret (EmbeddedStore.credentials), which the server checks as the access key id.
 */
export function embeddedClientConfig(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): DynamoClientConfig {
  return { endpoint, region: 'us-east-1', credentials, signing: 'key-id-only' };
}

/**
 * A signer that writes the headers a SigV4 request has (X-Amz-Date, an Authorization naming the access key id,
 * its scope and the signed headers) with a placeholder for the signature: the embedded server reads only the
 * key id. SigV4 costs the client an HMAC chain and a SHA-256 of every body (~10 % of its CPU per request).
 */
function keyIdOnlySigner(accessKeyId: string) {
  return {
    sign: async <Request extends { headers: Record<string, string> }>(
      request: Request,
      options: { signingDate?: Date; signingRegion?: string; signingService?: string } = {},
    ) => {
      Object.assign(
        request.headers,
        keyIdHeaders(accessKeyId, options.signingDate, {
          region: options.signingRegion,
          service: options.signingService,
        }),
      );
      return request;
    },
  };
}

export function createDynamoClient(config: DynamoClientConfig = {}): DynamoDBDocumentClient {
  const clientConfig: DynamoDBClientConfig = {};
  if (config.region) clientConfig.region = config.region;
  if (config.endpoint) clientConfig.endpoint = config.endpoint;
  if (config.credentials) clientConfig.credentials = config.credentials;
  if (config.maxAttempts) clientConfig.maxAttempts = config.maxAttempts;
  if (config.signing === 'key-id-only') {
    if (!config.credentials) throw new TypeError('key-id-only signing needs the credentials');
    clientConfig.signer = keyIdOnlySigner(config.credentials.accessKeyId) as DynamoDBClientConfig['signer'];
  }
  const base = new DynamoDBClient(clientConfig);
  const client = DynamoDBDocumentClient.from(base, {
    // Citation fields that are "not given" are null (stored as NULL); undefined never reaches the table.
    marshallOptions: { removeUndefinedValues: true },
  });
  baseClients.set(client, base);
  return client;
}

/** Releases the client's sockets (the document client's own destroy() does nothing). */
export function destroyDynamoClient(client: DynamoDBDocumentClient): void {
  (baseClients.get(client) ?? client).destroy();
}

export interface DynamoRequestEvent {
  /** The DynamoDB operation, e.g. "PutItem", "Query". */
  operation: string;
  /** False when DynamoDB answered with an error (a failed condition included). */
  ok: boolean;
}

/**
 * Calls `listener` after every HTTP request the client sends (each SDK retry counts), once the answer is in.
 * Returns a function that removes the hook.
 */
export function onDynamoRequest(
  client: DynamoDBDocumentClient,
  listener: (event: DynamoRequestEvent) => void,
): () => void {
  const name = `requestHook-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
      const operation = (headers['x-amz-target'] ?? 'unknown').split('.').pop() ?? 'unknown';
      let ok = false;
      try {
        const result = await next(args);
        ok = true;
        return result;
      } finally {
        listener({ operation, ok });
      }
    },
    { step: 'deserialize', name, priority: 'high' },
  );
  return () => {
    client.middlewareStack.remove(name);
  };
}

/**
 * Creates the table (with its "queue" index) when it does not exist and waits until it and the index are
 * ACTIVE. Safe to call from several processes at once.
 */
export async function ensureTable(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      let status: string | undefined;
      let active = false;
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
        status = Table?.TableStatus;
        active = tableIsActive(Table);
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        try {
          await client.send(new CreateTableCommand(tableDefinition(tableName)));
        } catch (createError) {
          // Another process created it first: wait for it like for our own.
          if (!(createError instanceof ResourceInUseException)) throw createError;
        }
      }
      if (active) return;
      if (Date.now() > deadline) {
        throw new StoreError(`table "${tableName}" is not ACTIVE (status ${status ?? 'missing'})`, {
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`could not create or describe table "${tableName}": ${errorMessage(error)}`, {
      cause: error,
      retryable: true,
    });
  }
}
