// The variables a review extracts for each patient, as its protocol declares them: name, label, type and the
// type's constraints, whether a column must be present, and the cross-field rules between variables. The
// extraction (import, export, template) and the statistics (tables, summaries, survival) read these
// declarations; no review's variables are written in code.
//
// Types and how a value is held in a row (null always means "not reported by the study", never "no"):
//
// | type | value | constraints |
// |---|---|---|
// | number | a number | unit, min/max (inclusive), exclusiveMin/exclusiveMax |
// | integer | a whole number | as number |
// | categorical | one level's value (a string) | levels (value and label) |
// | multi-categorical | a list of level values; [] is a reported "none" | levels, minItems |
// | yes-no | true or false | |
// | event | 0 (censored) or 1 (event) | |
// | date | "YYYY-MM-DD" | min/max dates |
// | text | a string | maxLength |
import { z } from 'zod';

/** Columns every patient row has whatever the review: they can never be variable names. */
export const ROW_ID_COLUMNS = {
  patientId: ['patientId', 'patient_id', 'id'],
  studyId: ['studyId', 'study_id'],
  synthetic: ['synthetic'],
} as const;
const RESERVED = new Set<string>(Object.values(ROW_ID_COLUMNS).flat());

const variableName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,63}$/,
    'expected a name of at most 64 letters, digits and "_", starting with a letter (it is the CSV column)',
  )
  .refine((name) => !RESERVED.has(name), {
    message: `is reserved for the row's ids (${[...RESERVED].join(', ')})`,
  });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((text) => isCalendarDate(text), 'not a calendar date');

/** True for a real calendar date written YYYY-MM-DD (2023-02-30 is not one). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** A level is written as its value, or as {value, label} when the label differs. */
const levelSchema = z
  .union([
    z.string().trim().min(1, 'expected a level value'),
    z.strictObject({
      value: z.string().trim().min(1, 'expected a level value'),
      label: z.string().min(1),
    }),
  ])
  .transform((level) => (typeof level === 'string' ? { value: level, label: level } : level));

const levelsSchema = z
  .array(levelSchema)
  .min(1, 'declare at least one level')
  .superRefine((levels, ctx) => {
    const seen = new Map<string, number>();
    levels.forEach((level, index) => {
      // CSV cells match levels in any case, so two levels may not differ only in case.
      const key = level.value.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `level "${level.value}" is declared twice (levels are matched in any case)`,
        });
      }
      seen.set(key, index);
      if (level.value.includes(';')) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: 'a level may not contain ";" (it separates the levels of a multi-valued cell)',
        });
      }
    });
  });

const common = {
  name: variableName,
  /** How tables and the template name the variable; the name by default. */
  label: z.string().min(1).optional(),
  /** What an extractor needs to know (shown in the CSV template). */
  description: z.string().min(1).optional(),
  /** Whether the column (or JSON key) must be present; when false, a missing one means "not reported". */
  required: z.boolean().default(true),
};

const bounds = {
  unit: z.string().min(1).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  exclusiveMin: z.number().optional(),
  exclusiveMax: z.number().optional(),
};

export const variableSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ ...common, type: z.literal('number'), ...bounds }),
    z.strictObject({ ...common, type: z.literal('integer'), ...bounds }),
    z.strictObject({ ...common, type: z.literal('categorical'), levels: levelsSchema }),
    z.strictObject({
      ...common,
      type: z.literal('multi-categorical'),
      levels: levelsSchema,
      /** The fewest levels a reported value lists (1: "none" is not a valid answer). */
      minItems: z.number().int().min(0).default(0),
    }),
    z.strictObject({ ...common, type: z.literal('yes-no') }),
    z.strictObject({ ...common, type: z.literal('event') }),
    z.strictObject({ ...common, type: z.literal('date'), min: isoDate.optional(), max: isoDate.optional() }),
    z.strictObject({ ...common, type: z.literal('text'), maxLength: z.number().int().min(1).optional() }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected type: number, integer, categorical, multi-categorical, yes-no, event, date or text'
        : undefined,
  },
);

export type VariableDefinition = z.infer<typeof variableSchema>;
export type VariableType = VariableDefinition['type'];
export type NumericVariable = Extract<VariableDefinition, { type: 'number' | 'integer' }>;
export type LevelledVariable = Extract<VariableDefinition, { type: 'categorical' | 'multi-categorical' }>;

