// When a "running" run log is a run nobody runs any more (issue #16 item 3), and how a run keeps its log: saved
// as it goes, never overwritten by a late heartbeat once it has ended.
import { describe, expect, it } from 'vitest';
import { startRunLog } from '../../../shared/app/run-recording.ts';
import { judgeRun, RUN_STALE_AFTER_MS } from '../../../shared/domain/monitor/run-liveness.ts';
import type { RunLog } from '../../../shared/ports/citation-store.ts';
import { FakeCitationStore } from '../../support/fake-ports.ts';

const STARTED = '2026-01-05T06:00:00.000Z';

function running(overrides: Partial<RunLog> = {}): RunLog {
  return {
    runId: 'r1',
    reviewId: 'iesm',
    source: 'pubmed',
    query: 'q',
    window: { from: '2026-01-01', to: '2026-01-05' },
    startedAt: STARTED,
    finishedAt: null,
    durationMs: null,
    outcome: 'running',
    counts: { found: 10, fetched: 5, new: 5, alreadyKnown: 0, duplicates: 0, queued: 5, deleted: 0 },
    warnings: [],
    error: null,
    owner: { host: 'laptop', pid: 4242, identity: 'boot:123' },
    heartbeatAt: '2026-01-05T06:01:00.000Z',
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);

describe('Function: judgeRun', () => {
  it('a running run whose owner is gone is abandoned at once, ended at its last sign of life', () => {
    const judged = judgeRun(running(), at('2026-01-05T06:01:30.000Z'), false);
    expect(judged).toMatchObject({
      outcome: 'abandoned',
      finishedAt: '2026-01-05T06:01:00.000Z',
      durationMs: 60_000,
      counts: running().counts,
    });
    expect(judged.error).toBe(
      'abandoned: its process (pid 4242 on laptop) ended without closing the run; counts as of 2026-01-05T06:01:00.000Z',
    );
  });

  it('a running run whose owner still runs, or cannot be checked, stays running while it gives signs of life', () => {
    const soon = at('2026-01-05T06:05:00.000Z');
    expect(judgeRun(running(), soon, true).outcome).toBe('running');
    expect(judgeRun(running(), soon, null).outcome).toBe('running');
  });

  it('a run silent past the limit is abandoned whatever the reader knows of its owner (another host, a Lambda)', () => {
    const late = new Date(Date.parse('2026-01-05T06:01:00.000Z') + RUN_STALE_AFTER_MS + 1000);
    expect(judgeRun(running(), late, null)).toMatchObject({ outcome: 'abandoned' });
    expect(judgeRun(running(), late, null).error).toMatch(/^abandoned: no sign of life for 10 minutes/);
    // A log of an older version (no owner, no heartbeat): judged from its start.
    const old = running({ owner: undefined, heartbeatAt: undefined });
    expect(judgeRun(old, late, null)).toMatchObject({ outcome: 'abandoned', finishedAt: STARTED });
  });

  it('a run that ended is left as it ended', () => {
    for (const outcome of ['succeeded', 'failed'] as const) {
      const ended = running({ outcome, finishedAt: '2026-01-05T06:02:00.000Z' });
      expect(judgeRun(ended, at('2027-01-01T00:00:00.000Z'), false)).toBe(ended);
    }
  });
});

describe('Function: startRunLog', () => {
  it('saves the log with its owner, saves progress, and the final save lands after every earlier one', async () => {
    const store = new FakeCitationStore();
    const saved: RunLog[] = [];
    // Saves that take time and complete in the order they were made only if the keeper waits for them.
    let delay = 30;
    store.saveRunLog = async (run) => {
      const wait = delay;
      delay = Math.max(0, delay - 10);
      await new Promise((resolve) => setTimeout(resolve, wait));
      saved.push(run);
    };
    let now = Date.parse(STARTED);
    const clock = () => new Date(now);
    const run = running({
      owner: undefined,
      heartbeatAt: undefined,
      counts: { ...running().counts, new: 0 },
    });
    const owner = { host: 'laptop', pid: 7, identity: null };

    const log = await startRunLog(store, run, clock, owner);
    expect(saved).toEqual([expect.objectContaining({ outcome: 'running', owner, heartbeatAt: null })]);
    now += 1000;
    run.counts.new = 3;
    log.progress();
    now += 500;
    run.counts.new = 4;
    log.progress(2000); // within 2 s of the last save: not saved
    now += 500;
    await log.finish('succeeded', null);

    expect(saved.map((r) => [r.outcome, r.counts.new, r.heartbeatAt])).toEqual([
      ['running', 0, null],
      ['running', 3, '2026-01-05T06:00:01.000Z'],
      ['succeeded', 4, '2026-01-05T06:00:01.000Z'],
    ]);
    expect(saved[2]).toMatchObject({ finishedAt: '2026-01-05T06:00:02.000Z', durationMs: 2000, error: null });
  });
});
