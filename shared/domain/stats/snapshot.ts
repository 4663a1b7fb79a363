// A statistics snapshot: everything a living review reports about its pooled patients at one version (patients,
// studies, a summary of every declared variable, the declared tables, the survival endpoints and comparisons),
// as plain JSON, and the difference between two snapshots. What is computed comes from the review's protocol
// (an AnalysisPlan): this module knows no review's variables.
//
// Deterministic: the same rows in any order give the same snapshot (every statistic is order-free; ids and
// studies are sorted), so a recompute that changes nothing can be detected with snapshotsEqual and not stored.
import { InputError } from '../../errors.ts';
import type { AnalysisPlan } from '../protocol/analysis.ts';
import type { VerificationCounts } from '../verification/statistics.ts';
import { columnsOf } from './columns.ts';
import { type CoxChange, type CoxModelSummary, coxChanges, fitCoxModels } from './cox-models.ts';
import {
  type CurveSetSummary,
  type KmGroupSummary,
  type LogRankSummary,
  type SurvivalSummary,
  summariseSurvival,
} from './survival-summary.ts';
import {
  buildTables,
  type CategoricalRow,
  type ContinuousRow,
  type Subset,
  type Tables,
  tableRows,
} from './tables.ts';
import { summariseVariables, type VariableSummary } from './variable-summary.ts';

export interface StatisticsSnapshot {
  /** 2: per-protocol variables, tables and survival (1: the fixed layout before; read through upgradeSnapshot). */
  schemaVersion: 2;
  reviewId: string;
  version: number;
  generatedAt: string;
  patients: { count: number; synthetic: number; ids: string[] };
  studies: {
    /** Included studies, sorted. */
    ids: string[];
    count: number;
    /** Included studies with at least one patient, and how many. */
    patients: { studyId: string; count: number }[];
    /** Included studies that contribute no patient row (yet). */
    withoutPatients: string[];
    /**
     * Studies whose inclusion was withdrawn, by id: not in `ids`, their patients left out. Absent when there
     * is none (so snapshots stored before withdrawals existed compare equal).
     */
    withdrawn?: WithdrawnStudy[];
  };
  /** Every declared variable's summary, by name. */
  variables: Record<string, VariableSummary>;
  tables: Tables;
  survival: SurvivalSummary;
  /**
   * The protocol's Cox models by id (cox-models.ts). Absent when the protocol declares none, so snapshots stored
   * before models existed compare equal to a recompute.
   */
  cox?: Record<string, CoxModelSummary>;
  /**
   * How many rows of the pooled studies are verified, unverified or disputed, and how many were pooled
   * (shared/domain/verification/statistics.ts). Absent when the protocol declares no verification.
   */
  verification?: VerificationCounts;
}

/** A study whose inclusion was withdrawn: when, by whom and why. */
export interface WithdrawnStudy {
  studyId: string;
  at: string;
  by: string;
  reason: string;
}

/** What a snapshot is computed from: rows that carry patientId, studyId and the declared variables. */
export interface SnapshotRow {
  patientId: string;
  studyId: string;
  synthetic?: boolean | undefined;
}

