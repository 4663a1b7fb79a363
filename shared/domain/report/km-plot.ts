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
  /** The time axis, e.g. "Time (months)". */
  timeLabel: string;
  /** The probability axis: the endpoint, e.g. "Overall survival", "Local control". */
  probabilityLabel: string;
  /** Prefix for ids inside the SVG (several plots on one page). */
  id: string;
}

/** One curve of a plot: its legend label (null for a single curve) and its data. */
export interface KmPlotCurve {
  label: string | null;
  curve: KmCurveData;
}

const W = 820;
/** The left margin: the probability axis, and room for the longest group name before the numbers at risk. */
const MIN_LEFT = 64;
/** About the width of one character of 12 px Helvetica, to size the margin for group names. */
const CHAR_W = 6.6;
/** The legend column right of the plot area: a legend never covers a curve or its band. */
const LEGEND_W = 230;
/** Half the width of the widest number at risk (5 digits) and a space: where group names end. */
const RISK_GAP = 24;
const RIGHT = 16;
const TOP = 44;
const PLOT_H = 280;
const AXIS_H = 44;
const RISK_LINE = 16;
/** Colour-blind-safe (Okabe-Ito), in order. */
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];

function fmt(value: number): string {
  return String(Number(value.toFixed(2)));
}

function medianText(curve: KmCurveData, withCi = true): string {
  const m = curve.median;
  const ci = `${m.lcl === null ? 'NA' : fmt(m.lcl)}–${m.ucl === null ? 'NA' : fmt(m.ucl)}`;
  return `median ${m.median === null ? 'not reached' : fmt(m.median)} (${withCi ? '95% CI ' : ''}${ci})`;
}

/**
 * The plot as an SVG document (no XML declaration: it can be inlined into HTML as it is): one step curve per
 * group with its band, censor marks, the median guide (a single curve), the numbers at risk per group under the
 * axis, and the legend in its own column right of the plot area.
 */
