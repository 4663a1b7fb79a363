// The statistics engine's survival and descriptive core (issue #5): one pure function per file, re-exported
// here. Conventions are R's (survival 3.5-3); see test/fixtures/reference/README.md.
export { chiSquareUpperTail } from './chi-square.ts';
export { type ConfidenceBandOptions, survivalConfidenceBand } from './confidence-band.ts';
export {
  type CoxControl,
  type CoxFit,
  type CoxOptions,
  type CoxTerm,
  type CoxTest,
  type CoxWarning,
  fitCox,
} from './cox.ts';
export { factorLevels } from './factor-levels.ts';
export { type KaplanMeierOptions, kaplanMeier } from './kaplan-meier.ts';
export { type KaplanMeierByGroupOptions, kaplanMeierByGroup } from './kaplan-meier-by-group.ts';
export { kaplanMeierMedian } from './km-median.ts';
export { kaplanMeierQuantile } from './km-quantile.ts';
export { logGamma } from './log-gamma.ts';
export { type LogRankOptions, type LogRankResult, logRank } from './log-rank.ts';
export { median, range } from './median.ts';
export { normalQuantile } from './normal.ts';
export { type QuantileType, quantile } from './quantile.ts';
export { toRJson } from './r-json.ts';
export { regularizedGammaQ } from './regularized-gamma.ts';
export { restrictedMean } from './restricted-mean.ts';
export { solveLinearSystem } from './solve-linear-system.ts';
export type {
  ConfType,
  GroupedSurvivalObservation,
  KaplanMeierCurve,
  KaplanMeierTable,
  MedianSummary,
  RestrictedMean,
  SurvivalObservation,
  SurvivalQuantile,
} from './survival-curve.ts';
export {
  parseSurvivalRows,
  type SurvivalRow,
  survivalRowSchema,
  survivalRowsSchema,
} from './survival-input.ts';
export { TIMEFIX_TOLERANCE, timefix } from './timefix.ts';
