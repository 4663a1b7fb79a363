// The screening use cases over the real embedded store (dynalite): recording and changing decisions, the
// queues `next` reads, concurrent screeners, progress from tallies (checked against a full recount of every
// log), repairs of projections a writer left unfinished, roll-ups, "my decisions", direct inclusions and the
// status report.

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statusDepsOver } from '../../../cli/serve/wiring.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { tallyDeltaKey } from '../../../shared/adapters/dynamodb/table-design.ts';
import {
  DecisionRejectedError,
  InvalidRequestError,
  includeDirectly,
  myDecisions,
  NotAllowedError,
  nextRecord,
  progress,
  recordDecision,
  type ScreeningDeps,
  statusReport,
} from '../../../shared/app/screening.ts';
import { type Protocol, protocolSchema } from '../../../shared/domain/protocol/protocol.ts';
import {
  countsFromTallies,
  personalFromTallies,
  recordTallies,
  sumTallies,
  talliesDelta,
} from '../../../shared/domain/screening/report.ts';
import { initialState, replay } from '../../../shared/domain/screening/workflow.ts';
import { StoreError } from '../../../shared/errors.ts';
import { citation, firstInclude, type Harness, iesm, startHarness } from './support.ts';

/** IESM with a third screener. */
const trio: Protocol = protocolSchema.parse({
  ...iesm,
  id: 'trio',
  reviewers: [...iesm.reviewers, { id: 'kim', name: 'K.', roles: ['screener'] }],
});

/** A review nobody has read yet (its projections at version 0). */
const fresh: Protocol = protocolSchema.parse({ ...iesm, id: 'fresh' });

let h: Harness;
let deps: ScreeningDeps;
let ids = 0;
const PMIDS = Array.from({ length: 14 }, (_, i) => String(500 + i));
const id = (pmid: string) => h.ids.get(pmid)!;

const ta = (decision: 'include' | 'exclude' | 'maybe', reasonId: string | null = null) => ({
  stage: 'title-abstract' as const,
  decision,
  reasonId,
  note: null,
});

beforeAll(async () => {
  h = await startHarness('use-cases', [
    ...PMIDS.map((pmid) => ({ reviewId: iesm.id, citation: citation(pmid) })),
    ...['601', '602', '603'].map((pmid) => ({ reviewId: 'trio', citation: citation(pmid) })),
    ...['621', '622'].map((pmid) => ({ reviewId: fresh.id, citation: citation(pmid) })),
    { reviewId: 'trio-one', citation: citation('631') },
  ]);
  deps = { ...h.screening.deps, newId: () => `uc-${++ids}`, repairAfterMs: 0 };
});

afterAll(async () => {
  await h?.close();
});

/** The tallies read from the store equal a recount of every log of the review. */
async function expectTalliesExact(reviewId: string) {
  const [read, entries, events] = await Promise.all([
    h.screening.screening.readTallies(reviewId),
    h.screening.screening.listCitations(reviewId),
    h.screening.screening.listReviewEvents(reviewId),
  ]);
  const states = entries.map((e) =>
    replay(
      e.citationId,
      events.filter((x) => x.citationId === e.citationId),
    ),
  );
  expect(read.tallies).toEqual(sumTallies(states));
  return read;
}

