// The survival part of a review's statistics, from its declared endpoints and comparisons: one Kaplan-Meier
// summary per endpoint (median and CI as R's print(survfit) shows them), the median follow-up by reverse
// Kaplan-Meier where asked, and per comparison one curve per group with a log-rank test (R's survdiff).
//
// Each uses only the patients who report what it needs (the endpoint's time and event; for a comparison also
// the grouping variable) and counts the others as not reported, so every result carries its denominator.
import type { AnalysisPlan, Comparison, Endpoint } from '../protocol/analysis.ts';
import { STUDY_VARIABLE } from '../protocol/analysis.ts';
import type { VariableDefinition } from '../protocol/variables.ts';
import { type Columns, columnsOf } from './columns.ts';
import { factorLevels } from './factor-levels.ts';
import { kaplanMeierEstimateOfFixedTimes } from './kaplan-meier.ts';
import { kaplanMeierMedian } from './km-median.ts';
import { logRankOfCodes } from './log-rank.ts';
import type { ConfType, SurvivalObservation } from './survival-curve.ts';
import { timefix } from './timefix.ts';

/** One Kaplan-Meier curve's summary; median, lower and upper as print(survfit) shows them (null = NA). */
export interface KmGroupSummary {
  /** The group's value; null for an endpoint's single curve. */
  group: string | null;
  n: number;
  events: number;
  median: number | null;
  lower: number | null;
  upper: number | null;
}

export interface CurveSetSummary {
  endpoint: string;
  /** The grouping variable of a comparison; null for an endpoint. */
  by: string | null;
  /** Patients in the curves. */
  used: number;
  /** Patients left out: time, event (or the grouping value) not reported. */
  notReported: number;
  groups: KmGroupSummary[];
}

export type LogRankSummary =
  | {
      n: number;
      notReported: number;
      chisq: number;
      df: number;
      p: number;
      groups: { group: string; n: number; observed: number; expected: number }[];
    }
  /** No test: e.g. only one group has patients (R: "There is only 1 group"). */
  | { n: number; notReported: number; error: string };

export interface SurvivalSummary {
  confType: ConfType;
  /** By endpoint id and comparison id (one namespace). */
  curves: Record<string, CurveSetSummary>;
  /** By comparison id. */
  logrank: Record<string, LogRankSummary>;
  /** Median follow-up by reverse Kaplan-Meier, by endpoint id (endpoints with followUp: true). */
  followUp: Record<string, KmGroupSummary>;
}

