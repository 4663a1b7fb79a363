// Use case: the weekly digest of one review (scheduled per review in AWS; `living-review digest` locally).
//
// Primary course:
//   1. Read the digest marker: the last sent digest covered everything up to `from` (none: since the beginning).
//   2. Claim the period starting at `from` once (OnceClaims.claimOnce, scope "digest", id = `from`). The claim
//      stores the period's end (`through` = now) the first time, so a retry of the same invocation digests the
//      same period.
//   3. Gather the period: candidates queued in (from, through] with their records (and, for those the citation
//      watch found, the included studies they cite or are cited by), the run logs started in it, the counts
//      waiting in screening (the screening workflow's own counts when its store is given, else the arrival
//      queue's length), notices on included studies, update triggers crossed in it, and the ongoing studies
//      the registries reported new or changed.
//   4. Nothing new (no candidate, notice, crossing or failed run) and the protocol does not ask for empty
//      digests: release the claim and send nothing (the marker stays, so next week covers both weeks).
//   5. Otherwise compose and send it (HTML + text + the candidates as RIS), mark the claim done, and only then
//      move the marker from `from` to `through` (a conditional write).
//
// Idempotency: a retried invocation finds the period's claim done (and moves the marker if the first attempt
// died before doing so), or busy while the first attempt still holds it (a retryable error), so it never sends
// the period twice. The one window left is a crash after SES accepted the message and before the claim was
// marked done; the next attempt, after the lease, sends it again (with the same Message-ID, which mail clients
// use to fold duplicates). A failed send releases the claim at once.

import {
  buildDigest,
  type Digest,
  type DigestCandidateInput,
  type DigestScreeningCounts,
  type DigestStatistics,
  isDigestEmpty,
} from '../domain/digest/digest.ts';
import { digestSubject, renderDigestHtml, renderDigestText } from '../domain/digest/render-digest.ts';
import { toRis } from '../domain/digest/ris.ts';
import { endpointUnit } from '../domain/protocol/analysis.ts';
import { analysisPlanOf } from '../domain/protocol/plan.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import type { ScreeningEvent } from '../domain/screening/events.ts';
import { screeningReport } from '../domain/screening/report.ts';
import { replay } from '../domain/screening/workflow.ts';
import { describeChanges } from '../domain/stats/describe-changes.ts';
import { errorMessage, LivingReviewError, StoreError } from '../errors.ts';
import type { CitationStore } from '../ports/citation-store.ts';
import type { DigestMarkerStore } from '../ports/digest-marker.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { NoticeLog } from '../ports/notice-log.ts';
import type { OnceClaims } from '../ports/once-claims.ts';
import type { ScreeningStore } from '../ports/screening-store.ts';
import type { TriggerCrossingLog } from '../ports/trigger-crossings.ts';
import type { CitationWatchStore, OngoingStudyStore, StoredRelation } from '../ports/watch-store.ts';
import { mapLimited } from './map-limited.ts';

/** Claims older than this are taken over (an invocation that died mid-send): longer than any Lambda timeout. */
export const DEFAULT_CLAIM_LEASE_MS = 20 * 60 * 1000;

export interface SendDigestDeps {
  citations: Pick<CitationStore, 'getCitation' | 'listQueue' | 'listRunLogs'>;
  /** The review's evidence: its latest statistics version, shown with the protocol's endpoints. */
  evidence?: Pick<EvidenceStore, 'latestSnapshotVersion' | 'getSnapshot' | 'listIncludedStudies'>;
  /** The screening workflow's store: its counts per stage, and candidates whatever their status now. */
  screening?: Pick<ScreeningStore, 'listCitations' | 'listReviewEvents'>;
  digests: DigestMarkerStore &
    OnceClaims &
    Pick<NoticeLog, 'listNotices'> &
    Pick<TriggerCrossingLog, 'listCrossings'>;
  mailer: Mailer;
  clock: () => Date;
  /** The sender address (an SES verified identity in AWS). */
  from: string;
  /** Replaces the protocol's digest.recipients (the deployment's digestRecipients). */
  recipients?: readonly string[];
  /** The screening page; the digest links to `<base>?review=<id>`. */
  screeningBaseUrl?: string | null;
  leaseMs?: number;
  /** The citation watch's relations (how candidates it found relate to the included studies). */
  watch?: Pick<CitationWatchStore, 'listRelations'>;
  /** The registries' ongoing studies. */
  ongoing?: Pick<OngoingStudyStore, 'listRegistrations'>;
}

