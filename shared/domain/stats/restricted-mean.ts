import type { KaplanMeierTable, RestrictedMean } from './survival-curve.ts';

/**
 * Restricted mean survival time and its standard error (R's `print(survfit, rmean = ...)`).
 *
 * The area under the Kaplan-Meier step function from `startTime` to `endTime`: the mean survival time
 * when follow-up is truncated at `endTime`. As the survival package's `survmean`: take the rows with
 * time <= endTime, append endTime, and add the rectangles (t_i - t_(i-1)) x S(t_(i-1)) starting from
 * S = 1 at startTime. SE = sqrt(sum over event rows of A_i^2 d_i / (n_i (n_i - d_i))), A_i being the area
 * from t_i to endTime; a row where n = d contributes 0, so the SE is finite.
 *
 * "common" uses the largest time over all curves fitted together as endTime, "individual" each curve's
 * own last time; R starts at min(0, smallest time).
 *
 * Reference: survival package, `print.survfit` (rmean) and Miller (1981), Survival Analysis, pp. 195-196;
 * https://rdrr.io/cran/survival/man/print.survfit.html
 *
 * Complexity: O(n).
 *
 * @param table the Kaplan-Meier table (time, n_risk, n_event, surv are used)
 * @param endTime the truncation time
 * @param startTime where the curve starts at S = 1 (default 0)
 * @returns `{ end_time, rmean, se_rmean }`
 * @throws {RangeError} "restrictedMean requires endTime >= startTime"
 * @example
 * // S = 0.5 after t = 2, truncated at 4: 2 x 1 + 2 x 0.5
 * restrictedMean({ time: [2], n_risk: [2], n_event: [1], surv: [0.5], ... }, 4);
 * // => { end_time: 4, rmean: 3, se_rmean: 0.7071067811865476 }
 */
export function restrictedMean(table: KaplanMeierTable, endTime: number, startTime = 0): RestrictedMean {
  if (!(endTime >= startTime)) throw new RangeError('restrictedMean requires endTime >= startTime');
  const times: number[] = [];
  const survs: number[] = [];
  const hazards: number[] = [];
  for (let i = 0; i < table.time.length; i++) {
    if (!(table.time[i]! <= endTime)) continue;
    const n = table.n_risk[i]!;
    const d = table.n_event[i]!;
    times.push(table.time[i]!);
    survs.push(table.surv[i]!);
    hazards.push(n - d === 0 ? 0 : d / (n * (n - d)));
  }
  // Rectangle k spans [previous time, times[k]] at the height of S just before it.
  const rectangles: number[] = [];
  let previousTime = startTime;
  let previousSurv = 1;
  for (let k = 0; k < times.length; k++) {
    rectangles.push((times[k]! - previousTime) * previousSurv);
    previousTime = times[k]!;
    previousSurv = survs[k]!;
  }
  rectangles.push((endTime - previousTime) * previousSurv);

  let rmean = 0;
  for (const area of rectangles) rmean += area;
  // Walk back from the end: areaAfter is the area from times[k] to endTime.
  let areaAfter = 0;
  let variance = 0;
  for (let k = times.length - 1; k >= 0; k--) {
    areaAfter += rectangles[k + 1]!;
    variance += areaAfter * areaAfter * hazards[k]!;
  }
  return { end_time: endTime, rmean: rmean + startTime, se_rmean: Math.sqrt(variance) };
}
