// The DynamoDB client's signing: SigV4 by default (AWS), and for the embedded store the key id alone in a
// SigV4-shaped header (the store server checks the key id; dynalite checks only the header's shape). A
// loopback server records what each client sends.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoClient,
  destroyDynamoClient,
  embeddedClientConfig,
} from '../../../shared/adapters/dynamodb/dynamo-client.ts';

let server: Server;
let endpoint: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ TableNames: ['t'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const credentials = { accessKeyId: 'store-secret-123', secretAccessKey: 'unused' };

async function headersOf(client: ReturnType<typeof createDynamoClient>): Promise<IncomingHttpHeaders> {
  seen.length = 0;
  try {
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['t']);
  } finally {
    destroyDynamoClient(client);
  }
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('DynamoDB request signing', () => {
  it('signs with SigV4 by default', async () => {
    const headers = await headersOf(createDynamoClient({ endpoint, region: 'eu-west-1', credentials }));
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=store-secret-123\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
  });

  it('sends the embedded store its key id in a SigV4-shaped header, with no signature computed', async () => {
    const headers = await headersOf(createDynamoClient(embeddedClientConfig(endpoint, credentials)));
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=store-secret-123/${String(headers['x-amz-date']).slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned`,
    );
  });

  it('refuses key-id-only signing without credentials', () => {
    expect(() => createDynamoClient({ endpoint, signing: 'key-id-only' })).toThrow(/needs the credentials/);
  });
});
