// The living report of one review at one statistics version, as plain JSON (report.json) from which the HTML page
// is rendered (render-report.ts): the protocol's tables and Kaplan-Meier summaries exactly as the snapshot holds
// them, one plot per survival endpoint and comparison drawn from the same patients, the PRISMA 2020 flow, what
// changed since the
// previous version, retractions and corrections naming the studies, update triggers crossed, and the search log.
//
// Pure and deterministic: the same inputs give the same report, and `reportRevision` hashes it, so a report is
// published again only when something in it changed (a new snapshot, an inclusion, a notice, a search run).

import { sha256Hex } from '../citation/citation-id.ts';
import type { RunOutcome } from '../monitor/run-liveness.ts';
import { type AnalysisPlan, endpointUnit, STUDY_VARIABLE } from '../protocol/analysis.ts';
import { variableLabel } from '../protocol/variables.ts';
import type { StudyNotice } from '../retraction/notices.ts';
import { curveLabel, describeChanges } from '../stats/describe-changes.ts';
import type { SnapshotDiff, StatisticsSnapshot } from '../stats/snapshot.ts';
import { curveObservations, type KmGroupSummary, type LogRankSummary } from '../stats/survival-summary.ts';
import type { Tables } from '../stats/tables.ts';
import type { VerificationCounts } from '../verification/statistics.ts';
import { registrationUrl, type TrialRegistration } from '../watch/trial-registration.ts';
import type { ReportAppraisal } from './appraisal-section.ts';
import { type ReportCoxModel, reportCoxModels } from './cox-report.ts';
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

/** A plotted curve: the group (null for an endpoint's single curve), its legend label and the data. */
export interface ReportPlotCurve {
  group: string | null;
  label: string | null;
  data: KmCurveData;
}

/** One endpoint or comparison as the report shows it: the snapshot's numbers and the plot drawn from the rows. */
export interface ReportCurveSet {
  id: string;
  kind: 'endpoint' | 'comparison';
  /** "Overall survival", "Recurrence-free survival by hormone therapy". */
  label: string;
  endpoint: string;
  /** The endpoint's label: the plot's probability axis. */
  endpointLabel: string;
  /** The time unit: the plot's time axis. */
  unit: string;
  /** The grouping variable and its label (comparisons). */
  by: { variable: string; label: string } | null;
  /** Patients in the curves, and left out for a value not reported. */
  used: number;
  notReported: number;
  /** The snapshot's summaries, the numbers the report states; groups labelled. */
  groups: Array<KmGroupSummary & { label: string | null }>;
  /** Comparisons: the log-rank test. */
  logrank: LogRankSummary | null;
  /** Endpoints that report it: the median follow-up (reverse Kaplan-Meier). */
  followUp: KmGroupSummary | null;
  /** The curves; null when they cannot be drawn from the same patients (see note). */
  plot: ReportPlotCurve[] | null;
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
  /** Rows verified, unverified and disputed, when the protocol declares verification. */
  verification?: VerificationCounts;
  /** Every included study (retracted and withdrawn ones too), with its patients in this version. */
  studies: Array<ReportStudy & { patients: number; pooled: boolean }>;
  tables: Tables;
  survival: { confType: string; curves: ReportCurveSet[] };
  /** The protocol's Cox models (cox-report.ts). */
  cox: ReportCoxModel[];
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
    notices: StudyNotice[];
  };
  triggers: ReportCrossing[];
  /** Every run, newest first. */
  searchLog: SearchLogEntry[];
  /** Critical appraisal and its sensitivity analysis (appraisal-section.ts); absent without an appraisal. */
  appraisal?: ReportAppraisal;
  /** Ongoing studies the registries reported (absent when the protocol lists no registry). */
  ongoing?: ReportOngoingStudy[];
}

/** An ongoing study (a trial registration), listed apart from the evidence: it is coming, not pooled. */
export interface ReportOngoingStudy {
  registry: string;
  id: string;
  title: string;
  status: string | null;
  conditions: string[];
  sponsor: string | null;
  enrollment: number | null;
  startDate: string | null;
  completionDate: string | null;
  lastUpdatePosted: string;
  hasResults: boolean;
  url: string | null;
  firstSeenAt: string;
}

/** The report's ongoing studies: every stored registration, the most recently updated first. */
export function ongoingStudiesOf(
  registrations: readonly { registration: TrialRegistration; firstSeenAt: string }[],
): ReportOngoingStudy[] {
  return registrations
    .map(({ registration: r, firstSeenAt }) => ({
      registry: r.registry,
      id: r.id,
      title: r.title,
      status: r.status,
      conditions: r.conditions,
      sponsor: r.sponsor,
      enrollment: r.enrollment,
      startDate: r.startDate,
      completionDate: r.completionDate,
      lastUpdatePosted: r.lastUpdatePosted,
      hasResults: r.hasResults,
      url: registrationUrl(r),
      firstSeenAt,
    }))
    .sort((a, b) => b.lastUpdatePosted.localeCompare(a.lastUpdatePosted) || a.id.localeCompare(b.id));
}

