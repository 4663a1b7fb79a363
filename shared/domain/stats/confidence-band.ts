import { normalQuantile } from './normal.ts';
import type { ConfType } from './survival-curve.ts';

/** Options of {@link survivalConfidenceBand}. */
export interface ConfidenceBandOptions {
  /** "log" (R's default) or "log-log". */
  confType: ConfType;
  /** Coverage, e.g. 0.95. */
  confLevel: number;
}

/**
 * Pointwise confidence band of a survival curve (R's `survfit(conf.type = "log" | "log-log")`).
 *
 * With z = qnorm(1 - (1 - confLevel) / 2) and `stdErr` the standard error of log S:
 *
 * - "log": lower = exp(log S - z se), upper = min(1, exp(log S + z se)). NA where S = 0; 1 and 1 where
 *   S = 1 (se = 0).
 * - "log-log": lower = exp(-exp(log(-log S) - z se / log S)), upper = exp(-exp(log(-log S) + z se / log S)),
 *   no cap. NA where S = 0 and also where S = 1.
 *
 * NA is returned as null.
 *
 * Reference: survival package, `survfit.formula` (conf.type) and Therneau's "The survival package"
 * vignette, https://cran.r-project.org/web/packages/survival/vignettes/survival.pdf
 *
 * Complexity: O(n).
 *
 * @param surv S at each table row
 * @param stdErr the standard error of log S at each row (Infinity allowed where S = 0)
 * @param options conf type and level
 * @returns `{ lower, upper }`, one entry per row
 * @throws {RangeError} "survivalConfidenceBand requires confLevel between 0 and 1" (exclusive), or equal
 *   lengths of surv and stdErr
 * @example
 * survivalConfidenceBand([0.5], [0.2], { confType: 'log', confLevel: 0.95 });
 * // => { lower: [0.3378544905685229], upper: [0.7399635256566038] }
 */
export function survivalConfidenceBand(
  surv: readonly number[],
  stdErr: readonly number[],
  options: ConfidenceBandOptions,
): { lower: (number | null)[]; upper: (number | null)[] } {
  const { confType, confLevel } = options;
  if (!(confLevel > 0 && confLevel < 1)) {
    throw new RangeError('survivalConfidenceBand requires confLevel between 0 and 1');
  }
  if (confType !== 'log' && confType !== 'log-log') {
    throw new RangeError('survivalConfidenceBand requires confType "log" or "log-log"');
  }
  if (surv.length !== stdErr.length) {
    throw new RangeError('survivalConfidenceBand requires surv and stdErr of equal length');
  }
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  for (let i = 0; i < surv.length; i++) {
    const s = surv[i]!;
    const se = stdErr[i]!;
    if (confType === 'log') {
      if (s === 0) {
        lower.push(null);
        upper.push(null);
        continue;
      }
      lower.push(Math.exp(Math.log(s) - z * se));
      upper.push(Math.min(1, Math.exp(Math.log(s) + z * se)));
    } else {
      if (s === 0 || s === 1) {
        lower.push(null);
        upper.push(null);
        continue;
      }
      const logS = Math.log(s);
      const logMinusLog = Math.log(-logS);
      lower.push(Math.exp(-Math.exp(logMinusLog - (z * se) / logS)));
      upper.push(Math.exp(-Math.exp(logMinusLog + (z * se) / logS)));
    }
  }
  return { lower, upper };
}
