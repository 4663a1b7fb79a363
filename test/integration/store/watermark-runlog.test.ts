// Watermarks (forward only) and run logs (one item per run, newest first) against a real dynalite server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { InputError } from '../../../shared/errors.ts';
import type { RunLog, Watermark } from '../../../shared/ports/citation-store.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

let dataDir: string;
let embedded: EmbeddedStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('watermark');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

const mark = (reviewId: string, completedThrough: string, runId: string): Watermark => ({
  reviewId,
  source: 'pubmed',
  completedThrough,
  runId,
  updatedAt: `${completedThrough}T07:00:00.000Z`,
});

function run(reviewId: string, runId: string, startedAt: string, overrides: Partial<RunLog> = {}): RunLog {
  return {
    runId,
    reviewId,
    source: 'pubmed',
    query: '"spinal cord"[tiab] AND metastasis[tiab]',
    window: { from: '2024-01-01', to: '2024-01-07' },
    startedAt,
    finishedAt: null,
    durationMs: null,
    outcome: 'running',
    counts: { found: 0, fetched: 0, new: 0, alreadyKnown: 0, duplicates: 0, queued: 0, deleted: 0 },
    warnings: [],
    error: null,
    ...overrides,
  };
}

describe('watermarks', () => {
  it('is null before the first run', async () => {
    expect(await embedded.store.getWatermark('w-none', 'pubmed')).toBeNull();
  });

  it('moves forward only: an older or equal value leaves it as it is, without an error', async () => {
    const { store } = embedded;
    await store.advanceWatermark(mark('w-fwd', '2024-01-10', 'run-1'));
    await store.advanceWatermark(mark('w-fwd', '2024-01-05', 'run-2'));
    await store.advanceWatermark(mark('w-fwd', '2024-01-10', 'run-3'));
    expect(await store.getWatermark('w-fwd', 'pubmed')).toEqual(mark('w-fwd', '2024-01-10', 'run-1'));

    await store.advanceWatermark(mark('w-fwd', '2024-01-11', 'run-4'));
    expect(await store.getWatermark('w-fwd', 'pubmed')).toEqual(mark('w-fwd', '2024-01-11', 'run-4'));
  });

  it('keeps one watermark per source', async () => {
    await embedded.store.advanceWatermark(mark('w-src', '2024-02-01', 'a'));
    await embedded.store.advanceWatermark({ ...mark('w-src', '2024-01-01', 'b'), source: 'europepmc' });

    expect((await embedded.store.getWatermark('w-src', 'pubmed'))?.completedThrough).toBe('2024-02-01');
    expect((await embedded.store.getWatermark('w-src', 'europepmc'))?.completedThrough).toBe('2024-01-01');
  });

  it('keeps the latest of concurrent advances', async () => {
    const days = ['2024-03-04', '2024-03-09', '2024-03-01', '2024-03-07', '2024-03-02'];
    await Promise.all(days.map((day, i) => embedded.store.advanceWatermark(mark('w-race', day, `r${i}`))));

    expect(await embedded.store.getWatermark('w-race', 'pubmed')).toEqual(mark('w-race', '2024-03-09', 'r1'));
  });

  it('refuses a day that is not YYYY-MM-DD (it would not compare as text)', async () => {
    await expect(embedded.store.advanceWatermark(mark('w-bad', '2024-1-5', 'x'))).rejects.toBeInstanceOf(
      InputError,
    );
    expect(await embedded.store.getWatermark('w-bad', 'pubmed')).toBeNull();
  });
});

describe('run logs', () => {
  it('replaces a run\'s "running" log with its final one', async () => {
    const running = run('l-one', 'run-a', '2026-03-02T06:00:00.000Z');
    await embedded.store.saveRunLog(running);
    const finished = run('l-one', 'run-a', '2026-03-02T06:00:00.000Z', {
      outcome: 'succeeded',
      finishedAt: '2026-03-02T06:00:09.000Z',
      durationMs: 9000,
      counts: { found: 3, fetched: 3, new: 2, alreadyKnown: 0, duplicates: 1, queued: 2, deleted: 0 },
      warnings: ['2024-01-01..2024-01-07: phrase not found: "spinal cord"'],
    });
    await embedded.store.saveRunLog(finished);

    expect(await embedded.store.listRunLogs('l-one')).toEqual([finished]);
  });

  it('lists runs newest first, up to a limit, for one review only', async () => {
    const starts = ['2026-03-01T06:00:00.000Z', '2026-03-03T06:00:00.000Z', '2026-03-02T06:00:00.000Z'];
    for (const [i, startedAt] of starts.entries()) {
      await embedded.store.saveRunLog(
        run('l-many', `run-${i}`, startedAt, { outcome: 'failed', error: 'E-utilities answered 429' }),
      );
    }
    await embedded.store.saveRunLog(run('l-other', 'run-x', '2026-03-04T06:00:00.000Z'));

    expect((await embedded.store.listRunLogs('l-many')).map((r) => r.runId)).toEqual([
      'run-1',
      'run-2',
      'run-0',
    ]);
    expect((await embedded.store.listRunLogs('l-many', { limit: 2 })).map((r) => r.runId)).toEqual([
      'run-1',
      'run-2',
    ]);
    expect(await embedded.store.listRunLogs('l-none')).toEqual([]);
  });
});
