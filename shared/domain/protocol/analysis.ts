// What a review's statistics report, as its protocol declares it: the pooled tables (the table definition
// language of stats/tables.ts), the survival endpoints (a time and an event variable each), the comparisons
// (log-rank of an endpoint by a variable or by study) and the checks that every name they use is declared.
import { z } from 'zod';
import { type TableRowDefinition, tableDefinitionSchema } from '../stats/tables.ts';
import { coxModelIssues, coxModelSchema } from './models.ts';
import {
  type Condition,
  type Extraction,
  levelValues,
  type RuleValue,
  type VariableDefinition,
} from './variables.ts';

/** The pseudo-variable a comparison or a model names to group or stratify by study. */
export const STUDY_VARIABLE = 'studyId';

const analysisId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected letters, digits, "_" and "-" (at most 64)');

export const endpointSchema = z.strictObject({
  id: analysisId,
  /** Names the curve and its plot's probability axis, e.g. "Overall survival", "Local control". */
  label: z.string().min(1),
  /** A number or integer variable: time from the origin to the event or to censoring. */
  time: z.string().min(1),
  /** An event (0/1) or yes/no variable: 1 / yes = the event happened, 0 / no = censored. */
  event: z.string().min(1),
  /** The time unit as axes and tables name it; the time variable's unit by default. */
  unit: z.string().min(1).optional(),
  /** Also report the median follow-up by reverse Kaplan-Meier (censoring as the event). */
  followUp: z.boolean().default(false),
});

export const comparisonSchema = z.strictObject({
  id: analysisId,
  /** An endpoint id. */
  endpoint: z.string().min(1),
  /** A categorical, yes/no or event variable, or "studyId": one curve per value, and a log-rank test. */
  by: z.string().min(1),
  label: z.string().min(1).optional(),
});

export const survivalSchema = z.strictObject({
  /** The confidence interval of the curves and medians: R's default "log", or "log-log". */
  confType: z.enum(['log', 'log-log']).default('log'),
  endpoints: z.array(endpointSchema).min(1, 'declare at least one endpoint'),
  comparisons: z.array(comparisonSchema).default([]),
  /** Cox models of an endpoint (models.ts); `stats` reports each as cox.<id>. */
  models: z.array(coxModelSchema).default([]),
});

export const tablesSchema = z.array(tableDefinitionSchema).min(1);

export type Endpoint = z.infer<typeof endpointSchema>;
export type Comparison = z.infer<typeof comparisonSchema>;
export type Survival = z.infer<typeof survivalSchema>;

/** Everything the statistics of a review are computed from, besides its rows (see analysisPlanOf). */
export interface AnalysisPlan {
  reviewId: string;
  variables: readonly VariableDefinition[];
  tables: z.infer<typeof tablesSchema>;
  survival: Survival;
}

/** A problem with a name used by the analysis: the protocol path and what is wrong. */
export interface ReferenceIssue {
  path: (string | number)[];
  message: string;
}

/** The unit an endpoint's times are in: its own, or its time variable's. */
export function endpointUnit(endpoint: Endpoint, variables: readonly VariableDefinition[]): string | null {
  if (endpoint.unit) return endpoint.unit;
  const time = variables.find((v) => v.name === endpoint.time);
  return time && (time.type === 'number' || time.type === 'integer') ? (time.unit ?? null) : null;
}

function declaredNames(variables: readonly VariableDefinition[]): string {
  return variables.map((v) => v.name).join(', ');
}

/**
 * Checks every variable, level, endpoint and comparison the extraction rules, the tables and the survival
 * section name, and returns what is wrong (empty when all is declared and of a fitting type).
 */
