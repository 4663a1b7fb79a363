// The embedded store's dynalite patches (shared/adapters/embedded/dynalite-patches.ts), over a real dynalite on
// LevelDB in a temp directory and the real SDK: each patch changes how dynalite reads, never what it answers.
// The LevelDB iterators' prototypes are watched to see what a request reads and whether it closes its iterators.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoClient,
  destroyDynamoClient,
  ensureTable,
} from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import { startDynalite } from '../../../shared/adapters/embedded/dynalite-patches.ts';

const require = createRequire(import.meta.url);
type Prototype = Record<string, (...args: unknown[]) => unknown>;
const abstractLevel = require('abstract-level') as Record<string, { prototype: Prototype }>;

// What the iterators hand out (items or keys) and how many of them are closed, counted on the prototypes.
const watched = { read: 0, closed: 0 };
for (const name of ['AbstractKeyIterator', 'AbstractValueIterator']) {
  const prototype = abstractLevel[name]!.prototype;
  const nextv = prototype.nextv!;
  prototype.nextv = async function (this: unknown, ...args: unknown[]) {
    const items = (await nextv.apply(this, args)) as unknown[];
    watched.read += items.length;
    return items;
  };
}
// What is handed to LevelDB: each put, del or batch that reaches classic-level's native side (the batching
// patch calls the _batch below for each batch it writes), and each table description read.
const classicLevel = (require('classic-level') as { ClassicLevel: { prototype: Prototype } }).ClassicLevel
  .prototype;
const writes = { handed: 0, operations: 0 };
for (const name of ['_put', '_del', '_batch']) {
  const write = classicLevel[name]!;
  classicLevel[name] = function (this: unknown, ...args: unknown[]) {
    writes.handed++;
    writes.operations += name === '_batch' ? (args[0] as unknown[]).length : 1;
    return write.apply(this, args);
  };
}
const tableReads = { count: 0 };
const getSync = classicLevel._getSync!;
classicLevel._getSync = function (this: unknown, ...args: unknown[]) {
  if (String(args[0]).startsWith('table~')) tableReads.count++;
  return getSync.apply(this, args);
};
// How often dynalite's expression parsers run (wrapped before the patches keep their parses).
const parses = { count: 0 };
for (const name of ['conditionParser', 'updateParser', 'projectionParser']) {
  const parser = require(`dynalite/db/${name}`) as { parse: (...args: unknown[]) => unknown };
  const parse = parser.parse;
  parser.parse = (...args: unknown[]) => {
    parses.count++;
    return parse(...args);
  };
}
const ITEMS = 1500;
let dir: string;
let server: Server;
let client: ReturnType<typeof createDynamoClient>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lr-dynalite-patches-'));
  server = startDynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // After startDynalite: the patch gives the iterators `close` as `return`; count the closes under it.
  for (const name of ['AbstractKeyIterator', 'AbstractValueIterator', 'AbstractIterator']) {
    const prototype = abstractLevel[name]!.prototype;
    const close = prototype.close!;
    prototype.close = function (this: unknown, ...args: unknown[]) {
      watched.closed++;
      return close.apply(this, args);
    };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  client = createDynamoClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ensureTable(client, 'main');
  await ensureTable(client, 'other');
  for (let start = 0; start < ITEMS; start += 25) {
    const batch = Array.from({ length: Math.min(25, ITEMS - start) }, (_, i) => ({
      PutRequest: {
        Item: { pk: 'P', sk: `S#${String(start + i).padStart(5, '0')}`, payload: 'x'.repeat(40) },
      },
    }));
    await client.send(new BatchWriteCommand({ RequestItems: { main: batch } }));
  }
});

