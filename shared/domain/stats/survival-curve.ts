// Types shared by the survival functions. Field names follow the reference JSON (R's names with `.` -> `_`),
// so a curve serialises to the layout of test/fixtures/reference/ref-km-datasets.json.
//
// Encoding of R's special values in these types: `Infinity` is R's Inf, `NaN` is R's NaN, and `null` is
// R's NA ("not available", e.g. a confidence limit where S = 0).

/** One subject: follow-up time and whether it ended with the event (1) or was censored (0). */
export interface SurvivalObservation {
  readonly time: number;
  readonly event: 0 | 1;
}

/** A subject with the group (stratum) it belongs to. Numbers are treated as R treats a numeric factor. */
export interface GroupedSurvivalObservation extends SurvivalObservation {
  readonly group: string | number;
}

/** Confidence interval transformation, as R's `survfit(conf.type = ...)`. */
export type ConfType = 'log' | 'log-log';

/** The Kaplan-Meier table: one entry per distinct time (censor-only times included), in time order. */
export interface KaplanMeierTable {
  time: number[];
  /** Subjects with time >= t (a subject censored at t is at risk at t). */
  n_risk: number[];
  n_event: number[];
  n_censor: number[];
  surv: number[];
  /** Greenwood standard error of log S (R's `fit$std.err`); Infinity once S = 0. */
  std_err: number[];
  /** Standard error of S (`summary(fit)$std.err` = S x std_err); NaN where S = 0. */
  se_surv: number[];
  /** Nelson-Aalen cumulative hazard, sum of d / n. */
  cumhaz: number[];
  /** Standard error of the cumulative hazard, sqrt(sum of d / n^2). */
  std_chaz: number[];
}

/** Median and its confidence limits as `print(survfit)` shows them; null is NA. */
export interface MedianSummary {
  median: number | null;
  lcl: number | null;
  ucl: number | null;
}

/** A survival-time percentile as `quantile(survfit)` gives it; null is NA. */
export interface SurvivalQuantile {
  quantile: number | null;
  lower: number | null;
  upper: number | null;
}

/** Restricted mean survival time up to `end_time`, and its standard error (`print(fit, rmean = ...)`). */
export interface RestrictedMean {
  end_time: number;
  rmean: number;
  se_rmean: number;
}

/** A fitted Kaplan-Meier curve. */
export interface KaplanMeierCurve {
  /** The group label, or null for an overall curve. */
  strata: string | null;
  /** Number of subjects. */
  n: number;
  /** Number of events. */
  events: number;
  conf_type: ConfType;
  conf_level: number;
  table: KaplanMeierTable;
  /** Lower confidence limit of S at each table row (null = NA). */
  lower: (number | null)[];
  /** Upper confidence limit of S at each table row (null = NA). */
  upper: (number | null)[];
  /** Median survival and its CI by `print.survfit`'s rule. */
  median_print: MedianSummary;
  /** 25th, 50th and 75th percentiles of survival time (time where 1 - S reaches p) as `quantile.survfit`. */
  quantile_25: SurvivalQuantile;
  quantile_50: SurvivalQuantile;
  quantile_75: SurvivalQuantile;
  /** Restricted mean up to the largest time of all curves fitted together (`rmean = "common"`). */
  rmean_common: RestrictedMean;
  /** Restricted mean up to this curve's own last time (`rmean = "individual"`). */
  rmean_individual: RestrictedMean;
}
