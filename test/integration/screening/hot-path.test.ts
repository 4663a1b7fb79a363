// What keeps `next`, a decision and progress to a fixed, small number of requests (bench/screening.bench.ts
// measures them): writers' dirty marks live on the tallies item, which the board and the tallies reads bring
// anyway; marks an earlier version left as items of their own are still found (conflicts, the status report);
// a decision reads only the record's heading and appends its event, tally delta and mark in one write; `next`
// stores its cursor (answered with the cursors stored before it) while it reads the candidate's log and
// releases it when the record turns out not to await the reviewer. Over the real embedded store.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusDepsOver } from '../../../cli/serve/wiring.ts';
import { onDynamoRequest } from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import { dirtyKey } from '../../../shared/adapters/dynamodb/screening-store.ts';
import {
  listConflicts,
  nextRecord,
  progress,
  recordDecision,
  type ScreeningDeps,
  statusReport,
} from '../../../shared/app/screening.ts';
import { type Protocol, protocolSchema } from '../../../shared/domain/protocol/protocol.ts';
import { sumTallies } from '../../../shared/domain/screening/report.ts';
import { firstDecider, replay, statusOf } from '../../../shared/domain/screening/workflow.ts';
import { citation, firstInclude, type Harness, iesm, startHarness } from './support.ts';

/** A review of its own with one record (a queue nothing else is in). */
const solo: Protocol = protocolSchema.parse({ ...iesm, id: 'solo' });

let h: Harness;
let deps: ScreeningDeps;
let ids = 0;
const id = (pmid: string) => h.ids.get(pmid)!;

beforeAll(async () => {
  h = await startHarness('hot-path', [
    ...['801', '802', '803', '804', '805'].map((pmid) => ({ reviewId: iesm.id, citation: citation(pmid) })),
    { reviewId: solo.id, citation: citation('901') },
    { reviewId: 'solo-ops', citation: citation('902') },
  ]);
  deps = { ...h.screening.deps, newId: () => `hp-${++ids}`, repairAfterMs: 0 };
});

afterAll(async () => {
  await h?.close();
});

const store = () => h.screening.screening;

/** An orphaned decision whose writer left a stale dirty mark as an item of its own (as earlier versions did). */
async function orphanWithLegacyMark(citationId: string, eventId: string) {
  const event = firstInclude(citationId, 'alc', eventId);
  expect(await store().appendEvent(iesm.id, event)).toBe(true);
  const legacy = { citationId, token: event.eventId, at: new Date(0).toISOString() };
  await h.screening.embedded.client.send(
    new PutCommand({
      TableName: h.screening.embedded.tableName,
      Item: { ...dirtyKey(iesm.id, legacy), type: 'dirty', reviewId: iesm.id, ...legacy },
    }),
  );
  return legacy;
}

async function expectProjected(reviewId: string) {
  const [read, entries, events] = await Promise.all([
    store().readTallies(reviewId),
    store().listCitations(reviewId),
    store().listReviewEvents(reviewId),
  ]);
  const states = entries.map((e) =>
    replay(
      e.citationId,
      events.filter((x) => x.citationId === e.citationId),
    ),
  );
  expect(read.tallies).toEqual(sumTallies(states));
  expect(entries.map((e) => [e.citationId, e.status, e.version, e.firstDecider])).toEqual(
    states.map((s) => [s.citationId, statusOf(s), s.version, firstDecider(s)]),
  );
}

/** The DynamoDB operations `run` sends, in the order they were answered. */
async function operationsOf(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const stop = onDynamoRequest(h.screening.embedded.client, ({ operation }) => seen.push(operation));
  try {
    await run();
  } finally {
    stop();
  }
  return seen;
}

describe('dirty marks on the tallies item', () => {
  it('are read with the board and the tallies, listed, and cleared', async () => {
    const mark = { citationId: id('801'), token: 'writer-1', at: '2026-01-05T07:00:00.000Z' };
    await store().markDirty(iesm.id, mark);
    expect((await store().readBoard(iesm.id, ['pp'])).dirty).toEqual([mark]);
    expect((await store().readTallies(iesm.id)).dirty).toEqual([mark]);
    expect(await store().listDirty(iesm.id)).toEqual([mark]);
    await store().clearDirty(iesm.id, mark);
    expect(await store().listDirty(iesm.id)).toEqual([]);
    expect((await store().readBoard(iesm.id, ['pp'])).dirty).toEqual([]);
  });

  it('progress reads no listing of its own for them', async () => {
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, id('802'), {
      stage: 'title-abstract',
      decision: 'include',
      reasonId: null,
      note: null,
    });
    await progress(deps, iesm, { reviewerId: 'pp' }); // the review's first read brings its projections up to date
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, id('802'), {
      stage: 'title-abstract',
      decision: 'include',
      reasonId: null,
      note: null,
    });
    const operations = await operationsOf(() => progress(deps, iesm, { reviewerId: 'pp' }));
    // The tallies item, the deltas waiting in the index, the deltas themselves.
    expect(operations.sort()).toEqual(['BatchGetItem', 'GetItem', 'Query']);
  });

  it('a mark an earlier version left as an item of its own is repaired when the conflicts are listed', async () => {
    const legacy = await orphanWithLegacyMark(id('803'), 'legacy-writer-1');
    expect(await store().listDirty(iesm.id)).toEqual([{ ...legacy, legacyItem: true }]);
    await listConflicts(deps, iesm, { reviewerId: 'ash' });
    expect(await store().listDirty(iesm.id)).toEqual([]);
    await expectProjected(iesm.id);
  });

  it('the status report repairs such a mark and counts the record as repaired', async () => {
    await orphanWithLegacyMark(id('805'), 'legacy-writer-2');
    const statusDeps = { ...statusDepsOver(h.screening, h.screening.embedded, iesm), ...deps };
    const first = await statusReport(statusDeps, iesm);
    expect(await store().listDirty(iesm.id)).toEqual([]);
    await expectProjected(iesm.id);
    // The report that found the mark counts from the repaired tallies, as every later one does.
    expect(first).toEqual(await statusReport(statusDeps, iesm));
    expect(first.statuses['title-abstract-awaiting-second']).toBeGreaterThanOrEqual(1);
    // With nothing left to repair, one round: the tallies item read once, beside the DIRTY# items, both
    // stages' conflicts, the included studies and the citations' sources (all Queries).
    const operations = await operationsOf(() => statusReport(statusDeps, iesm));
    expect(operations.filter((operation) => operation === 'GetItem')).toEqual(['GetItem']);
    expect(operations.filter((operation) => operation === 'Query').length).toBe(6);
  });
});

