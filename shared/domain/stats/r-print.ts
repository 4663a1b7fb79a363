// What R prints: `print(survfit(...))` and `print(survdiff(...))` of the survival package (3.5-3), so that a
// statistician reads the command line's output as they read R's console, and can compare it line by line.
//
// Both print a numeric matrix with `print(matrix, digits = 3)` (survival's default digits:
// max(getOption("digits") - 4, 3) with R's default 7). R formats a matrix column by column (formatReal in R's
// src/main/format.c): each finite value is rounded to `digits` significant digits, trailing zeros dropped; the
// column then shows every value with the largest number of decimals any of them needs, or in scientific
// notation when that is narrower. Columns are right-aligned under their names, one space apart; row names are
// left-aligned. NA prints "NA", NaN "NaN", infinities "Inf" and "-Inf".
//
// Known difference: a value exactly halfway at the last shown digit (2.5 at 1 digit) rounds up here and to even
// in R's C library; R's own result for such values also depends on the platform's long double.
import type { KaplanMeierCurve } from './survival-curve.ts';

/** R's default print digits for survival objects. */
export const SURVIVAL_PRINT_DIGITS = 3;

interface Scientific {
  negative: boolean;
  /** The decimal exponent after rounding to `digits` significant digits. */
  kpower: number;
  /** Significant digits left once trailing zeros are dropped (1..digits). */
  nsig: number;
  /** Rounding carried into a new power of ten (99.96 -> 100): R counts one integer digit fewer. */
  roundingWidens: boolean;
}

function scientific(x: number, digits: number): Scientific {
  if (x === 0) return { negative: false, kpower: 0, nsig: 1, roundingWidens: false };
  const [mantissa, exponent] = Math.abs(x)
    .toExponential(digits - 1)
    .split('e') as [string, string];
  const kpower = Number(exponent);
  const significant = mantissa.replace('.', '').replace(/0+$/, '');
  return {
    negative: x < 0,
    kpower,
    nsig: Math.max(1, significant.length),
    roundingWidens: kpower > 0 && Math.abs(x) < 10 ** kpower,
  };
}

function exponentText(x: number, decimals: number): string {
  const [mantissa, exponent] = x.toExponential(decimals).split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

/**
 * The values of one column as R prints them with `digits` significant digits (formatReal): the same number of
 * decimals for all, or scientific notation for all when that is narrower. null is R's NA.
 */
export function formatRColumn(values: readonly (number | null)[], digits = SURVIVAL_PRINT_DIGITS): string[] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let rgt = 0;
  let mxsl = 1;
  let mxns = 1;
  let mxe = 0;
  let mne = 0;
  let negative = false;
  for (const x of finite) {
    const s = scientific(x, digits);
    const left = s.kpower + 1 - (s.roundingWidens ? 1 : 0);
    const sleft = (s.negative ? 1 : 0) + (left <= 0 ? 1 : left);
    rgt = Math.max(rgt, s.nsig - left);
    mxsl = Math.max(mxsl, sleft);
    mxns = Math.max(mxns, s.nsig);
    mxe = Math.max(mxe, s.kpower);
    mne = Math.min(mne, s.kpower);
    if (s.negative) negative = true;
  }
  let fixed = true;
  let sciDecimals = 0;
  if (finite.length > 0) {
    const fixedWidth = mxsl + rgt + (rgt > 0 ? 1 : 0);
    const exponentDigits = mxe >= 100 || mne <= -99 ? 2 : 1;
    sciDecimals = mxns - 1;
    const sciWidth = (negative ? 1 : 0) + (sciDecimals > 0 ? 1 : 0) + sciDecimals + 4 + exponentDigits;
    fixed = fixedWidth <= sciWidth;
  }
  return values.map((x) => {
    if (x === null) return 'NA';
    if (Number.isNaN(x)) return 'NaN';
    if (x === Number.POSITIVE_INFINITY) return 'Inf';
    if (x === Number.NEGATIVE_INFINITY) return '-Inf';
    return fixed ? x.toFixed(rgt) : exponentText(x, sciDecimals);
  });
}

/** One value as R's format(x, digits) prints it. */
export function formatRNumber(x: number | null, digits = SURVIVAL_PRINT_DIGITS): string {
  return formatRColumn([x], digits)[0]!;
}

