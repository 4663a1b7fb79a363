// What every run that stores citations does the same way, whether it searched a source (run-search.ts), read
// a database export (import-export-file.ts) or a PubMed XML file (importCitations below): record each citation
// (fuzzily when the dedup ports are given, else by exact keys) and close its run log when it ends.
import type { Citation } from '../domain/citation/citation.ts';
import { errorMessage } from '../errors.ts';
import type { CitationStore, RecordOutcome, RunLog } from '../ports/citation-store.ts';
import { createFuzzyDedup, type FuzzyDedupPorts } from './fuzzy-dedup.ts';

export interface CitationRecorder {
  record(citation: Citation): Promise<RecordOutcome>;
  /** Possible-duplicate pairs queued so far by this run's records. */
  readonly possibleDuplicates: number;
}

export function citationRecorder(
  store: CitationStore,
  dedup: FuzzyDedupPorts | undefined,
  reviewId: string,
  clock: () => Date,
): CitationRecorder {
  const fuzzy = dedup ? createFuzzyDedup(store, dedup) : null;
  let possibleDuplicates = 0;
  return {
    async record(citation) {
      if (!fuzzy) return store.recordCitation(reviewId, citation, clock());
      const outcome = await fuzzy.record(reviewId, citation, clock());
      possibleDuplicates += outcome.possibleDuplicates.length;
      return outcome;
    },
    get possibleDuplicates() {
      return possibleDuplicates;
    },
  };
}

/** Sets the run's outcome, end, duration and error, and saves its log. */
export async function finishRunLog(
  store: CitationStore,
  run: RunLog,
  started: Date,
  finished: Date,
  outcome: 'succeeded' | 'failed',
  error: unknown,
): Promise<void> {
  run.outcome = outcome;
  run.finishedAt = finished.toISOString();
  run.durationMs = finished.getTime() - started.getTime();
  run.error = error === null ? null : errorMessage(error);
  await store.saveRunLog(run);
}

export interface ImportSummary {
  read: number;
  new: number;
  alreadyKnown: number;
  duplicates: number;
}

/**
 * Stores records that arrived as a file rather than from a scheduled search, with no run log (`import` of a
 * PubMed XML file). The caller parses the whole file first, so a file with any bad record writes nothing; the
 * records go through the same idempotent recording as a search, so importing a file twice adds nothing.
 */
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
  const recorder = citationRecorder(deps.store, deps.dedup, request.reviewId, deps.clock);
  let done = 0;
  for (const citation of request.citations) {
    const outcome = await recorder.record(citation);
    if (outcome.kind === 'new') summary.new++;
    else if (outcome.kind === 'already-known') summary.alreadyKnown++;
    else summary.duplicates++;
    deps.onProgress?.(++done);
  }
  return summary;
}
