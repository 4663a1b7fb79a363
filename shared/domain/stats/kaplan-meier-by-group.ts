import { factorLevels } from './factor-levels.ts';
import { type KaplanMeierOptions, kaplanMeier } from './kaplan-meier.ts';
import { restrictedMean } from './restricted-mean.ts';
import type { GroupedSurvivalObservation, KaplanMeierCurve } from './survival-curve.ts';
import { timefix } from './timefix.ts';

/** Options of {@link kaplanMeierByGroup}. */
export interface KaplanMeierByGroupOptions extends KaplanMeierOptions {
  /** Order of the strata (R's factor levels); default: sorted as {@link factorLevels} does. */
  levels?: readonly string[];
}

/**
 * Kaplan-Meier curves by group (R's `survfit(Surv(time, event) ~ group)`).
 *
 * One {@link kaplanMeier} curve per stratum, in factor-level order ({@link factorLevels}: sorted labels,
 * numbers numerically, or the given `levels`; strata without subjects are dropped). As in R, the time fix
 * is applied to all times together before splitting, the restricted means start at min(0, smallest time
 * of all strata), and `rmean_common` is truncated at the largest time of all strata while
 * `rmean_individual` uses each curve's own last time.
 *
 * Reference: survival package, `survfit.formula`, https://rdrr.io/cran/survival/man/survfit.formula.html
 *
 * Complexity: O(n log n) time, O(n) space.
 *
 * @param observations subjects `{ time, event, group }`
 * @param options conf type, conf level, timefix (as {@link kaplanMeier}) and the level order
 * @returns one curve per non-empty stratum, `strata` set to the group label
 * @throws {RangeError} "kaplanMeierByGroup requires at least one observation", a bad time or event (named
 *   by index), or a group missing from `levels`
 * @example
 * const curves = kaplanMeierByGroup([
 *   { time: 1, event: 1, group: 'b' }, { time: 2, event: 0, group: 'a' }, { time: 3, event: 1, group: 'a' },
 * ]);
 * curves.map((curve) => curve.strata); // => ['a', 'b']
 */
export function kaplanMeierByGroup(
  observations: readonly GroupedSurvivalObservation[],
  options: KaplanMeierByGroupOptions = {},
): KaplanMeierCurve[] {
  if (observations.length === 0) throw new RangeError('kaplanMeierByGroup requires at least one observation');
  observations.forEach((observation, i) => {
    if (!Number.isFinite(observation.time)) {
      throw new RangeError(
        `kaplanMeierByGroup requires finite times: observations[${i}].time is ${observation.time}`,
      );
    }
  });
  const rawTimes = observations.map((observation) => observation.time);
  const times = (options.timefix ?? true) ? timefix(rawTimes) : rawTimes;
  const labels = observations.map((observation) => String(observation.group));
  const levels = factorLevels(
    observations.map((observation) => observation.group),
    options.levels,
  );
  const curveOptions: KaplanMeierOptions = { ...options, timefix: false };
  const curves = levels.map((level) => {
    const members = observations
      .map((observation, i) => ({ time: times[i]!, event: observation.event }))
      .filter((_, i) => labels[i] === level);
    return { ...kaplanMeier(members, curveOptions), strata: level };
  });

  // A loop, not Math.min(0, ...times): a spread of some 120,000 arguments overflows the stack.
  let startTime = 0;
  for (const time of times) startTime = Math.min(startTime, time);
  const lastTimes = curves.map((curve) => curve.table.time[curve.table.time.length - 1]!);
  const commonEnd = Math.max(...lastTimes);
  return curves.map((curve, k) => ({
    ...curve,
    rmean_common: restrictedMean(curve.table, commonEnd, startTime),
    rmean_individual: restrictedMean(curve.table, lastTimes[k]!, startTime),
  }));
}
