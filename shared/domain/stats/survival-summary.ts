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
import { survivalConfidenceBand } from './confidence-band.ts';
import { factorLevels } from './factor-levels.ts';
import { productLimit } from './kaplan-meier.ts';
import { kaplanMeierMedian } from './km-median.ts';
import { logRankOfSlots } from './log-rank.ts';
import type { ConfType, SurvivalObservation } from './survival-curve.ts';
import { TIMEFIX_TOLERANCE } from './timefix.ts';

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
 * An endpoint's data over the rows, read once. The patients who report both time and event are its
 * "subjects"; their times are sorted once, as the ranks of the distinct recorded times, so that every curve and
 * test of the endpoint (and of its comparisons) counts in increasing time without sorting again.
 */
interface EndpointData {
  /** Per subject: its row index, event, and the index of its recorded time in `distinct`. */
  rows: Int32Array;
  events: Uint8Array;
  rank: Int32Array;
  /** The distinct recorded times, increasing (-0 as 0). */
  distinct: Float64Array;
  /** The subjects in increasing time (ties in row order). */
  byTime: Int32Array;
  /** R's time fix over all subjects (see {@link fixedRanks}). */
  fix: Int32Array;
}

function endpointData(columns: Columns, endpoint: Endpoint): EndpointData {
  const indexes: number[] = [];
  const raw: number[] = [];
  const events: number[] = [];
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
  // The distinct times by one native numeric sort; each subject's rank by binary search among them.
  const sorted = Float64Array.from(raw).sort();
  let count = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    if (count === 0 || sorted[i] !== sorted[count - 1]) sorted[count++] = sorted[i] === 0 ? 0 : sorted[i]!;
  }
  const distinct = sorted.slice(0, count);
  const rank = new Int32Array(raw.length);
  const perRank = new Int32Array(count + 1);
  for (let i = 0; i < raw.length; i += 1) {
    const time = raw[i]!;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (distinct[middle]! < time) low = middle + 1;
      else high = middle;
    }
    rank[i] = low;
    perRank[low + 1]! += 1;
  }
  // A counting sort on the ranks: the subjects in increasing time.
  for (let r = 0; r < count; r += 1) perRank[r + 1]! += perRank[r]!;
  const byTime = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) byTime[perRank[rank[i]!]!++] = i;
  return {
    rows: Int32Array.from(indexes),
    events: Uint8Array.from(events),
    rank,
    distinct,
    byTime,
    fix: fixedRanks(distinct, null),
  };
}

/**
 * R's time fix (see timefix.ts) over the distinct times marked `present` (all without): for each distinct time,
 * the index of the time it is merged into (the first of its run of near-equal times). survfit and survdiff fix
 * the times of the patients they are given, so a comparison that leaves patients out fixes its own.
 */
function fixedRanks(distinct: Float64Array, present: Uint8Array | null): Int32Array {
  const fix = new Int32Array(distinct.length);
  let count = 0;
  let absoluteSum = 0;
  for (let r = 0; r < distinct.length; r += 1) {
    fix[r] = r;
    if (present === null || present[r] === 1) {
      count += 1;
      absoluteSum += Math.abs(distinct[r]!);
    }
  }
  if (count < 2) return fix;
  const meanAbsolute = absoluteSum / count;
  let previous = -1;
  let runStart = -1;
  for (let r = 0; r < distinct.length; r += 1) {
    if (present !== null && present[r] !== 1) continue;
    if (previous >= 0) {
      const difference = distinct[r]! - distinct[previous]!;
      const tied = difference <= TIMEFIX_TOLERANCE || difference / meanAbsolute <= TIMEFIX_TOLERANCE;
      if (tied) fix[r] = runStart;
      else runStart = r;
    } else {
      runStart = r;
    }
    previous = r;
  }
  return fix;
}

/** The median summary of the curve of `subjects` (in increasing time), their times fixed by `fix`. */
function curveSummary(
  data: EndpointData,
  subjects: Int32Array,
  fix: Int32Array,
  reverse: boolean,
  group: string | null,
  confType: ConfType,
): KmGroupSummary {
  if (subjects.length === 0) return { group, n: 0, events: 0, median: null, lower: null, upper: null };
  const times: number[] = [];
  const leaving: number[] = [];
  const deaths: number[] = [];
  let last = -1;
  let events = 0;
  for (let i = 0; i < subjects.length; i += 1) {
    const subject = subjects[i]!;
    const at = fix[data.rank[subject]!]!;
    if (at !== last) {
      times.push(data.distinct[at]!);
      leaving.push(0);
      deaths.push(0);
      last = at;
    }
    // Reverse Kaplan-Meier (follow-up): censoring is the event.
    const event = reverse ? 1 - data.events[subject]! : data.events[subject]!;
    leaving[leaving.length - 1]! += 1;
    deaths[deaths.length - 1]! += event;
    events += event;
  }
  const table = productLimit(times, leaving, deaths);
  const { lower, upper } = survivalConfidenceBand(table.surv, table.std_err, { confType, confLevel: 0.95 });
  const median = kaplanMeierMedian(table.time, table.surv, lower, upper);
  return { group, n: subjects.length, events, median: median.median, lower: median.lcl, upper: median.ucl };
}

/**
 * A comparison's data: the endpoint's subjects that also report the grouping value, in increasing time and
 * grouped (group g's subjects are `ordered[starts[g]]` up to `starts[g + 1]`), each one's group as an index
 * into `levels` (the groups present, in order), and the time fix over exactly them.
 */