export function renderKmSvg(curves: readonly KmPlotCurve[], options: KmPlotOptions): string {
  if (curves.length === 0) throw new RangeError('renderKmSvg needs at least one curve');
  const maxTime = Math.max(...curves.map(({ curve }) => curve.time[curve.time.length - 1] ?? 0));
  const axis = timeAxis(maxTime);
  const longest = Math.max(
    0,
    ...curves.map(({ label: name }) => (curves.length > 1 ? (name ?? '').length : 0)),
  );
  // A group's name ends clear of the first column of numbers at risk (centred on the axis, up to 5 digits).
  const LEFT = Math.max(MIN_LEFT, Math.ceil(RISK_GAP + 8 + longest * CHAR_W));
  const plotW = W - LEFT - LEGEND_W - RIGHT;
  const riskH = 26 + RISK_LINE * curves.length;
  const H = TOP + PLOT_H + AXIS_H + riskH;
  const x = (t: number) => LEFT + (t / axis.end) * plotW;
  const y = (s: number) => TOP + (1 - s) * PLOT_H;
  const px = (v: number) => v.toFixed(1);
  const id = options.id.replace(/[^A-Za-z0-9_-]/g, '');
  const single = curves.length === 1;
  const out: string[] = [];
  const totals = curves.reduce(
    (sum, { curve }) => ({ n: sum.n + curve.n, events: sum.events + curve.events }),
    {
      n: 0,
      events: 0,
    },
  );
  const label = `${options.title}: Kaplan-Meier estimate${single ? '' : ` in ${curves.length} groups`}, n = ${totals.n}, ${totals.events} events`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title id="${id}-title">${escapeHtml(label)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="600" fill="#1d2330">${escapeHtml(options.title)}</text>`,
    `<text x="${LEFT}" y="36" fill="#5b6473">n = ${totals.n}, ${totals.events} events${single ? `; ${medianText(curves[0]!.curve)}` : ''}</text>`,
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
    `<text class="km-y-label" transform="translate(18 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#1d2330">${escapeHtml(options.probabilityLabel)}</text>`,
  );
  for (const t of axis.ticks) {
    out.push(
      `<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H + 5}" stroke="#1d2330"/>`,
      `<text x="${px(x(t))}" y="${TOP + PLOT_H + 18}" text-anchor="middle" fill="#1d2330">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<text class="km-x-label" x="${LEFT + plotW / 2}" y="${TOP + PLOT_H + 36}" text-anchor="middle" fill="#1d2330">${escapeHtml(options.timeLabel)}</text>`,
  );

  curves.forEach(({ curve }, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    // Confidence band: one polygon per run of rows with both limits (upper steps forward, lower steps back).
    const rows = curve.time.length;
    const intervalEnd = (i: number) => (i + 1 < rows ? curve.time[i + 1]! : curve.time[i]!);
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
      out.push(
        `<polygon class="km-band" points="${points.join(' ')}" fill="${colour}" fill-opacity="${single ? 0.16 : 0.1}" stroke="none"/>`,
      );
      i = j + 1;
    }
    // The step curve from (0, 1).
    let d = `M${px(x(0))},${px(y(1))}`;
    for (let i = 0; i < rows; i++) d += ` H${px(x(curve.time[i]!))} V${px(y(curve.surv[i]!))}`;
    out.push(`<path class="km-curve" d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
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
        `<path class="km-censor" d="${marks.join(' ')}" stroke="${single ? '#1d2330' : colour}" stroke-width="1.2" fill="none"/>`,
      );
    }
  });

  // Median guide lines (one curve: with several the guides would cross each other's curves)
  const only = curves[0]!.curve;
  if (single && only.median.median !== null) {
    const mx = x(only.median.median);
    out.push(
      `<path class="km-median" d="M${px(x(0))},${px(y(0.5))} H${px(mx)} V${px(y(0))}" stroke="#a12622" stroke-dasharray="4 3" fill="none"/>`,
    );
  }

  // Numbers at risk under the axis, one line per curve
  const riskY = TOP + PLOT_H + AXIS_H + 20;
  out.push(`<text x="${LEFT}" y="${riskY - 6}" font-weight="600" fill="#1d2330">Number at risk</text>`);
  curves.forEach(({ label: name, curve }, index) => {
    const lineY = riskY + 12 + RISK_LINE * index;
    if (!single) {
      out.push(
        `<text x="${LEFT - RISK_GAP}" y="${lineY}" text-anchor="end" fill="${COLOURS[index % COLOURS.length]}">${escapeHtml(name ?? '')}</text>`,
      );
    }
    for (const t of axis.ticks) {
      out.push(
        `<text class="km-at-risk" data-group="${escapeHtml(name ?? '')}" x="${px(x(t))}" y="${lineY}" text-anchor="middle" fill="#1d2330">${numberAtRisk(curve, t)}</text>`,
      );
    }
  });

  // Legend, in its own column right of the plot area
  const lx = LEFT + plotW + 16;
  const legend: string[] = [`<g class="km-legend">`];
  let ly = TOP + 6;
  curves.forEach(({ label: name, curve }, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    legend.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${lx + 28}" y="${ly + 4}" fill="#1d2330">${escapeHtml(single ? 'Kaplan–Meier estimate' : (name ?? ''))}</text>`,
    );
    if (!single) {
      legend.push(
        `<text x="${lx + 28}" y="${ly + 18}" fill="#5b6473" font-size="11">n = ${curve.n}, ${curve.events} events</text>`,
        `<text x="${lx + 28}" y="${ly + 31}" fill="#5b6473" font-size="11">${escapeHtml(medianText(curve, false))}</text>`,
      );
      ly += 44;
    } else {
      ly += 18;
    }
  });
  legend.push(
    `<rect x="${lx}" y="${ly - 6}" width="22" height="10" fill="${single ? COLOURS[0] : '#5b6473'}" fill-opacity="0.16"/>`,
    `<text x="${lx + 28}" y="${ly + 3}" fill="#1d2330">${Math.round(only.confLevel * 100)}% CI (${escapeHtml(only.confType)})</text>`,
    `<path d="M${lx + 11},${ly + 12} V${ly + 22} M${lx + 7},${ly + 17} H${lx + 15}" stroke="#1d2330" stroke-width="1.2"/>`,
    `<text x="${lx + 28}" y="${ly + 21}" fill="#1d2330">censored</text>`,
    '</g>',
  );
  out.push(...legend, '</svg>');
  return `${out.join('\n')}\n`;
}
