// Kaplan-Meier plots as SVG, drawn here from the curve's table (no charting library): the step curve, its
// pointwise confidence band (R's conf.type, shaded), censor marks ("+" where a patient was censored), the median
// (dashed guide lines) and the numbers at risk under the time axis, as in a journal figure.
//
// The SVG is self-contained (no script, no external reference, fonts from the system) and every text it holds
// is escaped, so it can be inlined into the report page and saved as its own file alike.
import { escapeHtml } from '../digest/html.ts';
import { kaplanMeier } from '../stats/kaplan-meier.ts';
import type { ConfType, SurvivalObservation } from '../stats/survival-curve.ts';

/** The curve as the report stores and plots it (the KM table's columns, R's conventions). */
export interface KmCurveData {
  n: number;
  events: number;
  confType: ConfType;
  confLevel: number;
  time: number[];
  surv: number[];
  lower: (number | null)[];
  upper: (number | null)[];
  nRisk: number[];
  nEvent: number[];
  nCensor: number[];
  median: { median: number | null; lcl: number | null; ucl: number | null };
}

/** The Kaplan-Meier curve of `observations` (null when there is none), log CI as the snapshot's summaries. */
export function kmCurveData(
  observations: readonly SurvivalObservation[],
  confType: ConfType = 'log',
): KmCurveData | null {
  if (observations.length === 0) return null;
  const fit = kaplanMeier(observations, { confType });
  return {
    n: fit.n,
    events: fit.events,
    confType: fit.conf_type,
    confLevel: fit.conf_level,
    time: fit.table.time,
    surv: fit.table.surv,
    lower: fit.lower,
    upper: fit.upper,
    nRisk: fit.table.n_risk,
    nEvent: fit.table.n_event,
    nCensor: fit.table.n_censor,
    median: fit.median_print,
  };
}

/** Patients at risk at time t: those whose time is >= t (the first table row at or after t; 0 past the end). */
export function numberAtRisk(curve: Pick<KmCurveData, 'time' | 'nRisk'>, t: number): number {
  const index = curve.time.findIndex((time) => time >= t);
  return index === -1 ? 0 : curve.nRisk[index]!;
}

const TICK_STEPS = [1, 2, 3, 6, 12, 24, 36, 48, 60, 120, 240];

/** A tick step giving at most 10 intervals over [0, max], and the axis end (a multiple of the step). */
export function timeAxis(maxTime: number): { step: number; end: number; ticks: number[] } {
  const max = maxTime > 0 ? maxTime : 1;
  const step = TICK_STEPS.find((s) => max / s <= 10) ?? Math.ceil(max / 10);
  const end = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= end + 1e-9; t += step) ticks.push(t);
  return { step, end, ticks };
}

export interface KmPlotOptions {
  title: string;
  /** e.g. "Months" */
  timeLabel: string;
  /** Prefix for ids inside the SVG (several plots on one page). */
  id: string;
}

const W = 720;
const LEFT = 64;
const RIGHT = 24;
const TOP = 44;
const PLOT_H = 280;
const AXIS_H = 44;
const RISK_H = 46;
const H = TOP + PLOT_H + AXIS_H + RISK_H;

