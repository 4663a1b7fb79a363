import { chiSquareUpperTail } from './chi-square.ts';
import { factorLevels } from './factor-levels.ts';
import { solveLinearSystem } from './solve-linear-system.ts';
import type { GroupedSurvivalObservation } from './survival-curve.ts';
import { timefix } from './timefix.ts';

/** Options of {@link logRank}. */
export interface LogRankOptions {
  /** Merge near-equal times first, as R's `timefix = TRUE` (the default). */
  timefix?: boolean;
  /** Order of the groups (R's factor levels); default: sorted as {@link factorLevels} does. */
  levels?: readonly string[];
}

/** The log-rank test, laid out as R's `survdiff` object (and ref-logrank.json). */
export interface LogRankResult {
  /** Group labels in level order (empty levels dropped). */
  groups: string[];
  n_per_group: number[];
  /** Observed events per group. */
  observed: number[];
  /** Expected events per group under equal hazards. */
  expected: number[];
  /** Variance-covariance matrix of O - E, groups x groups. */
  variance_matrix: number[][];
  chisq: number;
  /** Number of groups with expected > 0, minus 1. */
  df: number;
  /** P(chi-square(df) > chisq); NaN when df < 1 (no test: R would print p = 0 or NaN). */
  p_value: number;
}

/**
 * Log-rank test (Mantel-Haenszel test comparing survival curves, R's `survdiff(Surv(time, event) ~ group)`
 * with rho = 0).
 *
 * Tests whether the groups have the same hazard. At each distinct event time, with n at risk (time >= t)
 * of whom n_g in group g, and d events in all:
 * E_g += d n_g / n, and (if n > 1) V_gh += d (n - d) / (n^2 (n - 1)) x (n n_g [g = h] - n_g n_h).
 * chisq = (O - E)' V^-1 (O - E) over the groups with E > 0, leaving out the first of them; df = (number
 * of groups with E > 0) - 1; p from the chi-square upper tail. As survdiff: times get the time fix
 * (unless `timefix: false`), empty levels are dropped, a group with subjects but E = 0 stays in the
 * table but not in df, and with fewer than 2 groups with E > 0 chisq is 0.
 *
 * Reference: survival package, `survdiff`, https://rdrr.io/cran/survival/man/survdiff.html
 *
 * Complexity: O(n log n + m k^2 + k^3) for n subjects, m event times and k groups.
 *
 * @param observations subjects `{ time, event, group }`
 * @param options timefix (true) and the level order
 * @returns the test, see {@link LogRankResult}
 * @throws {RangeError} "logRank requires at least one observation"; a bad time or event (named by index);
 *   "There is only 1 group" (R's message) when fewer than two groups have subjects;
 *   "logRank requires a non-singular variance matrix" (e.g. every event time kills all at risk)
 * @example
 * logRank([
 *   { time: 1, event: 1, group: 'a' }, { time: 2, event: 1, group: 'a' }, { time: 3, event: 0, group: 'a' },
 *   { time: 4, event: 1, group: 'b' }, { time: 5, event: 0, group: 'b' }, { time: 6, event: 1, group: 'b' },
 * ]).chisq; // => 2.469387755102041
 */
export function logRank(
  observations: readonly GroupedSurvivalObservation[],
  options: LogRankOptions = {},
): LogRankResult {
  if (observations.length === 0) throw new RangeError('logRank requires at least one observation');
  observations.forEach((observation, i) => {
    if (!Number.isFinite(observation.time)) {
      throw new RangeError(`logRank requires finite times: observations[${i}].time is ${observation.time}`);
    }
    if (observation.event !== 0 && observation.event !== 1) {
      throw new RangeError(
        `logRank requires events of 0 or 1: observations[${i}].event is ${observation.event}`,
      );
    }
  });
  const groups = factorLevels(
    observations.map((observation) => observation.group),
    options.levels,
  );
  if (groups.length < 2) throw new RangeError('There is only 1 group');
  const groupIndex = new Map(groups.map((label, g) => [label, g]));
  const member = Int32Array.from(observations, (observation) => groupIndex.get(String(observation.group))!);
  const rawTimes = observations.map((observation) => observation.time);
  return logRankOfCodes(
    (options.timefix ?? true) ? timefix(rawTimes) : rawTimes,
    observations.map((observation) => observation.event),
    member,
    groups,
  );
}

