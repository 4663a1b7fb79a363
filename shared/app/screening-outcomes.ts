// What a screening outcome does to the review's evidence, for the composition roots (the local server and CLI,
// the screening Lambda) to pass as ScreeningDeps.onIncluded / onExcluded:
// - a record that becomes included becomes an included study (includeStudy: source "screening", or "manual"
//   for a direct inclusion, which is the operator's own);
// - a record that becomes excluded after its study had been included (an arbiter changed a settled inclusion,
//   or settled against a direct one) has that inclusion withdrawn, with the exclusion's reason and the arbiter.
// Both are idempotent, as ScreeningDeps requires: a repeat finds the study included, or already withdrawn.
import type { Citation } from '../domain/citation/citation.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import { includeStudy, StudyWithdrawnError } from './include-study.ts';
import type { ScreeningDeps } from './screening.ts';
import { withdrawStudy } from './withdraw-study.ts';

export interface OutcomeHookDeps {
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  evidence: EvidenceStore;
  clock: () => Date;
  /** Where no stream recomputes the statistics (locally): run after an inclusion or withdrawal. */
  afterChange?: (reviewId: string) => Promise<unknown>;
}

export function screeningOutcomeHooks(
  deps: OutcomeHookDeps,
): Pick<ScreeningDeps, 'onIncluded' | 'onExcluded'> {
  return {
    onIncluded: async ({ reviewId, citationId, includedBy, direct }) => {
      try {
        await includeStudy(
          { reviewId, citationId, includedBy, source: direct ? 'manual' : 'screening' },
          {
            citations: deps.citations,
            evidence: deps.evidence,
            clock: deps.clock,
            ...(deps.afterChange ? { afterInclusion: deps.afterChange } : {}),
          },
        );
      } catch (error) {
        // A withdrawn study stays withdrawn (the `include` command refuses it before recording anything).
        if (!(error instanceof StudyWithdrawnError)) throw error;
      }
    },
    onExcluded: async ({ reviewId, citationId, excludedBy, reasonIds }) => {
      const study = await deps.evidence.getIncludedStudy(reviewId, citationId);
      if (!study || study.withdrawn) return;
      await withdrawStudy(
        {
          reviewId,
          citationId,
          withdrawnBy: excludedBy,
          reason: reasonIds[0] ?? 'excluded in screening',
        },
        {
          evidence: deps.evidence,
          clock: deps.clock,
          ...(deps.afterChange ? { afterWithdrawal: deps.afterChange } : {}),
        },
      );
    },
  };
}
