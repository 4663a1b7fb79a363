// A forest plot of a Cox model's hazard ratios as SVG (no charting library): one row per term, the HR as a
// square and its 95% CI as a line, on a log-scaled axis with a reference line at HR 1, labels on the left and the
// numbers on the right, as in a journal figure. A term that cannot be estimated keeps its row, marked "not
// estimable"; a CI reaching beyond the axis ends in an arrow.
//
// Self-contained (no script, no external reference) and every text is escaped, so it can be inlined into the
// report page. Each row carries data-term, data-hr, data-lower and data-upper, and each mark its x position, so a
// test can read back where the square and the whiskers are drawn.
import { escapeHtml } from '../digest/html.ts';
import { hrWithCi } from '../stats/cox-models.ts';

export interface ForestRow {
  term: string;
  /** What the row is called ("Tumour size: > 50 mm vs 20–50 mm"). */
  label: string;
  hr: number | null;
  lower: number | null;
  upper: number | null;
}

export interface ForestPlotOptions {
  /** Makes the SVG's ids unique on the page. */
  id: string;
  title: string;
  /** The line under the title ("n = 3668, 2012 events; stratified by study"). */
  subtitle: string;
}

const W = 900;
const TOP = 58;
const ROW_H = 26;
const AXIS_H = 48;
const CHAR_W = 6.6;
const NUMBERS_W = 170;
const RIGHT = 16;
const MIN_LEFT = 160;
const MAX_LEFT = 420;
const CANDIDATE_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 5, 10, 20, 50, 100];

/**
 * The log-scale axis over the rows' CIs (always including 1): its limits (one candidate tick beyond the data on
 * each side, at most [0.01, 100]) and the ticks between them.
 */
export function forestAxis(rows: readonly ForestRow[]): { min: number; max: number; ticks: number[] } {
  const values = rows.flatMap((row) =>
    [row.lower, row.hr, row.upper].filter((v): v is number => v !== null && v > 0 && Number.isFinite(v)),
  );
  const low = Math.min(1, ...values);
  const high = Math.max(1, ...values);
  const min = [...CANDIDATE_TICKS].reverse().find((tick) => tick <= low / 1.05) ?? CANDIDATE_TICKS[0]!;
  const max =
    CANDIDATE_TICKS.find((tick) => tick >= high * 1.05) ?? CANDIDATE_TICKS[CANDIDATE_TICKS.length - 1]!;
  const inside = CANDIDATE_TICKS.filter((tick) => tick >= min && tick <= max);
  // At most 7 ticks: always the ends and 1, then as many of the others as fit (evenly spread).
  const keep = new Set([min, 1, max]);
  const others = inside.filter((tick) => !keep.has(tick));
  const room = Math.max(0, 7 - keep.size);
  const stride = others.length > room ? others.length / room : 1;
  for (let i = 0; i < Math.min(room, others.length); i++) keep.add(others[Math.floor(i * stride)]!);
  return { min, max, ticks: inside.filter((tick) => keep.has(tick)) };
}