export interface ReportInput {
  review: { id: string; title: string; onRetraction: 'exclude-patients' | 'flag-only' };
  /** The protocol's variables and survival section: labels, units, how curves are grouped. */
  plan: AnalysisPlan;
  snapshot: StatisticsSnapshot;
  diff: SnapshotDiff | null;
  /** The patient rows of this version (their patientIds are the snapshot's), for the curves. */
  rows: readonly object[];
  studies: readonly ReportStudy[];
  prisma: PrismaFlow;
  notices: readonly StudyNotice[];
  crossings: readonly ReportCrossing[];
  runs: readonly SearchLogEntry[];
  appraisal?: ReportAppraisal;
  /** The registries' ongoing studies; absent: the report has no such section. */
  registrations?: readonly { registration: TrialRegistration; firstSeenAt: string }[];
}

function sameSummary(curve: KmCurveData, summary: KmGroupSummary): boolean {
  return (
    curve.n === summary.n &&
    curve.events === summary.events &&
    curve.median.median === summary.median &&
    curve.median.lcl === summary.lower &&
    curve.median.ucl === summary.upper
  );
}

/** How a group's value is named: a level's label, yes/no, or the value itself. */
function groupLabel(plan: AnalysisPlan, by: string | null, group: string | null): string | null {
  if (group === null || by === null) return null;
  const variable = plan.variables.find((v) => v.name === by);
  if (variable?.type === 'categorical') {
    return variable.levels.find((level) => level.value === group)?.label ?? group;
  }
  if (variable?.type === 'event') return group === '1' ? 'event' : 'censored';
  return group;
}

/** Every endpoint and comparison of the snapshot, with its plot drawn from the rows of this version. */
function reportCurveSets(
  plan: AnalysisPlan,
  snapshot: StatisticsSnapshot,
  rows: readonly object[],
): ReportCurveSet[] {
  const endpoints = new Map(plan.survival.endpoints.map((e) => [e.id, e]));
  const declared = [
    ...plan.survival.endpoints.map((e) => ({ id: e.id, endpoint: e.id, by: null as string | null })),
    ...plan.survival.comparisons.map((c) => ({ id: c.id, endpoint: c.endpoint, by: c.by })),
  ];
  return declared.flatMap((entry): ReportCurveSet[] => {
    const set = snapshot.survival.curves[entry.id];
    const endpoint = endpoints.get(entry.endpoint);
    if (!set || !endpoint) return []; // declared after this version was computed
    const byVariable = entry.by === null ? null : plan.variables.find((v) => v.name === entry.by);
    const byLabel =
      entry.by === null
        ? null
        : entry.by === STUDY_VARIABLE
          ? 'study'
          : byVariable
            ? variableLabel(byVariable)
            : entry.by;
    const groups = set.groups.map((group) => ({ ...group, label: groupLabel(plan, entry.by, group.group) }));
    const base = {
      id: entry.id,
      kind: entry.by === null ? ('endpoint' as const) : ('comparison' as const),
      // One naming rule for a curve, shared with "what changed".
      label: curveLabel(entry.id, plan),
      endpoint: endpoint.id,
      endpointLabel: endpoint.label,
      unit: endpointUnit(endpoint, plan.variables) ?? 'time',
      by: entry.by === null ? null : { variable: entry.by, label: byLabel! },
      used: set.used,
      notReported: set.notReported,
      groups,
      logrank: snapshot.survival.logrank[entry.id] ?? null,
      followUp: entry.by === null ? (snapshot.survival.followUp[entry.id] ?? null) : null,
    };
    if (set.used === 0) {
      return [{ ...base, plot: null, note: 'No patient reports all that this curve needs.' }];
    }
    const plot = curveObservations(rows, plan, entry.id).map(({ group, observations }) => ({
      group,
      label: groupLabel(plan, entry.by, group),
      data: kmCurveData(observations, snapshot.survival.confType),
    }));
    const matches =
      plot.length === groups.length &&
      plot.every((curve, i) => curve.data !== null && sameSummary(curve.data, groups[i]!));
    if (!matches) {
      return [
        {
          ...base,
          plot: null,
          note: `The ${rows.length} patient rows read now no longer give this version's curve (rows were edited since); the next version's report plots it.`,
        },
      ];
    }
    return [{ ...base, plot: plot as ReportPlotCurve[], note: null }];
  });
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
    ...(snapshot.verification ? { verification: snapshot.verification } : {}),
    studies,
    tables: snapshot.tables,
    survival: {
      confType: snapshot.survival.confType,
      curves: reportCurveSets(input.plan, snapshot, input.rows),
    },
    cox: reportCoxModels(input.plan, snapshot),
    prisma: input.prisma,
    changes: {
      fromVersion: input.diff?.fromVersion ?? null,
      summary: input.diff ? describeChanges(input.diff, names, reasonLabels, input.plan) : [],
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
    ...(input.appraisal ? { appraisal: input.appraisal } : {}),
    ...(input.registrations ? { ongoing: ongoingStudiesOf(input.registrations) } : {}),
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