describe('Function: recordDecision', () => {
  it('judges the decision again and appends at the next position when a concurrent writer won it', async () => {
    const c = id('500');
    class Racing extends DynamoScreeningStore {
      raced = false;
      override async appendEvent(...args: Parameters<DynamoScreeningStore['appendEvent']>) {
        if (!this.raced) {
          this.raced = true;
          // alc's decision lands at the same position first.
          await recordDecision(h.screening.deps, iesm, { reviewerId: 'alc' }, c, ta('exclude', 'not-iesm'));
        }
        return super.appendEvent(...args);
      }
    }
    const racing = new Racing({
      client: h.screening.embedded.client,
      tableName: h.screening.embedded.tableName,
    });
    const outcome = await recordDecision(
      { ...deps, screening: racing },
      iesm,
      { reviewerId: 'pp' },
      c,
      ta('include'),
    );
    expect(outcome.recorded).toBe(true);
    const events = await h.screening.screening.listEvents(iesm.id, c);
    expect(events.map((e) => [e.seq, e.reviewerId])).toEqual([
      [1, 'alc'],
      [2, 'pp'],
    ]);
    // pp is told nothing of alc's decision, and the queue says "conflict" (for the arbiter).
    expect(outcome.view.stages[0]?.decisions).toBeNull();
    const entry = (await h.screening.screening.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(entry).toMatchObject({ status: 'title-abstract-conflict', version: 2 });
    await expectTalliesExact(iesm.id);
  });

  it('gives up with a retryable StoreError when it keeps losing the position, leaving nothing', async () => {
    class Losing extends DynamoScreeningStore {
      override async appendEvent() {
        return false;
      }
    }
    const losing = new Losing({
      client: h.screening.embedded.client,
      tableName: h.screening.embedded.tableName,
    });
    const attempt = recordDecision(
      { ...deps, screening: losing, maxAttempts: 3 },
      iesm,
      { reviewerId: 'pp' },
      id('501'),
      ta('include'),
    );
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ retryable: true });
    expect(await h.screening.screening.listDirty(iesm.id)).toEqual([]);
  });

  it('records a retried event id once and refuses it from another reviewer', async () => {
    const c = id('501');
    const body = { ...ta('include'), eventId: 'abc-12345' };
    const first = await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, body);
    const again = await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, body);
    expect([first.recorded, again.recorded]).toEqual([true, false]);
    expect(await h.screening.screening.listEvents(iesm.id, c)).toHaveLength(1);
    await expect(recordDecision(deps, iesm, { reviewerId: 'alc' }, c, body)).rejects.toMatchObject({
      code: 'event-id-reused',
    });
  });

  it('checks the reviewer, the reason and the citation before anything is written', async () => {
    const c = id('502');
    await expect(recordDecision(deps, iesm, { reviewerId: 'zed' }, c, ta('include'))).rejects.toBeInstanceOf(
      NotAllowedError,
    );
    await expect(
      recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('exclude', 'made-up')),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(
      recordDecision(deps, iesm, { reviewerId: 'pp' }, 'nope', ta('include')),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('exclude'))).rejects.toBeInstanceOf(
      DecisionRejectedError,
    );
    expect(await h.screening.screening.listEvents(iesm.id, c)).toEqual([]);
    expect(await h.screening.screening.listDirty(iesm.id)).toEqual([]);
  });
});