export interface SnapshotInput<Row extends SnapshotRow> {
  /** What to compute: the protocol's variables, tables and survival section. */
  plan: AnalysisPlan;
  version: number;
  rows: readonly Row[];
  /** The ids of the review's included studies; every row's study must be one of them. */
  includedStudies: readonly string[];
  /** Studies whose inclusion was withdrawn (none of them in includedStudies). */
  withdrawnStudies?: readonly WithdrawnStudy[];
  /** The verification counts of the rows (when the protocol declares verification). */
  verification?: VerificationCounts;
  /** ISO timestamp, given by the caller so the function stays pure. */
  generatedAt: string;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The statistics of a review at one version, from its patient rows and included studies. */
export function computeStatisticsSnapshot<Row extends SnapshotRow>(
  input: SnapshotInput<Row>,
): StatisticsSnapshot {
  const { reviewId } = input.plan;
  const { rows } = input;
  // The ids in code-unit order (the default sort of strings, no comparator); every statistic below is the same
  // whatever order the rows come in.
  const ids = rows.map((row) => row.patientId).sort();
  for (let i = 1; i < ids.length; i += 1) {
    if (ids[i] === ids[i - 1]) throw new InputError(`${reviewId}: patient id "${ids[i]}" appears twice`);
  }
  const included = [...new Set(input.includedStudies)].sort(compareCodeUnits);
  const includedSet = new Set(included);
  const perStudy = new Map<string, number>();
  for (const row of rows) perStudy.set(row.studyId, (perStudy.get(row.studyId) ?? 0) + 1);
  const strays = [...perStudy.keys()].filter((studyId) => !includedSet.has(studyId)).sort(compareCodeUnits);
  if (strays.length > 0) {
    const list = strays.map((studyId) => `${studyId} (${perStudy.get(studyId)} patients)`).join(', ');
    throw new InputError(`${reviewId}: patient rows from studies that are not included: ${list}`);
  }
  const withdrawn = [...(input.withdrawnStudies ?? [])]
    .map(({ studyId, at, by, reason }) => ({ studyId, at, by, reason }))
    .sort((a, b) => compareCodeUnits(a.studyId, b.studyId));
  const both = withdrawn.filter((study) => includedSet.has(study.studyId));
  if (both.length > 0) {
    throw new InputError(
      `${reviewId}: studies both included and withdrawn: ${both.map((s) => s.studyId).join(', ')}`,
    );
  }
  // Each variable is read out of the rows once, for the summaries, the tables and the curves alike.
  const columns = columnsOf(rows, 'computeStatisticsSnapshot');
  columns.load([...input.plan.variables.map((variable) => variable.name), 'studyId']);
  return {
    schemaVersion: 2,
    reviewId,
    version: input.version,
    generatedAt: input.generatedAt,
    patients: {
      count: rows.length,
      synthetic: rows.filter((row) => row.synthetic === true).length,
      ids,
    },
    studies: {
      ids: included,
      count: included.length,
      patients: included
        .filter((studyId) => perStudy.has(studyId))
        .map((studyId) => ({ studyId, count: perStudy.get(studyId)! })),
      withoutPatients: included.filter((studyId) => !perStudy.has(studyId)),
      ...(withdrawn.length > 0 ? { withdrawn } : {}),
    },
    variables: summariseVariables(rows, input.plan.variables, columns),
    tables: buildTables(reviewId, input.plan.tables, rows, columns),
    survival: summariseSurvival(rows, input.plan, columns),
    ...(input.plan.survival.models.length > 0 ? { cox: fitCoxModels(input.plan, columns) } : {}),
    ...(input.verification ? { verification: { ...input.verification } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Comparing snapshots

/** JSON with object keys sorted, so two equal values give one text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The snapshot's statistics, without the version and the time it was made. */
function content(snapshot: StatisticsSnapshot): unknown {
  const { version: _version, generatedAt: _generatedAt, ...rest } = snapshot;
  return rest;
}

/**
 * True when two snapshots report the same statistics: patients, studies, every table cell and KM summary
 * (version and generatedAt are ignored, key order does not matter). An edit to a patient row that moves no
 * reported number (e.g. a detail no table shows) leaves the snapshots equal.
 */
export function snapshotsEqual(a: StatisticsSnapshot, b: StatisticsSnapshot): boolean {
  return canonicalJson(content(a)) === canonicalJson(content(b));
}

export interface ProportionChange {
  table: string;
  key: string;
  label: string;
  variable: string;
  level: string;
  subset: Subset | null;
  /** null when the row is new (or gone) in this version. */
  before: { count: number; denominator: number; percent: number | null } | null;
  after: { count: number; denominator: number; percent: number | null } | null;
  /** after - before in percentage points (exact to 0.1); null if either is missing. */
  percentagePoints: number | null;
}

export interface MedianChange {
  table: string;
  key: string;
  label: string;
  variable: string;
  subset: Subset | null;
  before: { n: number; median: number | null; min: number | null; max: number | null } | null;
  after: { n: number; median: number | null; min: number | null; max: number | null } | null;
  /** after - before of the median; null if either is missing. */
  shift: number | null;
}

/** A Kaplan-Meier summary that moved (or appeared, or went away): median, limits, n or events. */
export interface KmChange {
  /** The endpoint or comparison id. */
  curve: string;
  /** "endpoint", "comparison" (one change per group), or "follow-up" (an endpoint's reverse-KM median). */
  kind: 'endpoint' | 'comparison' | 'follow-up';
  endpoint: string;
  /** The group of a comparison's curve; null otherwise. */
  group: string | null;
  /** null when the curve (or group) is new in this version, or gone from it. */
  before: KmGroupSummary | null;
  after: KmGroupSummary | null;
  /** after - before of the median; null if either is NA or missing. */
  shift: number | null;
}

/** A log-rank test whose result or denominator moved. */
export interface LogRankChange {
  comparison: string;
  before: LogRankSummary | null;
  after: LogRankSummary | null;
}

export interface SnapshotDiff {
  reviewId: string;
  fromVersion: number;
  toVersion: number;
  /** False when nothing reported changed. */
  changed: boolean;
  patientsAdded: string[];
  patientsRemoved: string[];
  studiesAdded: string[];
  studiesRemoved: string[];
  /**
   * Studies withdrawn since `fromVersion`, with when, by whom and why (each also in studiesRemoved when it was
   * pooled). Absent in diffs stored before withdrawals existed.
   */
  studiesWithdrawn?: WithdrawnStudy[];
  /** Every "n (%)" row whose count, denominator or percentage moved, in table order. */
  proportions: ProportionChange[];
  /** Every median (range) row whose median, range or n moved, in table order. */
  medians: MedianChange[];
  /** Every Kaplan-Meier summary whose median, limits, n or events moved. */
  km: KmChange[];
  /** Every log-rank test whose statistic or denominator moved. */
  logrank: LogRankChange[];
  /** Variables whose summary moved (a table row or not), in declaration order. */
  variables: string[];
  /** Every Cox model term whose hazard ratio, CI, p or n moved. Absent in diffs stored before models existed. */
  cox?: CoxChange[];
}

function added(before: readonly string[], after: readonly string[]): string[] {
  const known = new Set(before);
  return after.filter((id) => !known.has(id));
}

function rowsByKey<R extends CategoricalRow | ContinuousRow>(
  tables: Tables,
  kind: R['kind'],
): Map<string, { table: string; row: R }> {
  const map = new Map<string, { table: string; row: R }>();
  for (const { table, row } of tableRows(tables)) {
    if (row.kind === kind) map.set(`${table.id}/${row.key}`, { table: table.id, row: row as R });
  }
  return map;
}

/** Keys of both maps: `after`'s order first, then those only in `before`. */
function unionKeys(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  return [...after.keys(), ...[...before.keys()].filter((key) => !after.has(key))];
}

function proportionChanges(previous: Tables, next: Tables): ProportionChange[] {
  const before = rowsByKey<CategoricalRow>(previous, 'categorical');
  const after = rowsByKey<CategoricalRow>(next, 'categorical');
  const changes: ProportionChange[] = [];
  for (const key of unionKeys(before, after)) {
    const b = before.get(key);
    const a = after.get(key);
    const numbers = (entry: typeof a) =>
      entry
        ? { count: entry.row.count, denominator: entry.row.denominator, percent: entry.row.percent }
        : null;
    const was = numbers(b);
    const now = numbers(a);
    if (canonicalJson(was) === canonicalJson(now)) continue;
    const row = (a ?? b)!;
    changes.push({
      table: row.table,
      key: row.row.key,
      label: row.row.label,
      variable: row.row.variable,
      level: row.row.level,
      subset: row.row.subset,
      before: was,
      after: now,
      percentagePoints:
        was?.percent == null || now?.percent == null
          ? null
          : (Math.round(now.percent * 10) - Math.round(was.percent * 10)) / 10,
    });
  }
  return changes;
}

function medianChanges(previous: Tables, next: Tables): MedianChange[] {
  const before = rowsByKey<ContinuousRow>(previous, 'continuous');
  const after = rowsByKey<ContinuousRow>(next, 'continuous');
  const changes: MedianChange[] = [];
  for (const key of unionKeys(before, after)) {
    const b = before.get(key);
    const a = after.get(key);
    const numbers = (entry: typeof a) =>
      entry ? { n: entry.row.n, median: entry.row.median, min: entry.row.min, max: entry.row.max } : null;
    const was = numbers(b);
    const now = numbers(a);
    if (canonicalJson(was) === canonicalJson(now)) continue;
    const row = (a ?? b)!;
    changes.push({
      table: row.table,
      key: row.row.key,
      label: row.row.label,
      variable: row.row.variable,
      subset: row.row.subset,
      before: was,
      after: now,
      shift: was?.median == null || now?.median == null ? null : now.median - was.median,
    });
  }
  return changes;
}

function curveGroups(curves: Record<string, CurveSetSummary>, id: string): Map<string, KmGroupSummary> {
  return new Map((curves[id]?.groups ?? []).map((group) => [group.group ?? '', group]));
}

function kmChanges(previous: StatisticsSnapshot, next: StatisticsSnapshot): KmChange[] {
  const changes: KmChange[] = [];
  const push = (
    curve: string,
    kind: KmChange['kind'],
    endpoint: string,
    before: KmGroupSummary | undefined,
    after: KmGroupSummary | undefined,
  ) => {
    if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return;
    const shift = before?.median == null || after?.median == null ? null : after.median - before.median;
    const group = (after ?? before)!.group;
    changes.push({ curve, kind, endpoint, group, before: before ?? null, after: after ?? null, shift });
  };
  const was = previous.survival.curves;
  const now = next.survival.curves;
  for (const id of unionKeys(new Map(Object.entries(was)), new Map(Object.entries(now)))) {
    const set = (now[id] ?? was[id])!;
    const kind = set.by === null ? 'endpoint' : 'comparison';
    const before = curveGroups(was, id);
    const after = curveGroups(now, id);
    for (const group of unionKeys(before, after))
      push(id, kind, set.endpoint, before.get(group), after.get(group));
  }
  const followBefore = new Map(Object.entries(previous.survival.followUp));
  const followAfter = new Map(Object.entries(next.survival.followUp));
  for (const id of unionKeys(followBefore, followAfter)) {
    push(id, 'follow-up', id, followBefore.get(id), followAfter.get(id));
  }
  return changes;
}

function logRankChanges(previous: StatisticsSnapshot, next: StatisticsSnapshot): LogRankChange[] {
  const before = new Map(Object.entries(previous.survival.logrank));
  const after = new Map(Object.entries(next.survival.logrank));
  return unionKeys(before, after).flatMap((comparison) => {
    const was = before.get(comparison) ?? null;
    const now = after.get(comparison) ?? null;
    return canonicalJson(was) === canonicalJson(now) ? [] : [{ comparison, before: was, after: now }];
  });
}

function variableChanges(previous: StatisticsSnapshot, next: StatisticsSnapshot): string[] {
  const before = new Map(Object.entries(previous.variables));
  const after = new Map(Object.entries(next.variables));
  return unionKeys(before, after).filter(
    (name) => canonicalJson(before.get(name) ?? null) !== canonicalJson(after.get(name) ?? null),
  );
}

function newlyWithdrawn(previous: StatisticsSnapshot, next: StatisticsSnapshot): WithdrawnStudy[] {
  const before = new Set((previous.studies.withdrawn ?? []).map((study) => study.studyId));
  return (next.studies.withdrawn ?? []).filter((study) => !before.has(study.studyId));
}

/**
 * What changed from `previous` to `next`: patients, studies, proportions, medians, Kaplan-Meier summaries,
 * log-rank tests and variable summaries.
 */
export function diffSnapshots(previous: StatisticsSnapshot, next: StatisticsSnapshot): SnapshotDiff {
  if (previous.reviewId !== next.reviewId) {
    throw new RangeError(`diffSnapshots compares one review: ${previous.reviewId} vs ${next.reviewId}`);
  }
  return {
    reviewId: next.reviewId,
    fromVersion: previous.version,
    toVersion: next.version,
    changed: !snapshotsEqual(previous, next),
    patientsAdded: added(previous.patients.ids, next.patients.ids),
    patientsRemoved: added(next.patients.ids, previous.patients.ids),
    studiesAdded: added(previous.studies.ids, next.studies.ids),
    studiesRemoved: added(next.studies.ids, previous.studies.ids),
    studiesWithdrawn: newlyWithdrawn(previous, next),
    proportions: proportionChanges(previous.tables, next.tables),
    medians: medianChanges(previous.tables, next.tables),
    km: kmChanges(previous, next),
    logrank: logRankChanges(previous, next),
    variables: variableChanges(previous, next),
    // Only when either version has models, so diffs of reviews without models stay as they were.
    ...(previous.cox || next.cox ? { cox: coxChanges(previous.cox, next.cox) } : {}),
  };
}