/** A value in a rule: a level, "yes"/"no", a number, 0/1 or a date. */
const ruleValue = z.union([z.string().min(1), z.number()]);
const ruleValues = z
  .union([ruleValue, z.array(ruleValue).min(1)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/**
 * One test on one variable; every predicate given must hold.
 * - is: the value is one of these (a multi-valued variable: lists one of them). False when not reported.
 * - isNot: the opposite of `is` (so true when not reported).
 * - reported: the value is (true) or is not (false) reported.
 * - empty: a multi-valued variable's reported list is (true) or is not (false) empty.
 * - atMost / atLeast: the value is <= / >= another variable's (numbers or dates); true unless both are reported.
 */
export const conditionSchema = z
  .strictObject({
    variable: z.string().min(1),
    is: ruleValues.optional(),
    isNot: ruleValues.optional(),
    reported: z.boolean().optional(),
    empty: z.boolean().optional(),
    atMost: z.string().min(1).optional(),
    atLeast: z.string().min(1).optional(),
  })
  .refine(
    (c) =>
      c.is !== undefined ||
      c.isNot !== undefined ||
      c.reported !== undefined ||
      c.empty !== undefined ||
      c.atMost !== undefined ||
      c.atLeast !== undefined,
    'give at least one of is, isNot, reported, empty, atMost, atLeast',
  );

const conditions = z
  .union([conditionSchema, z.array(conditionSchema).min(1)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** When every `when` condition holds (always, without `when`), every `must` condition must hold. */
export const ruleSchema = z.strictObject({
  when: conditions.optional(),
  must: conditions,
  /** What the extractor is told when a row breaks the rule; a generated sentence by default. */
  message: z.string().min(1).optional(),
});

export type Condition = z.infer<typeof conditionSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleValue = z.infer<typeof ruleValue>;

export const extractionSchema = z.strictObject({
  variables: z.array(variableSchema).min(1, 'declare at least one variable'),
  rules: z.array(ruleSchema).default([]),
});

export type Extraction = z.infer<typeof extractionSchema>;

/** The label a variable is shown with. */
export function variableLabel(variable: VariableDefinition): string {
  return variable.label ?? variable.name;
}

/** The level values a categorical-like variable may take (yes-no: yes/no; event: 0/1); null for the others. */
export function levelValues(variable: VariableDefinition): string[] | null {
  switch (variable.type) {
    case 'categorical':
    case 'multi-categorical':
      return variable.levels.map((level) => level.value);
    case 'yes-no':
      return ['yes', 'no'];
    case 'event':
      return ['0', '1'];
    default:
      return null;
  }
}

/** A short description of what a variable accepts, for errors, the template and `protocol check`. */
export function describeVariable(variable: VariableDefinition): string {
  switch (variable.type) {
    case 'number':
    case 'integer': {
      const parts = [variable.type === 'integer' ? 'a whole number' : 'a number'];
      if (variable.unit) parts.push(`of ${variable.unit}`);
      const range: string[] = [];
      if (variable.min !== undefined) range.push(`≥ ${variable.min}`);
      if (variable.exclusiveMin !== undefined) range.push(`> ${variable.exclusiveMin}`);
      if (variable.max !== undefined) range.push(`≤ ${variable.max}`);
      if (variable.exclusiveMax !== undefined) range.push(`< ${variable.exclusiveMax}`);
      if (range.length) parts.push(range.join(' and '));
      return parts.join(' ');
    }
    case 'categorical':
      return `one of ${variable.levels.map((l) => l.value).join(', ')}`;
    case 'multi-categorical':
      return `a list of ${variable.levels.map((l) => l.value).join(', ')} separated by ";"${variable.minItems > 0 ? ` (at least ${variable.minItems})` : ' ("none" for none)'}`;
    case 'yes-no':
      return 'yes or no';
    case 'event':
      return '0 (censored) or 1 (event)';
    case 'date': {
      const range = [variable.min ? `from ${variable.min}` : '', variable.max ? `to ${variable.max}` : '']
        .filter(Boolean)
        .join(' ');
      return `a date YYYY-MM-DD${range ? ` ${range}` : ''}`;
    }
    case 'text':
      return variable.maxLength ? `text of at most ${variable.maxLength} characters` : 'text';
  }
}
