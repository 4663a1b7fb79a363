// The report's appraisal section, as plain JSON: one row per appraisable study (design, tool, level, overall
// judgement, every final answer), the tools' items for the traffic-light figures, and the protocol's sensitivity
// analysis: the statistics computed again without the studies it leaves out (judged at high risk, or below a
// level), each endpoint's Kaplan-Meier median beside the main one, with both denominators.

import { type AnalysisPlan, endpointUnit } from '../protocol/analysis.ts';
import type { Appraisal } from '../protocol/appraisal.ts';
import { computeStatisticsSnapshot, type SnapshotRow, type StatisticsSnapshot } from '../stats/snapshot.ts';
import type { KmGroupSummary } from '../stats/survival-summary.ts';

/** A study's settled appraisal (shared/app/appraisal.ts builds them from the logs). */
export interface AppraisedStudy {
  studyId: string;
  title: string;
  pmid: string | null;
  year: number | null;
  design: string;
  toolId: string;
  judgement: string | null;
  level: string | null;
  answers: Array<{ questionId: string; answer: string; settledBy: 'agreement' | 'arbiter' }>;
}

/** How a cell is drawn: good (green), some concern (amber), bad (red), or none (grey: not applicable). */
export type Rating = 'good' | 'some' | 'bad' | 'none';

export interface ReportAppraisalTool {
  id: string;
  name: string;
  items: Array<{ id: string; text: string }>;
  answers: Array<{ id: string; label: string; rating: Rating }>;
}

export interface ReportSensitivityCurve {
  id: string;
  label: string;
  unit: string | null;
  main: KmGroupSummary | null;
  sensitivity: KmGroupSummary | null;
}

export interface ReportSensitivity {
  label: string;
  /** Studies left out, with why. */
  leftOut: Array<{ studyId: string; title: string; why: string }>;
  /** Pooled studies not appraised (settled) yet: kept in both analyses. */
  notYetAppraised: number;
  main: { patients: number; studies: number };
  sensitivity: { patients: number; studies: number };
  curves: ReportSensitivityCurve[];
}

export interface ReportAppraisal {
  judgements: Array<{ id: string; label: string; rating: Rating }>;
  levels: { scheme: string; values: Array<{ id: string; label: string }> } | null;
  tools: ReportAppraisalTool[];
  /** Settled appraisals, by study id. */
  studies: AppraisedStudy[];
  /** Appraisable studies whose appraisal is not settled yet. */
  pending: number;
  sensitivity: ReportSensitivity | null;
}

/** Ratings by position on a best-first scale: first good, last bad, the rest in between. */
function scaleRatings(count: number): Rating[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'good' : i === count - 1 ? 'bad' : 'some'));
}

/** How each answer of a tool is drawn, from the tool's own rule (never from the answer's name). */
export function answerRatings(appraisal: Appraisal, toolId: string): Map<string, Rating> {
  const tool = appraisal.tools.find((t) => t.id === toolId)!;
  const judgementRating = new Map(
    appraisal.judgements.map((j, i) => [j.id, scaleRatings(appraisal.judgements.length)[i]!] as const),
  );
  const rule = tool.overall;
  if (rule.rule === 'worst') {
    return new Map(
      tool.answers.map((a) => [a.id, judgementRating.get(rule.judgementOf[a.id] ?? '') ?? 'none']),
    );
  }
  if (rule.rule === 'count') {
    // Counted answers count against the study: the first of them is the worst (no), the others a concern
    // (unclear). Of the others, the first is the good one (yes); any further one counts for nothing (n/a).
    return new Map(
      tool.answers.map((a) => {
        const counted = rule.counted.indexOf(a.id);
        if (counted >= 0) return [a.id, counted === 0 ? 'bad' : 'some'];
        const uncounted = tool.answers.filter((x) => !rule.counted.includes(x.id));
        return [a.id, uncounted[0]?.id === a.id ? 'good' : 'none'];
      }),
    );
  }
  const ratings = scaleRatings(tool.answers.length);
  return new Map(tool.answers.map((a, i) => [a.id, ratings[i]!]));
}

