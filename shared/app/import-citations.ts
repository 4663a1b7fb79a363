// Use case: store records that arrived as a file rather than from a scheduled search. The caller parses the
// whole file first, so a file with any bad record writes nothing; the records themselves go through the same
// idempotent recordCitation as a search, so importing a file twice adds nothing the second time.
import type { Citation } from '../domain/citation/citation.ts';
import type { CitationStore } from '../ports/citation-store.ts';
import { createFuzzyDedup, type FuzzyDedupPorts } from './fuzzy-dedup.ts';

export interface ImportSummary {
  read: number;
  new: number;
  alreadyKnown: number;
  duplicates: number;
}

export async function importCitations(
  request: { reviewId: string; citations: readonly Citation[] },
  deps: {
    store: CitationStore;
    clock: () => Date;
    onProgress?: (done: number) => void;
    /** Fuzzy deduplication against the stored citations (fuzzy-dedup.ts); exact keys only without it. */
    dedup?: FuzzyDedupPorts;
  },
): Promise<ImportSummary> {
  const summary: ImportSummary = { read: request.citations.length, new: 0, alreadyKnown: 0, duplicates: 0 };
  const fuzzy = deps.dedup ? createFuzzyDedup(deps.store, deps.dedup) : null;
  let done = 0;
  for (const citation of request.citations) {
    const outcome = fuzzy
      ? await fuzzy.record(request.reviewId, citation, deps.clock())
      : await deps.store.recordCitation(request.reviewId, citation, deps.clock());
    if (outcome.kind === 'new') summary.new++;
    else if (outcome.kind === 'already-known') summary.alreadyKnown++;
    else summary.duplicates++;
    deps.onProgress?.(++done);
  }
  return summary;
}
