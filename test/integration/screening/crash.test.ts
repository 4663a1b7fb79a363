// A writer that dies at any write of a decision, a change of one or a direct inclusion: the next read of the
// review completes what it left (its dirty mark), and then every projection equals what the logs say: the
// tallies equal a recount of every log, each record's queue its derived status, each reviewer's decision list
// their latest decisions, the included studies the included records.
//
// For every N from 1 to the number of writes a step takes, a writer with its own client to the same store dies
// right after its N-th write request was answered: from then on none of its requests reaches the store (as
// after a kill; writes it had already sent in parallel land, as they would). One case kills a real child
// process instead (exit 137), then retries the same request in a fresh process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedScreening, openEmbeddedScreening, screeningOver } from '../../../cli/serve/wiring.ts';
import { openEmbeddedStore, stopEmbeddedServer } from '../../../shared/adapters/embedded/embedded-store.ts';
import {
  includeDirectly,
  myDecisions,
  progress,
  recordDecision,
  type ScreeningDeps,
} from '../../../shared/app/screening.ts';
import { personalFromTallies, sumTallies } from '../../../shared/domain/screening/report.ts';
import { firstDecider, replay, statusOf } from '../../../shared/domain/screening/workflow.ts';
import { runTsChild } from '../../support/store-fixtures.ts';
import { citation, iesm } from './support.ts';

const CHILD = 'test/integration/screening/children/decide-child.ts';

let dataDir: string;
let s: EmbeddedScreening;
let deps: ScreeningDeps;
const ids: string[] = [];
let nextRecord = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lr-screening-crash-'));
  s = await openEmbeddedScreening(dataDir, [iesm]);
  deps = { ...s.deps, repairAfterMs: 0 };
  for (let i = 0; i < 60; i++) {
    const outcome = await s.embedded.store.recordCitation(
      iesm.id,
      citation(String(700 + i)),
      new Date(Date.parse('2026-02-02T06:00:00Z') + i * 1000),
    );
    ids.push(outcome.citationId);
  }
}, 60_000);

