// "What changed since version N", one line each, as the living report, the `stats` command and the digest say
// it: studies (by title where known) and patients added, removed or withdrawn (with the reason), Kaplan-Meier
// medians and log-rank tests that moved, every table row that moved, and variables whose summary moved outside
// the tables.
import { type AnalysisPlan, endpointUnit, STUDY_VARIABLE } from '../protocol/analysis.ts';
import { variableLabel } from '../protocol/variables.ts';
import { type CoxChange, type CoxTermState, hrWithCi } from './cox-models.ts';
import type { SnapshotDiff } from './snapshot.ts';
import type { KmGroupSummary, LogRankSummary } from './survival-summary.ts';
import { formatNumber } from './tables.ts';

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

/**
 * "What changed since vN", one line each, studies named by their titles; a withdrawn study is named with its
 * reason (a protocol reason's label when `reasonLabels` knows its id) instead of among the removed.
 */
export function describeChanges(
  diff: SnapshotDiff,
  studyNames: Map<string, string>,
  reasonLabels: Map<string, string> = new Map(),
  plan?: AnalysisPlan,
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
  for (const change of diff.km) lines.push(describeKmChange(change, plan));
  for (const change of diff.logrank ?? []) {
    const test = (t: LogRankSummary | null) =>
      t === null
        ? 'absent'
        : 'error' in t
          ? `no test (${t.error})`
          : `chi-square ${formatNumber(t.chisq)}, df ${t.df}, p ${formatP(t.p)}, n = ${t.n}`;
    lines.push(
      `Log-rank ${curveLabel(change.comparison, plan)}: ${test(change.before)} → ${test(change.after)}`,
    );
  }
  for (const change of diff.cox ?? []) lines.push(describeCoxChange(change, plan));
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
  const inTables = new Set([...diff.proportions, ...diff.medians].map((change) => change.variable));
  const others = (diff.variables ?? []).filter((name) => !inTables.has(name));
  if (others.length) {
    lines.push(`Variable summaries changed (not in a table): ${others.join(', ')}`);
  }
  if (lines.length === 0) lines.push('No reported number moved.');
  return lines;
}

/** A p-value as papers print it: 3 significant digits, "< 0.0001" below that. */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return 'NA';
  return p < 0.0001 ? '< 0.0001' : String(Number(p.toPrecision(3)));
}

/** The label of an endpoint or comparison id. */
export function curveLabel(id: string, plan: AnalysisPlan | undefined): string {
  const endpoint = plan?.survival.endpoints.find((e) => e.id === id);
  if (endpoint) return endpoint.label;
  const comparison = plan?.survival.comparisons.find((c) => c.id === id);
  if (!comparison) return id;
  const of = plan!.survival.endpoints.find((e) => e.id === comparison.endpoint)?.label ?? comparison.endpoint;
  const by = plan!.variables.find((v) => v.name === comparison.by);
  return (
    comparison.label ??
    `${of} by ${by ? variableLabel(by) : comparison.by === STUDY_VARIABLE ? 'study' : comparison.by}`
  );
}

function describeCoxChange(change: CoxChange, plan: AnalysisPlan | undefined): string {
  const label = plan?.survival.models.find((m) => m.id === change.model)?.label ?? change.model;
  const state = (s: CoxTermState | null) =>
    s === null
      ? 'absent'
      : 'error' in s
        ? `not fitted (${s.error})`
        : s.hr === null
          ? `NA, n = ${s.n}`
          : `HR ${hrWithCi(s)}, p ${s.p === null ? 'NA' : formatP(s.p)}, n = ${s.n}`;
  const what = change.term === null ? '' : `, ${change.term}`;
  return `Cox model ${label}${what}: ${state(change.before)} → ${state(change.after)}`;
}

function describeKmChange(change: SnapshotDiff['km'][number], plan: AnalysisPlan | undefined): string {
  const endpoint = plan?.survival.endpoints.find((e) => e.id === change.endpoint);
  const unit = endpoint && plan ? (endpointUnit(endpoint, plan.variables) ?? '') : '';
  const m = (v: KmGroupSummary | null) =>
    v === null
      ? 'absent'
      : v.median === null
        ? 'not reached'
        : `${formatNumber(v.median)}${unit ? ` ${unit}` : ''}`;
  const name =
    change.kind === 'follow-up'
      ? `Median follow-up, ${curveLabel(change.endpoint, plan).toLowerCase()} (reverse Kaplan-Meier)`
      : `${curveLabel(change.curve, plan)}${change.group === null ? '' : `, ${change.group}`}`;
  const counts =
    change.before && change.after
      ? ` (n ${change.before.n} → ${change.after.n}, events ${change.before.events} → ${change.after.events})`
      : '';
  return `${name}: median ${m(change.before)} → ${m(change.after)}${counts}`;
}
