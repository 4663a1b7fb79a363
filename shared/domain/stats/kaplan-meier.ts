import { survivalConfidenceBand } from './confidence-band.ts';
import { kaplanMeierMedian } from './km-median.ts';
import { kaplanMeierQuantile } from './km-quantile.ts';
import { restrictedMean } from './restricted-mean.ts';
import type { ConfType, KaplanMeierCurve, KaplanMeierTable, SurvivalObservation } from './survival-curve.ts';
import { timefix } from './timefix.ts';

/** Options of {@link kaplanMeier}. */
export interface KaplanMeierOptions {
  /** Confidence band transformation; R's default "log". */
  confType?: ConfType;
  /** Coverage of the band; default 0.95. */
  confLevel?: number;
  /** Merge near-equal times first, as R's `timefix = TRUE` (the default). */
  timefix?: boolean;
}

/** Checks the observations and returns their times (after the time fix when asked). */
function checkedTimes(observations: readonly SurvivalObservation[], fix: boolean, name: string): number[] {
  if (observations.length === 0) throw new RangeError(`${name} requires at least one observation`);
  observations.forEach((observation, i) => {
    if (!Number.isFinite(observation.time)) {
      throw new RangeError(`${name} requires finite times: observations[${i}].time is ${observation.time}`);
    }
    if (observation.event !== 0 && observation.event !== 1) {
      throw new RangeError(
        `${name} requires events of 0 or 1: observations[${i}].event is ${observation.event}`,
      );
    }
  });
  const times = observations.map((observation) => observation.time);
  return fix ? timefix(times) : times;
}

/** One row per distinct time with n at risk (time >= t), events and censorings; S and its errors. */
function estimate(times: readonly number[], events: readonly (0 | 1)[]): KaplanMeierTable {
  // The times sorted, and apart the times of the events, as typed arrays (a native numeric sort, no
  // comparator): the subjects leaving at a time are its run in the one, the deaths its run in the other.
  const sorted = Float64Array.from(times).sort();
  const eventTimes = Float64Array.from(times.filter((_, i) => events[i] === 1)).sort();
  // -0 and 0 are one time; the table shows the one met first, as a stable sort of the subjects would.
  const zero = times.find((time) => time === 0);
  const distinct: number[] = [];
  const leaving: number[] = [];
  const deaths: number[] = [];
  let nextEvent = 0;
  for (let start = 0; start < sorted.length; ) {
    const time = sorted[start]!;
    let end = start + 1;
    while (end < sorted.length && sorted[end] === time) end += 1;
    let died = 0;
    while (nextEvent < eventTimes.length && eventTimes[nextEvent] === time) {
      died += 1;
      nextEvent += 1;
    }
    distinct.push(time === 0 ? zero! : time);
    leaving.push(end - start);
    deaths.push(died);
    start = end;
  }
  return productLimit(distinct, leaving, deaths);
}

/**
 * The Kaplan-Meier table from what happens at each distinct time, in increasing order: how many subjects leave
 * the risk set there (events and censorings) and how many of them have the event. Everyone is at risk at the
 * first time. For a caller that has counted per time already (the statistics snapshot, over times it sorted
 * once per endpoint).
 */
export function productLimit(
  times: readonly number[],
  leaving: readonly number[],
  deaths: readonly number[],
): KaplanMeierTable {
  const table: KaplanMeierTable = {
    time: [],
    n_risk: [],
    n_event: [],
    n_censor: [],
    surv: [],
    std_err: [],
    se_surv: [],
    cumhaz: [],
    std_chaz: [],
  };
  let atRisk = 0;
  for (const count of leaving) atRisk += count;
  let surv = 1;
  let greenwood = 0;
  let cumhaz = 0;
  let chazVariance = 0;
  for (let at = 0; at < times.length; at += 1) {
    const died = deaths[at]!;
    if (died > 0) {
      // Divide, then multiply: the survival package's C loop (S, std_err, cumhaz match R's doubles exactly).
      surv = surv * ((atRisk - died) / atRisk);
      greenwood += died / (atRisk * (atRisk - died)); // +Infinity once everyone at risk dies
      cumhaz += died / atRisk;
      chazVariance += died / (atRisk * atRisk);
    }
    const stdErr = Math.sqrt(greenwood);
    table.time.push(times[at]!);
    table.n_risk.push(atRisk);
    table.n_event.push(died);
    table.n_censor.push(leaving[at]! - died);
    table.surv.push(surv);
    table.std_err.push(stdErr);
    table.se_surv.push(surv * stdErr); // 0 x Infinity = NaN where S = 0, as R
    table.cumhaz.push(cumhaz);
    table.std_chaz.push(Math.sqrt(chazVariance));
    atRisk -= leaving[at]!;
  }
  return table;
}

