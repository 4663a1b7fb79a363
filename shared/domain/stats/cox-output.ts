// The Cox models of a snapshot as `stats` prints them: the JSON contract of issue #14 (`cox.<model id>`), a
// Markdown table per model and CSV rows (kind "cox").
//
// JSON contract: cox.<model id>: {n, events, terms: [{term, coef, hr, se, z, p, lower, upper}],
//   loglik: [null model, fitted model], wald, score, lr} (the statistics unrounded; null = NA), then df, tests
//   ({wald, score, lr}: {chisq, df, p}), notUsed (rows left out for a value not reported), ties, strata,
//   reference (factor -> reference level), label, endpoint and warnings; or {error, label, endpoint} when the model
//   cannot be fitted.
import type { AnalysisPlan } from '../protocol/analysis.ts';
import { type CoxModelFit, type CoxModelSummary, hrNumber, hrWithCi } from './cox-models.ts';
import { formatP } from './describe-changes.ts';

function modelLabel(id: string, plan: AnalysisPlan): string {
  return plan.survival.models.find((m) => m.id === id)?.label ?? id;
}

/** `cox` of the JSON contract. */
export function coxJson(
  cox: Record<string, CoxModelSummary> | undefined,
  plan: AnalysisPlan,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, model] of Object.entries(cox ?? {})) {
    const label = modelLabel(id, plan);
    if ('error' in model) {
      out[id] = { error: model.error, label, endpoint: model.endpoint };
      continue;
    }
    out[id] = {
      n: model.n,
      events: model.events,
      terms: model.terms.map(({ term, coef, hr, se, z, p, lower, upper }) => ({
        term,
        coef,
        hr,
        se,
        z,
        p,
        lower,
        upper,
      })),
      loglik: model.loglik,
      wald: model.wald,
      score: model.score,
      lr: model.lr,
      df: model.df,
      tests: model.tests,
      notUsed: model.notUsed,
      ties: model.ties,
      strata: model.strata,
      reference: Object.fromEntries(model.factors.map((f) => [f.covariate, f.reference])),
      label,
      endpoint: model.endpoint,
      warnings: model.warnings,
    };
  }
  return out;
}

/** What a model used: "n 3668, 2012 events, 0 left out; strata: studyId (2); Efron ties". */
export function coxModelFacts(model: CoxModelFit): string {
  const strata = model.strata
    ? `stratified by ${model.strata.variable} (${model.strata.count} strata); `
    : '';
  return `n ${model.n}, ${model.events} events, ${model.notUsed.rows} left out for a value not reported; ${strata}${model.ties === 'efron' ? 'Efron' : 'Breslow'} ties`;
}

/** "Likelihood ratio 497.9 on 5 df, p < 0.0001; Wald ...; score ...". */
export function coxTestsText(model: CoxModelFit): string {
  const test = (name: string, t: CoxModelFit['tests']['lr']) =>
    t === null ? `${name} NA` : `${name} ${Number(t.chisq.toFixed(2))} on ${t.df} df, p ${formatP(t.p)}`;
  return [
    test('likelihood ratio', model.tests.lr),
    test('Wald', model.tests.wald),
    test('score (log-rank)', model.tests.score),
  ].join('; ');
}

function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

/** The Markdown section: per model a heading, what it used, a table of terms, the tests and the warnings. */
export function coxMarkdown(cox: Record<string, CoxModelSummary> | undefined, plan: AnalysisPlan): string[] {
  const entries = Object.entries(cox ?? {});
  if (entries.length === 0) return [];
  const out = ['### Cox models', ''];
  for (const [id, model] of entries) {
    out.push(`#### ${cell(modelLabel(id, plan))} (${id})`, '');
    if ('error' in model) {
      out.push(`Not fitted: ${cell(model.error)}`, '');
      continue;
    }
    out.push(`${coxModelFacts(model)}.`, '');
    out.push('| Term | HR (95% CI) | coef | se | z | p |', '| --- | --- | --- | --- | --- | --- |');
    for (const term of model.terms) {
      out.push(
        `| ${cell(term.term)} | ${term.hr === null ? 'NA (not estimable)' : hrWithCi(term)} | ${hrNumber(term.coef)} | ${hrNumber(term.se)} | ${hrNumber(term.z)} | ${term.p === null ? 'NA' : formatP(term.p)} |`,
      );
    }
    const references = model.factors.map((f) => `${f.covariate}: ${f.reference}`);
    out.push(
      '',
      `Tests: ${coxTestsText(model)}.${references.length ? ` Reference levels: ${references.join(', ')}.` : ''}`,
    );
    for (const warning of model.warnings) out.push(`- Warning: ${cell(warning)}`);
    out.push('');
  }
  return out;
}

/** CSV rows (column -> value) per term, kind "cox", in the columns of statistics-output.ts. */
export function coxCsvRows(
  cox: Record<string, CoxModelSummary> | undefined,
  plan: AnalysisPlan,
): Partial<Record<string, string | number | null>>[] {
  const rows: Partial<Record<string, string | number | null>>[] = [];
  for (const [id, model] of Object.entries(cox ?? {})) {
    const label = modelLabel(id, plan);
    if ('error' in model) {
      rows.push({ table: 'Cox', section: id, label, kind: 'cox', curve: model.endpoint, text: model.error });
      continue;
    }
    for (const term of model.terms) {
      rows.push({
        table: 'Cox',
        section: id,
        label,
        kind: 'cox',
        variable: term.covariate,
        level: term.level,
        n: model.n,
        unknown: model.notUsed.rows,
        curve: model.endpoint,
        group: term.term,
        events: model.events,
        hr: term.hr,
        lower: term.lower,
        upper: term.upper,
        coef: term.coef,
        se: term.se,
        z: term.z,
        p: term.p,
        text: term.hr === null ? 'NA (not estimable)' : `HR ${hrWithCi(term)}`,
      });
    }
  }
  return rows;
}
