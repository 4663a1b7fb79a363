// One extracted patient (individual patient data) as the extractors record it and the statistics read it: the
// patient's id, the included study it comes from, and one value per variable the review's protocol declares
// (shared/domain/protocol/variables.ts). This module checks values and rows against those declarations; it
// knows no review's variables.
//
// Conventions:
// - `null` means "not reported by the study". It is never "no": a symptom the study did not mention is null.
// - A multi-valued variable holds a list of level values; `[]` means "reported: none", `null` "not reported".
// - A required variable must be present in every row (a JSON key, a CSV column), so a variable that was not
//   extracted cannot silently turn into "not reported"; an optional one that is absent is null.
import { sha256Hex } from '../citation/citation-id.ts';
import {
  type Condition,
  describeVariable,
  type Extraction,
  isCalendarDate,
  type Rule,
  type RuleValue,
  type VariableDefinition,
  variableLabel,
} from '../protocol/variables.ts';

export type VariableValue = string | number | boolean | readonly string[] | null;

/** A row as canonical JSON (keys sorted, undefined left out): equal rows give one text. */
export function canonicalRow(row: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(row)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** The version of a row's content (SHA-256 of canonicalRow): verification events name what they verified. */
export function rowVersion(row: Readonly<Record<string, unknown>>): string {
  return sha256Hex(new TextEncoder().encode(canonicalRow(row)));
}

export interface PatientRow {
  /** Unique within the review, e.g. "SYN-001" or "<studyId>-3". */
  patientId: string;
  /** The id of the included study this patient was extracted from. */
  studyId: string;
  /** True for invented test patients (a synthetic cohort); absent for real ones. */
  synthetic?: boolean;
  readonly [variable: string]: VariableValue | undefined;
}

/** The declarations a row is checked against, indexed once. */
export interface RowSchema {
  variables: readonly VariableDefinition[];
  byName: ReadonlyMap<string, VariableDefinition>;
  rules: readonly Rule[];
}

export function rowSchemaOf(extraction: Pick<Extraction, 'variables' | 'rules'>): RowSchema {
  return {
    variables: extraction.variables,
    byName: new Map(extraction.variables.map((variable) => [variable.name, variable])),
    rules: extraction.rules,
  };
}

export type ValueCheck = { ok: true; value: VariableValue } | { ok: false; message: string };

const fail = (message: string): ValueCheck => ({ ok: false, message });

function boundsProblem(variable: VariableDefinition, value: number | string): string | null {
  if (variable.type === 'number' || variable.type === 'integer') {
    const what = `${variable.type === 'integer' ? 'a whole number' : 'a number'}${variable.unit ? ` of ${variable.unit}` : ''}`;
    const n = value as number;
    if (variable.min !== undefined && n < variable.min) return `expected ${what} ≥ ${variable.min}`;
    if (variable.exclusiveMin !== undefined && n <= variable.exclusiveMin)
      return `expected ${what} > ${variable.exclusiveMin}`;
    if (variable.max !== undefined && n > variable.max) return `expected ${what} ≤ ${variable.max}`;
    if (variable.exclusiveMax !== undefined && n >= variable.exclusiveMax)
      return `expected ${what} < ${variable.exclusiveMax}`;
  }
  if (variable.type === 'date') {
    const d = value as string;
    if (variable.min !== undefined && d < variable.min) return `expected a date on or after ${variable.min}`;
    if (variable.max !== undefined && d > variable.max) return `expected a date on or before ${variable.max}`;
  }
  return null;
}

function matchLevel(levels: readonly { value: string }[], text: string): string | undefined {
  const wanted = text.trim().toLowerCase();
  return levels.find((level) => level.value.toLowerCase() === wanted)?.value;
}

/**
 * Checks a value as JSON gives it (null = not reported) against its declaration and returns it as stored
 * (levels spelled as declared, text trimmed). `orNull` ends the "expected ..." messages (JSON: ", or null";
 * a CSV reader, where an empty cell is "not reported", passes "").
 */
export function checkValue(variable: VariableDefinition, value: unknown, orNull = ', or null'): ValueCheck {
  if (value === null) return { ok: true, value: null };
  const expected = `expected ${describeVariable(variable)}${orNull}`;
  switch (variable.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(expected);
      if (variable.type === 'integer' && !Number.isInteger(value)) return fail(expected);
      const problem = boundsProblem(variable, value);
      return problem ? fail(problem) : { ok: true, value };
    }
    case 'categorical': {
      const level = typeof value === 'string' ? matchLevel(variable.levels, value) : undefined;
      return level === undefined ? fail(expected) : { ok: true, value: level };
    }
    case 'multi-categorical': {
      if (!Array.isArray(value)) return fail(expected);
      const levels: string[] = [];
      for (const [index, item] of value.entries()) {
        const level = typeof item === 'string' ? matchLevel(variable.levels, item) : undefined;
        if (level === undefined) {
          return fail(
            `item ${index + 1}: ${JSON.stringify(item)} is not one of ${variable.levels.map((l) => l.value).join(', ')}`,
          );
        }
        if (levels.includes(level)) return fail(`${level} is listed twice`);
        levels.push(level);
      }
      if (levels.length < variable.minItems) {
        return fail(
          `expected at least ${variable.minItems} of ${variable.levels.map((l) => l.value).join(', ')} (use null for "not reported")`,
        );
      }
      return { ok: true, value: levels };
    }
    case 'yes-no':
      return typeof value === 'boolean'
        ? { ok: true, value }
        : fail(`expected yes/no (true/false)${orNull.replace(',', '')}`);
    case 'event':
      return value === 0 || value === 1 ? { ok: true, value } : fail(expected);
    case 'date': {
      if (typeof value !== 'string' || !isCalendarDate(value.trim())) return fail(expected);
      const problem = boundsProblem(variable, value.trim());
      return problem ? fail(problem) : { ok: true, value: value.trim() };
    }
    case 'text': {
      if (typeof value !== 'string') return fail(expected);
      const text = value.trim();
      if (text === '') return fail('expected text (use null for "not reported")');
      if (variable.maxLength !== undefined && text.length > variable.maxLength) {
        return fail(`expected at most ${variable.maxLength} characters, found ${text.length}`);
      }
      return { ok: true, value: text };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cross-field rules

/** The value as a rule compares it: booleans as "yes"/"no", lists as their items. */
function comparable(value: VariableValue): (string | number)[] | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return [value ? 'yes' : 'no'];
  if (Array.isArray(value)) return value as string[];
  return [value as string | number];
}

function sameValue(a: string | number, b: RuleValue): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a.toLowerCase() === b.toLowerCase();
}

function cellOf(row: PatientRow, name: string): VariableValue {
  return row[name] ?? null;
}

/** Whether one condition holds for a row (see conditionSchema for each predicate). */
export function conditionHolds(condition: Condition, row: PatientRow): boolean {
  const value = cellOf(row, condition.variable);
  const items = comparable(value);
  const matches = (wanted: RuleValue[]) =>
    items?.some((item) => wanted.some((w) => sameValue(item, w))) ?? false;
  if (condition.is && !matches(condition.is)) return false;
  if (condition.isNot && matches(condition.isNot)) return false;
  if (condition.reported !== undefined && (value !== null) !== condition.reported) return false;
  if (condition.empty !== undefined) {
    if (!Array.isArray(value) || (value.length === 0) !== condition.empty) return false;
  }
  for (const [other, holds] of [
    [condition.atMost, (a: number | string, b: number | string) => a <= b],
    [condition.atLeast, (a: number | string, b: number | string) => a >= b],
  ] as const) {
    if (other === undefined) continue;
    const bound = cellOf(row, other);
    if (value !== null && bound !== null && !holds(value as number | string, bound as number | string)) {
      return false;
    }
  }
  return true;
}

function describeValue(value: VariableValue): string {
  if (value === null) return 'not reported';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(';');
  return String(value);
}

function describeCondition(condition: Condition): string {
  const parts: string[] = [];
  const list = (values: readonly RuleValue[]) => values.map(String).join(' or ');
  if (condition.is) parts.push(`is ${list(condition.is)}`);
  if (condition.isNot) parts.push(`is not ${list(condition.isNot)}`);
  if (condition.reported !== undefined) parts.push(condition.reported ? 'is reported' : 'is not reported');
  if (condition.empty !== undefined) parts.push(condition.empty ? 'lists none' : 'lists at least one');
  if (condition.atMost) parts.push(`is at most ${condition.atMost}`);
  if (condition.atLeast) parts.push(`is at least ${condition.atLeast}`);
  return `${condition.variable} ${parts.join(' and ')}`;
}

export interface RuleViolation {
  /** The variable blamed: the first `must` variable that does not hold. */
  variable: string;
  message: string;
}

/** Every rule the row breaks, each blaming the variable whose value contradicts the rule. */
export function ruleViolations(schema: RowSchema, row: PatientRow): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const rule of schema.rules) {
    if (rule.when && !rule.when.every((condition) => conditionHolds(condition, row))) continue;
    const broken = rule.must.find((condition) => !conditionHolds(condition, row));
    if (!broken) continue;
    const found = `(${broken.variable} is ${describeValue(cellOf(row, broken.variable))}${
      broken.atMost || broken.atLeast
        ? `, ${broken.atMost ?? broken.atLeast} is ${describeValue(cellOf(row, (broken.atMost ?? broken.atLeast)!))}`
        : ''
    })`;
    const because = rule.when ? `because ${rule.when.map(describeCondition).join(' and ')}, ` : '';
    violations.push({
      variable: broken.variable,
      message: rule.message
        ? `${rule.message} ${found}`
        : `${because}${describeCondition(broken)} is required ${found}`,
    });
  }
  return violations;
}