describe('a decision', () => {
  it("reads the record's title and year, not the whole record", async () => {
    const stored = await store().getCitation(iesm.id, id('804'));
    expect(await store().citationHeading(iesm.id, id('804'))).toEqual({
      title: stored!.citation.title,
      year: stored!.citation.year,
    });
    expect(await store().citationHeading(iesm.id, 'c00000000000000000000')).toBeNull();
    const operations = await operationsOf(() =>
      recordDecision(deps, iesm, { reviewerId: 'pp' }, id('804'), {
        stage: 'title-abstract',
        decision: 'exclude',
        reasonId: 'not-iesm',
        note: null,
      }),
    );
    // Heading, log; the append (the event, its tally delta and the writer's mark in one item); decision row,
    // status; the mark removed.
    expect(operations.sort()).toEqual(
      ['GetItem', 'Query', 'PutItem', 'PutItem', 'UpdateItem', 'UpdateItem'].sort(),
    );
    const row = (await store().listReviewerDecisions(iesm.id, 'pp', { limit: 10 })).decisions.find(
      (d) => d.citationId === id('804'),
    );
    expect(row).toMatchObject({ title: stored!.citation.title, year: stored!.citation.year });
  });
});

describe('next', () => {
  it('claims a record in one write that answers every cursor stored before it, and none after', async () => {
    const cursor = (reviewerId: string, citationId: string) => ({
      reviewerId,
      citationId,
      stage: 'title-abstract' as const,
      as: 'screener' as const,
      since: '2026-01-05T08:00:00.000Z',
      until: '2026-01-05T08:05:00.000Z',
    });
    const sorted = (cursors: Array<{ reviewerId: string; citationId: string }>) =>
      cursors.map((c) => `${c.reviewerId}:${c.citationId}`).sort();
    expect(sorted(await store().putCursor('claims', cursor('pp', 'r1')))).toEqual(['pp:r1']);
    expect(sorted(await store().putCursor('claims', cursor('alc', 'r1')))).toEqual(['alc:r1', 'pp:r1']);
    // A reviewer has one cursor: the next record handed to them replaces it.
    expect(sorted(await store().putCursor('claims', cursor('pp', 'r2')))).toEqual(['alc:r1', 'pp:r2']);
    expect(sorted((await store().readBoard('claims', ['alc'])).cursors)).toEqual(['alc:r1']);
    const operations = await operationsOf(() => store().putCursor('claims', cursor('kim', 'r1')));
    expect(operations).toEqual(['UpdateItem']);
  });

  it('reads the board, the queues, then the log, the record and its pairs while it stores its cursor', async () => {
    const review: Protocol = { ...solo, id: 'solo-ops' };
    await nextRecord(deps, review, { reviewerId: 'pp' }, { as: 'screener' }); // the first read projects the review
    const operations = await operationsOf(() =>
      nextRecord(deps, review, { reviewerId: 'pp' }, { as: 'screener' }),
    );
    // The board; awaiting a first decision, awaiting a second after alc; the log, the cursor (answering the
    // cursors stored before it: none read back), the record, its pairs.
    expect(operations.sort()).toEqual(
      ['BatchGetItem', 'Query', 'Query', 'Query', 'UpdateItem', 'GetItem', 'Query'].sort(),
    );
  });

  it('releases the hold it put on a record that turns out not to await the reviewer', async () => {
    const c = id('901');
    expect((await nextRecord(deps, solo, { reviewerId: 'pp' }, { as: 'screener' }))?.view.citationId).toBe(c);
    // Then pp's decision is in the log, while the queue still says "awaiting a first decision".
    expect(await store().appendEvent(solo.id, firstInclude(c, 'pp', 'solo-1'))).toBe(true);
    expect(await nextRecord(deps, solo, { reviewerId: 'pp' }, { as: 'screener' })).toBeNull();
    const [cursor] = (await store().readBoard(solo.id, ['pp'])).cursors;
    expect(cursor).toMatchObject({ citationId: c });
    expect(Date.parse(cursor!.until)).toBeLessThanOrEqual(Date.parse(cursor!.since));
    // The record was projected again on the way: alc is handed it (pp's hold does not keep it from them).
    const forAlc = await nextRecord(deps, solo, { reviewerId: 'alc' }, { as: 'screener' });
    expect(forAlc?.view.citationId).toBe(c);
    const entry = (await store().listCitations(solo.id)).find((e) => e.citationId === c);
    expect(entry).toMatchObject({ status: 'title-abstract-awaiting-second', firstDecider: 'pp' });
  });
});
