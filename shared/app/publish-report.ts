// Use case: publish the living report of one review for its latest statistics snapshot, and tell subscribers.
//
// Primary course:
//   1. Read the latest snapshot and its diff (none: nothing to report yet).
//   2. Read what the report shows beside the statistics: the patient rows of that version (for the curves),
//      the included studies, the citations' source records and the screening logs (PRISMA), the run logs
//      (search log and counts per update), notices on included studies, update triggers crossed, and the
//      ongoing studies when the protocol lists a trial registry.
//   3. Build the report (pure) and its revision (content hash). Claim (version, revision) once: if that exact
//      report was published before, stop ("unchanged").
//   4. Publish report.json, the plots and index.html (index last), at the review's folder and under v<version>/,
//      then emit LivingReviewUpdated (reviewId, version, revision, key/url, what changed), then mark the claim done.
//
// Idempotent: a retry or a second trigger for the same content finds it done. A crash after the event and
// before the claim is marked done publishes the same files again and emits the event again after the lease
// (EventBridge delivers at least once anyway: subscribers must tolerate a repeat, keyed by revision).
//
// updateLivingReview runs the update triggers (evaluate-triggers.ts) and then this: what the publish-report
// function and `living-review report` call.

import { analysisPlanOf } from '../domain/protocol/plan.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { plannedRuns } from '../domain/protocol/sources.ts';
import { renderAppraisalSvg } from '../domain/report/appraisal-render.ts';
import { buildPrismaFlow, prismaRecordOf } from '../domain/report/prisma.ts';
import { renderCurveSetSvg, renderReportHtml } from '../domain/report/render-report.ts';
import { buildLivingReport, type LivingReport, reportRevision } from '../domain/report/report.ts';
import { replay } from '../domain/screening/workflow.ts';
import { errorMessage, LivingReviewError } from '../errors.ts';
import type { AppraisalStore } from '../ports/appraisal-store.ts';
import type { CitationSourceListing, CitationStore } from '../ports/citation-store.ts';
import type { EventPublisher, LivingReviewUpdatedDetail } from '../ports/event-publisher.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { NoticeLog } from '../ports/notice-log.ts';
import type { OnceClaims } from '../ports/once-claims.ts';
import type { ReportFile, ReportPublisher } from '../ports/report-publisher.ts';
import type { ScreeningStore } from '../ports/screening-store.ts';
import type { TriggerCrossingLog } from '../ports/trigger-crossings.ts';
import type { OngoingStudyStore } from '../ports/watch-store.ts';
import { reportAppraisal } from './appraisal.ts';
import {
  type EvaluateTriggersDeps,
  type EvaluateTriggersOutcome,
  evaluateTriggers,
} from './evaluate-triggers.ts';
import { latestStatistics } from './recompute-statistics.ts';
import { DEFAULT_CLAIM_LEASE_MS, groupEvents } from './send-digest.ts';

export interface PublishReportDeps {
  evidence: EvidenceStore;
  citations: Pick<CitationStore, 'listRunLogs'>;
  screening?: Pick<ScreeningStore, 'listReviewEvents'>;
  /** The appraisal logs; without them the report has no appraisal section. */
  appraisals?: AppraisalStore;
  digests: CitationSourceListing & Pick<NoticeLog, 'listNotices'> & TriggerCrossingLog & OnceClaims;
  /** The registries' ongoing studies (read when the protocol lists a registry). */
  ongoing?: Pick<OngoingStudyStore, 'listRegistrations'>;
  publisher: ReportPublisher;
  events: EventPublisher;
  clock: () => Date;
  leaseMs?: number;
}

export type PublishReportOutcome =
  | { status: 'no-snapshot'; reviewId: string }
  | { status: 'unchanged'; reviewId: string; version: number; revision: string }
  | {
      status: 'published';
      reviewId: string;
      version: number;
      revision: string;
      key: string;
      url: string | null;
      report: LivingReport;
    };

/** Another invocation is publishing this very report. Retryable. */
export class ReportBusyError extends LivingReviewError {}

/** The report of the latest snapshot, read from the stores (null when no snapshot is stored yet). */
export async function assembleReport(
  protocol: Protocol,
  deps: Pick<
    PublishReportDeps,
    'evidence' | 'citations' | 'screening' | 'digests' | 'ongoing' | 'appraisals'
  >,
): Promise<LivingReport | null> {
  const reviewId = protocol.id;
  const stored = await latestStatistics(reviewId, deps);
  if (!stored) return null;
  const { snapshot, diff } = stored;
  const listsRegistry = plannedRuns(protocol).some((run) => run.kind === 'registry');
  const [rows, studies, sources, events, runs, notices, crossings, registrations] = await Promise.all([
    deps.evidence.listPatientRows(reviewId),
    deps.evidence.listIncludedStudies(reviewId),
    deps.digests.listCitationSources(reviewId),
    deps.screening ? deps.screening.listReviewEvents(reviewId) : Promise.resolve([]),
    deps.citations.listRunLogs(reviewId),
    deps.digests.listNotices(reviewId),
    deps.digests.listCrossings(reviewId),
    listsRegistry && deps.ongoing ? deps.ongoing.listRegistrations(reviewId) : Promise.resolve(null),
  ]);
  const patientIds = new Set(snapshot.patients.ids);
  const logs = groupEvents(events);
  const prisma = buildPrismaFlow({
    records: sources.map((c) =>
      prismaRecordOf(c, logs.has(c.citationId) ? replay(c.citationId, logs.get(c.citationId)!) : null),
    ),
    exclusionReasons: protocol.exclusionReasons,
    studies,
    runs,
    onRetraction: protocol.onRetraction,
    snapshot: { studies: snapshot.studies.count, patients: snapshot.patients.count },
  });
  const pooledRows = rows.map((r) => r.row).filter((row) => patientIds.has(row.patientId));
  const appraisal =
    protocol.appraisal && deps.appraisals
      ? await reportAppraisal(
          protocol,
          { appraisal: deps.appraisals, evidence: deps.evidence },
          snapshot,
          pooledRows,
        )
      : undefined;
  return buildLivingReport({
    review: { id: reviewId, title: protocol.title, onRetraction: protocol.onRetraction },
    plan: analysisPlanOf(protocol),
    snapshot,
    diff,
    rows: pooledRows,
    studies: studies.map((s) => ({
      citationId: s.citationId,
      title: s.title,
      pmid: s.pmid,
      doi: s.doi,
      year: s.year,
      source: s.source,
      retracted: s.retracted,
      retractedAt: s.retractedAt,
      withdrawn: s.withdrawn,
    })),
    prisma,
    notices,
    crossings,
    runs,
    ...(appraisal ? { appraisal } : {}),
    ...(registrations ? { registrations } : {}),
  });
}

