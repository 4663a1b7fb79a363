// One summary per declared variable over the pooled patients, each with its own denominator: how many report
// the variable and how many do not, then by type the median, range and quartiles (numbers), the levels with
// counts and percentages (categorical, multi-valued, yes/no, event), the earliest and latest date (dates), or
// nothing more (free text). This is what `stats --format json` prints as `continuous` and `categorical`.
import type { VariableDefinition } from '../protocol/variables.ts';
import { levelValues } from '../protocol/variables.ts';
import { percentOf } from './categorical.ts';
import { type Columns, columnsOf, continuousSummaryOf, tallyOf } from './columns.ts';

export interface ContinuousVariableSummary {
  kind: 'continuous';
  reported: number;
  notReported: number;
  /** R's median(x, na.rm = TRUE); null when nothing is reported. */
  median: number | null;
  min: number | null;
  max: number | null;
  /** R's quantile(x, c(.25, .75), type = 7). */
  q1: number | null;
  q3: number | null;
}

export interface LevelSummary {
  level: string;
  count: number;
  /** 100 × count / reported, unrounded; null when nothing is reported. */
  percent: number | null;
  /** The percentage with one decimal, as the tables print it ("19.5"), or "NA". */
  percentText: string;
}

export interface CategoricalVariableSummary {
  kind: 'categorical';
  reported: number;
  notReported: number;
  /** True for a multi-valued variable: a patient counts under each level listed, so percents may pass 100. */
  multiple: boolean;
  /** The declared levels in protocol order (yes/no: yes, no; event: 0, 1), then any other value seen. */
  levels: LevelSummary[];
}

export interface DateVariableSummary {
  kind: 'date';
  reported: number;
  notReported: number;
  min: string | null;
  max: string | null;
}

export interface TextVariableSummary {
  kind: 'text';
  reported: number;
  notReported: number;
}

export type VariableSummary =
  | ContinuousVariableSummary
  | CategoricalVariableSummary
  | DateVariableSummary
  | TextVariableSummary;

function continuous(columns: Columns, name: string): ContinuousVariableSummary {
  const { n, unknown, median, min, max, q1, q3 } = continuousSummaryOf(columns, name);
  return { kind: 'continuous', reported: n, notReported: unknown, median, min, max, q1, q3 };
}

function categorical(columns: Columns, variable: VariableDefinition): CategoricalVariableSummary {
  const { n, unknown, counts } = tallyOf(columns, variable.name);
  const reported = n - unknown;
  const declared = levelValues(variable) ?? [];
  const seen = [...counts.keys()].filter((level) => !declared.includes(level)).sort();
  return {
    kind: 'categorical',
    reported,
    notReported: unknown,
    multiple: variable.type === 'multi-categorical',
    levels: [...declared, ...seen].map((level) => {
      const count = counts.get(level) ?? 0;
      return {
        level,
        count,
        percent: reported === 0 ? null : (100 * count) / reported,
        percentText: percentOf(count, reported).percentText,
      };
    }),
  };
}

function dates(values: readonly unknown[]): DateVariableSummary {
  let min: string | null = null;
  let max: string | null = null;
  let reported = 0;
  for (const value of values) {
    if (value === null) continue;
    const date = String(value);
    reported += 1;
    if (min === null || date < min) min = date;
    if (max === null || date > max) max = date;
  }
  return { kind: 'date', reported, notReported: values.length - reported, min, max };
}

function text(values: readonly unknown[]): TextVariableSummary {
  let reported = 0;
  for (const value of values) if (value !== null) reported += 1;
  return { kind: 'text', reported, notReported: values.length - reported };
}

/** The summary of one variable from its column (see columns.ts). */
export function summariseVariable(columns: Columns, variable: VariableDefinition): VariableSummary {
  switch (variable.type) {
    case 'number':
    case 'integer':
      return continuous(columns, variable.name);
    case 'categorical':
    case 'multi-categorical':
    case 'yes-no':
    case 'event':
      return categorical(columns, variable);
    case 'date':
      return dates(columns.get(variable.name));
    case 'text':
      return text(columns.get(variable.name));
  }
}

/** Every variable's summary, keyed by name in declaration order (a row missing a variable is an error). */
export function summariseVariables(
  rows: readonly object[],
  variables: readonly VariableDefinition[],
  columns: Columns = columnsOf(rows, 'summariseVariables'),
): Record<string, VariableSummary> {
  const summaries: Record<string, VariableSummary> = {};
  for (const variable of variables) summaries[variable.name] = summariseVariable(columns, variable);
  return summaries;
}