export interface SendDigestRequest {
  protocol: Protocol;
  /** Send even when there is nothing new (as protocol digest.sendWhenEmpty does). */
  sendWhenEmpty?: boolean;
}

export type SendDigestOutcome =
  | {
      status: 'sent';
      period: { from: string | null; through: string };
      messageId: string;
      /** The transport's id: the SES MessageId, or the .eml file written. */
      deliveryId: string;
      candidates: number;
      notices: number;
      recipients: string[];
    }
  | { status: 'already-sent'; period: { from: string | null; through: string }; messageId: string }
  | { status: 'nothing-new'; period: { from: string | null; through: string } };

/** Another invocation holds this period's claim. Retryable: it will have finished or its lease run out. */
export class DigestBusyError extends LivingReviewError {}

export function screeningPageUrl(base: string | null | undefined, reviewId: string): string | null {
  if (!base) return null;
  try {
    const url = new URL(base);
    url.searchParams.set('review', reviewId);
    return url.toString();
  } catch {
    return null;
  }
}

/** The screening workflow's waiting counts (records awaiting a decision, by stage). */
export async function screeningCounts(
  reviewId: string,
  deps: Pick<SendDigestDeps, 'citations' | 'screening'>,
): Promise<DigestScreeningCounts> {
  if (!deps.screening) {
    const queue = await deps.citations.listQueue(reviewId);
    return { source: 'queue', waiting: queue.length, stages: [] };
  }
  const [entries, events] = await Promise.all([
    deps.screening.listCitations(reviewId),
    deps.screening.listReviewEvents(reviewId),
  ]);
  const logs = groupEvents(events);
  const report = screeningReport(entries.map((e) => replay(e.citationId, logs.get(e.citationId) ?? [])));
  const stages = report.stages.map((s) => ({
    stage: s.stage,
    awaitingFirst: s.awaitingFirst,
    awaitingSecond: s.awaitingSecond,
    inConflict: s.inConflict,
  }));
  return {
    source: 'screening',
    waiting: stages.reduce((sum, s) => sum + s.awaitingFirst + s.awaitingSecond + s.inConflict, 0),
    stages,
  };
}

export function groupEvents(events: readonly ScreeningEvent[]): Map<string, ScreeningEvent[]> {
  const logs = new Map<string, ScreeningEvent[]>();
  for (const event of events) {
    const log = logs.get(event.citationId) ?? [];
    log.push(event);
    logs.set(event.citationId, log);
  }
  return logs;
}

function inPeriod(at: string, from: string | null, through: string): boolean {
  return (from === null || at > from) && at <= through;
}

/** The latest statistics version as the digest shows it (null without an evidence store or a version). */
export async function digestStatistics(
  protocol: Protocol,
  period: { from: string | null; through: string },
  evidence: SendDigestDeps['evidence'],
): Promise<DigestStatistics | null> {
  if (!evidence) return null;
  const version = await evidence.latestSnapshotVersion(protocol.id);
  if (version === 0) return null;
  const stored = await evidence.getSnapshot(protocol.id, version);
  if (!stored) throw new StoreError(`review "${protocol.id}": statistics version ${version} is missing`);
  const { snapshot, diff } = stored;
  const plan = analysisPlanOf(protocol);
  const changedInPeriod = inPeriod(snapshot.generatedAt, period.from, period.through);
  let changes: string[] = [];
  if (changedInPeriod && diff) {
    const studies = await evidence.listIncludedStudies(protocol.id);
    changes = describeChanges(
      diff,
      new Map(studies.map((s) => [s.citationId, s.title])),
      new Map(protocol.exclusionReasons.map((r) => [r.id, r.label])),
      plan,
    );
  } else if (changedInPeriod) {
    changes = ['The first statistics version.'];
  }
  return {
    version,
    generatedAt: snapshot.generatedAt,
    patients: snapshot.patients.count,
    studies: snapshot.studies.count,
    endpoints: plan.survival.endpoints.flatMap((endpoint) => {
      const curve = snapshot.survival.curves[endpoint.id];
      const [summary] = curve?.groups ?? [];
      if (!curve || !summary) return [];
      return [
        {
          id: endpoint.id,
          label: endpoint.label,
          unit: endpointUnit(endpoint, plan.variables),
          n: summary.n,
          events: summary.events,
          notReported: curve.notReported,
          median: summary.median,
          lower: summary.lower,
          upper: summary.upper,
        },
      ];
    }),
    changes,
    changedInPeriod,
  };
}

