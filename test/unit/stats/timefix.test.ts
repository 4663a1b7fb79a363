// survival's aeqSurv rule (README "timefix"): ties within sqrt(machine epsilon), absolute or relative to the
// mean absolute distinct time; each run replaced by its smallest value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TIMEFIX_TOLERANCE, timefix } from '../../../shared/domain/stats/timefix.ts';
import { loadReference } from './reference.ts';

describe('Function: timefix', () => {
  it("merges 0.1 + 0.2 and 0.3 into R's time points (timefix_demo)", () => {
    const demo = loadReference('ref-km-edge-cases.json').timefix_demo;

    const fixed = timefix(demo.input_time);

    expect([...new Set(fixed)].sort((a, b) => a - b)).toEqual(demo.timefix_true.time);
    expect([...new Set(demo.input_time as number[])].sort((a, b) => a - b)).toEqual(demo.timefix_false.time);
  });

  it('uses sqrt(.Machine$double.eps)', () => {
    expect(TIMEFIX_TOLERANCE).toBe(Math.sqrt(Number.EPSILON));
  });

  it('never changes integer or 1-decimal times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000, max: 100_000 }), { maxLength: 60 }), (tenths) => {
        const times = tenths.map((t) => t / 10);
        expect(timefix(times)).toEqual(times);
        expect(timefix(tenths)).toEqual(tenths);
      }),
    );
  });

  it('ties by relative difference for large times and chains runs to their smallest value', () => {
    // 1 apart, but 1 / mean(|y|) = 1e-9 <= tol: tied.
    expect(timefix([1e9 + 1, 1e9])).toEqual([1e9, 1e9]);
    // Each neighbour within tol of the next: one run, all become the smallest.
    const run = [1, 1 + 0.6 * TIMEFIX_TOLERANCE, 1 + 1.2 * TIMEFIX_TOLERANCE];
    expect(timefix([run[2]!, run[0]!, run[1]!, 5])).toEqual([1, 1, 1, 5]);
    // Further apart than tol (absolute and relative): untouched.
    const apart = [1, 1 + 3 * TIMEFIX_TOLERANCE];
    expect(timefix(apart)).toEqual(apart);
  });

  it('returns a copy and leaves non-finite values alone', () => {
    const times = [2, Number.POSITIVE_INFINITY, 2 + 1e-12];
    const fixed = timefix(times);
    expect(fixed).toEqual([2, Number.POSITIVE_INFINITY, 2]);
    expect(times[2]).toBe(2 + 1e-12);
  });
});
