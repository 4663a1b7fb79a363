// The living report of one review at one statistics version, as plain JSON (report.json) from which the HTML page
// is rendered (render-report.ts): Tables I-III and the Kaplan-Meier summaries exactly as the snapshot holds
// them, the Kaplan-Meier curves drawn from the same patients, the PRISMA 2020 flow, what changed since the
// previous version, retractions and corrections naming the studies, update triggers crossed, and the search log.
//
// Pure and deterministic: the same inputs give the same report, and `reportRevision` hashes it, so a report is
// published again only when something in it changed (a new snapshot, an inclusion, a notice, a search run).
import { sha256Hex } from '../citation/citation-id.ts';
import type { RunOutcome } from '../monitor/run-liveness.ts';
import type { NoticeKind } from '../retraction/notices.ts';
import type { KmSummary, SnapshotDiff, StatisticsSnapshot } from '../stats/snapshot.ts';
import { formatNumber, type Tables } from '../stats/tables.ts';
import { type KmCurveData, kmCurveData } from './km-plot.ts';
import type { PrismaFlow } from './prisma.ts';

export interface ReportStudy {
  citationId: string;
  title: string;
  pmid: string | null;
  doi: string | null;
  year: number | null;
  source: 'screening' | 'manual';
  retracted: boolean;
  retractedAt: string | null;
  /** Set when the inclusion was withdrawn (the reason: a protocol reason id or free text); absent: not. */
  withdrawn?: { at: string; by: string; reason: string } | null;
}

export interface ReportNotice {
  citationId: string;
  studyTitle: string;
  studyPmid: string | null;
  kind: NoticeKind;
  noticePmid: string | null;
  refSource: string | null;
  detectedAt: string;
}

export interface ReportCrossing {
  triggerId: string;
  version: number;
  baselineVersion: number;
  description: string;
  detail: string;
}

export interface SearchLogEntry {
  runId: string;
  source: string;
  query: string;
  window: { from: string; to: string };
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  counts: {
    found: number;
    fetched: number;
    new: number;
    alreadyKnown: number;
    duplicates: number;
    queued: number;
    deleted: number;
  };
  warnings: string[];
  error: string | null;
}

export interface ReportKmCurve {
  /** The snapshot's summary: the numbers the report states. */
  summary: KmSummary;
  /** The plotted curve; null when it cannot be drawn from the same patients (see note). */
  curve: KmCurveData | null;
  note: string | null;
}

export interface LivingReport {
  schemaVersion: 1;
  reviewId: string;
  title: string;
  onRetraction: 'exclude-patients' | 'flag-only';
  version: number;
  statisticsGeneratedAt: string;
  patients: { count: number; synthetic: number };
  /** Every included study (retracted and withdrawn ones too), with its patients in this version. */
  studies: Array<ReportStudy & { patients: number; pooled: boolean }>;
  tables: Tables;
  km: { os: ReportKmCurve; lc: ReportKmCurve; followUp: { summary: KmSummary } };
  prisma: PrismaFlow;
  changes: { fromVersion: number | null; summary: string[]; diff: SnapshotDiff | null };
  retractions: {
    studies: Array<{
      citationId: string;
      title: string;
      pmid: string | null;
      retractedAt: string | null;
      patientsExcluded: boolean;
    }>;
    notices: ReportNotice[];
  };
  triggers: ReportCrossing[];
  /** Every run, newest first. */
  searchLog: SearchLogEntry[];
}

export interface ReportInput {
  review: { id: string; title: string; onRetraction: 'exclude-patients' | 'flag-only' };
  snapshot: StatisticsSnapshot;
  diff: SnapshotDiff | null;
  /** The patient rows of this version (their patientIds are the snapshot's), for the curves. */
  rows: readonly object[];
  studies: readonly ReportStudy[];
  prisma: PrismaFlow;
  notices: readonly ReportNotice[];
  crossings: readonly ReportCrossing[];
  runs: readonly SearchLogEntry[];
}

function observations(rows: readonly object[], timeField: string, eventField: string) {
  return rows.flatMap((row) => {
    const record = row as Record<string, unknown>;
    const time = record[timeField];
    const event = record[eventField];
    return typeof time === 'number' && (event === 0 || event === 1) ? [{ time, event: event as 0 | 1 }] : [];
  });
}

function sameSummary(curve: KmCurveData, summary: KmSummary): boolean {
  return (
    curve.n === summary.n &&
    curve.events === summary.events &&
    curve.median.median === summary.median &&
    curve.median.lcl === summary.lcl &&
    curve.median.ucl === summary.ucl
  );
}

function reportCurve(rows: readonly object[], summary: KmSummary, fields: [string, string]): ReportKmCurve {
  if (summary.n === 0) return { summary, curve: null, note: 'No patient reports both a time and an event.' };
  const ids = rows.length;
  const curve = kmCurveData(observations(rows, ...fields), summary.confType);
  if (!curve || !sameSummary(curve, summary)) {
    return {
      summary,
      curve: null,
      note: `The ${ids} patient rows read now no longer give this version's curve (rows were edited since); the next version's report plots it.`,
    };
  }
  return { summary, curve, note: null };
}

function idList(ids: readonly string[], names: Map<string, string>, max = 10): string {
  const shown = ids.slice(0, max).map((id) => names.get(id) ?? id);
  const rest = ids.length > max ? `; and ${ids.length - max} more` : '';
  return `${shown.join('; ')}${rest}`;
}

function proportion(value: { count: number; denominator: number; percent: number | null } | null): string {
  if (!value) return 'absent';
  return value.percent === null
    ? `${value.count}/${value.denominator}`
    : `${value.count}/${value.denominator} (${value.percent.toFixed(1)}%)`;
}