/** Everything the digest of (from, through] says, read from the stores. */
export async function gatherDigest(
  protocol: Protocol,
  period: { from: string | null; through: string },
  deps: Omit<SendDigestDeps, 'mailer' | 'from' | 'leaseMs'>,
): Promise<{ digest: Digest; candidates: DigestCandidateInput[] }> {
  const reviewId = protocol.id;
  const arrivals = deps.screening
    ? await deps.screening.listCitations(reviewId)
    : await deps.citations.listQueue(reviewId);
  const fresh = arrivals.filter((entry) => inPeriod(entry.queuedAt, period.from, period.through));
  const loaded = await mapLimited(fresh, 8, async (entry) => {
    const stored = await deps.citations.getCitation(reviewId, entry.citationId);
    return stored
      ? { citationId: entry.citationId, queuedAt: entry.queuedAt, citation: stored.citation }
      : null;
  });
  const found = loaded.filter((c): c is DigestCandidateInput => c !== null);
  const [runs, screening, notices, crossings, relations, registrations, statistics] = await Promise.all([
    deps.citations.listRunLogs(reviewId),
    screeningCounts(reviewId, deps),
    deps.digests.listNotices(reviewId),
    deps.digests.listCrossings(reviewId),
    deps.watch ? deps.watch.listRelations(reviewId) : Promise.resolve([]),
    deps.ongoing ? deps.ongoing.listRegistrations(reviewId) : Promise.resolve([]),
    digestStatistics(protocol, period, deps.evidence),
  ]);
  const candidates = await withRelations(reviewId, found, relations, deps);
  const digest = buildDigest({
    reviewId,
    reviewTitle: protocol.title,
    period,
    generatedAt: deps.clock().toISOString(),
    candidates,
    runs,
    screening,
    screeningUrl: screeningPageUrl(deps.screeningBaseUrl, reviewId),
    notices,
    crossings: crossings
      .filter((c) => inPeriod(c.recordedAt, period.from, period.through))
      .map((c) => ({
        triggerId: c.triggerId,
        description: c.description,
        version: c.version,
        detail: c.detail,
      })),
    registrations,
    onRetraction: protocol.onRetraction,
    statistics,
  });
  return { digest, candidates };
}

/** The candidates, each with the included studies the citation watch found it relates to (titles read once). */
async function withRelations(
  reviewId: string,
  candidates: DigestCandidateInput[],
  relations: readonly StoredRelation[],
  deps: Pick<SendDigestDeps, 'citations'>,
): Promise<DigestCandidateInput[]> {
  const wanted = new Set(candidates.map((c) => c.citationId));
  const mine = relations.filter((r) => wanted.has(r.citationId));
  if (mine.length === 0) return candidates;
  const titles = new Map<string, string>();
  for (const studyId of new Set(mine.map((r) => r.studyId))) {
    const study = await deps.citations.getCitation(reviewId, studyId);
    titles.set(studyId, study?.citation.title ?? studyId);
  }
  return candidates.map((candidate) => {
    const own = mine.filter((r) => r.citationId === candidate.citationId);
    return own.length === 0
      ? candidate
      : {
          ...candidate,
          relations: own.map((r) => ({ direction: r.direction, studyTitle: titles.get(r.studyId)! })),
        };
  });
}