interface GroupedData {
  ordered: Int32Array;
  starts: Int32Array;
  /** Per endpoint subject: its group, or -1 when the grouping value is not reported. */
  member: Int32Array;
  used: number;
  levels: string[];
  fix: Int32Array;
}

function grouped(
  columns: Columns,
  data: EndpointData,
  by: string,
  variable: VariableDefinition | undefined,
): GroupedData {
  // Each distinct value is named (and given a provisional code) once, not once per row.
  const codeOfValue = new Map<unknown, number>();
  const names: string[] = [];
  const member = new Int32Array(data.rows.length);
  const byColumn = columns.get(by === STUDY_VARIABLE ? 'studyId' : by);
  let used = 0;
  for (let i = 0; i < data.rows.length; i += 1) {
    const value = byColumn[data.rows[i]!];
    if (value === null || value === undefined) {
      member[i] = -1;
      continue;
    }
    let code = codeOfValue.get(value);
    if (code === undefined) {
      const name = levelName(value)!;
      code = names.indexOf(name);
      if (code < 0) code = names.push(name) - 1;
      codeOfValue.set(value, code);
    }
    member[i] = code;
    used += 1;
  }
  const levels = groupLevels(names, variable);
  const finalCode = Int32Array.from(names, (name) => {
    const code = levels.indexOf(name);
    if (code < 0) throw new RangeError(`summariseSurvival: ${by} = "${name}" is not a level of ${by}`);
    return code;
  });
  for (let i = 0; i < member.length; i += 1) if (member[i]! >= 0) member[i] = finalCode[member[i]!]!;
  // The subjects in increasing time, bucketed by group (a stable counting sort).
  const starts = new Int32Array(levels.length + 1);
  for (let i = 0; i < member.length; i += 1) if (member[i]! >= 0) starts[member[i]! + 1]! += 1;
  for (let g = 0; g < levels.length; g += 1) starts[g + 1]! += starts[g]!;
  const next = starts.slice(0, levels.length);
  const ordered = new Int32Array(used);
  let present: Uint8Array | null = null;
  if (used < data.rows.length) present = new Uint8Array(data.distinct.length);
  for (const subject of data.byTime) {
    const group = member[subject]!;
    if (group < 0) continue;
    ordered[next[group]!++] = subject;
    if (present) present[data.rank[subject]!] = 1;
  }
  // The endpoint's fix holds when no subject was left out.
  const fix = present ? fixedRanks(data.distinct, present) : data.fix;
  return { ordered, starts, member, used, levels, fix };
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
  const { levels, used } = grouping;
  const notReported = columns.rows.length - used;
  const groups = levels.map((level, g) =>
    curveSummary(data, groupSubjects(grouping, g), grouping.fix, false, level, confType),
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
    // Each subject's slot among this comparison's distinct fixed times, from the endpoint's one sort.
    const slots = new Int32Array(used);
    const events = new Uint8Array(used);
    const member = new Int32Array(used);
    let slot = -1;
    let last = -1;
    let i = 0;
    for (const subject of data.byTime) {
      if (grouping.member[subject]! < 0) continue;
      const at = grouping.fix[data.rank[subject]!]!;
      if (at !== last) {
        slot += 1;
        last = at;
      }
      slots[i] = slot;
      events[i] = data.events[subject]!;
      member[i] = grouping.member[subject]!;
      i += 1;
    }
    const test = logRankOfSlots(slots, slot + 1, events, member, levels);
    return {
      curves,
      logrank: {
        n: used,
        notReported,
        chisq: test.chisq,
        df: test.df,
        p: test.p_value,
        groups: test.groups.map((group, g) => ({
          group,
          n: test.n_per_group[g]!,
          observed: test.observed[g]!,
          expected: test.expected[g]!,
        })),
      },
    };
  } catch (error) {
    return { curves, logrank: { n: used, notReported, error: (error as Error).message } };
  }
}

function groupSubjects(grouping: GroupedData, g: number): Int32Array {
  return grouping.ordered.subarray(grouping.starts[g]!, grouping.starts[g + 1]!);
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
      groups: [curveSummary(own, own.byTime, own.fix, false, null, confType)],
    };
    if (endpoint.followUp) {
      summary.followUp[endpoint.id] = curveSummary(own, own.byTime, own.fix, true, null, confType);
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

/** The observations of one subject list, times fixed. */
function observationsOf(data: EndpointData, subjects: Int32Array, fix: Int32Array): SurvivalObservation[] {
  return Array.from(subjects, (subject) => ({
    time: data.distinct[fix[data.rank[subject]!]!]!,
    event: data.events[subject]! as 0 | 1,
  }));
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
    return [{ group: null, observations: observationsOf(own, own.byTime, own.fix) }];
  }
  const comparison = plan.survival.comparisons.find((c) => c.id === id);
  const target = comparison && plan.survival.endpoints.find((e) => e.id === comparison.endpoint);
  if (!comparison || !target) throw new RangeError(`no endpoint or comparison "${id}"`);
  const own = endpointData(columns, target);
  const grouping = grouped(
    columns,
    own,
    comparison.by,
    plan.variables.find((v) => v.name === comparison.by),
  );
  return grouping.levels.map((level, g) => ({
    group: level,
    observations: observationsOf(own, groupSubjects(grouping, g), grouping.fix),
  }));
}
