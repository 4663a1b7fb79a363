// `living-review cox --input FILE --time COL --event COL [--covariates a,b] [--strata COL] [--ties efron|breslow]
// [--format json]`: a Cox proportional-hazards fit of any JSON array of rows (issue #14), as R's coxph.
// Numeric columns enter as they are, text (and true/false) columns as factors against their first level in
// code-point order. The default output is what R's print(coxph) and summary(coxph) show; --format json prints
// the fit object (n, events, terms, loglik, wald, score, lr, df, tests, ...; Inf as "Inf", NA as null).
// Warnings (rows left out, non-convergence, infinite or NA coefficients, ...) also go to stderr.
import { type CoxFit, fitCox } from '../../shared/domain/stats/cox.ts';
import { toRJson } from '../../shared/domain/stats/r-json.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, optionalString, requireOption, UsageError } from '../command.ts';
import { readJsonFile } from './km.ts';

/** R's print of a number: 4 significant digits; very small or large ones in exponent form. */
function signif(value: number | null): string {
  if (value === null) return 'NA';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e6) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** R's format.pval: below machine epsilon it prints "<2e-16". */
function pValue(value: number | null): string {
  if (value !== null && value < 2.220446049250313e-16) return '<2e-16';
  return signif(value);
}

/** Columns right-aligned under their headers, the first (names) left-aligned. */
function alignedTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The fit as R's print(coxph) and summary(coxph) lay it out. */
export function describeCoxFit(fit: CoxFit, model: string): string {
  const lines = [`coxph: ${model}, ties = ${fit.ties}`];
  if (fit.strata !== null) lines.push(`  strata: ${fit.strata.column} (${fit.strata.levels.length} strata)`);
  lines.push(`  n= ${fit.n}, number of events= ${fit.events}`);
  if (fit.notUsed.rows > 0) {
    const plural = fit.notUsed.rows === 1 ? '' : 's';
    lines.push(`     (${fit.notUsed.rows} observation${plural} deleted due to missingness)`);
  }
  if (fit.terms.length === 0) {
    lines.push('', `Null model`, `  log likelihood= ${fit.loglik[0]}`);
    return lines.join('\n');
  }
  lines.push(
    '',
    alignedTable(
      ['', 'coef', 'exp(coef)', 'se(coef)', 'z', 'Pr(>|z|)'],
      fit.terms.map((term) => [
        term.term,
        signif(term.coef),
        signif(term.hr),
        signif(term.se),
        signif(term.z),
        pValue(term.p),
      ]),
    ),
    '',
    alignedTable(
      ['', 'exp(coef)', 'exp(-coef)', 'lower .95', 'upper .95'],
      fit.terms.map((term) => [
        term.term,
        signif(term.hr),
        signif(term.coef === null ? null : Math.exp(-term.coef)),
        signif(term.lower),
        signif(term.upper),
      ]),
    ),
    '',
  );
  const test = (label: string, result: CoxFit['tests']['lr']) =>
    `${label}= ${result === null ? 'NA' : Number(result.chisq.toFixed(2))}  on ${fit.df} df,   p=${pValue(result?.p ?? null)}`;
  lines.push(
    test('Likelihood ratio test', fit.tests.lr),
    test('Wald test            ', fit.tests.wald),
    test('Score (logrank) test ', fit.tests.score),
    `Log-likelihood: null model ${fit.loglik[0]}, fitted ${fit.loglik[1]} (${fit.iterations} iterations)`,
  );
  return lines.join('\n');
}

export const coxCommand: Command = {
  name: 'cox',
  summary: 'Cox proportional-hazards regression (R coxph) of a JSON array of rows',
  usage:
    'cox --input FILE.json --time COL --event COL [--covariates a,b,...] [--strata COL] [--ties efron|breslow] [--format json]',
  options: {
    input: { type: 'string' },
    time: { type: 'string' },
    event: { type: 'string' },
    covariates: { type: 'string' },
    strata: { type: 'string' },
    ties: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values }, io) {
    const file = requireOption(values, 'input');
    const time = requireOption(values, 'time');
    const event = requireOption(values, 'event');
    const covariates = (optionalString(values, 'covariates') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
    const strata = optionalString(values, 'strata');
    const ties = optionalString(values, 'ties') ?? 'efron';
    if (ties !== 'efron' && ties !== 'breslow')
      throw new UsageError(`--ties must be efron or breslow, not "${ties}"`);
    const format = optionalString(values, 'format') ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new UsageError(`--format must be json (or text), not "${format}"`);

    const rows = await readJsonFile(file);
    if (!Array.isArray(rows)) {
      const kind = rows === null ? 'null' : typeof rows === 'object' ? 'an object' : typeof rows;
      throw new InputError(`${file}: expected a JSON array of rows, got ${kind}`);
    }
    let fit: CoxFit;
    try {
      fit = fitCox(rows, { time, event, covariates, strata, ties });
    } catch (error) {
      throw new InputError(`${file}: ${errorMessage(error)}`, { cause: error });
    }
    const model = `Surv(${time}, ${event}) ~ ${[...(covariates.length > 0 ? covariates : ['1']), ...(strata ? [`strata(${strata})`] : [])].join(' + ')}`;
    io.out(format === 'json' ? toRJson(fit) : describeCoxFit(fit, model));
    for (const warning of fit.warnings) io.err(`warning: ${warning.message}`);
    return 0;
  },
};