export function analysisReferenceIssues(
  extraction: Extraction | undefined,
  tables: readonly z.infer<typeof tableDefinitionSchema>[] | undefined,
  survival: Survival | undefined,
): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const variables = extraction?.variables ?? [];
  const byName = new Map(variables.map((v) => [v.name, v]));

  const seen = new Set<string>();
  variables.forEach((variable, index) => {
    if (seen.has(variable.name)) {
      issues.push({
        path: ['extraction', 'variables', index, 'name'],
        message: `variable "${variable.name}" is declared twice`,
      });
    }
    seen.add(variable.name);
    const low = 'min' in variable ? variable.min : undefined;
    const high = 'max' in variable ? variable.max : undefined;
    if (low !== undefined && high !== undefined && low > high) {
      issues.push({
        path: ['extraction', 'variables', index, 'max'],
        message: `max ${high} is below min ${low}`,
      });
    }
  });

  const variable = (name: string, path: (string | number)[], allowStudy = false) => {
    if (allowStudy && name === STUDY_VARIABLE) return null;
    const found = byName.get(name);
    if (!found) {
      issues.push({
        path,
        message:
          variables.length === 0
            ? `no variable "${name}": the protocol declares no extraction variables`
            : `no variable "${name}" (declared: ${declaredNames(variables)})`,
      });
    }
    return found ?? null;
  };
  const value = (found: VariableDefinition, wanted: RuleValue, path: (string | number)[]) => {
    const levels = levelValues(found);
    if (levels) {
      if (!levels.some((level) => level.toLowerCase() === String(wanted).toLowerCase())) {
        issues.push({
          path,
          message: `${found.name} has no level "${wanted}" (levels: ${levels.join(', ')})`,
        });
      }
    } else if ((found.type === 'number' || found.type === 'integer') && typeof wanted !== 'number') {
      issues.push({ path, message: `${found.name} is a number: compare it with a number` });
    }
  };

  // Extraction rules
  (extraction?.rules ?? []).forEach((rule, r) => {
    const check = (conditions: readonly Condition[], part: 'when' | 'must') =>
      conditions.forEach((condition, c) => {
        const path = ['extraction', 'rules', r, part, c];
        const found = variable(condition.variable, [...path, 'variable']);
        if (!found) return;
        for (const key of ['is', 'isNot'] as const) {
          for (const [i, wanted] of (condition[key] ?? []).entries()) value(found, wanted, [...path, key, i]);
        }
        if (condition.empty !== undefined && found.type !== 'multi-categorical') {
          issues.push({ path: [...path, 'empty'], message: `${found.name} is not multi-valued` });
        }
        for (const key of ['atMost', 'atLeast'] as const) {
          const name = condition[key];
          if (name === undefined) continue;
          const other = variable(name, [...path, key]);
          const numeric = (v: VariableDefinition) => v.type === 'number' || v.type === 'integer';
          if (
            other &&
            !((numeric(found) && numeric(other)) || (found.type === 'date' && other.type === 'date'))
          ) {
            issues.push({
              path: [...path, key],
              message: `${found.name} and ${name} are not both numbers or both dates`,
            });
          }
        }
      });
    if (rule.when) check(rule.when, 'when');
    check(rule.must, 'must');
  });

  // Tables
  const tableIds = new Set<string>();
  (tables ?? []).forEach((table, t) => {
    if (tableIds.has(table.id))
      issues.push({ path: ['tables', t, 'id'], message: `table "${table.id}" is declared twice` });
    tableIds.add(table.id);
    for (const [s, section] of table.sections.entries()) {
      section.rows.forEach((row: TableRowDefinition, r) => {
        const path = ['tables', t, 'sections', s, 'rows', r];
        const subsets = [
          ['subset', 'subset' in row ? row.subset : undefined],
          ['levelsFrom', 'levelsFrom' in row ? row.levelsFrom : undefined],
        ] as const;
        for (const [key, subset] of subsets) {
          if (!subset) continue;
          const found = variable(subset.variable, [...path, key, 'variable']);
          if (found) value(found, subset.level, [...path, key, 'level']);
        }
        if (row.kind === 'count') return;
        const found = variable(row.variable, [...path, 'variable']);
        if (!found) return;
        if (row.kind === 'median-range') {
          if (found.type !== 'number' && found.type !== 'integer') {
            issues.push({
              path: [...path, 'variable'],
              message: `median (range) needs a number, and ${found.name} is ${found.type}`,
            });
          }
          return;
        }
        if (found.type === 'number' || found.type === 'date') {
          issues.push({
            path: [...path, 'variable'],
            message: `${found.name} is ${found.type}: count levels of a categorical, yes-no, event, integer or text variable`,
          });
          return;
        }
        if (row.kind === 'level') value(found, row.level, [...path, 'level']);
        else if (row.levels !== 'observed') {
          for (const [i, level] of row.levels.entries())
            value(found, level.level, [...path, 'levels', i, 'level']);
        }
      });
    }
  });

  // Survival
  if (survival) {
    const ids = new Map<string, string>();
    const endpoints = new Map<string, Endpoint>();
    const claim = (id: string, path: (string | number)[]) => {
      if (ids.has(id))
        issues.push({
          path,
          message: `"${id}" is also ${ids.get(id)}: endpoint and comparison ids share one namespace`,
        });
      ids.set(id, path.slice(0, 2).join('.'));
    };
    survival.endpoints.forEach((endpoint, e) => {
      const path = ['survival', 'endpoints', e];
      claim(endpoint.id, [...path, 'id']);
      endpoints.set(endpoint.id, endpoint);
      const time = variable(endpoint.time, [...path, 'time']);
      if (time && time.type !== 'number' && time.type !== 'integer') {
        issues.push({
          path: [...path, 'time'],
          message: `a time must be a number or integer variable, and ${time.name} is ${time.type}`,
        });
      }
      const event = variable(endpoint.event, [...path, 'event']);
      if (event && event.type !== 'event' && event.type !== 'yes-no') {
        issues.push({
          path: [...path, 'event'],
          message: `an event must be an event (0/1) or yes-no variable, and ${event.name} is ${event.type}`,
        });
      }
      if (time && !endpoint.unit && endpointUnit(endpoint, variables) === null) {
        issues.push({ path: [...path, 'unit'], message: `give the unit (${time.name} declares none)` });
      }
    });
    survival.comparisons.forEach((comparison, c) => {
      const path = ['survival', 'comparisons', c];
      claim(comparison.id, [...path, 'id']);
      if (!endpoints.has(comparison.endpoint)) {
        issues.push({
          path: [...path, 'endpoint'],
          message: `no endpoint "${comparison.endpoint}" (declared: ${[...endpoints.keys()].join(', ')})`,
        });
      }
      const by = variable(comparison.by, [...path, 'by'], true);
      if (by && !['categorical', 'yes-no', 'event', 'integer', 'text'].includes(by.type)) {
        issues.push({
          path: [...path, 'by'],
          message: `compare by a categorical, yes-no, event, integer or text variable (or "${STUDY_VARIABLE}"), and ${by.name} is ${by.type}`,
        });
      }
    });
    issues.push(...coxModelIssues(survival.models, endpoints, variable));
  }
  return issues;
}
