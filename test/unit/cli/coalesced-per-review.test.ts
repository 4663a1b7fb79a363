// The background recompute of `serve` (cli/serve/wiring.ts): one run at a time per review, asked again while
// running: once more after it; failures reported, not thrown; settled() waits for every run.
import { describe, expect, it } from 'vitest';
import { coalescedPerReview } from '../../../cli/serve/wiring.ts';

/** A work function whose runs finish only when the test says so. */
function gatedWork() {
  const started: string[] = [];
  const gates: Array<() => void> = [];
  const work = (reviewId: string) =>
    new Promise<void>((resolve) => {
      started.push(reviewId);
      gates.push(resolve);
    });
  const openNext = async () => {
    gates.shift()?.();
    // Let the runner see the finished run and start the next one.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { work, started, openNext };
}

describe('Function: coalescedPerReview', () => {
  it('runs once when asked while idle, and once more for any number of asks during a run', async () => {
    const { work, started, openNext } = gatedWork();
    const runner = coalescedPerReview(work, () => {});
    runner.schedule('a');
    runner.schedule('a');
    runner.schedule('a');
    expect(started).toEqual(['a']);
    await openNext();
    expect(started).toEqual(['a', 'a']);
    await openNext();
    expect(started).toEqual(['a', 'a']);
    await runner.settled();
    runner.schedule('a');
    expect(started).toEqual(['a', 'a', 'a']);
    await openNext();
    await runner.settled();
  });

  it('runs different reviews side by side, and settled() waits for all of them', async () => {
    const { work, started, openNext } = gatedWork();
    const runner = coalescedPerReview(work, () => {});
    runner.schedule('a');
    runner.schedule('b');
    expect(started).toEqual(['a', 'b']);
    let settled = false;
    const waiting = runner.settled().then(() => {
      settled = true;
    });
    await openNext();
    expect(settled).toBe(false);
    await openNext();
    await waiting;
    expect(settled).toBe(true);
  });

  it('reports a failed run and runs again when asked', async () => {
    const errors: Array<[string, unknown]> = [];
    let calls = 0;
    const runner = coalescedPerReview(
      async (reviewId) => {
        calls++;
        if (calls === 1) throw new Error(`boom ${reviewId}`);
      },
      (reviewId, error) => errors.push([reviewId, error]),
    );
    runner.schedule('a');
    await runner.settled();
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe('a');
    expect(String(errors[0]![1])).toMatch(/boom a/);
    runner.schedule('a');
    await runner.settled();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
