import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DecisionRejectedError,
  InvalidRequestError,
  NotAllowedError,
  nextRecord,
  progress,
  recordDecision,
  resolvePossibleDuplicate,
  type ScreeningDeps,
} from '../../../shared/app/screening.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import { type Protocol, protocolSchema } from '../../../shared/domain/protocol/protocol.ts';
import { StoreError } from '../../../shared/errors.ts';
import { makeCitation } from '../../support/fake-ports.ts';
import { FakeScreeningStore } from './fake-screening-store.ts';

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const withExtractor: Protocol = protocolSchema.parse({
  ...iesm,
  reviewers: [...iesm.reviewers, { id: 'ext', name: 'E.', roles: ['extractor'] }],
});

let store: FakeScreeningStore;
let deps: ScreeningDeps;
let ids = 0;

beforeEach(() => {
  store = new FakeScreeningStore();
  ids = 0;
  deps = {
    citations: store,
    screening: store,
    clock: () => new Date('2026-02-02T10:00:00Z'),
    newId: () => `id-${++ids}`,
  };
  store.addCitation('c1', makeCitation({ pmid: '1' }), '2026-01-01T00:00:00Z');
  store.addCitation('c2', makeCitation({ pmid: '2' }), '2026-01-02T00:00:00Z');
});

const include = {
  stage: 'title-abstract' as const,
  decision: 'include' as const,
  reasonId: null,
  note: null,
};
const exclude = {
  stage: 'title-abstract' as const,
  decision: 'exclude' as const,
  reasonId: 'not-iesm',
  note: null,
};

describe('Function: recordDecision', () => {
  it('judges the decision again and appends at the next position when a concurrent writer won it', async () => {
    store.beforeAppend = (event) => {
      // alc's decision lands at the same position first.
      store.events.push({
        ...event,
        eventId: 'alc-1',
        reviewerId: 'alc',
        decision: 'exclude',
        reasonId: 'not-iesm',
      } as typeof event);
    };
    const outcome = await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    expect(outcome.recorded).toBe(true);
    expect(store.events.map((e) => [e.seq, e.reviewerId])).toEqual([
      [1, 'alc'],
      [2, 'pp'],
    ]);
    expect(store.statuses.get('c1')).toEqual({ version: 2, status: 'title-abstract-conflict' });
    // pp is told nothing of alc's decision.
    expect(outcome.view.stages[0]?.decisions).toBeNull();
  });

  it('rejects a decision the concurrent write made invalid, writing nothing', async () => {
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', exclude);
    // While the arbiter decides, pp changes their mind to exclude: the conflict settles by agreement.
    store.beforeAppend = (event) => {
      store.events.push({
        ...event,
        eventId: 'pp-2',
        reviewerId: 'pp',
        role: 'screener',
        decision: 'exclude',
        reasonId: 'not-iesm',
      } as typeof event);
    };
    const arbiter = recordDecision(deps, iesm, { reviewerId: 'ash' }, 'c1', include);
    await expect(arbiter).rejects.toMatchObject({ code: 'not-in-conflict' });
    await expect(arbiter).rejects.toBeInstanceOf(DecisionRejectedError);
    expect(store.events).toHaveLength(3);
  });

  it('gives up with a retryable StoreError when it keeps losing the position', async () => {
    const losing: ScreeningDeps = {
      ...deps,
      maxAttempts: 3,
      screening: Object.assign(Object.create(store), { appendEvent: async () => false }),
    };
    const attempt = recordDecision(losing, iesm, { reviewerId: 'pp' }, 'c1', include);
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ retryable: true });
  });

  it('records a retried event id once and refuses it from another reviewer', async () => {
    const first = await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', {
      ...include,
      eventId: 'abc-12345',
    });
    const again = await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', {
      ...include,
      eventId: 'abc-12345',
    });
    expect([first.recorded, again.recorded]).toEqual([true, false]);
    expect(store.events).toHaveLength(1);
    await expect(
      recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', { ...include, eventId: 'abc-12345' }),
    ).rejects.toMatchObject({ code: 'event-id-reused' });
  });

  it('checks the reviewer, the reason and the citation before anything is written', async () => {
    await expect(recordDecision(deps, iesm, { reviewerId: 'zed' }, 'c1', include)).rejects.toBeInstanceOf(
      NotAllowedError,
    );
    await expect(
      recordDecision(deps, withExtractor, { reviewerId: 'ext' }, 'c1', include),
    ).rejects.toBeInstanceOf(NotAllowedError);
    await expect(
      recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', { ...exclude, reasonId: 'made-up' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(recordDecision(deps, iesm, { reviewerId: 'pp' }, 'nope', include)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect(store.events).toEqual([]);
  });
});