/** The digest's Message-ID: one per review and period start, so every attempt at a period carries the same. */
export function digestMessageId(reviewId: string, from: string | null): string {
  const period = (from ?? 'beginning').replace(/[^A-Za-z0-9]/g, '');
  return `<digest.${reviewId}.${period}@living-review.invalid>`;
}

export async function sendDigest(
  request: SendDigestRequest,
  deps: SendDigestDeps,
): Promise<SendDigestOutcome> {
  const { protocol } = request;
  const reviewId = protocol.id;
  const marker = await deps.digests.getDigestMarker(reviewId);
  const from = marker?.through ?? null;
  const periodId = from ?? 'beginning';
  const now = deps.clock();
  const claim = await deps.digests.claimOnce(
    reviewId,
    'digest',
    periodId,
    { through: now.toISOString() },
    now,
    deps.leaseMs ?? DEFAULT_CLAIM_LEASE_MS,
  );
  if (claim.state === 'busy') {
    throw new DigestBusyError(
      `review "${reviewId}": another digest of the period after ${periodId} is being sent (claimed ${claim.claimedAt})`,
      { retryable: true },
    );
  }
  const through = String(claim.payload.through);
  const period = { from, through };
  if (claim.state === 'done') {
    const messageId = String(claim.result.messageId ?? '');
    // The earlier attempt sent it but may have died before moving the marker.
    await deps.digests.advanceDigestMarker(reviewId, from, {
      reviewId,
      through,
      messageId,
      sentAt: String(claim.result.sentAt ?? through),
    });
    return { status: 'already-sent', period, messageId };
  }
  try {
    const { digest, candidates } = await gatherDigest(protocol, period, deps);
    if (isDigestEmpty(digest) && !(request.sendWhenEmpty ?? protocol.digest.sendWhenEmpty)) {
      await deps.digests.releaseOnce(reviewId, 'digest', periodId, claim.attempt, 'nothing new');
      return { status: 'nothing-new', period };
    }
    const recipients = [...(deps.recipients?.length ? deps.recipients : protocol.digest.recipients)];
    const sent = await deps.mailer.send({
      from: deps.from,
      to: recipients,
      subject: digestSubject(digest),
      text: renderDigestText(digest),
      html: renderDigestHtml(digest),
      attachments:
        candidates.length > 0
          ? [
              {
                filename: `${reviewId}-candidates-${through.slice(0, 10)}.ris`,
                contentType: 'application/x-research-info-systems',
                content: toRis(
                  digest.candidates.map(
                    (c) => candidates.find((x) => x.citationId === c.citationId)!.citation,
                  ),
                ),
              },
            ]
          : [],
      messageId: digestMessageId(reviewId, from),
      date: deps.clock(),
      headers: { 'X-Living-Review': reviewId, 'X-Living-Review-Period': `${from ?? ''}/${through}` },
    });
    const sentAt = deps.clock().toISOString();
    await deps.digests.completeOnce(reviewId, 'digest', periodId, claim.attempt, {
      messageId: sent.messageId,
      deliveryId: sent.id,
      sentAt,
      candidates: digest.candidates.length,
    });
    const moved = await deps.digests.advanceDigestMarker(reviewId, from, {
      reviewId,
      through,
      messageId: sent.messageId,
      sentAt,
    });
    if (!moved) {
      throw new StoreError(
        `review "${reviewId}": the digest marker moved while the digest after ${periodId} was sent`,
      );
    }
    return {
      status: 'sent',
      period,
      messageId: sent.messageId,
      deliveryId: sent.id,
      candidates: digest.candidates.length,
      notices: digest.notices.length,
      recipients,
    };
  } catch (error) {
    // Nothing was sent (or the send failed): let the next attempt take the period at once. A claim already
    // marked done is left as it is (the release is conditional on the claim being in progress).
    await deps.digests
      .releaseOnce(reviewId, 'digest', periodId, claim.attempt, errorMessage(error))
      .catch(() => undefined);
    throw error;
  }
}
