// The living report's Cox models: per declared model the snapshot's fit with each term named for a reader
// ("Tumour size: > 50 mm vs 20–50 mm"), a table of hazard ratios and a forest plot (forest-plot.ts).
import { escapeHtml } from '../digest/html.ts';
import { type AnalysisPlan, STUDY_VARIABLE } from '../protocol/analysis.ts';
import { variableLabel } from '../protocol/variables.ts';
import { type CoxModelFit, type CoxTermSummary, hrNumber } from '../stats/cox-models.ts';
import { coxModelFacts, coxTestsText } from '../stats/cox-output.ts';
import { formatP } from '../stats/describe-changes.ts';
import type { StatisticsSnapshot } from '../stats/snapshot.ts';
import { renderForestPlotSvg } from './forest-plot.ts';

export interface ReportCoxModel {
  id: string;
  label: string;
  endpoint: string;
  endpointLabel: string;
  /** The strata as a reader names them ("study"), or null. */
  strataLabel: string | null;
  /** The fit (null when it could not be fitted: see error). */
  fit: (Omit<CoxModelFit, 'terms'> & { terms: Array<CoxTermSummary & { label: string }> }) | null;
  error: string | null;
}

/** How a level is named: its label for a categorical variable, yes/no, or the value. */
function levelLabel(plan: AnalysisPlan, variable: string, level: string): string {
  const found = plan.variables.find((v) => v.name === variable);
  if (found?.type === 'categorical') return found.levels.find((l) => l.value === level)?.label ?? level;
  return level;
}

/** "Age (per year)", "Tumour size: > 50 mm vs 20–50 mm", "Adjuvant hormone therapy: yes vs no". */
export function termLabel(plan: AnalysisPlan, term: CoxTermSummary, reference: string | null): string {
  const variable = plan.variables.find((v) => v.name === term.covariate);
  const name = variable ? variableLabel(variable) : term.covariate;
  if (term.level === null) {
    const unit = variable && 'unit' in variable ? variable.unit : undefined;
    return unit ? `${name} (per 1 ${unit})` : name;
  }
  const vs = reference === null ? '' : ` vs ${levelLabel(plan, term.covariate, reference)}`;
  return `${name}: ${levelLabel(plan, term.covariate, term.level)}${vs}`;
}

/** The declared models the snapshot holds, in declaration order. */
export function reportCoxModels(plan: AnalysisPlan, snapshot: StatisticsSnapshot): ReportCoxModel[] {
  return plan.survival.models.flatMap((model): ReportCoxModel[] => {
    const summary = snapshot.cox?.[model.id];
    if (!summary) return []; // declared after this version was computed
    const endpoint = plan.survival.endpoints.find((e) => e.id === model.endpoint);
    const strataVariable = model.strata ? plan.variables.find((v) => v.name === model.strata) : undefined;
    const base = {
      id: model.id,
      label: model.label,
      endpoint: model.endpoint,
      endpointLabel: endpoint?.label ?? model.endpoint,
      strataLabel:
        model.strata === undefined
          ? null
          : model.strata === STUDY_VARIABLE
            ? 'study'
            : strataVariable
              ? variableLabel(strataVariable)
              : model.strata,
    };
    if ('error' in summary) return [{ ...base, fit: null, error: summary.error }];
    const references = new Map(summary.factors.map((f) => [f.covariate, f.reference]));
    const terms = summary.terms.map((term) => ({
      ...term,
      label: termLabel(plan, term, references.get(term.covariate) ?? null),
    }));
    return [{ ...base, fit: { ...summary, terms }, error: null }];
  });
}

/** The report's Cox section: per model what it used, the table of hazard ratios, the forest plot, warnings. */
export function renderCoxModelsHtml(models: readonly ReportCoxModel[]): string {
  if (models.length === 0) return '';
  const out = ['<section id="cox"><h2>Cox models</h2>'];
  for (const model of models) {
    const key = escapeHtml(model.id);
    out.push(
      `<div class="cox-model" id="cox-${key}" data-model="${key}">`,
      `<h3>${escapeHtml(model.label)}</h3>`,
    );
    const strata = model.strataLabel ? `, stratified by ${model.strataLabel}` : '';
    if (model.fit === null) {
      out.push(
        `<p class="note">${escapeHtml(model.endpointLabel)}${escapeHtml(strata)}: not fitted (${escapeHtml(model.error ?? '')}).</p></div>`,
      );
      continue;
    }
    const fit = model.fit;
    out.push(
      `<p class="note">${escapeHtml(model.endpointLabel)}${escapeHtml(strata)}: ${escapeHtml(coxModelFacts(fit))}.</p>`,
      '<table class="cox-table"><thead><tr><th>Term</th><th class="num">HR</th><th class="num">95% CI</th><th class="num">p</th></tr></thead><tbody>',
      ...fit.terms.map(
        (term) =>
          `<tr data-term="${escapeHtml(term.term)}"><td>${escapeHtml(term.label)}</td><td class="num" data-cox="${key}-${escapeHtml(term.term)}-hr">${term.hr === null ? 'NA' : hrNumber(term.hr)}</td><td class="num">${term.hr === null ? 'not estimable' : `${hrNumber(term.lower)}–${hrNumber(term.upper)}`}</td><td class="num">${term.p === null ? 'NA' : escapeHtml(formatP(term.p))}</td></tr>`,
      ),
      '</tbody></table>',
      `<p class="note">${escapeHtml(coxTestsText(fit))}.</p>`,
      '<div class="figure">',
      renderForestPlotSvg(
        fit.terms.map(({ term, label, hr, lower, upper }) => ({ term, label, hr, lower, upper })),
        {
          id: `forest-${model.id}`,
          title: model.label,
          subtitle: `${model.endpointLabel}; n = ${fit.n}, ${fit.events} events${strata}`,
        },
      ),
      '</div>',
    );
    if (fit.warnings.length > 0) {
      out.push(
        `<ul class="note cox-warnings">${fit.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
      );
    }
    out.push('</div>');
  }
  out.push(
    '<p class="note">Cox proportional-hazards regression as R survival fits it (coxph): hazard ratios with Wald 95% confidence intervals; each stratum has its own baseline hazard; patients who do not report every variable a model uses are left out of it.</p>',
    '</section>',
  );
  return out.join('\n');
}