afterAll(async () => {
  destroyDynamoClient(client);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded store’s dynalite', () => {
  it('lists its tables from the table list alone, not from every key of the database', async () => {
    const before = watched.read;
    const all = await client.send(new ListTablesCommand({}));
    expect(all.TableNames).toEqual(['main', 'other']);
    // Two table descriptions, not the 1,500 items (and their index entries) stored beside them.
    expect(watched.read - before).toBe(2);

    const first = await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(first).toMatchObject({ TableNames: ['main'], LastEvaluatedTableName: 'main' });
    const rest = await client.send(new ListTablesCommand({ ExclusiveStartTableName: 'main' }));
    expect(rest.TableNames).toEqual(['other']);
  });

  it('pages a Query past the size of one read-ahead, in key order, with nothing skipped or repeated', async () => {
    const seen: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: 'main',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': 'P' },
          Limit: 1100,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      seen.push(...(page.Items ?? []).map((item) => String(item.sk)));
      startKey = page.LastEvaluatedKey;
      pages++;
    } while (startKey);
    expect(pages).toBe(2);
    expect(seen).toEqual(Array.from({ length: ITEMS }, (_, i) => `S#${String(i).padStart(5, '0')}`));
  });

  it('reads no further than a Query’s Limit, and closes every iterator it opens', async () => {
    const read = watched.read;
    const closed = watched.closed;
    for (let i = 0; i < 20; i++) {
      const page = await client.send(
        new QueryCommand({
          TableName: 'main',
          KeyConditionExpression: 'pk = :p AND sk > :after',
          ExpressionAttributeValues: { ':p': 'P', ':after': `S#${String(i * 50).padStart(5, '0')}` },
          Limit: 3,
        }),
      );
      expect(page.Items).toHaveLength(3);
    }
    // dynalite asks LevelDB for Limit + 1 items, to know whether there is a next page.
    expect(watched.read - read).toBe(20 * 4);
    expect(watched.closed - closed).toBeGreaterThanOrEqual(20);
  });

  it('answers a GetItem with what was written, and a missing item with nothing', async () => {
    const found = await client.send(new GetCommand({ TableName: 'main', Key: { pk: 'P', sk: 'S#00042' } }));
    expect(found.Item).toEqual({ pk: 'P', sk: 'S#00042', payload: 'x'.repeat(40) });
    const missing = await client.send(new GetCommand({ TableName: 'main', Key: { pk: 'P', sk: 'S#99999' } }));
    expect(missing.Item).toBeUndefined();
  });

  it('hands the writes of one turn of the event loop to LevelDB as one batch, in the order they were made', async () => {
    const before = { ...writes };
    const items = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: { Item: { pk: 'W', sk: `S#${String(i).padStart(2, '0')}`, n: i } },
    }));
    await client.send(new BatchWriteCommand({ RequestItems: { other: items } }));
    // 25 items (the table has no index) in one batch; without batching, 25 puts.
    expect(writes.operations - before.operations).toBe(25);
    expect(writes.handed - before.handed).toBe(1);
    const page = await client.send(
      new QueryCommand({
        TableName: 'other',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'W' },
      }),
    );
    expect(page.Items).toEqual(items.map((item) => item.PutRequest.Item));

    // A put and a delete of one item sent together: whichever DynamoDB applied last is what stays.
    for (let round = 0; round < 10; round++) {
      const key = { pk: 'W', sk: `R#${round}` };
      const put = client.send(new PutCommand({ TableName: 'other', Item: { ...key, round } }));
      await put;
      await Promise.all([
        client.send(new DeleteCommand({ TableName: 'other', Key: key })),
        client.send(new PutCommand({ TableName: 'other', Item: { ...key, round: round + 100 } })),
      ]);
      // Both were answered; then the item is either deleted or the second put: never the first.
      const found = await client.send(new GetCommand({ TableName: 'other', Key: key }));
      expect([undefined, round + 100]).toContain(found.Item?.round);
    }
  });

  it('reads an active table’s description once for its item operations, and again once it changes', async () => {
    await client.send(new GetCommand({ TableName: 'main', Key: { pk: 'P', sk: 'S#00001' } }));
    const before = tableReads.count;
    for (let i = 0; i < 20; i++) {
      const found = await client.send(
        new GetCommand({ TableName: 'main', Key: { pk: 'P', sk: `S#${String(i).padStart(5, '0')}` } }),
      );
      expect(found.Item?.sk).toBe(`S#${String(i).padStart(5, '0')}`);
    }
    // Without the patch: one read per GetItem.
    expect(tableReads.count - before).toBe(0);

    // A table deleted and created again (a new key schema) is answered as it is now.
    await client.send(new PutCommand({ TableName: 'other', Item: { pk: 'X', sk: 'Y', n: 1 } }));
    await client.send(new DeleteTableCommand({ TableName: 'other' }));
    for (;;) {
      const tables = await client.send(new ListTablesCommand({}));
      if (!tables.TableNames?.includes('other')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(
      client.send(new GetCommand({ TableName: 'other', Key: { pk: 'X', sk: 'Y' } })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'other',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ensureTable(client, 'other');
    await client.send(new PutCommand({ TableName: 'other', Item: { id: 'only', n: 2 } }));
    const fresh = await client.send(new GetCommand({ TableName: 'other', Key: { id: 'only' } }));
    expect(fresh.Item).toEqual({ id: 'only', n: 2 });
    await expect(
      client.send(new GetCommand({ TableName: 'other', Key: { pk: 'X', sk: 'Y' } })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('parses an expression sent again with other values once, and judges each request by its own values', async () => {
    const claim = (sk: string, owner: string) =>
      client
        .send(
          new PutCommand({
            TableName: 'main',
            Item: { pk: 'C', sk, owner },
            ConditionExpression: 'attribute_not_exists(pk) OR #owner = :me',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':me': owner },
          }),
        )
        .then(
          () => 'written',
          (error: { name?: string }) => error.name ?? String(error),
        );
    const before = parses.count;
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(await claim(`K#${i}`, `a${i}`)); // absent: written
      outcomes.push(await claim(`K#${i}`, `a${i}`)); // ours: written again
      outcomes.push(await claim(`K#${i}`, `b${i}`)); // someone else's: refused
    }
    expect(outcomes).toEqual(
      Array.from({ length: 20 }, () => ['written', 'written', 'ConditionalCheckFailedException']).flat(),
    );
    // Without the patch: 60 parses.
    expect(parses.count - before).toBe(1);

    // The same expression with a value of another type is checked as that type.
    const query = (prefix: string | number) =>
      client.send(
        new QueryCommand({
          TableName: 'main',
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':p': 'C', ':prefix': prefix },
        }),
      );
    expect((await query('K#1')).Items?.map((item) => item.sk)).toEqual([
      'K#1',
      'K#10',
      'K#11',
      'K#12',
      'K#13',
      'K#14',
      'K#15',
      'K#16',
      'K#17',
      'K#18',
      'K#19',
    ]);
    expect((await query('K#7')).Items?.map((item) => item.sk)).toEqual(['K#7']);
    await expect(query(7)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      ),
    });

    // A value the expression does not use is still refused; an update applies the request's own values.
    const update = (values: Record<string, unknown>) =>
      client.send(
        new UpdateCommand({
          TableName: 'main',
          Key: { pk: 'C', sk: 'K#3' },
          UpdateExpression: 'SET #owner = :owner ADD seen :one',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
    expect((await update({ ':owner': 'x', ':one': 1 })).Attributes).toMatchObject({ owner: 'x', seen: 1 });
    expect((await update({ ':owner': 'y', ':one': 2 })).Attributes).toMatchObject({ owner: 'y', seen: 3 });
    await expect(update({ ':owner': 'z', ':one': 1, ':extra': 'e' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('unused in expressions: keys: {:extra}'),
    });
    await expect(update({ ':owner': 'z', ':one': 'not a number' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('operator: ADD, operand type: STRING'),
    });
  });
});