/** The files of a report: the review's folder, and the same under v<version>/ (the published history). */
export function reportFiles(report: LivingReport): ReportFile[] {
  const html = renderReportHtml(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: ReportFile[] = [];
  const plots: ReportFile[] = [];
  for (const set of report.survival.curves) {
    const svg = renderCurveSetSvg(set);
    if (svg) {
      plots.push({
        path: `km-${set.id}.svg`,
        contentType: 'image/svg+xml',
        body: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`,
      });
    }
  }
  for (const tool of report.appraisal?.tools ?? []) {
    const svg = renderAppraisalSvg(report.appraisal!, tool);
    if (svg) {
      plots.push({
        path: `appraisal-${tool.id}.svg`,
        contentType: 'image/svg+xml',
        body: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`,
      });
    }
  }
  for (const prefix of [`v${report.version}/`, '']) {
    files.push(
      { path: `${prefix}report.json`, contentType: 'application/json; charset=utf-8', body: json },
      ...plots.map((plot) => ({ ...plot, path: `${prefix}${plot.path}` })),
      { path: `${prefix}index.html`, contentType: 'text/html; charset=utf-8', body: html },
    );
  }
  return files;
}

export async function publishReport(
  request: { protocol: Protocol },
  deps: PublishReportDeps,
): Promise<PublishReportOutcome> {
  const reviewId = request.protocol.id;
  const report = await assembleReport(request.protocol, deps);
  if (!report) return { status: 'no-snapshot', reviewId };
  const revision = reportRevision(report);
  const claimId = `v${report.version}-${revision}`;
  const now = deps.clock();
  const claim = await deps.digests.claimOnce(
    reviewId,
    'report',
    claimId,
    { version: report.version, revision },
    now,
    deps.leaseMs ?? DEFAULT_CLAIM_LEASE_MS,
  );
  if (claim.state === 'done') return { status: 'unchanged', reviewId, version: report.version, revision };
  if (claim.state === 'busy') {
    throw new ReportBusyError(
      `review "${reviewId}": report ${claimId} is being published (claimed ${claim.claimedAt})`,
      {
        retryable: true,
      },
    );
  }
  try {
    const published = await deps.publisher.publish(reviewId, reportFiles(report));
    const publishedAt = deps.clock().toISOString();
    const diff = report.changes.diff;
    const detail: LivingReviewUpdatedDetail = {
      reviewId,
      version: report.version,
      revision,
      key: published.key,
      url: published.url,
      publishedAt,
      changes: {
        summary: report.changes.summary,
        fromVersion: report.changes.fromVersion,
        patientsAdded: diff?.patientsAdded.length ?? report.patients.count,
        patientsRemoved: diff?.patientsRemoved.length ?? 0,
        studiesAdded: diff?.studiesAdded.length ?? report.studies.filter((s) => s.pooled).length,
        studiesRemoved: diff?.studiesRemoved.length ?? 0,
        retractedStudies: report.retractions.studies.map((s) => ({
          citationId: s.citationId,
          title: s.title,
          pmid: s.pmid,
        })),
      },
    };
    await deps.events.livingReviewUpdated(detail);
    await deps.digests.completeOnce(reviewId, 'report', claimId, claim.attempt, {
      key: published.key,
      url: published.url,
      publishedAt,
    });
    return {
      status: 'published',
      reviewId,
      version: report.version,
      revision,
      key: published.key,
      url: published.url,
      report,
    };
  } catch (error) {
    await deps.digests
      .releaseOnce(reviewId, 'report', claimId, claim.attempt, errorMessage(error))
      .catch(() => undefined);
    throw error;
  }
}

export interface UpdateLivingReviewOutcome {
  report: PublishReportOutcome;
  triggers: EvaluateTriggersOutcome;
}

/**
 * The update triggers, then the report (both idempotent), so the report lists a crossing found on its own
 * version: one call per new snapshot, inclusion or notice.
 */
export async function updateLivingReview(
  request: { protocol: Protocol; reportUrl?: string | null },
  deps: PublishReportDeps & Omit<EvaluateTriggersDeps, 'evidence' | 'digests' | 'clock'>,
): Promise<UpdateLivingReviewOutcome> {
  const triggers = await evaluateTriggers(
    { protocol: request.protocol, reportUrl: request.reportUrl ?? null },
    deps,
  );
  const report = await publishReport(request, deps);
  return { report, triggers };
}
