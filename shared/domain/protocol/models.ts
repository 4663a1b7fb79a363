// The Cox models a review's protocol declares (`survival.models`): per model an endpoint, the covariates (numbers
// enter as they are, categorical, yes-no and text variables as factors against a reference level) and the strata
// (a variable or "studyId": a separate baseline hazard per study, the one-stage IPD analysis), and the checks that
// every name a model, or a trigger on a model, uses is declared and of a fitting type.
import { z } from 'zod';
import type { Endpoint, ReferenceIssue } from './analysis.ts';
import { levelValues, type VariableDefinition } from './variables.ts';

/** The pseudo-variable that stratifies by study (analysis.ts's STUDY_VARIABLE; repeated to keep imports one-way). */
const STUDY = 'studyId';

const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected letters, digits, "_" and "-" (at most 64)');

/**
 * A covariate: a variable name, or `{variable, reference}` to name the reference level of a categorical (or
 * yes-no, or text) variable. Without `reference` the reference is R's default: the first level present in code
 * order ("20to50" before "gt50" before "le20"; yes-no: "no").
 */
export const coxCovariateSchema = z
  .union([
    z.string().min(1),
    z.strictObject({ variable: z.string().min(1), reference: z.string().min(1).nullable().optional() }),
  ])
  .transform((covariate) =>
    typeof covariate === 'string'
      ? { variable: covariate, reference: null }
      : { ...covariate, reference: covariate.reference ?? null },
  );

export const coxModelSchema = z.strictObject({
  id: modelId,
  /** How the report and "what changed" name the model, e.g. "Hormone therapy, adjusted". */
  label: z.string().min(1),
  /** An endpoint id: its time and event are the model's outcome. */
  endpoint: z.string().min(1),
  covariates: z.array(coxCovariateSchema).min(1, 'declare at least one covariate'),
  /** A variable, or "studyId": one baseline hazard per value (R's strata()). */
  strata: z.string().min(1).optional(),
  /** Tied event times: Efron (R's default) or Breslow. */
  ties: z.enum(['efron', 'breslow']).default('efron'),
});

export type CoxModel = z.infer<typeof coxModelSchema>;
export type CoxCovariate = CoxModel['covariates'][number];

/** Variable types a covariate may have: numbers as they are, the rest as factors. */
const NUMERIC_COVARIATE = new Set(['number', 'integer', 'event']);
const FACTOR_COVARIATE = new Set(['categorical', 'yes-no', 'text']);
const STRATA_TYPES = new Set(['categorical', 'yes-no', 'event', 'integer', 'text']);

/**
 * What is wrong with the declared models (paths from `survival.models`): ids, endpoints, covariates, reference
 * levels and strata. `variable` reports an unknown variable (and returns null); `endpoints` are the declared ones.
 */
export function coxModelIssues(
  models: readonly CoxModel[],
  endpoints: ReadonlyMap<string, Endpoint>,
  variable: (name: string, path: (string | number)[], allowStudy?: boolean) => VariableDefinition | null,
): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const ids = new Set<string>();
  models.forEach((model, m) => {
    const path = ['survival', 'models', m];
    if (ids.has(model.id))
      issues.push({ path: [...path, 'id'], message: `model "${model.id}" is declared twice` });
    ids.add(model.id);
    const endpoint = endpoints.get(model.endpoint);
    if (!endpoint) {
      issues.push({
        path: [...path, 'endpoint'],
        message: `no endpoint "${model.endpoint}" (declared: ${[...endpoints.keys()].join(', ') || 'none'})`,
      });
    }
    const outcome = endpoint ? new Set([endpoint.time, endpoint.event]) : new Set<string>();
    const seen = new Set<string>();
    model.covariates.forEach((covariate, c) => {
      const at = [...path, 'covariates', c];
      if (seen.has(covariate.variable)) {
        issues.push({ path: at, message: `covariate "${covariate.variable}" is listed twice` });
      }
      seen.add(covariate.variable);
      if (outcome.has(covariate.variable)) {
        issues.push({
          path: at,
          message: `${covariate.variable} is the endpoint's time or event: it cannot be a covariate`,
        });
      }
      if (covariate.variable === model.strata) {
        issues.push({
          path: at,
          message: `${covariate.variable} is the model's strata: it cannot also be a covariate`,
        });
      }
      const found = variable(covariate.variable, covariate.reference === null ? at : [...at, 'variable']);
      if (!found) return;
      if (!NUMERIC_COVARIATE.has(found.type) && !FACTOR_COVARIATE.has(found.type)) {
        issues.push({
          path: at,
          message: `a covariate must be a number, integer, event, categorical, yes-no or text variable, and ${found.name} is ${found.type}`,
        });
        return;
      }
      if (covariate.reference === null) return;
      if (!FACTOR_COVARIATE.has(found.type)) {
        issues.push({
          path: [...at, 'reference'],
          message: `${found.name} is a ${found.type} variable: it enters as a number and has no reference level`,
        });
        return;
      }
      const levels = levelValues(found);
      if (levels && !levels.includes(covariate.reference)) {
        issues.push({
          path: [...at, 'reference'],
          message: `${found.name} has no level "${covariate.reference}" (levels: ${levels.join(', ')})`,
        });
      }
    });
    if (model.strata !== undefined) {
      const strata = variable(model.strata, [...path, 'strata'], true);
      if (strata && !STRATA_TYPES.has(strata.type)) {
        issues.push({
          path: [...path, 'strata'],
          message: `stratify by a categorical, yes-no, event, integer or text variable (or "${STUDY}"), and ${strata.name} is ${strata.type}`,
        });
      }
      if (outcome.has(model.strata)) {
        issues.push({
          path: [...path, 'strata'],
          message: `${model.strata} is the endpoint's time or event`,
        });
      }
    }
  });
  return issues;
}

/**
 * The term names a covariate can give (R's names: the variable for a number, variable + level for a factor's
 * non-reference level); null when they cannot be known from the protocol (a text variable's levels).
 */
export function possibleTerms(
  covariate: CoxCovariate,
  variable: VariableDefinition | undefined,
): string[] | null {
  if (!variable) return null;
  if (NUMERIC_COVARIATE.has(variable.type)) return [covariate.variable];
  const levels = levelValues(variable);
  return levels ? levels.map((level) => `${covariate.variable}${level}`) : null;
}

/** The issues of a trigger that names a model's term (path is the trigger's). */
export function coxTermIssues(
  model: string,
  term: string,
  path: (string | number)[],
  models: readonly CoxModel[],
  variables: readonly VariableDefinition[],
): ReferenceIssue[] {
  const found = models.find((m) => m.id === model);
  if (!found) {
    const declared = models.map((m) => m.id).join(', ') || 'none';
    return [{ path: [...path, 'model'], message: `no model "${model}" (declared: ${declared})` }];
  }
  const terms: string[] = [];
  for (const covariate of found.covariates) {
    const possible = possibleTerms(
      covariate,
      variables.find((v) => v.name === covariate.variable),
    );
    if (possible === null) {
      if (term.startsWith(covariate.variable)) return [];
    } else terms.push(...possible);
  }
  if (terms.includes(term)) return [];
  return [
    {
      path: [...path, 'term'],
      message: `model "${model}" has no term "${term}" (terms are named as R names them: ${terms.join(', ')})`,
    },
  ];
}