function fmt(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** The plot as an SVG document (no XML declaration: it can be inlined into HTML as it is). */
export function renderKmSvg(curve: KmCurveData, options: KmPlotOptions): string {
  const axis = timeAxis(curve.time[curve.time.length - 1] ?? 0);
  const plotW = W - LEFT - RIGHT;
  const x = (t: number) => LEFT + (t / axis.end) * plotW;
  const y = (s: number) => TOP + (1 - s) * PLOT_H;
  const px = (v: number) => v.toFixed(1);
  const id = options.id.replace(/[^A-Za-z0-9_-]/g, '');
  const out: string[] = [];
  const label = `${options.title}: Kaplan-Meier estimate, n = ${curve.n}, ${curve.events} events`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title id="${id}-title">${escapeHtml(label)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="600" fill="#1d2330">${escapeHtml(options.title)}</text>`,
    `<text x="${LEFT}" y="36" fill="#5b6473">n = ${curve.n}, ${curve.events} events; median ${curve.median.median === null ? 'not reached' : fmt(curve.median.median)} (95% CI ${curve.median.lcl === null ? 'NA' : fmt(curve.median.lcl)}–${curve.median.ucl === null ? 'NA' : fmt(curve.median.ucl)})</text>`,
  );
  // Grid and axes
  for (const s of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${px(y(s))}" y2="${px(y(s))}" stroke="#e6e9ef"/>`,
      `<text x="${LEFT - 8}" y="${px(y(s) + 4)}" text-anchor="end" fill="#1d2330">${fmt(s)}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + PLOT_H}" stroke="#1d2330"/>`,
    `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" stroke="#1d2330"/>`,
    `<text transform="translate(18 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#1d2330">Survival probability</text>`,
  );
  for (const t of axis.ticks) {
    out.push(
      `<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H + 5}" stroke="#1d2330"/>`,
      `<text x="${px(x(t))}" y="${TOP + PLOT_H + 18}" text-anchor="middle" fill="#1d2330">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<text x="${LEFT + plotW / 2}" y="${TOP + PLOT_H + 36}" text-anchor="middle" fill="#1d2330">${escapeHtml(options.timeLabel)}</text>`,
  );

  // Confidence band: one polygon per run of rows with both limits (upper steps forward, lower steps back).
  const rows = curve.time.length;
  const intervalEnd = (i: number) => (i + 1 < rows ? curve.time[i + 1]! : curve.time[i]!);
  const bands: string[] = [];
  for (let i = 0; i < rows; ) {
    if (curve.lower[i] === null || curve.upper[i] === null) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < rows && curve.lower[j + 1] !== null && curve.upper[j + 1] !== null) j++;
    const points: string[] = [];
    for (let k = i; k <= j; k++) {
      points.push(
        `${px(x(curve.time[k]!))},${px(y(curve.upper[k]!))}`,
        `${px(x(intervalEnd(k)))},${px(y(curve.upper[k]!))}`,
      );
    }
    for (let k = j; k >= i; k--) {
      points.push(
        `${px(x(intervalEnd(k)))},${px(y(curve.lower[k]!))}`,
        `${px(x(curve.time[k]!))},${px(y(curve.lower[k]!))}`,
      );
    }
    bands.push(
      `<polygon class="km-band" points="${points.join(' ')}" fill="#2454a6" fill-opacity="0.16" stroke="none"/>`,
    );
    i = j + 1;
  }
  out.push(...bands);

  // The step curve from (0, 1).
  let d = `M${px(x(0))},${px(y(1))}`;
  for (let i = 0; i < rows; i++) d += ` H${px(x(curve.time[i]!))} V${px(y(curve.surv[i]!))}`;
  out.push(`<path class="km-curve" d="${d}" fill="none" stroke="#2454a6" stroke-width="2"/>`);

  // Censor marks
  const marks: string[] = [];
  for (let i = 0; i < rows; i++) {
    if (curve.nCensor[i]! > 0) {
      const cx = x(curve.time[i]!);
      const cy = y(curve.surv[i]!);
      marks.push(`M${px(cx)},${px(cy - 5)} V${px(cy + 5)} M${px(cx - 4)},${px(cy)} H${px(cx + 4)}`);
    }
  }
  if (marks.length > 0) {
    out.push(
      `<path class="km-censor" d="${marks.join(' ')}" stroke="#1d2330" stroke-width="1.2" fill="none"/>`,
    );
  }

  // Median guide lines
  if (curve.median.median !== null) {
    const mx = x(curve.median.median);
    out.push(
      `<path class="km-median" d="M${px(x(0))},${px(y(0.5))} H${px(mx)} V${px(y(0))}" stroke="#a12622" stroke-dasharray="4 3" fill="none"/>`,
    );
  }

  // Numbers at risk under the axis
  const riskY = TOP + PLOT_H + AXIS_H + 24;
  out.push(`<text x="${LEFT}" y="${riskY - 14}" font-weight="600" fill="#1d2330">Number at risk</text>`);
  for (const t of axis.ticks) {
    out.push(
      `<text class="km-at-risk" x="${px(x(t))}" y="${riskY + 4}" text-anchor="middle" fill="#1d2330">${numberAtRisk(curve, t)}</text>`,
    );
  }
  // Legend
  const lx = LEFT + plotW - 250;
  out.push(
    `<g class="km-legend"><rect x="${lx}" y="${TOP + 8}" width="242" height="50" fill="#ffffff" fill-opacity="0.9" stroke="#d7dbe3"/>`,
    `<line x1="${lx + 10}" x2="${lx + 34}" y1="${TOP + 22}" y2="${TOP + 22}" stroke="#2454a6" stroke-width="2"/>`,
    `<rect x="${lx + 10}" y="${TOP + 32}" width="24" height="10" fill="#2454a6" fill-opacity="0.16"/>`,
    `<text x="${lx + 42}" y="${TOP + 26}" fill="#1d2330">Kaplan–Meier estimate (+ censored)</text>`,
    `<text x="${lx + 42}" y="${TOP + 42}" fill="#1d2330">${Math.round(curve.confLevel * 100)}% CI (${escapeHtml(curve.confType)})</text></g>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
