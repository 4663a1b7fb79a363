// Use case: record that a study is included in the review, so its patients can be extracted and pooled.
//
// Called by the screening workflow when a record's full-text stage settles on "included", and by
// `living-review include` for a team that screens elsewhere. Idempotent: the inclusion is a conditional put,
// so a retry, a replayed settlement or a second operator recording the same study changes nothing and answers
// `created: false` with the inclusion as first recorded.
//
// A withdrawn inclusion (withdraw-study.ts) is final: including the study again by hand (source "manual") fails
// with StudyWithdrawnError saying when, by whom and why it was withdrawn; a replayed screening settlement
// (source "screening") answers `created: false` with the withdrawn study, so screening never stalls on it.
//
// Primary course:
//   1. Read the citation (it must be stored in the review: patient rows name it as their study).
//   2. Put the STUDY# item if absent, with the citation's title, PMID, DOI and year, and its retraction flag.
//   3. Where the caller runs without streams (the CLI, the local server), recompute the
//      statistics; on AWS the table's stream does that (functions/recompute-stats).
import type { Citation } from '../domain/citation/citation.ts';
import { LivingReviewError } from '../errors.ts';
import type { EvidenceStore, IncludedStudy, InclusionSource } from '../ports/evidence-store.ts';

/** The citation is not stored in the review. */
export class CitationNotFoundError extends LivingReviewError {}

/** The study's inclusion was withdrawn: it is not included again. */
export class StudyWithdrawnError extends LivingReviewError {}

export interface IncludeStudyRequest {
  reviewId: string;
  citationId: string;
  /** Who settled or recorded the inclusion (a reviewer id, or the operator's name). */
  includedBy: string;
  source: InclusionSource;
}

export interface IncludeStudyDeps {
  /** Only the record is needed (CitationStore and DynamoScreeningStore both fit). */
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  evidence: EvidenceStore;
  clock: () => Date;
  /** Runs after a new inclusion where no stream does it (the local composition roots pass recomputeStatistics). */
  afterInclusion?: (reviewId: string) => Promise<unknown>;
}

export interface IncludeStudyOutcome {
  /** False when the study was already included: nothing was written. */
  created: boolean;
  study: IncludedStudy;
}

export async function includeStudy(
  request: IncludeStudyRequest,
  deps: IncludeStudyDeps,
): Promise<IncludeStudyOutcome> {
  const { reviewId, citationId } = request;
  const known = await deps.evidence.getIncludedStudy(reviewId, citationId);
  if (known) {
    if (known.withdrawn && request.source === 'manual') {
      const { at, by, reason } = known.withdrawn;
      throw new StudyWithdrawnError(
        `${citationId} was withdrawn from review "${reviewId}" on ${at} by ${by} (reason: ${reason}); a withdrawn inclusion is not included again`,
      );
    }
    if (deps.afterInclusion) await deps.afterInclusion(reviewId);
    return { created: false, study: known };
  }
  const stored = await deps.citations.getCitation(reviewId, citationId);
  if (!stored) {
    throw new CitationNotFoundError(
      `no citation ${citationId} in review "${reviewId}": import or search it before including it`,
    );
  }
  const { citation } = stored;
  const includedAt = deps.clock().toISOString();
  const outcome = await deps.evidence.includeStudy({
    reviewId,
    citationId,
    includedAt,
    includedBy: request.includedBy,
    source: request.source,
    title: citation.title,
    pmid: citation.pmid,
    doi: citation.doi,
    year: citation.year,
    // A record already known to be retracted is included as such (the protocol decides about its patients).
    retracted: citation.isRetracted,
    retractedAt: citation.isRetracted ? includedAt : null,
    withdrawn: null,
  });
  // Also after `created: false`: a retry after a failed recompute must still bring the statistics up to date.
  if (deps.afterInclusion) await deps.afterInclusion(reviewId);
  return outcome;
}

/**
 * The included studies the statistics pool: not withdrawn, and not retracted when the protocol leaves retracted
 * studies' patients out. `status` counts its included studies the same way, so the two always agree.
 */
export function pooledStudies<T extends Pick<IncludedStudy, 'withdrawn' | 'retracted'>>(
  studies: readonly T[],
  onRetraction: 'exclude-patients' | 'flag-only',
): T[] {
  return studies.filter(
    (study) => !study.withdrawn && !(onRetraction === 'exclude-patients' && study.retracted),
  );
}