/**
 * Rows stored earlier, made complete for the variables declared now: an optional variable a row lacks is null
 * ("not reported"); a required one it lacks is listed ("patient P (study S): X") and no row is returned, since
 * the study was extracted without it.
 */
export function completeRows(
  rows: readonly PatientRow[],
  variables: readonly VariableDefinition[],
): { rows: PatientRow[] } | { missing: string[] } {
  const missing: string[] = [];
  const complete = rows.map((row) => {
    const absent = variables.filter((variable) => row[variable.name] === undefined);
    if (absent.length === 0) return row;
    const required = absent.filter((variable) => variable.required).map((variable) => variable.name);
    if (required.length > 0) {
      missing.push(`patient ${row.patientId} (study ${row.studyId}): ${required.join(', ')}`);
    }
    const filled: Record<string, VariableValue | boolean | undefined> = { ...row };
    for (const variable of absent) filled[variable.name] = null;
    return filled as PatientRow;
  });
  return missing.length > 0 ? { missing } : { rows: complete };
}

/**
 * What is wrong with a row read back from storage (a stream image, an older import) against today's
 * declarations: unknown variables, missing required ones, values a variable cannot hold. The messages name the
 * variable and what it accepts, never the value found (a stream log must not quote patient data).
 */
export function storedRowProblems(schema: RowSchema, row: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(row)) {
    if (key !== 'patientId' && key !== 'studyId' && key !== 'synthetic' && !schema.byName.has(key)) {
      problems.push(`${key}: not a variable of this review`);
    }
  }
  for (const variable of schema.variables) {
    if (!Object.hasOwn(row, variable.name)) {
      if (variable.required) problems.push(`${variable.name}: missing`);
      continue;
    }
    const checked = checkValue(variable, row[variable.name]);
    if (!checked.ok) problems.push(`${variable.name}: expected ${describeVariable(variable)}`);
  }
  return problems;
}

/** The variables of a schema as the tables, template and errors list them: "name (label)". */
export function variableList(schema: RowSchema): string {
  return schema.variables
    .map((variable) =>
      variable.label && variable.label !== variable.name
        ? `${variable.name} (${variableLabel(variable)})`
        : variable.name,
    )
    .join(', ');
}
