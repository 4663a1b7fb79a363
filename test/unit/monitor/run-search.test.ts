import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../../shared/app/run-monitor.ts';
import { RunFailedError, runSearch } from '../../../shared/app/run-search.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import type { SearchEvent, SearchWindow } from '../../../shared/ports/literature-source.ts';
import { FakeCitationStore, makeCitation, ScriptedSource } from '../../support/fake-ports.ts';

const iesm: Protocol = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
/** The IESM review searching PubMed alone (its citation watch has tests of its own). */
const protocol: Protocol = { ...iesm, sources: [{ name: 'pubmed' }] };

function threeRecords(window: SearchWindow): SearchEvent[] {
  return [
    {
      type: 'searched',
      window,
      count: 3,
      queryTranslation: null,
      warnings: ['PhraseNotFound: cauda equinna'],
    },
    {
      type: 'batch',
      window,
      citations: [makeCitation({ pmid: '1' }), makeCitation({ pmid: '2' })],
      deletedIds: [],
    },
    { type: 'batch', window, citations: [makeCitation({ pmid: '3', doi: '10.1/x' })], deletedIds: ['99'] },
  ];
}

describe('Function: runSearch', () => {
  let store: FakeCitationStore;
  let now: Date;
  let runs = 0;
  const deps = (source: ScriptedSource) => ({
    store,
    source,
    clock: () => now,
    newRunId: () => `run-${++runs}`,
  });

  beforeEach(() => {
    store = new FakeCitationStore();
    now = new Date('2026-11-24T06:00:00Z');
    runs = 0;
  });

  it('searches from the monitoring start on a first run and moves the watermark to yesterday', async () => {
    const source = new ScriptedSource(threeRecords);
    const run = await runSearch({ protocol }, deps(source));
    expect(source.windows).toEqual([{ from: '2022-05-27', to: '2026-11-24' }]);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toEqual({
      found: 3,
      fetched: 3,
      new: 3,
      alreadyKnown: 0,
      duplicates: 0,
      queued: 3,
      deleted: 1,
    });
    expect(run.warnings).toEqual(['2022-05-27..2026-11-24: PhraseNotFound: cauda equinna']);
    expect((await store.getWatermark('iesm', 'pubmed'))?.completedThrough).toBe('2026-11-23');
    expect((await store.listRunLogs('iesm'))[0]).toMatchObject({
      runId: 'run-1',
      outcome: 'succeeded',
      error: null,
    });
  });

  it('re-reads the overlap on the next run and adds nothing the second time', async () => {
    const source = new ScriptedSource(threeRecords);
    await runSearch({ protocol }, deps(source));
    now = new Date('2026-12-01T06:00:00Z');
    const second = await runSearch({ protocol }, deps(source));
    expect(source.windows[1]).toEqual({ from: '2026-11-20', to: '2026-12-01' });
    expect(second.counts).toMatchObject({ new: 0, alreadyKnown: 3, queued: 0 });
    expect(await store.listQueue('iesm')).toHaveLength(3);
    expect((await store.getWatermark('iesm', 'pubmed'))?.completedThrough).toBe('2026-11-30');
  });

  it('leaves the watermark unmoved and logs the failure when the source fails half-way', async () => {
    const source = new ScriptedSource(threeRecords, 2);
    const failure = runSearch({ protocol }, deps(source));
    await expect(failure).rejects.toBeInstanceOf(RunFailedError);
    await expect(failure).rejects.toThrow(
      /run run-1 of review "iesm" \(pubmed, 2022-05-27 to 2026-11-24\) failed: fetched 2 of 3 records/,
    );
    expect(await store.getWatermark('iesm', 'pubmed')).toBeNull();
    const [logged] = await store.listRunLogs('iesm');
    expect(logged).toMatchObject({ outcome: 'failed', error: 'fetched 2 of 3 records for the window' });
    expect(logged?.counts.new).toBe(2);

    const retry = await runSearch({ protocol }, deps(new ScriptedSource(threeRecords)));
    expect(retry.counts).toMatchObject({ new: 1, alreadyKnown: 2 });
    expect(await store.listQueue('iesm')).toHaveLength(3);
  });

  it('fails the run when the store fails, and says which write failed', async () => {
    store.failOnRecord = (citation) => citation.pmid === '3';
    await expect(runSearch({ protocol }, deps(new ScriptedSource(threeRecords)))).rejects.toThrow(
      /store unavailable while writing 3/,
    );
    expect(await store.getWatermark('iesm', 'pubmed')).toBeNull();
  });

  it('moves the watermark after an explicit window only when it joins the covered days', async () => {
    await runSearch(
      { protocol, window: { from: '2023-01-01', to: '2023-02-01' } },
      deps(new ScriptedSource(threeRecords)),
    );
    expect(await store.getWatermark('iesm', 'pubmed')).toBeNull();
    await runSearch(
      { protocol, window: { from: '2022-05-27', to: '2023-02-01' } },
      deps(new ScriptedSource(threeRecords)),
    );
    expect((await store.getWatermark('iesm', 'pubmed'))?.completedThrough).toBe('2023-02-01');
  });
});

describe('Function: runMonitor', () => {
  it('runs a review that never ran, then skips it until the next scheduled time', async () => {
    const store = new FakeCitationStore();
    let now = new Date('2026-11-24T07:00:00Z'); // a Tuesday; the schedule is Mondays 06:00
    let id = 0;
    const deps = () => ({
      store,
      sources: { pubmed: new ScriptedSource(threeRecords) },
      clock: () => now,
      newRunId: () => `run-${++id}`,
    });
    const [first] = await runMonitor({ protocols: [protocol] }, deps());
    expect(first?.status).toBe('succeeded');
    const [second] = await runMonitor({ protocols: [protocol] }, deps());
    expect(second).toMatchObject({ status: 'not-due', nextDueAt: '2026-11-30T06:00:00.000Z' });
    now = new Date('2026-11-30T06:00:00Z');
    const [third] = await runMonitor({ protocols: [protocol] }, deps());
    expect(third?.status).toBe('succeeded');
    const [forced] = await runMonitor({ protocols: [protocol], force: true }, deps());
    expect(forced?.status).toBe('succeeded');
  });

  it('reports a failing review and still runs the others', async () => {
    const store = new FakeCitationStore();
    const other = { ...protocol, id: 'other-review' };
    let calls = 0;
    const source = new ScriptedSource((window) => {
      calls++;
      if (calls === 1) throw new Error('HTTP 503 after 6 attempts');
      return threeRecords(window);
    });
    const results = await runMonitor(
      { protocols: [protocol, other] },
      {
        store,
        sources: { pubmed: source },
        clock: () => new Date('2026-11-24T07:00:00Z'),
        newRunId: () => `r${calls}`,
      },
    );
    expect(results.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(results[0]).toMatchObject({ error: expect.stringMatching(/HTTP 503 after 6 attempts/) });
  });
});