/** The forest plot of `rows` (at least one). */
export function renderForestPlotSvg(rows: readonly ForestRow[], options: ForestPlotOptions): string {
  if (rows.length === 0) throw new RangeError('renderForestPlotSvg needs at least one row');
  const id = options.id.replace(/[^A-Za-z0-9_-]/g, '');
  const longest = Math.max(...rows.map((row) => row.label.length));
  const LEFT = Math.min(MAX_LEFT, Math.max(MIN_LEFT, Math.ceil(16 + longest * CHAR_W)));
  const plotW = W - LEFT - NUMBERS_W - RIGHT;
  const plotH = rows.length * ROW_H;
  const H = TOP + plotH + AXIS_H;
  const axis = forestAxis(rows);
  const logMin = Math.log(axis.min);
  const span = Math.log(axis.max) - logMin;
  const x = (hr: number) => LEFT + ((Math.log(hr) - logMin) / span) * plotW;
  const clampX = (hr: number) => Math.min(LEFT + plotW, Math.max(LEFT, x(hr)));
  const px = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="forest-plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-title" font-family="Helvetica, Arial, sans-serif" font-size="12" data-axis-min="${axis.min}" data-axis-max="${axis.max}">`,
    `<title id="${id}-title">${escapeHtml(`${options.title}: hazard ratios with 95% confidence intervals (log scale)`)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="600" fill="#1d2330">${escapeHtml(options.title)}</text>`,
    `<text x="12" y="38" fill="#5b6473">${escapeHtml(options.subtitle)}</text>`,
    `<text x="${LEFT + plotW + 10}" y="${TOP - 6}" fill="#5b6473">HR (95% CI)</text>`,
  );
  // Ticks and the axis (log scale).
  const axisY = TOP + plotH;
  out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${axisY}" y2="${axisY}" stroke="#1d2330"/>`);
  for (const tick of axis.ticks) {
    out.push(
      `<line class="forest-tick" data-tick="${tick}" x1="${px(x(tick))}" x2="${px(x(tick))}" y1="${axisY}" y2="${axisY + 5}" stroke="#1d2330"/>`,
      `<text x="${px(x(tick))}" y="${axisY + 18}" text-anchor="middle" fill="#1d2330">${tick}</text>`,
    );
  }
  out.push(
    `<text x="${px(LEFT + plotW / 2)}" y="${axisY + 38}" text-anchor="middle" fill="#1d2330">Hazard ratio (log scale)</text>`,
    // The reference line: no difference in hazard.
    `<line class="forest-reference" data-hr="1" x1="${px(x(1))}" x2="${px(x(1))}" y1="${TOP - 4}" y2="${axisY}" stroke="#5b6473" stroke-dasharray="4 3"/>`,
  );
  rows.forEach((row, index) => {
    const cy = TOP + index * ROW_H + ROW_H / 2;
    const data = `data-term="${escapeHtml(row.term)}" data-hr="${row.hr ?? ''}" data-lower="${row.lower ?? ''}" data-upper="${row.upper ?? ''}"`;
    out.push(
      `<g class="forest-row" ${data}>`,
      `<text x="${LEFT - 10}" y="${px(cy + 4)}" text-anchor="end" fill="#1d2330">${escapeHtml(row.label)}</text>`,
    );
    if (row.hr === null || row.hr <= 0 || !Number.isFinite(row.hr)) {
      out.push(
        `<text x="${px(LEFT + 6)}" y="${px(cy + 4)}" fill="#a12622">not estimable</text>`,
        `<text x="${LEFT + plotW + 10}" y="${px(cy + 4)}" fill="#1d2330">NA</text>`,
      );
    } else {
      if (row.lower !== null && row.upper !== null) {
        const x1 = clampX(row.lower);
        const x2 = clampX(row.upper);
        out.push(
          `<line class="forest-ci" x1="${px(x1)}" x2="${px(x2)}" y1="${px(cy)}" y2="${px(cy)}" stroke="#1d2330" stroke-width="1.5"/>`,
        );
        if (row.lower < axis.min)
          out.push(`<path class="forest-arrow" d="M${px(LEFT)},${px(cy)} l6,-4 v8 z" fill="#1d2330"/>`);
        if (row.upper > axis.max)
          out.push(
            `<path class="forest-arrow" d="M${px(LEFT + plotW)},${px(cy)} l-6,-4 v8 z" fill="#1d2330"/>`,
          );
      }
      const cx = clampX(row.hr);
      out.push(
        `<rect class="forest-hr" x="${px(cx - 4.5)}" y="${px(cy - 4.5)}" width="9" height="9" fill="#2454a6" data-x="${px(cx)}"/>`,
        `<text x="${LEFT + plotW + 10}" y="${px(cy + 4)}" fill="#1d2330">${hrWithCi(row)}</text>`,
      );
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}
