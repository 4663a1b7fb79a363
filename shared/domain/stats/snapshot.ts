// A statistics snapshot: everything a living review reports about its pooled patients at one version (patients,
// studies, Tables I-III, Kaplan-Meier medians), as plain JSON, and the difference between two snapshots.
//
// Deterministic: the same rows in any order give the same snapshot (rows are sorted by patientId, ids and
// studies are sorted), so a recompute that changes nothing can be detected with snapshotsEqual and not stored.
import { InputError } from '../../errors.ts';
import { fieldValue } from './categorical.ts';
import { kaplanMeierEstimate } from './kaplan-meier.ts';
import { kaplanMeierMedian } from './km-median.ts';
import type { ConfType, SurvivalObservation } from './survival-curve.ts';
import {
  buildTables,
  type CategoricalRow,
  type ContinuousRow,
  IESM_TABLES,
  type Subset,
  type Tables,
  type TablesDefinitionInput,
  tableRows,
} from './tables.ts';

/** A Kaplan-Meier median with its 95% CI as R's print(survfit) shows it; null is NA. */
export interface KmSummary {
  /** Patients with both a time and an event reported: the curve's subjects. */
  n: number;
  events: number;
  /** Patients left out because their time or event is not reported. */
  unknown: number;
  median: number | null;
  lcl: number | null;
  ucl: number | null;
  confType: ConfType;
}

export interface StatisticsSnapshot {
  schemaVersion: 1;
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
  tables: Tables;
  km: {
    /** Overall survival: os_months, os_event. */
    os: KmSummary;
    /** Local control: lc_months, lc_event. */
    lc: KmSummary;
    /** Median follow-up by reverse Kaplan-Meier (censoring as the event) over the OS times. */
    followUp: KmSummary;
  };
}

/** A study whose inclusion was withdrawn: when, by whom and why. */
export interface WithdrawnStudy {
  studyId: string;
  at: string;
  by: string;
  reason: string;
}

/** What a snapshot is computed from: rows that carry patientId, studyId and the table variables. */
export interface SnapshotRow {
  patientId: string;
  studyId: string;
  synthetic?: boolean | undefined;
}