describe('Function: nextRecord', () => {
  it('serves title/abstract before full text, oldest first, never a record the reviewer decided first', async () => {
    // 500 is in conflict, 501 awaits alc after pp: pp is next given 502, alc 501.
    expect((await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener' }))?.view.citationId).toBe(
      id('502'),
    );
    expect((await nextRecord(deps, iesm, { reviewerId: 'alc' }, { as: 'screener' }))?.view.citationId).toBe(
      id('501'),
    );
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, id('501'), ta('include'));
    // 501 is at full text now; pp skips 502 and every later title/abstract record to reach it.
    const rest = PMIDS.slice(2).map(id);
    const atFullText = await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener', skip: rest });
    expect(atFullText?.view).toMatchObject({ citationId: id('501'), stage: 'full-text' });
    expect((await nextRecord(deps, iesm, { reviewerId: 'ash' }, { as: 'arbiter' }))?.view.citationId).toBe(
      id('500'),
    );
    await expect(nextRecord(deps, iesm, { reviewerId: 'ash' }, { as: 'screener' })).rejects.toBeInstanceOf(
      NotAllowedError,
    );
  });

  it('hands three concurrent screeners different records, except the two one record needs', async () => {
    const [a, b, c] = await Promise.all(
      ['pp', 'alc', 'kim'].map((reviewerId) => nextRecord(deps, trio, { reviewerId }, { as: 'screener' })),
    );
    const handed = [a, b, c].map((p) => p?.view.citationId);
    const first = id('601');
    expect(handed.filter((x) => x === first)).toHaveLength(2);
    expect(handed.filter((x) => x === id('602'))).toHaveLength(1);
    // Every one of their decisions is accepted: no "stage-full" for a record handed to too many.
    const answers = await Promise.all(
      [a, b, c].map((p, i) =>
        recordDecision(
          deps,
          trio,
          { reviewerId: ['pp', 'alc', 'kim'][i]! },
          p!.view.citationId,
          ta('include'),
        ),
      ),
    );
    expect(answers.every((x) => x.recorded)).toBe(true);
    // The one who screened 602 first is not handed it again; the others are.
    const firstOf602 = ['pp', 'alc', 'kim'][handed.indexOf(id('602'))]!;
    const next = await nextRecord(deps, trio, { reviewerId: firstOf602 }, { as: 'screener' });
    expect(next?.view.citationId).toBe(id('603'));
    await expectTalliesExact('trio');
  });

  it('hands a record awaiting one more screener to one of two asking at once', async () => {
    const one: Protocol = { ...trio, id: 'trio-one' };
    await recordDecision(deps, one, { reviewerId: 'pp' }, id('631'), ta('include'));
    const handed = await Promise.all(
      ['alc', 'kim'].map((reviewerId) => nextRecord(deps, one, { reviewerId }, { as: 'screener' })),
    );
    expect(handed.map((p) => p?.view.citationId ?? null).sort()).toEqual([id('631'), null].sort());
  });

  it('repairs a projection a writer left behind (an event appended, nothing else), then serves from it', async () => {
    const c = id('503');
    const event = firstInclude(c, 'alc', 'orphan-0001');
    expect(await h.screening.screening.appendEvent(iesm.id, event)).toBe(true);
    await h.screening.screening.markDirty(iesm.id, {
      citationId: c,
      token: event.eventId,
      at: new Date(0).toISOString(),
    });
    // The queue still says "awaiting a first decision": alc must not be handed it.
    const seen: string[] = [];
    for (let i = 0; i < PMIDS.length; i++) {
      const next = await nextRecord(deps, iesm, { reviewerId: 'alc' }, { as: 'screener', skip: seen });
      if (!next) break;
      seen.push(next.view.citationId);
    }
    expect(seen).not.toContain(c);
    const entry = (await h.screening.screening.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(entry).toMatchObject({
      status: 'title-abstract-awaiting-second',
      firstDecider: 'alc',
      version: 1,
    });
    expect(await h.screening.screening.listDirty(iesm.id)).toEqual([]);
    await expectTalliesExact(iesm.id);
  });
});

describe('Function: progress', () => {
  it('equals a recount of every log, for screeners, arbiters and the team', async () => {
    const [entries, events] = await Promise.all([
      h.screening.screening.listCitations(iesm.id),
      h.screening.screening.listReviewEvents(iesm.id),
    ]);
    const expected = sumTallies(
      entries.map((e) =>
        replay(
          e.citationId,
          events.filter((x) => x.citationId === e.citationId),
        ),
      ),
    );
    for (const reviewer of iesm.reviewers) {
      const answer = await progress(deps, iesm, { reviewerId: reviewer.id });
      expect(answer.mine).toEqual(personalFromTallies(expected, reviewer));
      expect(answer.team).toEqual(reviewer.roles.includes('screener') ? null : countsFromTallies(expected));
    }
  });

  it('adds waiting deltas into the sums once the backlog grows, counting each once', async () => {
    const before = await expectTalliesExact(iesm.id);
    expect(before.backlog).toBeGreaterThan(0);
    const rolled = await h.screening.screening.rollUpTallies(iesm.id, { max: 5 });
    expect(rolled.rolled).toBe(5);
    await expectTalliesExact(iesm.id);
    await h.screening.screening.rollUpTallies(iesm.id);
    const after = await expectTalliesExact(iesm.id);
    expect(after.backlog).toBe(0);
  });

  it('finishes a roll-up whose holder died after adding a batch, without adding it twice', async () => {
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, id('504'), ta('include'));
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, id('504'), ta('include'));
    // A holder that dies right after its batch was added: the BatchWrite re-keying its deltas never happens.
    const client = h.screening.embedded.client;
    const dying = new DynamoScreeningStore({ client, tableName: h.screening.embedded.tableName });
    // From its first BatchWriteItem on, no write of it reaches the store (the lock's release neither), as if it
    // had died there.
    let died = false;
    let die = true;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? '');
        if (die && /BatchWrite/.test(command)) died = true;
        if (die && died && /BatchWrite|Update|Put|Delete/.test(command)) throw new Error('process died');
        return next(args);
      },
      { step: 'initialize', name: 'dieAtTheRekeying' },
    );
    const remove = () => client.middlewareStack.remove('dieAtTheRekeying');
    await expect(dying.rollUpTallies(iesm.id)).rejects.toThrow('process died');
    die = false;
    remove();
    // The lock is still held: a reader counts exactly; a holder now cannot take it, one after the stale time
    // finishes the dead holder's batch.
    await expectTalliesExact(iesm.id);
    expect(await h.screening.screening.rollUpTallies(iesm.id)).toEqual({ rolled: 0, left: true });
    const later = new DynamoScreeningStore({
      client,
      tableName: h.screening.embedded.tableName,
      clock: () => new Date(Date.now() + 60_000),
    });
    await later.rollUpTallies(iesm.id);
    const read = await expectTalliesExact(iesm.id);
    expect(read.backlog).toBe(0);
  });
});