/** R's print of a numeric matrix given by columns: row names left-aligned, columns right-aligned. */
export function printRMatrix(
  rowNames: readonly string[],
  columns: readonly { name: string; values: readonly (number | null)[] }[],
  digits = SURVIVAL_PRINT_DIGITS,
): string[] {
  const nameWidth = Math.max(0, ...rowNames.map((name) => name.length));
  const cells = columns.map((column) => {
    const texts = formatRColumn(column.values, digits);
    const width = Math.max(column.name.length, ...texts.map((t) => t.length));
    return { header: column.name.padStart(width), texts: texts.map((t) => t.padStart(width)) };
  });
  return [
    [' '.repeat(nameWidth), ...cells.map((c) => c.header)].join(' '),
    ...rowNames.map((name, row) => [name.padEnd(nameWidth), ...cells.map((c) => c.texts[row]!)].join(' ')),
  ];
}

/** R's row names: "[1,]" for a single curve, "<variable>=<level>" per stratum. */
function rowNames(strata: readonly (string | null)[], variable: string): string[] {
  return strata.map((s, i) => (s === null ? `[${i + 1},]` : `${variable}=${s}`));
}

export interface SurvfitPrintOptions {
  /** The grouping variable's name in the row names ("x=Maintained"); R takes it from the formula. */
  variable?: string;
  /** Add R's restricted mean columns, as `print(fit, print.rmean = TRUE, rmean = "common")`. */
  rmean?: boolean;
}

/**
 * `print(survfit(Surv(time, event) ~ variable))`: n, events, median and its confidence limits per curve (the
 * limits named by the curves' confidence level, "0.95LCL"), as R prints them without the "Call:" line.
 */
export function printSurvfit(
  curves: readonly KaplanMeierCurve[],
  options: SurvfitPrintOptions = {},
): string[] {
  if (curves.length === 0) throw new RangeError('printSurvfit requires at least one curve');
  const level = curves[0]!.conf_level;
  const names = rowNames(
    curves.map((c) => c.strata),
    options.variable ?? 'group',
  );
  const rmean = options.rmean
    ? [
        { name: 'rmean*', values: curves.map((c) => c.rmean_common.rmean) },
        { name: 'se(rmean)', values: curves.map((c) => c.rmean_common.se_rmean) },
      ]
    : [];
  const lines = printRMatrix(names, [
    { name: 'n', values: curves.map((c) => c.n) },
    { name: 'events', values: curves.map((c) => c.events) },
    ...rmean,
    { name: 'median', values: curves.map((c) => c.median_print.median) },
    { name: `${level}LCL`, values: curves.map((c) => c.median_print.lcl) },
    { name: `${level}UCL`, values: curves.map((c) => c.median_print.ucl) },
  ]);
  if (options.rmean) {
    lines.push(
      `    * restricted mean with upper limit =  ${formatRNumber(curves[0]!.rmean_common.end_time)} `,
    );
  }
  return lines;
}

/** What survdiff printing needs of a log-rank result. */
export interface SurvdiffPrintable {
  groups: readonly string[];
  n_per_group: readonly number[];
  observed: readonly number[];
  expected: readonly number[];
  variance_matrix: readonly (readonly number[])[];
  chisq: number;
  df: number;
  p_value: number;
}

/** R's format.pval(p) under survdiff's digits (1 significant digit): "0.07", "1e-04", "< 2e-16". */
export function formatPValue(p: number): string {
  if (Number.isNaN(p)) return 'NA';
  if (p < Number.EPSILON) return `< ${formatRNumber(Number.EPSILON, 1)}`;
  return formatRNumber(p, 1);
}

/**
 * `print(survdiff(Surv(time, event) ~ variable))`: N, Observed, Expected, (O-E)^2/E and (O-E)^2/V per group,
 * then the chi-square line, as R prints them without the "Call:" line.
 */
export function printSurvdiff(result: SurvdiffPrintable, options: { variable?: string } = {}): string[] {
  const variable = options.variable ?? 'group';
  const oe = result.observed.map((o, i) => o - result.expected[i]!);
  const lines = printRMatrix(
    result.groups.map((g) => `${variable}=${g}`),
    [
      { name: 'N', values: result.n_per_group },
      { name: 'Observed', values: result.observed },
      { name: 'Expected', values: result.expected },
      { name: '(O-E)^2/E', values: oe.map((d, i) => (d * d) / result.expected[i]!) },
      { name: '(O-E)^2/V', values: oe.map((d, i) => (d * d) / result.variance_matrix[i]![i]!) },
    ],
  );
  // cat("\n Chisq=", format(round(chisq, 1)), " on", df, "degrees of freedom, p=", format.pval(p), "\n")
  const chisq = formatRNumber(Math.round(result.chisq * 10) / 10);
  lines.push('', ` Chisq= ${chisq}  on ${result.df} degrees of freedom, p= ${formatPValue(result.p_value)} `);
  return lines;
}
