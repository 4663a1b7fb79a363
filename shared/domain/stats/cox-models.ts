// The protocol's Cox models fitted over a version's patient rows (R's coxph, see cox.ts), as the statistics
// snapshot stores them under `cox.<model id>`, and what changed in them between two snapshots.
//
// Each model uses the complete cases (time, event, every covariate and the strata reported) and keeps how many
// rows it left out. Variables enter by their type: number, integer and event variables as numbers; categorical
// and text variables as factors (R's treatment contrasts, terms named variable + level); yes-no variables as
// the factor "no"/"yes" (term `hormone_therapyyes`, as R names it for a yes/no column). The reference level is
// the one the protocol names, else R's default (the first level present in code order).
import type { AnalysisPlan } from '../protocol/analysis.ts';
import type { CoxModel } from '../protocol/models.ts';
import type { VariableDefinition } from '../protocol/variables.ts';
import type { Columns } from './columns.ts';
import { type CoxFit, type CoxTerm, fitCox } from './cox.ts';
import { factorLevels } from './factor-levels.ts';

/** One coefficient as the snapshot stores it: cox.ts's CoxTerm, with se null where the coefficient is NA. */
export type CoxTermSummary = Omit<CoxTerm, 'se'> & { se: number | null };

/**
 * A fitted model: cox.ts's numbers of issue #14's contract (n, events, loglik, wald, score, lr; the tests on df;
 * ties, factors, converged), with the terms as stored, the rows left out per variable, the strata counted, and
 * the warnings as text.
 */
export type CoxModelFit = Pick<
  CoxFit,
  'n' | 'events' | 'loglik' | 'wald' | 'score' | 'lr' | 'df' | 'tests' | 'ties' | 'factors' | 'converged'
> & {
  endpoint: string;
  terms: CoxTermSummary[];
  /** Rows left out for a value not reported (complete cases), and per variable how many miss it. */
  notUsed: { rows: number; byVariable: Record<string, number> };
  /** The strata variable and how many strata (and how many of them had no event); null without strata. */
  strata: { variable: string; count: number; withoutEvents: number } | null;
  /** What R warns about and what a reader should know (rows left out, NA terms, infinite coefficients ...). */
  warnings: string[];
};

/** A model that could not be fitted (e.g. no complete row, a factor with one level): why. */
export interface CoxModelError {
  endpoint: string;
  error: string;
}

export type CoxModelSummary = CoxModelFit | CoxModelError;

const finite = (value: number | null): number | null =>
  value === null || !Number.isFinite(value) ? null : value;

