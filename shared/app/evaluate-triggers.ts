// Use case: evaluate the protocol's update triggers against the latest statistics version and tell the team
// when one is crossed.
//
// Primary course:
//   1. Read the latest version v (nothing to do before version 2, or without triggers).
//   2. For each trigger, its baseline is the version of its latest crossing before v; if it never fired, the
//      review's starting version: version 1, or, when the protocol states a triggerBaseline (the published
//      review's patients and studies), the first version that pools at least that much (before it, nothing is
//      evaluated: the published data are still being entered). Measure it on diffSnapshots(baseline, v)
//      (domain/triggers/evaluate.ts).
//   3. Record every crossing at v (a conditional put: a re-run records nothing new).
//   4. If any trigger is crossed at v, send one notification for v, once: a one-time claim (scope
//      "trigger-notice", id v<v>) is taken first and marked done after the send; a failed send releases it.
//
// Re-running at the same v is harmless: each trigger's baseline is still its crossing before v, so the same
// crossings are found, nothing new is recorded and the claim says the notification went out.
import { endpointUnit } from '../domain/protocol/analysis.ts';
import { analysisPlanOf } from '../domain/protocol/plan.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { diffSnapshots, type StatisticsSnapshot } from '../domain/stats/snapshot.ts';
import {
  evaluateTrigger,
  type TriggerContext,
  type TriggerEvaluation,
  triggerId,
} from '../domain/triggers/evaluate.ts';
import { renderTriggerNotification } from '../domain/triggers/notification.ts';
import { errorMessage, LivingReviewError, StoreError } from '../errors.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { OnceClaims } from '../ports/once-claims.ts';
import type { TriggerCrossing, TriggerCrossingLog } from '../ports/trigger-crossings.ts';
import { DEFAULT_CLAIM_LEASE_MS } from './send-digest.ts';

export interface EvaluateTriggersDeps {
  evidence: Pick<EvidenceStore, 'latestSnapshotVersion' | 'getSnapshot'>;
  digests: TriggerCrossingLog & OnceClaims;
  mailer: Mailer;
  clock: () => Date;
  from: string;
  recipients?: readonly string[];
  leaseMs?: number;
}

export interface EvaluateTriggersOutcome {
  version: number;
  evaluations: Array<TriggerEvaluation & { baselineVersion: number }>;
  /** Every crossing recorded at this version (by this call or an earlier one). */
  crossings: TriggerCrossing[];
  notification: 'sent' | 'already-sent' | 'none';
}

export class TriggerNoticeBusyError extends LivingReviewError {}

export async function evaluateTriggers(
  request: { protocol: Protocol; reportUrl?: string | null },
  deps: EvaluateTriggersDeps,
): Promise<EvaluateTriggersOutcome> {
  const { protocol } = request;
  const reviewId = protocol.id;
  const version = await deps.evidence.latestSnapshotVersion(reviewId);
  const none: EvaluateTriggersOutcome = { version, evaluations: [], crossings: [], notification: 'none' };
  if (version < 2 || protocol.updateTriggers.length === 0) return none;

  const snapshots = new Map<number, StatisticsSnapshot>();
  const snapshotAt = async (v: number) => {
    const known = snapshots.get(v);
    if (known) return known;
    const stored = await deps.evidence.getSnapshot(reviewId, v);
    if (!stored) throw new StoreError(`review "${reviewId}": statistics version ${v} is missing`);
    snapshots.set(v, stored.snapshot);
    return stored.snapshot;
  };
  const latest = await snapshotAt(version);
  const start = await startingVersion(protocol, version, snapshotAt);
  if (start === null || start >= version) return none;
  const recorded = await deps.digests.listCrossings(reviewId);
  const now = deps.clock().toISOString();
  const plan = analysisPlanOf(protocol);
  const context: TriggerContext = {
    endpoints: new Map(
      plan.survival.endpoints.map((e) => [e.id, { label: e.label, unit: endpointUnit(e, plan.variables) }]),
    ),
    models: new Map(plan.survival.models.map((m) => [m.id, m.label])),
  };

  const evaluations: EvaluateTriggersOutcome['evaluations'] = [];
  for (const trigger of protocol.updateTriggers) {
    const id = triggerId(trigger);
    const baselineVersion = Math.max(
      start,
      ...recorded.filter((c) => c.triggerId === id && c.version < version).map((c) => c.version),
    );
    const evaluation = evaluateTrigger(
      trigger,
      diffSnapshots(await snapshotAt(baselineVersion), latest),
      context,
    );
    evaluations.push({ ...evaluation, baselineVersion });
    if (evaluation.crossed) {
      await deps.digests.recordCrossing({
        reviewId,
        triggerId: id,
        trigger,
        version,
        baselineVersion,
        description: evaluation.description,
        detail: evaluation.detail,
        observed: evaluation.observed,
        recordedAt: now,
      });
    }
  }
  const crossings = (await deps.digests.listCrossings(reviewId)).filter((c) => c.version === version);
  if (crossings.length === 0) return { ...none, evaluations };

  const claimId = `v${version}`;
  const claim = await deps.digests.claimOnce(
    reviewId,
    'trigger-notice',
    claimId,
    { version },
    deps.clock(),
    deps.leaseMs ?? DEFAULT_CLAIM_LEASE_MS,
  );
  if (claim.state === 'done') return { version, evaluations, crossings, notification: 'already-sent' };
  if (claim.state === 'busy') {
    throw new TriggerNoticeBusyError(
      `review "${reviewId}": the trigger notice of version ${version} is being sent`,
      {
        retryable: true,
      },
    );
  }
  try {
    const message = renderTriggerNotification({
      reviewId,
      reviewTitle: protocol.title,
      version,
      crossings,
      reportUrl: request.reportUrl ?? null,
    });
    const sent = await deps.mailer.send({
      from: deps.from,
      to: [...(deps.recipients?.length ? deps.recipients : protocol.digest.recipients)],
      ...message,
      attachments: [],
      messageId: `<trigger.${reviewId}.v${version}@living-review.invalid>`,
      date: deps.clock(),
      headers: { 'X-Living-Review': reviewId },
    });
    await deps.digests.completeOnce(reviewId, 'trigger-notice', claimId, claim.attempt, {
      messageId: sent.messageId,
      deliveryId: sent.id,
    });
  } catch (error) {
    await deps.digests
      .releaseOnce(reviewId, 'trigger-notice', claimId, claim.attempt, errorMessage(error))
      .catch(() => undefined);
    throw error;
  }
  return { version, evaluations, crossings, notification: 'sent' };
}

/**
 * The version never-fired triggers are measured from: 1, or the first version (up to `latest`) pooling at least
 * the protocol's triggerBaseline; null while none does yet.
 */
async function startingVersion(
  protocol: Protocol,
  latest: number,
  snapshotAt: (version: number) => Promise<StatisticsSnapshot>,
): Promise<number | null> {
  const baseline = protocol.triggerBaseline;
  if (!baseline) return 1;
  for (let v = 1; v <= latest; v++) {
    const snapshot = await snapshotAt(v);
    if (snapshot.patients.count >= baseline.patients && snapshot.studies.count >= baseline.studies) return v;
  }
  return null;
}
