// Possible-duplicate pairs at any size: the pairs of one citation are read with one Query of its own items,
// whichever side of the pair it is on (each pair has a mirror under its second citation), never by reading
// every pair of the review. A write that stops between a pair and its mirror leaves nothing wrong, and a
// review whose pairs predate the mirrors gets them once, on its first read. Over the real embedded store.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onDynamoRequest } from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import {
  POSSIBLE_DUPLICATE_MIRROR,
  possibleDuplicateMirrorItem,
  talliesKey,
} from '../../../shared/adapters/dynamodb/screening-store.ts';
import { PROJECTION_VERSION, progress } from '../../../shared/app/screening.ts';
import type { PossibleDuplicate } from '../../../shared/ports/screening-store.ts';
import { citation, type Harness, iesm, startHarness } from './support.ts';

const PMIDS = Array.from({ length: 12 }, (_, i) => String(700 + i));
let h: Harness;
const id = (pmid: string) => h.ids.get(pmid)!;
const store = () => h.screening.screening;
const table = () => ({ client: h.screening.embedded.client, TableName: h.screening.embedded.tableName });

beforeAll(async () => {
  h = await startHarness(
    'possible-duplicates',
    PMIDS.map((pmid) => ({ reviewId: iesm.id, citation: citation(pmid) })),
  );
});

afterAll(async () => {
  await h?.close();
});

const pairOf = (first: string, second: string, reason = 'title exact, year one apart') =>
  store().recordPossibleDuplicate(iesm.id, {
    citationId: id(first),
    twinId: id(second),
    reason,
    score: 0.9,
    foundAt: '2026-01-05T07:00:00.000Z',
  });

/** The pairs of one citation, the DynamoDB operations the read sent, and how many items its Queries read. */
async function pendingOf(
  pmid: string,
): Promise<{ pairs: PossibleDuplicate[]; operations: string[]; scanned: number }> {
  const operations: string[] = [];
  let scanned = 0;
  const client = h.screening.embedded.client;
  const stop = onDynamoRequest(client, ({ operation }) => operations.push(operation));
  const name = `scanned-${pmid}-${Math.random()}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      scanned += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      return result;
    },
    { step: 'initialize', name },
  );
  try {
    return { pairs: await store().listPendingDuplicatesOf(iesm.id, id(pmid)), operations, scanned };
  } finally {
    stop();
    client.middlewareStack.remove(name);
  }
}

describe('possible-duplicate pairs', () => {
  it('finds a pair from both of its citations, and no other citation’s pairs', async () => {
    const pair = await pairOf('700', '701');
    await pairOf('702', '703');
    await pairOf('704', '700');
    const [low, high] = [id('700'), id('701')].sort();
    expect(pair.pairId).toBe(`${low}~${high}`);

    for (const pmid of ['700', '701']) {
      const { pairs } = await pendingOf(pmid);
      expect(pairs.map((p) => p.pairId)).toContain(pair.pairId);
    }
    expect((await pendingOf('700')).pairs).toHaveLength(2);
    expect((await pendingOf('701')).pairs).toEqual([pair]);
    expect((await pendingOf('703')).pairs.map((p) => [p.citationId, p.twinId])).toEqual([
      [id('702'), id('703')],
    ]);
    // The Query reads the citation's own pair items (and mirrors), not the review's other pairs.
    expect((await pendingOf('701')).scanned).toBe(1);
    expect((await pendingOf('700')).scanned).toBe(2);
    // A citation with no pairs: one Query that reads nothing, and no other request.
    expect(await pendingOf('711')).toEqual({ pairs: [], operations: ['Query'], scanned: 0 });
    // Each pair is listed once, not once more for its mirror.
    const listed = await store().listPossibleDuplicates(iesm.id);
    expect(listed.map((p) => p.pairId).sort()).toEqual(
      [
        pair.pairId,
        (await pendingOf('702')).pairs[0]!.pairId,
        (await pendingOf('704')).pairs[0]!.pairId,
      ].sort(),
    );
  });

  it('leaves a resolved pair out of both citations’ pending pairs', async () => {
    const pair = await pairOf('705', '706');
    await store().resolvePossibleDuplicate(iesm.id, pair.pairId, {
      status: 'split',
      resolvedBy: 'pp',
      resolvedAt: '2026-01-06T07:00:00.000Z',
    });
    expect((await pendingOf('705')).pairs).toEqual([]);
    expect((await pendingOf('706')).pairs).toEqual([]);
  });

  it('passes over a mirror whose pair was never written, and completes a pair whose mirror was not', async () => {
    const [a, b] = [id('707'), id('708')].sort() as [string, string];
    // A write that stopped after the mirror: a pointer to nothing.
    await table().client.send(
      new PutCommand({
        TableName: table().TableName,
        Item: possibleDuplicateMirrorItem(iesm.id, `${a}~${b}`),
      }),
    );
    expect((await pendingOf('707')).pairs).toEqual([]);
    expect((await pendingOf('708')).pairs).toEqual([]);

    // A write that stopped after the pair: the mirror is missing until the pair is recorded again (a re-run).
    const pair = await pairOf('709', '710');
    const [low, high] = [id('709'), id('710')].sort() as [string, string];
    const mirror = possibleDuplicateMirrorItem(iesm.id, `${low}~${high}`);
    await table().client.send(
      new DeleteCommand({ TableName: table().TableName, Key: { pk: mirror.pk, sk: mirror.sk } }),
    );
    const second = high === id('709') ? '709' : '710';
    expect((await pendingOf(second)).pairs).toEqual([]);
    expect(await pairOf('710', '709', 'found again')).toEqual(pair);
    expect((await pendingOf(second)).pairs).toEqual([pair]);
  });

  it('gives a review whose pairs predate the mirrors their mirrors on its first read', async () => {
    const pair = await pairOf('711', '701');
    const [low, high] = pair.pairId.split('~') as [string, string];
    const mirror = possibleDuplicateMirrorItem(iesm.id, pair.pairId);
    expect(mirror).toMatchObject({
      sk: `POSSIBLE_DUPLICATE#${high}#${low}`,
      type: POSSIBLE_DUPLICATE_MIRROR,
    });
    // As version 2 left it: the pair alone, the review's projections at version 2.
    await progress(h.screening.deps, iesm, { reviewerId: 'pp' });
    await table().client.send(
      new DeleteCommand({ TableName: table().TableName, Key: { pk: mirror.pk, sk: mirror.sk } }),
    );
    await table().client.send(
      new PutCommand({
        TableName: table().TableName,
        Item: { ...(await readTalliesItem()), projectionVersion: 2 },
      }),
    );
    const highPmid = high === id('711') ? '711' : '701';
    expect((await pendingOf(highPmid)).pairs.map((p) => p.pairId)).not.toContain(pair.pairId);

    await progress(h.screening.deps, iesm, { reviewerId: 'pp' });
    expect((await readTalliesItem()).projectionVersion).toBe(PROJECTION_VERSION);
    expect((await pendingOf(highPmid)).pairs.map((p) => p.pairId)).toContain(pair.pairId);
  });
});

async function readTalliesItem(): Promise<Record<string, unknown>> {
  const { Item } = await table().client.send(
    new GetCommand({ TableName: table().TableName, Key: talliesKey(iesm.id), ConsistentRead: true }),
  );
  return Item ?? {};
}