describe('Function: nextRecord', () => {
  it('serves title/abstract before full text, oldest first, and skips what the reviewer decided', async () => {
    expect((await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener' }))?.view.citationId).toBe(
      'c1',
    );
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', include);
    // c1 is at full text now; c2 (title/abstract) comes first.
    expect((await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener' }))?.view.citationId).toBe(
      'c2',
    );
    expect(
      (await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener', skip: ['c2'] }))?.view,
    ).toMatchObject({ citationId: 'c1', stage: 'full-text' });
    expect(await nextRecord(deps, iesm, { reviewerId: 'ash' }, { as: 'arbiter' })).toBeNull();
    await expect(nextRecord(deps, iesm, { reviewerId: 'ash' }, { as: 'screener' })).rejects.toBeInstanceOf(
      NotAllowedError,
    );
  });

  it('writes again a status that lags the log (a crash between the append and the status write)', async () => {
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    store.statuses.delete('c1');
    await nextRecord(deps, iesm, { reviewerId: 'alc' }, { as: 'screener' });
    expect(store.statuses.get('c1')).toEqual({ version: 1, status: 'title-abstract-awaiting-second' });
  });
});

describe('Function: resolvePossibleDuplicate', () => {
  it('confirms once, marks the flagged citation a duplicate, and refuses a contrary second resolution', async () => {
    const pair = await store.recordPossibleDuplicate('iesm', {
      citationId: 'c2',
      twinId: 'c1',
      reason: 'same title',
      score: 0.9,
      foundAt: '2026-01-03T00:00:00Z',
    });
    const resolved = await resolvePossibleDuplicate(deps, iesm, { reviewerId: 'pp' }, pair.pairId, 'confirm');
    expect(resolved).toMatchObject({ status: 'confirmed', resolvedBy: 'pp' });
    expect(store.statuses.get('c2')?.status).toBe('duplicate');
    await resolvePossibleDuplicate(deps, iesm, { reviewerId: 'alc' }, pair.pairId, 'confirm');
    expect(store.events.filter((e) => e.type === 'duplicate-confirmed')).toHaveLength(1);
    await expect(
      resolvePossibleDuplicate(deps, iesm, { reviewerId: 'alc' }, pair.pairId, 'split'),
    ).rejects.toMatchObject({ code: 'already-resolved' });
  });
});

describe('Function: progress', () => {
  const dual: Protocol = protocolSchema.parse({
    ...iesm,
    reviewers: [...iesm.reviewers, { id: 'duo', name: 'D.', roles: ['screener', 'arbiter'] }],
  });

  it('gives team counts to arbiters who do not screen, never the list of conflicts, and none to screeners', async () => {
    await recordDecision(deps, dual, { reviewerId: 'duo' }, 'c1', include);
    await recordDecision(deps, dual, { reviewerId: 'alc' }, 'c1', exclude);
    const arbiter = await progress(deps, dual, { reviewerId: 'ash' });
    expect(arbiter.team?.stages[0]).toMatchObject({ stage: 'title-abstract', inConflict: 1 });
    expect(arbiter.team).not.toHaveProperty('conflicts');
    expect(arbiter.mine.conflictsAwaitingMe).toBe(1);
    // duo screened c1: telling them a conflict exists would give alc's decision away.
    const both = await progress(deps, dual, { reviewerId: 'duo' });
    expect(both.team).toBeNull();
    expect(both.mine.conflictsAwaitingMe).toBe(0);
    expect((await progress(deps, dual, { reviewerId: 'pp' })).team).toBeNull();
  });
});

describe('inclusion', () => {
  const ft = { ...include, stage: 'full-text' as const };

  it('hands a record whose full text settles on include to onIncluded before writing "included"', async () => {
    const calls: string[] = [];
    deps.onIncluded = async (inclusion) => {
      calls.push(
        `${inclusion.citationId} by ${inclusion.includedBy} (status ${store.statuses.get('c1')?.status})`,
      );
    };
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', ft);
    expect(calls).toEqual([]);
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', ft);
    expect(calls).toEqual(['c1 by alc (status full-text-awaiting-second)']);
    expect(store.statuses.get('c1')?.status).toBe('included');
  });

  it('completes an inclusion lost to a crash when the review is next read', async () => {
    let failing = true;
    const included: string[] = [];
    deps.onIncluded = async ({ citationId }) => {
      if (failing) throw new Error('process died');
      included.push(citationId);
    };
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', include);
    await recordDecision(deps, iesm, { reviewerId: 'pp' }, 'c1', ft);
    await expect(recordDecision(deps, iesm, { reviewerId: 'alc' }, 'c1', ft)).rejects.toThrow('process died');
    expect(store.events).toHaveLength(4);
    expect(store.statuses.get('c1')?.status).toBe('full-text-awaiting-second');
    failing = false;
    await nextRecord(deps, iesm, { reviewerId: 'pp' }, { as: 'screener' });
    expect(included).toEqual(['c1']);
    expect(store.statuses.get('c1')?.status).toBe('included');
  });
});