function eventValue(value: unknown): 0 | 1 | null {
  if (value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  return null;
}

/** A covariate's cell as fitCox reads it: numbers, or text for a factor (yes-no as "yes"/"no"). */
function covariateValue(value: unknown, variable: VariableDefinition | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (variable?.type === 'yes-no' && typeof value === 'boolean') return value ? 'yes' : 'no';
  if (variable?.type === 'event') return eventValue(value);
  return value;
}

/** One model over the rows (fitCox's RangeErrors become the model's error: a snapshot never fails for a model). */
export function fitCoxModel(model: CoxModel, plan: AnalysisPlan, columns: Columns): CoxModelSummary {
  const endpoint = plan.survival.endpoints.find((e) => e.id === model.endpoint);
  if (!endpoint) return { endpoint: model.endpoint, error: `no endpoint "${model.endpoint}"` };
  const byName = new Map(plan.variables.map((v) => [v.name, v]));
  const n = columns.rows.length;
  const time = columns.get(endpoint.time);
  const event = columns.get(endpoint.event);
  const covariates = model.covariates.map((c) => ({
    name: c.variable,
    variable: byName.get(c.variable),
    values: columns.get(c.variable),
  }));
  const strata = model.strata === undefined ? null : columns.get(model.strata);
  // Every row a copy of one template, so they share one shape (rows built key by key from computed names are
  // slower to read back in fitCox).
  const template: Record<string, unknown> = { [endpoint.time]: null, [endpoint.event]: null };
  for (const covariate of covariates) template[covariate.name] = null;
  if (model.strata !== undefined) template[model.strata] = null;
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const row = { ...template };
    row[endpoint.time] = time[i] ?? null;
    row[endpoint.event] = eventValue(event[i]);
    for (const covariate of covariates) {
      row[covariate.name] = covariateValue(covariate.values[i], covariate.variable);
    }
    if (strata !== null) row[model.strata!] = strata[i] ?? null;
    rows[i] = row;
  }
  // Reference levels the protocol names: that level first, the others in R's order.
  const levels: Record<string, string[]> = {};
  const warnings: string[] = [];
  for (const covariate of model.covariates) {
    if (covariate.reference === null) continue;
    const present = new Set<string>();
    rows.forEach((row) => {
      const value = row[covariate.variable];
      if (typeof value === 'string') present.add(value);
    });
    if (!present.has(covariate.reference)) {
      warnings.push(
        `${covariate.variable}: the reference level "${covariate.reference}" is not reported by any patient; the first level present is the reference`,
      );
    }
    levels[covariate.variable] = [
      covariate.reference,
      ...factorLevels([...present]).filter((level) => level !== covariate.reference),
    ];
  }
  let fit: CoxFit;
  try {
    fit = fitCox(rows, {
      time: endpoint.time,
      event: endpoint.event,
      covariates: model.covariates.map((c) => c.variable),
      strata: model.strata ?? null,
      ties: model.ties,
      levels,
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { endpoint: endpoint.id, error: error.message };
  }
  return {
    endpoint: endpoint.id,
    n: fit.n,
    events: fit.events,
    terms: fit.terms.map((term) => ({
      term: term.term,
      coef: finite(term.coef),
      hr: finite(term.hr),
      se: term.coef === null ? null : finite(term.se),
      z: finite(term.z),
      p: finite(term.p),
      lower: finite(term.lower),
      upper: finite(term.upper),
      covariate: term.covariate,
      level: term.level,
    })),
    loglik: fit.loglik,
    wald: finite(fit.wald),
    score: finite(fit.score),
    lr: finite(fit.lr),
    df: fit.df,
    tests: fit.tests,
    notUsed: { rows: fit.notUsed.rows, byVariable: fit.notUsed.byColumn },
    ties: fit.ties,
    strata:
      fit.strata === null
        ? null
        : {
            variable: fit.strata.column,
            count: fit.strata.levels.length,
            withoutEvents: fit.strata.levels.filter((s) => s.events === 0).length,
          },
    factors: fit.factors,
    converged: fit.converged,
    warnings: [...warnings, ...fit.warnings.map((warning) => warning.message)],
  };
}

/** Every model the plan declares, by id (the snapshot's `cox`). */
export function fitCoxModels(plan: AnalysisPlan, columns: Columns): Record<string, CoxModelSummary> {
  const out: Record<string, CoxModelSummary> = {};
  for (const model of plan.survival.models) out[model.id] = fitCoxModel(model, plan, columns);
  return out;
}

/** A hazard ratio (or coefficient) as tables print it: 3 significant digits, "1.00" kept (NA for null). */
export function hrNumber(value: number | null): string {
  return value === null ? 'NA' : value.toPrecision(3);
}

/** "0.857 (0.752–0.975)". */
export function hrWithCi(term: { hr: number | null; lower: number | null; upper: number | null }): string {
  return `${hrNumber(term.hr)} (${hrNumber(term.lower)}–${hrNumber(term.upper)})`;
}

// ---------------------------------------------------------------------------------------------------------
// What changed

/** A term's estimate at one version (with the model's n and events), or the model's error. */
export type CoxTermState =
  | {
      n: number;
      events: number;
      hr: number | null;
      lower: number | null;
      upper: number | null;
      p: number | null;
    }
  | { error: string };

/** A Cox term (or a model's error) that moved, appeared or went away between two snapshots. */
export interface CoxChange {
  model: string;
  /** The term; null for a model that could not be fitted in either version. */
  term: string | null;
  before: CoxTermState | null;
  after: CoxTermState | null;
}

function termStates(summary: CoxModelSummary | undefined): Map<string | null, CoxTermState> {
  if (!summary) return new Map();
  if ('error' in summary) return new Map([[null, { error: summary.error }]]);
  return new Map(
    summary.terms.map((t) => [
      t.term,
      { n: summary.n, events: summary.events, hr: t.hr, lower: t.lower, upper: t.upper, p: t.p },
    ]),
  );
}

const same = (a: CoxTermState | null, b: CoxTermState | null) => JSON.stringify(a) === JSON.stringify(b);

/** Every model term whose hazard ratio, CI, p, n or events moved (or that appeared or went away). */
export function coxChanges(
  previous: Record<string, CoxModelSummary> | undefined,
  next: Record<string, CoxModelSummary> | undefined,
): CoxChange[] {
  const was = previous ?? {};
  const now = next ?? {};
  const models = [...Object.keys(now), ...Object.keys(was).filter((id) => !(id in now))];
  return models.flatMap((model) => {
    const before = termStates(was[model]);
    const after = termStates(now[model]);
    const terms = [...after.keys(), ...[...before.keys()].filter((term) => !after.has(term))];
    return terms.flatMap((term) => {
      const b = before.get(term) ?? null;
      const a = after.get(term) ?? null;
      return same(b, a) ? [] : [{ model, term, before: b, after: a }];
    });
  });
}
