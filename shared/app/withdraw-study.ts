// Use case: withdraw a study's inclusion (included by mistake, found ineligible when its full text was checked
// again, a duplicate publication of patients already pooled), keeping who did it, when and why.
//
// The study stays recorded and its patient rows stay stored (the evidence remains auditable); from then on the
// statistics leave the study and its patients out, whatever the protocol's onRetraction says
// (recompute-statistics.ts), the snapshot's diff names it, and the PRISMA flow counts it as excluded with its
// reason (shared/domain/report/prisma.ts). A withdrawal is final: `include` on a withdrawn study fails
// (include-study.ts).
//
// Primary course:
//   1. Check the reason: required, trimmed. A protocol exclusion reason, given by its id or its label (any
//      case), is stored as its id, so PRISMA groups it with the screening exclusions; anything else is kept as
//      free text.
//   2. Set the STUDY# item's `withdrawn` by a conditional update that only succeeds while it is not set: a
//      repeat, or two operators at once, leaves the first withdrawal and answers `changed: false`.
//   3. Where the caller runs without streams (the CLI), recompute the statistics (also after `changed: false`,
//      so a retry after a failed recompute brings them up to date); on AWS the table's stream does it.
import { LivingReviewError } from '../errors.ts';
import type { EvidenceStore, IncludedStudy } from '../ports/evidence-store.ts';

/** The study is not included in the review (never included, or an unknown citation id). */
export class StudyNotIncludedError extends LivingReviewError {}

/** A withdrawal without a reason. */
export class WithdrawalReasonError extends LivingReviewError {}

export interface WithdrawStudyRequest {
  reviewId: string;
  citationId: string;
  /** The reviewer or operator withdrawing the inclusion. */
  withdrawnBy: string;
  /** Why: a protocol exclusion reason (id or label) or free text. */
  reason: string;
  /** The protocol's exclusion reasons, to store a matching reason as its id. */
  exclusionReasons?: readonly { id: string; label: string }[];
}

export interface WithdrawStudyDeps {
  evidence: EvidenceStore;
  clock: () => Date;
  /** Runs after the withdrawal where no stream does it (the CLI passes recomputeStatistics). */
  afterWithdrawal?: (reviewId: string) => Promise<unknown>;
}

export interface WithdrawStudyOutcome {
  /** False when the study was already withdrawn: nothing was written, `study.withdrawn` is the first one. */
  changed: boolean;
  study: IncludedStudy & { withdrawn: NonNullable<IncludedStudy['withdrawn']> };
}

/** The reason as stored: a protocol reason's id when it names one, otherwise the trimmed text. */
export function withdrawalReason(
  reason: string,
  exclusionReasons: readonly { id: string; label: string }[] = [],
): string {
  const text = reason.trim().replace(/\s+/g, ' ');
  if (text.length === 0) throw new WithdrawalReasonError('a withdrawal needs a reason (--reason TEXT)');
  const lower = text.toLowerCase();
  const known = exclusionReasons.find((r) => r.id === text || r.label.toLowerCase() === lower);
  return known ? known.id : text;
}

export async function withdrawStudy(
  request: WithdrawStudyRequest,
  deps: WithdrawStudyDeps,
): Promise<WithdrawStudyOutcome> {
  const { reviewId, citationId } = request;
  const reason = withdrawalReason(request.reason, request.exclusionReasons);
  const withdrawnBy = request.withdrawnBy.trim();
  if (withdrawnBy.length === 0) throw new WithdrawalReasonError('a withdrawal needs who withdrew it');
  const outcome = await deps.evidence.withdrawStudy(reviewId, citationId, {
    at: deps.clock().toISOString(),
    by: withdrawnBy,
    reason,
  });
  if (!outcome) {
    throw new StudyNotIncludedError(
      `${citationId} is not an included study of review "${reviewId}": there is no inclusion to withdraw`,
    );
  }
  const { study } = outcome;
  if (!study.withdrawn) {
    throw new LivingReviewError(
      `review "${reviewId}": ${citationId} was withdrawn but reads back without it`,
      {
        retryable: true,
      },
    );
  }
  if (deps.afterWithdrawal) await deps.afterWithdrawal(reviewId);
  return { changed: outcome.changed, study: { ...study, withdrawn: study.withdrawn } };
}