describe("an event appended with its tally delta and its writer's mark", () => {
  it('is counted once, waits while marked, and is projected by the next read after its writer died', async () => {
    // As a writer that died right after its append leaves it (the append is the decision's first write).
    const c = id('508');
    const event = firstInclude(c, 'alc', 'died-after-append-1');
    const delta = talliesDelta(recordTallies(initialState(c)), recordTallies(replay(c, [event])));
    const projecting = new Date(0).toISOString();
    const store = h.screening.screening;
    expect(await store.appendEvent(iesm.id, event, { delta, projecting })).toBe(true);
    const mark = { citationId: c, token: event.eventId, at: projecting, seq: 1 };
    await expectTalliesExact(iesm.id);
    expect((await store.readTallies(iesm.id)).dirty).toEqual([mark]);
    expect(await store.listDirty(iesm.id)).toEqual([mark]);
    expect((await store.listLog(iesm.id, c)).map((e) => [e.counted, e.projecting])).toEqual([
      [true, projecting],
    ]);
    // A roll-up adds everything else and leaves the marked event waiting, its mark still found.
    await store.rollUpTallies(iesm.id);
    const waiting = await expectTalliesExact(iesm.id);
    expect(waiting.backlog).toBe(1);
    expect(waiting.dirty).toEqual([mark]);
    // The next read projects the record from its log and removes the mark; no delta item of its own is written.
    await progress(deps, iesm, { reviewerId: 'pp' });
    expect(await store.listDirty(iesm.id)).toEqual([]);
    expect((await store.listLog(iesm.id, c))[0]).toMatchObject({ counted: true, projecting: null });
    const entry = (await store.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(entry).toMatchObject({
      status: 'title-abstract-awaiting-second',
      firstDecider: 'alc',
      version: 1,
    });
    const rows = (await store.listReviewerDecisions(iesm.id, 'alc', { limit: 100 })).decisions;
    expect(rows.filter((r) => r.citationId === c).map((r) => r.seq)).toEqual([1]);
    const { Item } = await h.screening.embedded.client.send(
      new GetCommand({ TableName: h.screening.embedded.tableName, Key: tallyDeltaKey(iesm.id, c, 1) }),
    );
    expect(Item).toBeUndefined();
    await expectTalliesExact(iesm.id);
    // Unmarked, it is added to the sums like any delta.
    await store.rollUpTallies(iesm.id);
    expect((await expectTalliesExact(iesm.id)).backlog).toBe(0);
  });

  it('is counted once when a review decided before its first read is brought up to the projection format', async () => {
    const store = h.screening.screening;
    expect((await store.readBoard(fresh.id, [])).projectionVersion).toBe(0);
    await recordDecision(deps, fresh, { reviewerId: 'pp' }, id('621'), ta('include'));
    await recordDecision(deps, fresh, { reviewerId: 'alc' }, id('621'), ta('exclude', 'not-iesm'));
    expect(await store.listTallyDeltaKeys(fresh.id)).toEqual(
      new Set([`${id('621')}#0`, `${id('621')}#1`, `${id('621')}#2`, `${id('622')}#0`]),
    );
    // The first read rebuilds every record's projections, writing only the deltas missing.
    await progress(deps, fresh, { reviewerId: 'pp' });
    expect((await store.readBoard(fresh.id, [])).projectionVersion).toBeGreaterThan(0);
    await expectTalliesExact(fresh.id);
  });
});

describe('changing a decision', () => {
  it('replaces an open decision, and sends a change after settlement to the arbiter', async () => {
    const c = id('505');
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('exclude', 'not-iesm'));
    const undone = await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('include'));
    expect(undone.view.stages[0]?.mine?.decision).toBe('include');
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, c, ta('include'));
    const changed = await recordDecision(deps, iesm, { reviewerId: 'alc' }, c, ta('exclude', 'paediatric'));
    expect(changed.view).toMatchObject({ stage: 'title-abstract', outcome: null });
    expect(changed.view.stages[0]).toMatchObject({ settled: true, reopened: true });
    const arbiter = await nextRecord(deps, iesm, { reviewerId: 'ash' }, { as: 'arbiter' });
    const conflicts = [arbiter?.view.citationId];
    expect(conflicts).toContain(id('500'));
    await expectTalliesExact(iesm.id);
  });
});