/** Why the sensitivity analysis leaves a study out, or null when it keeps it. */
export function leftOutBecause(
  appraisal: Appraisal,
  study: Pick<AppraisedStudy, 'judgement' | 'level'>,
): string | null {
  const rule = appraisal.sensitivity?.leaveOut;
  if (!rule) return null;
  if (study.judgement !== null && rule.judgements.includes(study.judgement)) {
    return appraisal.judgements.find((j) => j.id === study.judgement)?.label ?? study.judgement;
  }
  if (rule.levelsWorseThan !== undefined && study.level !== null && appraisal.levels) {
    const order = appraisal.levels.values.map((l) => l.id);
    if (order.indexOf(study.level) > order.indexOf(rule.levelsWorseThan)) {
      return `level ${study.level}, below level ${rule.levelsWorseThan}`;
    }
  }
  return null;
}

export interface AppraisalSectionInput<Row extends SnapshotRow> {
  appraisal: Appraisal;
  plan: AnalysisPlan;
  snapshot: StatisticsSnapshot;
  /** The snapshot's patient rows (for the sensitivity analysis). */
  rows: readonly Row[];
  studies: readonly AppraisedStudy[];
  pending: number;
}

export function buildAppraisalSection<Row extends SnapshotRow>(
  input: AppraisalSectionInput<Row>,
): ReportAppraisal {
  const { appraisal } = input;
  const tools = appraisal.tools
    .filter((tool) => input.studies.some((s) => s.toolId === tool.id))
    .map((tool) => {
      const ratings = answerRatings(appraisal, tool.id);
      return {
        id: tool.id,
        name: tool.name,
        items: tool.items.map((i) => ({ id: i.id, text: i.text })),
        answers: tool.answers.map((a) => ({ id: a.id, label: a.label, rating: ratings.get(a.id)! })),
      };
    });
  const ratings = scaleRatings(appraisal.judgements.length);
  return {
    judgements: appraisal.judgements.map((j, i) => ({ id: j.id, label: j.label, rating: ratings[i]! })),
    levels: appraisal.levels ? { scheme: appraisal.levels.scheme, values: appraisal.levels.values } : null,
    tools,
    studies: [...input.studies].sort((a, b) => a.studyId.localeCompare(b.studyId)),
    pending: input.pending,
    sensitivity: sensitivityOf(input),
  };
}

function sensitivityOf<Row extends SnapshotRow>(input: AppraisalSectionInput<Row>): ReportSensitivity | null {
  const { appraisal, snapshot, plan } = input;
  if (!appraisal.sensitivity) return null;
  const pooled = new Set(snapshot.studies.ids);
  const appraised = new Map(input.studies.map((s) => [s.studyId, s]));
  const leftOut = input.studies
    .filter((s) => pooled.has(s.studyId))
    .map((s) => ({ studyId: s.studyId, title: s.title, why: leftOutBecause(appraisal, s) }))
    .filter((s): s is { studyId: string; title: string; why: string } => s.why !== null);
  const out = new Set(leftOut.map((s) => s.studyId));
  const kept = snapshot.studies.ids.filter((id) => !out.has(id));
  const subset = computeStatisticsSnapshot({
    plan,
    version: snapshot.version,
    rows: input.rows.filter((row) => !out.has(row.studyId)),
    includedStudies: kept,
    generatedAt: snapshot.generatedAt,
  });
  const single = (s: StatisticsSnapshot, id: string) => s.survival.curves[id]?.groups[0] ?? null;
  return {
    label: appraisal.sensitivity.label,
    leftOut,
    notYetAppraised: snapshot.studies.ids.filter((id) => !appraised.has(id)).length,
    main: { patients: snapshot.patients.count, studies: snapshot.studies.count },
    sensitivity: { patients: subset.patients.count, studies: subset.studies.count },
    curves: plan.survival.endpoints.map((endpoint) => ({
      id: endpoint.id,
      label: endpoint.label,
      unit: endpointUnit(endpoint, plan.variables) ?? null,
      main: single(snapshot, endpoint.id),
      sensitivity: single(subset, endpoint.id),
    })),
  };
}