function eventOf(value: unknown): 0 | 1 | null {
  if (value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  return null;
}

/**
 * An endpoint's data over the rows, read once: which rows report both time and event, their times after R's
 * time fix (over exactly those times, as survfit does), and their events.
 */
interface EndpointData {
  /** Indexes (into the rows) of the rows that report time and event. */
  rows: Int32Array;
  /** Their times as recorded, and after the time fix over all of them. */
  raw: number[];
  times: number[];
  events: (0 | 1)[];
}

function endpointData(columns: Columns, endpoint: Endpoint): EndpointData {
  const indexes: number[] = [];
  const raw: number[] = [];
  const events: (0 | 1)[] = [];
  const timeColumn = columns.get(endpoint.time);
  const eventColumn = columns.get(endpoint.event);
  for (let index = 0; index < timeColumn.length; index += 1) {
    const time = timeColumn[index];
    const rawEvent = eventColumn[index];
    if (time === null || rawEvent === null) continue;
    const event = eventOf(rawEvent);
    if (typeof time !== 'number' || !Number.isFinite(time) || event === null) {
      throw new TypeError(
        `summariseSurvival: row ${index + 1} has ${endpoint.time} = ${JSON.stringify(time)}, ${endpoint.event} = ${JSON.stringify(rawEvent)}`,
      );
    }
    indexes.push(index);
    raw.push(time);
    events.push(event);
  }
  return { rows: Int32Array.from(indexes), raw, times: timefix(raw), events };
}

/** The median summary of one curve over times already fixed. */
function curveSummary(
  times: readonly number[],
  events: readonly (0 | 1)[],
  group: string | null,
  confType: ConfType,
): KmGroupSummary {
  if (times.length === 0) return { group, n: 0, events: 0, median: null, lower: null, upper: null };
  const curve = kaplanMeierEstimateOfFixedTimes(times, events, { confType });
  const median = kaplanMeierMedian(curve.table.time, curve.table.surv, curve.lower, curve.upper);
  return {
    group,
    n: curve.n,
    events: curve.events,
    median: median.median,
    lower: median.lcl,
    upper: median.ucl,
  };
}

/**
 * A comparison's data: the endpoint's rows that also report the grouping value, their times fixed over exactly
 * them (as survfit and survdiff fix the data they are given), events, and each one's group as an index into
 * `levels` (the groups present, in order).
 */
interface GroupedData {
  times: number[];
  events: (0 | 1)[];
  member: Int32Array;
  levels: string[];
}

function grouped(
  columns: Columns,
  data: EndpointData,
  by: string,
  variable: VariableDefinition | undefined,
): GroupedData {
  const keep: number[] = [];
  const names: string[] = [];
  const byColumn = columns.get(by === STUDY_VARIABLE ? 'studyId' : by);
  for (let i = 0; i < data.rows.length; i += 1) {
    const group = levelName(byColumn[data.rows[i]!]);
    if (group === null) continue;
    keep.push(i);
    names.push(group);
  }
  const levels = groupLevels(names, variable);
  const code = new Map(levels.map((level, index) => [level, index]));
  const all = keep.length === data.rows.length;
  // The endpoint's fix holds when no row was left out.
  const times = all ? data.times : timefix(keep.map((i) => data.raw[i]!));
  const events = all ? data.events : keep.map((i) => data.events[i]!);
  const member = Int32Array.from(names, (name) => code.get(name)!);
  return { times, events, member, levels };
}

/** The times and events of each group, in level order. */
function byGroup(data: GroupedData): { times: number[]; events: (0 | 1)[] }[] {
  const buckets = data.levels.map(() => ({ times: [] as number[], events: [] as (0 | 1)[] }));
  for (let i = 0; i < data.times.length; i += 1) {
    const bucket = buckets[data.member[i]!]!;
    bucket.times.push(data.times[i]!);
    bucket.events.push(data.events[i]!);
  }
  return buckets;
}

/** The group a value falls in (yes/no for booleans), or null when not reported. */
function levelName(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** The groups in order: declared levels (yes/no: no, yes; 0/1), else R's factor order of the values. */
export function groupLevels(values: Iterable<string>, variable: VariableDefinition | undefined): string[] {
  const present = new Set(values);
  let order: string[] | null = null;
  if (variable?.type === 'categorical') order = variable.levels.map((level) => level.value);
  else if (variable?.type === 'yes-no') order = ['no', 'yes'];
  else if (variable?.type === 'event') order = ['0', '1'];
  if (order) return order.filter((level) => present.has(level));
  if (variable?.type === 'integer') return factorLevels([...present].map(Number));
  return factorLevels([...present]);
}

function compareGroups(
  columns: Columns,
  data: EndpointData,
  comparison: Comparison,
  variable: VariableDefinition | undefined,
  confType: ConfType,
): { curves: CurveSetSummary; logrank: LogRankSummary } {
  const grouping = grouped(columns, data, comparison.by, variable);
  const { levels } = grouping;
  const used = grouping.times.length;
  const notReported = columns.rows.length - used;
  const groups = byGroup(grouping).map((members, index) =>
    curveSummary(members.times, members.events, levels[index]!, confType),
  );
  const curves: CurveSetSummary = {
    endpoint: comparison.endpoint,
    by: comparison.by,
    used,
    notReported,
    groups,
  };
  if (levels.length < 2) {
    return {
      curves,
      logrank: {
        n: used,
        notReported,
        error: used === 0 ? 'no patient reports all of time, event and group' : 'There is only 1 group',
      },
    };
  }
  try {
    // The times are fixed already (over this comparison's patients, as survdiff would).
    const test = logRankOfCodes(grouping.times, grouping.events, grouping.member, levels);
    return {
      curves,
      logrank: {
        n: used,
        notReported,
        chisq: test.chisq,
        df: test.df,
        p: test.p_value,
        groups: test.groups.map((group, i) => ({
          group,
          n: test.n_per_group[i]!,
          observed: test.observed[i]!,
          expected: test.expected[i]!,
        })),
      },
    };
  } catch (error) {
    return { curves, logrank: { n: used, notReported, error: (error as Error).message } };
  }
}

/** Every endpoint's curve, every comparison's curves and log-rank test, and the follow-up medians. */
export function summariseSurvival(
  rows: readonly object[],
  plan: Pick<AnalysisPlan, 'variables' | 'survival'>,
  columns: Columns = columnsOf(rows, 'summariseSurvival'),
): SurvivalSummary {
  const { confType } = plan.survival;
  const byName = new Map(plan.variables.map((v) => [v.name, v]));
  const data = new Map(plan.survival.endpoints.map((e) => [e.id, endpointData(columns, e)]));
  const summary: SurvivalSummary = { confType, curves: {}, logrank: {}, followUp: {} };
  for (const endpoint of plan.survival.endpoints) {
    const own = data.get(endpoint.id)!;
    summary.curves[endpoint.id] = {
      endpoint: endpoint.id,
      by: null,
      used: own.rows.length,
      notReported: rows.length - own.rows.length,
      groups: [curveSummary(own.times, own.events, null, confType)],
    };
    if (endpoint.followUp) {
      // Reverse Kaplan-Meier: censoring is the event.
      const reversed = own.events.map((event) => (1 - event) as 0 | 1);
      summary.followUp[endpoint.id] = curveSummary(own.times, reversed, null, confType);
    }
  }
  for (const comparison of plan.survival.comparisons) {
    const own = data.get(comparison.endpoint);
    if (!own) throw new RangeError(`comparison ${comparison.id}: no endpoint "${comparison.endpoint}"`);
    const result = compareGroups(columns, own, comparison, byName.get(comparison.by), confType);
    summary.curves[comparison.id] = result.curves;
    summary.logrank[comparison.id] = result.logrank;
  }
  return summary;
}

/** The observations of one curve set for plotting: per group (null for an endpoint's curve), times fixed. */
export function curveObservations(
  rows: readonly object[],
  plan: Pick<AnalysisPlan, 'variables' | 'survival'>,
  id: string,
): { group: string | null; observations: SurvivalObservation[] }[] {
  const columns = columnsOf(rows, 'curveObservations');
  const endpoint = plan.survival.endpoints.find((e) => e.id === id);
  if (endpoint) {
    const own = endpointData(columns, endpoint);
    return [{ group: null, observations: own.times.map((time, i) => ({ time, event: own.events[i]! })) }];
  }
  const comparison = plan.survival.comparisons.find((c) => c.id === id);
  const target = comparison && plan.survival.endpoints.find((e) => e.id === comparison.endpoint);
  if (!comparison || !target) throw new RangeError(`no endpoint or comparison "${id}"`);
  const data = grouped(
    columns,
    endpointData(columns, target),
    comparison.by,
    plan.variables.find((v) => v.name === comparison.by),
  );
  return byGroup(data).map((members, index) => ({
    group: data.levels[index]!,
    observations: members.times.map((time, i) => ({ time, event: members.events[i]! })),
  }));
}