/**
 * The core of {@link logRank} for a caller holding its data as columns (the statistics snapshot): times already
 * fixed (or not to be), events, and each subject's group as an index into `groups` (level order, every group
 * with subjects). No checks: the caller's data are checked where they were read.
 */
export function logRankOfCodes(
  times: readonly number[],
  events: readonly (0 | 1)[],
  member: Int32Array,
  groups: readonly string[],
): LogRankResult {
  // The distinct times in increasing order (a native numeric sort, no comparator), and each subject's slot.
  const distinct = Float64Array.from(new Set(times)).sort();
  const slot = new Map<number, number>();
  for (const [index, time] of distinct.entries()) slot.set(time, index);
  const slots = Int32Array.from(times, (time) => slot.get(time)!);
  return logRankOfSlots(slots, distinct.length, events, member, groups);
}

/**
 * The core of {@link logRankOfCodes} for a caller that has placed each subject at its time already: `slots[i]`
 * is the index of subject i's time among the `slotCount` distinct times in increasing order.
 */
export function logRankOfSlots(
  slots: Int32Array,
  slotCount: number,
  events: ArrayLike<number>,
  member: Int32Array,
  groups: readonly string[],
): LogRankResult {
  if (groups.length < 2) throw new RangeError('There is only 1 group');
  const k = groups.length;
  const atRisk = new Array<number>(k).fill(0);
  const observed = new Array<number>(k).fill(0);
  for (let i = 0; i < slots.length; i++) {
    atRisk[member[i]!]! += 1;
    observed[member[i]!]! += events[i]!;
  }
  const nPerGroup = [...atRisk];
  const expected = new Array<number>(k).fill(0);
  const variance = groups.map(() => new Array<number>(k).fill(0));

  // Per time the events and the subjects of each group leaving the risk set after it: one counting pass.
  const deathsAt = new Float64Array(slotCount);
  const leavingAt = new Float64Array(slotCount * k);
  for (let i = 0; i < slots.length; i++) {
    const at = slots[i]!;
    deathsAt[at]! += events[i]!;
    leavingAt[at * k + member[i]!]! += 1;
  }
  let total = slots.length;
  for (let at = 0; at < slotCount; at++) {
    const deaths = deathsAt[at]!;
    if (deaths > 0) {
      for (let g = 0; g < k; g++) expected[g]! += (deaths * atRisk[g]!) / total;
      if (total > 1) {
        const factor = (deaths * (total - deaths)) / (total * total * (total - 1));
        for (let g = 0; g < k; g++) {
          for (let h = 0; h < k; h++) {
            const diagonal = g === h ? total * atRisk[g]! : 0;
            variance[g]![h]! += factor * (diagonal - atRisk[g]! * atRisk[h]!);
          }
        }
      }
    }
    for (let g = 0; g < k; g++) {
      const leaving = leavingAt[at * k + g]!;
      atRisk[g]! -= leaving;
      total -= leaving;
    }
  }

  const tested = groups.map((_, g) => g).filter((g) => expected[g]! > 0);
  const df = tested.length - 1;
  let chisq = 0;
  if (tested.length >= 2) {
    const kept = tested.slice(1);
    const difference = kept.map((g) => observed[g]! - expected[g]!);
    const matrix = kept.map((g) => kept.map((h) => variance[g]![h]!));
    let solution: number[];
    try {
      solution = solveLinearSystem(matrix, difference);
    } catch (error) {
      throw new RangeError('logRank requires a non-singular variance matrix', { cause: error });
    }
    chisq = solution.reduce((sum, value, i) => sum + value * difference[i]!, 0);
  }
  return {
    groups: [...groups],
    n_per_group: nPerGroup,
    observed,
    expected,
    variance_matrix: variance,
    chisq,
    df,
    p_value: df >= 1 ? chiSquareUpperTail(Math.max(0, chisq), df) : Number.NaN,
  };
}