/** What {@link kaplanMeierEstimate} returns: the curve without its median, quantiles and restricted means. */
export type KaplanMeierEstimate = Pick<
  KaplanMeierCurve,
  'n' | 'events' | 'conf_type' | 'conf_level' | 'table' | 'lower' | 'upper'
>;

/**
 * The Kaplan-Meier table and its confidence band: {@link kaplanMeier} without the summaries, for a caller
 * that needs only some of them (the statistics snapshot reads the median alone). Same checks and options.
 */
export function kaplanMeierEstimate(
  observations: readonly SurvivalObservation[],
  options: KaplanMeierOptions = {},
): KaplanMeierEstimate {
  const confType = options.confType ?? 'log';
  const confLevel = options.confLevel ?? 0.95;
  const times = checkedTimes(observations, options.timefix ?? true, 'kaplanMeier');
  const events = observations.map((observation) => observation.event);
  const table = estimate(times, events);
  const { lower, upper } = survivalConfidenceBand(table.surv, table.std_err, { confType, confLevel });
  return {
    n: observations.length,
    events: events.reduce<number>((sum, event) => sum + event, 0),
    conf_type: confType,
    conf_level: confLevel,
    table,
    lower,
    upper,
  };
}

/**
 * Kaplan-Meier estimator (product-limit survival curve, R's `survfit(Surv(time, event) ~ 1)`).
 *
 * Estimates the survival function S(t) from right-censored times, with everything R's survival package
 * reports for one curve:
 *
 * - `table`: one row per distinct time, censor-only times included; n_risk counts subjects with
 *   time >= t (censored at t still at risk), events are processed before censorings; S is multiplied by
 *   (n - d) / n at each event time; `std_err` is Greenwood's SE of log S (Infinity once S = 0),
 *   `se_surv` = S x std_err (NaN at S = 0), Nelson-Aalen `cumhaz` and `std_chaz`;
 * - `lower` / `upper`: the pointwise band for `confType` (null = NA), see {@link survivalConfidenceBand};
 * - `median_print`: median and CI as `print(fit)` shows them ({@link kaplanMeierMedian});
 * - `quantile_25/50/75`: as `quantile(fit)` gives them ({@link kaplanMeierQuantile}; may differ from print);
 * - `rmean_common` / `rmean_individual`: restricted mean to the last time (the same for a single curve).
 *
 * Times are first passed through {@link timefix} unless `timefix: false`, as R does by default. Time 0 is
 * an ordinary time; the curve starts at S = 1 at min(0, smallest time).
 *
 * Reference: survival package, `survfit.formula`, https://rdrr.io/cran/survival/man/survfit.formula.html
 * and Therneau, "The survival package" vignette,
 * https://cran.r-project.org/web/packages/survival/vignettes/survival.pdf
 *
 * Complexity: O(n log n) time (sorting), O(n) space.
 *
 * @param observations subjects `{ time, event }`, event 1 = event, 0 = censored; any order
 * @param options conf type ("log" default, or "log-log"), conf level (0.95), timefix (true)
 * @returns the curve, with `strata: null`
 * @throws {RangeError} "kaplanMeier requires at least one observation", or naming a non-finite time or an
 *   event other than 0/1 (e.g. "kaplanMeier requires events of 0 or 1: observations[3].event is 2")
 * @example
 * const fit = kaplanMeier([{ time: 1, event: 1 }, { time: 2, event: 0 }, { time: 3, event: 1 }]);
 * fit.table.surv; // => [0.6666666666666666, 0.6666666666666666, 0]
 * fit.median_print; // => { median: 3, lcl: 1, ucl: null }
 */
export function kaplanMeier(
  observations: readonly SurvivalObservation[],
  options: KaplanMeierOptions = {},
): KaplanMeierCurve {
  const { n, events, conf_type, conf_level, table, lower, upper } = kaplanMeierEstimate(
    observations,
    options,
  );
  const quantile = (p: number) => kaplanMeierQuantile(table.time, table.surv, lower, upper, p);
  const startTime = Math.min(0, table.time[0]!);
  const rmean = restrictedMean(table, table.time[table.time.length - 1]!, startTime);
  return {
    strata: null,
    n,
    events,
    conf_type,
    conf_level,
    table,
    lower,
    upper,
    median_print: kaplanMeierMedian(table.time, table.surv, lower, upper),
    quantile_25: quantile(0.25),
    quantile_50: quantile(0.5),
    quantile_75: quantile(0.75),
    rmean_common: rmean,
    rmean_individual: { ...rmean },
  };
}