afterAll(async () => {
  await s?.close();
  if (dataDir) {
    await stopEmbeddedServer(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const take = () => ids[nextRecord++]!;

type Prepare = (citationId: string) => Promise<void>;
const decide =
  (
    reviewerId: string,
    stage: 'title-abstract' | 'full-text',
    decision: 'include' | 'exclude',
    reasonId: string | null = null,
  ) =>
  (citationId: string) =>
    recordDecision(deps, iesm, { reviewerId }, citationId, { stage, decision, reasonId, note: null }).then(
      () => undefined,
    );
const steps =
  (...all: Prepare[]): Prepare =>
  async (citationId) => {
    for (const step of all) await step(citationId);
  };

interface Scenario {
  name: string;
  prepare: Prepare;
  run: (deps: ScreeningDeps, citationId: string) => Promise<unknown>;
}

const scenarios: Scenario[] = [
  {
    name: 'a decision that settles title/abstract',
    prepare: decide('pp', 'title-abstract', 'include'),
    run: (d, c) =>
      recordDecision(d, iesm, { reviewerId: 'alc' }, c, {
        stage: 'title-abstract',
        decision: 'include',
        reasonId: null,
        note: null,
      }),
  },
  {
    name: 'a full-text decision that includes the record (a study, the statistics)',
    prepare: steps(
      decide('pp', 'title-abstract', 'include'),
      decide('alc', 'title-abstract', 'include'),
      decide('pp', 'full-text', 'include'),
    ),
    run: (d, c) =>
      recordDecision(d, iesm, { reviewerId: 'alc' }, c, {
        stage: 'full-text',
        decision: 'include',
        reasonId: null,
        note: null,
      }),
  },
  {
    name: 'a change after the stage settled (back to the arbiter)',
    prepare: steps(
      decide('pp', 'title-abstract', 'exclude', 'not-iesm'),
      decide('alc', 'title-abstract', 'exclude', 'not-iesm'),
    ),
    run: (d, c) =>
      recordDecision(d, iesm, { reviewerId: 'pp' }, c, {
        stage: 'title-abstract',
        decision: 'include',
        reasonId: null,
        note: null,
      }),
  },
  {
    name: "an arbiter's settlement that withdraws an included study",
    prepare: steps(
      decide('pp', 'title-abstract', 'include'),
      decide('alc', 'title-abstract', 'include'),
      decide('pp', 'full-text', 'include'),
      decide('alc', 'full-text', 'include'),
      decide('alc', 'full-text', 'exclude', 'not-iesm'),
    ),
    run: (d, c) =>
      recordDecision(d, iesm, { reviewerId: 'ash' }, c, {
        stage: 'full-text',
        decision: 'exclude',
        reasonId: 'not-iesm',
        note: null,
      }),
  },
  {
    name: 'a direct inclusion of a queued record',
    prepare: decide('pp', 'title-abstract', 'exclude', 'not-iesm'),
    run: (d, c) => includeDirectly(d, iesm, c, 'operator'),
  },
];

const WRITE_COMMANDS = /^(Put|Update|Delete|BatchWrite)/;

/** A wiring over its own client that dies after its `dieAfter`-th answered write (never, when null). */
async function writer(
  dieAfter: number | null,
): Promise<{ deps: ScreeningDeps; writes: () => number; close(): Promise<void> }> {
  const store = await openEmbeddedStore({ dataDir });
  let writes = 0;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const write = WRITE_COMMANDS.test(String(context.commandName ?? ''));
      if (write && dieAfter !== null && writes >= dieAfter) throw new Error('process died');
      const result = await next(args);
      if (write) writes++;
      return result;
    },
    { step: 'initialize', name: 'dies' },
  );
  return {
    deps: { ...screeningOver(store, [iesm]).deps, repairAfterMs: 0 },
    writes: () => writes,
    close: () => store.close(),
  };
}

async function expectConsistent(): Promise<void> {
  // The next read repairs what dead writers left.
  await progress(deps, iesm, { reviewerId: 'pp' });
  const [read, entries, events, studies] = await Promise.all([
    s.screening.readTallies(iesm.id),
    s.screening.listCitations(iesm.id),
    s.screening.listReviewEvents(iesm.id),
    s.evidence.listIncludedStudies(iesm.id),
  ]);
  const states = entries.map((e) =>
    replay(
      e.citationId,
      events.filter((x) => x.citationId === e.citationId),
    ),
  );
  const recount = sumTallies(states);
  expect(read.tallies).toEqual(recount);
  expect(entries.map((e) => [e.citationId, e.status, e.version, e.firstDecider])).toEqual(
    states.map((st) => [st.citationId, statusOf(st), st.version, firstDecider(st)]),
  );
  expect(await s.screening.listDirty(iesm.id)).toEqual([]);
  // The studies still included are the records whose full-text result in force is "include" (included, or
  // reopened for the arbiter meanwhile); a study an arbiter's new result excluded is withdrawn.
  const includedInForce = (st: (typeof states)[number]) =>
    st.outcome !== 'duplicate' &&
    st.stages.length === 2 &&
    st.stages.every((x) => x.result?.decision === 'include');
  expect(
    studies
      .filter((x) => !x.withdrawn)
      .map((x) => x.citationId)
      .sort(),
  ).toEqual(
    states
      .filter(includedInForce)
      .map((st) => st.citationId)
      .sort(),
  );
  const excluded = new Set(states.filter((st) => st.outcome === 'excluded').map((st) => st.citationId));
  expect(studies.filter((x) => x.withdrawn).every((x) => excluded.has(x.citationId))).toBe(true);
  for (const reviewer of iesm.reviewers) {
    expect((await progress(deps, iesm, { reviewerId: reviewer.id })).mine).toEqual(
      personalFromTallies(recount, reviewer),
    );
    const listed = (await myDecisions(deps, iesm, { reviewerId: reviewer.id }, { limit: 500 })).decisions
      .map((d) => `${d.citationId}:${d.stage}:${d.decision}`)
      .sort();
    const latest = new Map<string, string>();
    for (const e of [...events].sort((a, b) => a.citationId.localeCompare(b.citationId) || a.seq - b.seq)) {
      if (e.type === 'decision' && e.reviewerId === reviewer.id && e.role !== 'direct') {
        latest.set(`${e.citationId}:${e.stage}`, `${e.citationId}:${e.stage}:${e.decision}`);
      }
    }
    expect(listed).toEqual([...latest.values()].sort());
  }
}

describe('a writer that dies at any write of a screening step', () => {
  for (const scenario of scenarios) {
    it(`converges after ${scenario.name}`, async () => {
      const clean = take();
      await scenario.prepare(clean);
      const counting = await writer(null);
      await scenario.run(counting.deps, clean);
      const writes = counting.writes();
      await counting.close();
      expect(writes).toBeGreaterThanOrEqual(4);
      for (let n = 1; n <= writes; n++) {
        const record = take();
        await scenario.prepare(record);
        const dying = await writer(n);
        await scenario.run(dying.deps, record).then(
          () => {
            // Died after its last write: nothing was left to do but answer.
            expect(n).toBe(writes);
          },
          (error: Error) => expect(error.message).toContain('process died'),
        );
        await dying.close();
      }
      await expectConsistent();
    }, 120_000);
  }

  it('records a retried decision once after the first attempt was killed', async () => {
    const record = take();
    const args = [
      '--data',
      dataDir,
      '--citation',
      record,
      '--reviewer',
      'alc',
      '--stage',
      'title-abstract',
      '--decision',
      'include',
      '--event-id',
      'retry-after-crash-1',
    ];
    const crashed = await runTsChild(CHILD, [...args, '--crash-after-writes', '2']);
    expect(crashed.code, crashed.stderr).toBe(137);
    const retried = await runTsChild(CHILD, args);
    expect(retried.code, retried.stderr).toBe(0);
    expect(await s.screening.listEvents(iesm.id, record)).toHaveLength(1);
    await expectConsistent();
  }, 60_000);
});