function medianText(
  value: { n: number; median: number | null; min: number | null; max: number | null } | null,
) {
  if (!value) return 'absent';
  if (value.median === null) return `NA (n = ${value.n})`;
  return `${formatNumber(value.median)} (${value.min === null ? 'NA' : formatNumber(value.min)}–${value.max === null ? 'NA' : formatNumber(value.max)}), n = ${value.n}`;
}

const KM_NAMES: Record<string, string> = {
  os: 'Overall survival',
  lc: 'Local control',
  followUp: 'Median follow-up (reverse Kaplan-Meier)',
};

/**
 * "What changed since vN", one line each, studies named by their titles; a withdrawn study is named with its
 * reason (a protocol reason's label when `reasonLabels` knows its id) instead of among the removed.
 */
export function describeChanges(
  diff: SnapshotDiff,
  studyNames: Map<string, string>,
  reasonLabels: Map<string, string> = new Map(),
): string[] {
  const lines: string[] = [];
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const withdrawn = diff.studiesWithdrawn ?? [];
  const withdrawnIds = new Set(withdrawn.map((s) => s.studyId));
  const removed = diff.studiesRemoved.filter((id) => !withdrawnIds.has(id));
  if (diff.studiesAdded.length)
    lines.push(
      `${count(diff.studiesAdded.length, 'study', 'studies')} added: ${idList(diff.studiesAdded, studyNames)}`,
    );
  if (withdrawn.length) {
    const named = withdrawn
      .map((s) => `${studyNames.get(s.studyId) ?? s.studyId} (${reasonLabels.get(s.reason) ?? s.reason})`)
      .join('; ');
    lines.push(
      `${count(withdrawn.length, 'study', 'studies')} withdrawn, left out of the statistics: ${named}`,
    );
  }
  if (removed.length)
    lines.push(`${count(removed.length, 'study', 'studies')} removed: ${idList(removed, studyNames)}`);
  if (diff.patientsAdded.length)
    lines.push(`${count(diff.patientsAdded.length, 'patient', 'patients')} added`);
  if (diff.patientsRemoved.length)
    lines.push(`${count(diff.patientsRemoved.length, 'patient', 'patients')} removed`);
  for (const change of diff.km) {
    const m = (v: number | null) => (v === null ? 'not reached' : `${formatNumber(v)} months`);
    lines.push(
      `${KM_NAMES[change.curve] ?? change.curve}: median ${m(change.before.median)} → ${m(change.after.median)} (n ${change.before.n} → ${change.after.n}, events ${change.before.events} → ${change.after.events})`,
    );
  }
  for (const change of diff.proportions) {
    const points =
      change.percentagePoints === null
        ? ''
        : ` (${change.percentagePoints > 0 ? '+' : ''}${change.percentagePoints.toFixed(1)} points)`;
    lines.push(
      `Table ${change.table}, ${change.label}: ${proportion(change.before)} → ${proportion(change.after)}${points}`,
    );
  }
  for (const change of diff.medians) {
    lines.push(
      `Table ${change.table}, ${change.label}: ${medianText(change.before)} → ${medianText(change.after)}`,
    );
  }
  if (lines.length === 0) lines.push('No reported number moved.');
  return lines;
}

export function buildLivingReport(input: ReportInput): LivingReport {
  const { snapshot } = input;
  const perStudy = new Map(snapshot.studies.patients.map((s) => [s.studyId, s.count]));
  const pooled = new Set(snapshot.studies.ids);
  const names = new Map(input.studies.map((s) => [s.citationId, s.title]));
  const reasonLabels = new Map(input.prisma.included.withdrawalReasons.map((r) => [r.reasonId, r.label]));
  const studies = [...input.studies]
    .sort(
      (a, b) =>
        (a.year ?? 0) - (b.year ?? 0) ||
        a.title.localeCompare(b.title) ||
        a.citationId.localeCompare(b.citationId),
    )
    .map((study) => ({
      ...study,
      patients: perStudy.get(study.citationId) ?? 0,
      pooled: pooled.has(study.citationId),
    }));
  return {
    schemaVersion: 1,
    reviewId: input.review.id,
    title: input.review.title,
    onRetraction: input.review.onRetraction,
    version: snapshot.version,
    statisticsGeneratedAt: snapshot.generatedAt,
    patients: { count: snapshot.patients.count, synthetic: snapshot.patients.synthetic },
    studies,
    tables: snapshot.tables,
    km: {
      os: reportCurve(input.rows, snapshot.km.os, ['os_months', 'os_event']),
      lc: reportCurve(input.rows, snapshot.km.lc, ['lc_months', 'lc_event']),
      followUp: { summary: snapshot.km.followUp },
    },
    prisma: input.prisma,
    changes: {
      fromVersion: input.diff?.fromVersion ?? null,
      summary: input.diff ? describeChanges(input.diff, names, reasonLabels) : [],
      diff: input.diff,
    },
    retractions: {
      studies: studies
        .filter((s) => s.retracted)
        .map((s) => ({
          citationId: s.citationId,
          title: s.title,
          pmid: s.pmid,
          retractedAt: s.retractedAt,
          patientsExcluded: input.review.onRetraction === 'exclude-patients',
        })),
      notices: [...input.notices].sort((a, b) => a.detectedAt.localeCompare(b.detectedAt)),
    },
    triggers: [...input.crossings].sort(
      (a, b) => a.version - b.version || a.triggerId.localeCompare(b.triggerId),
    ),
    searchLog: [...input.runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
  };
}

/** JSON with sorted keys: equal reports give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The report's content hash (16 hex digits): a changed report gets a new revision. */
export function reportRevision(report: LivingReport): string {
  return sha256Hex(new TextEncoder().encode(canonical(report))).slice(0, 16);
}