describe('Function: myDecisions', () => {
  it("lists a reviewer's own decisions newest first, filtered, blinded until the stage settles", async () => {
    const all = await myDecisions(deps, iesm, { reviewerId: 'pp' });
    const times = all.decisions.map((d) => d.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.decisions.every((d) => d.stageView !== null)).toBe(true);
    // 505: settled then reopened: the other's decisions are visible. 501 (TA settled): too. 500: in conflict: not.
    const conflict = all.decisions.find((d) => d.citationId === id('500'))!;
    expect(conflict.stageView).toMatchObject({ settled: false, decisions: null, inConflict: null });
    expect(JSON.stringify(conflict)).not.toContain('"alc"');
    const reopened = all.decisions.find((d) => d.citationId === id('505'))!;
    expect(reopened.stageView).toMatchObject({ settled: true, reopened: true, decideAs: 'screener' });
    expect(reopened.decision).toBe('include');

    const excluded = await myDecisions(deps, iesm, { reviewerId: 'alc' }, { decision: 'exclude' });
    expect(excluded.decisions.map((d) => d.citationId).sort()).toEqual([id('500'), id('505')].sort());
    const byReason = await myDecisions(deps, iesm, { reviewerId: 'alc' }, { reasonId: 'paediatric' });
    expect(byReason.decisions.map((d) => d.citationId)).toEqual([id('505')]);
    const fullText = await myDecisions(deps, iesm, { reviewerId: 'pp' }, { stage: 'full-text' });
    expect(fullText.decisions).toEqual([]);
    // Text search: in the abstract ("Case 505: a cauda equina lesion"), accents and case ignored.
    const found = await myDecisions(deps, iesm, { reviewerId: 'pp' }, { text: 'CÁSE 505 Cauda' });
    expect(found.decisions.map((d) => d.citationId)).toEqual([id('505')]);
  });
});

describe('Function: includeDirectly', () => {
  it('settles a queued record as included directly; both screeners excluding it afterwards is a conflict', async () => {
    const c = id('506');
    const outcome = await includeDirectly(deps, iesm, c, 'operator');
    expect(outcome.kind).toBe('included');
    expect(await h.screening.evidence.getIncludedStudy(iesm.id, c)).toMatchObject({
      source: 'manual',
      includedBy: 'operator',
    });
    expect((await includeDirectly(deps, iesm, c, 'operator')).kind).toBe('already-included');
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('exclude', 'not-iesm'));
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, c, ta('exclude', 'not-iesm'));
    const entry = (await h.screening.screening.listCitations(iesm.id)).find((e) => e.citationId === c);
    expect(entry?.status).toBe('title-abstract-conflict');
    await recordDecision(deps, iesm, { reviewerId: 'ash' }, c, ta('exclude', 'not-iesm'));
    expect(await h.screening.evidence.getIncludedStudy(iesm.id, c)).toMatchObject({
      withdrawn: { by: 'ash', reason: 'not-iesm' },
    });
    await expectTalliesExact(iesm.id);
  });

  it('puts an inclusion of a record the screeners excluded before the arbiter, including nothing yet', async () => {
    const c = id('507');
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, c, ta('exclude', 'not-iesm'));
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, c, ta('exclude', 'not-iesm'));
    const outcome = await includeDirectly(deps, iesm, c, 'operator');
    expect(outcome).toMatchObject({ kind: 'contested', stage: 'title-abstract' });
    expect(await h.screening.evidence.getIncludedStudy(iesm.id, c)).toBeNull();
    await recordDecision(deps, iesm, { reviewerId: 'ash' }, c, ta('include'));
    expect(await h.screening.evidence.getIncludedStudy(iesm.id, c)).toMatchObject({ source: 'manual' });
  });
});

describe('Function: statusReport', () => {
  it('counts included studies as the statistics do (a withdrawn one is not included)', async () => {
    const report = await statusReport(statusDepsOver(h.screening, h.screening.embedded, iesm), iesm);
    const studies = await h.screening.evidence.listIncludedStudies(iesm.id);
    expect(studies.map((s) => [s.citationId, s.withdrawn !== null])).toEqual(
      expect.arrayContaining([
        [id('506'), true],
        [id('507'), false],
      ]),
    );
    expect(report.included).toBe(1);
    expect(report.includedStudies).toBe(1);
    expect(report.conflictDetails.map((c) => c.citationId)).toEqual(
      expect.arrayContaining([id('500'), id('505')]),
    );
    expect(report.records).toBe(PMIDS.length);
  });
});

beforeEach(() => {
  ids += 1000;
});