export interface SnapshotInput<Row extends SnapshotRow> {
  reviewId: string;
  version: number;
  rows: readonly Row[];
  /** The ids of the review's included studies; every row's study must be one of them. */
  includedStudies: readonly string[];
  /** Studies whose inclusion was withdrawn (none of them in includedStudies). */
  withdrawnStudies?: readonly WithdrawnStudy[];
  /** ISO timestamp, given by the caller so the function stays pure. */
  generatedAt: string;
  /** The tables to build; the IESM Tables I-III by default. */
  tables?: TablesDefinitionInput;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeEvent(
  row: object,
  index: number,
  timeField: string,
  eventField: string,
): { time: number; event: 0 | 1 } | null {
  const time = fieldValue(row, timeField, index, 'kmSummary');
  const event = fieldValue(row, eventField, index, 'kmSummary');
  if (time === null || event === null) return null;
  if (typeof time !== 'number' || (event !== 0 && event !== 1)) {
    throw new TypeError(
      `kmSummary: row ${index + 1} has ${timeField} = ${JSON.stringify(time)}, ${eventField} = ${JSON.stringify(event)}`,
    );
  }
  return { time, event };
}

/**
 * Kaplan-Meier median with its confidence limits for one time/event pair of variables. Rows missing either
 * value are left out and counted. `reverse` swaps event and censoring (reverse KM, for median follow-up).
 */
export function kmSummary(
  rows: readonly object[],
  timeField: string,
  eventField: string,
  options: { confType?: ConfType; reverse?: boolean } = {},
): KmSummary {
  const confType = options.confType ?? 'log';
  const observations: SurvivalObservation[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    const observation = timeEvent(rows[index]!, index, timeField, eventField);
    if (observation === null) continue;
    if (options.reverse) observation.event = observation.event === 1 ? 0 : 1;
    observations.push(observation);
  }
  const unknown = rows.length - observations.length;
  if (observations.length === 0) {
    return { n: 0, events: 0, unknown, median: null, lcl: null, ucl: null, confType };
  }
  // The table and band only: the quantiles and restricted means kaplanMeier adds are not reported here.
  const curve = kaplanMeierEstimate(observations, { confType });
  const median = kaplanMeierMedian(curve.table.time, curve.table.surv, curve.lower, curve.upper);
  return { n: curve.n, events: curve.events, unknown, ...median, confType };
}

/** The statistics of a review at one version, from its patient rows and included studies. */
export function computeStatisticsSnapshot<Row extends SnapshotRow>(
  input: SnapshotInput<Row>,
): StatisticsSnapshot {
  const rows = [...input.rows].sort((a, b) => compareCodeUnits(a.patientId, b.patientId));
  for (let i = 1; i < rows.length; i += 1) {
    if (rows[i]!.patientId === rows[i - 1]!.patientId) {
      throw new InputError(`${input.reviewId}: patient id "${rows[i]!.patientId}" appears twice`);
    }
  }
  const included = [...new Set(input.includedStudies)].sort(compareCodeUnits);
  const includedSet = new Set(included);
  const perStudy = new Map<string, number>();
  for (const row of rows) perStudy.set(row.studyId, (perStudy.get(row.studyId) ?? 0) + 1);
  const strays = [...perStudy.keys()].filter((studyId) => !includedSet.has(studyId)).sort(compareCodeUnits);
  if (strays.length > 0) {
    const list = strays.map((studyId) => `${studyId} (${perStudy.get(studyId)} patients)`).join(', ');
    throw new InputError(`${input.reviewId}: patient rows from studies that are not included: ${list}`);
  }
  const withdrawn = [...(input.withdrawnStudies ?? [])]
    .map(({ studyId, at, by, reason }) => ({ studyId, at, by, reason }))
    .sort((a, b) => compareCodeUnits(a.studyId, b.studyId));
  const both = withdrawn.filter((study) => includedSet.has(study.studyId));
  if (both.length > 0) {
    throw new InputError(
      `${input.reviewId}: studies both included and withdrawn: ${both.map((s) => s.studyId).join(', ')}`,
    );
  }
  return {
    schemaVersion: 1,
    reviewId: input.reviewId,
    version: input.version,
    generatedAt: input.generatedAt,
    patients: {
      count: rows.length,
      synthetic: rows.filter((row) => row.synthetic === true).length,
      ids: rows.map((row) => row.patientId),
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
    tables: buildTables(input.tables ?? IESM_TABLES, rows),
    km: {
      os: kmSummary(rows, 'os_months', 'os_event'),
      lc: kmSummary(rows, 'lc_months', 'lc_event'),
      followUp: kmSummary(rows, 'os_months', 'os_event', { reverse: true }),
    },
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

export type KmCurveName = keyof StatisticsSnapshot['km'];

export interface KmChange {
  curve: KmCurveName;
  before: KmSummary;
  after: KmSummary;
  /** after - before of the median; null if either is NA. */
  shift: number | null;
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

function kmChanges(previous: StatisticsSnapshot, next: StatisticsSnapshot): KmChange[] {
  const curves = Object.keys(next.km) as KmCurveName[];
  return curves.flatMap((curve) => {
    const before = previous.km[curve];
    const after = next.km[curve];
    if (canonicalJson(before) === canonicalJson(after)) return [];
    const shift = before.median === null || after.median === null ? null : after.median - before.median;
    return [{ curve, before, after, shift }];
  });
}

function newlyWithdrawn(previous: StatisticsSnapshot, next: StatisticsSnapshot): WithdrawnStudy[] {
  const before = new Set((previous.studies.withdrawn ?? []).map((study) => study.studyId));
  return (next.studies.withdrawn ?? []).filter((study) => !before.has(study.studyId));
}

/** What changed from `previous` to `next`: patients, studies, proportions, medians and KM medians. */
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
  };
}
