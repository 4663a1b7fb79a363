// What every run that stores citations does the same way, whether it searched a source (run-search.ts) or read
// a database export (import-export-file.ts): record each citation (fuzzily when the dedup ports are given,
// else by exact keys) and close its run log when it ends.
import type { Citation } from '../domain/citation/citation.ts';
import { errorMessage } from '../errors.ts';
import type { CitationStore, RecordOutcome, RunLog } from '../ports/citation-store.ts';
import { createFuzzyDedup, type FuzzyDedupPorts } from './fuzzy-dedup.ts';

export interface CitationRecorder {
  record(citation: Citation): Promise<RecordOutcome>;
  /** Records a batch (fuzzily: with its reads and writes batched), outcomes in the batch's order. */
  recordBatch(citations: readonly Citation[]): Promise<RecordOutcome[]>;
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
    async recordBatch(citations) {
      if (!fuzzy) {
        const outcomes: RecordOutcome[] = [];
        for (const citation of citations)
          outcomes.push(await store.recordCitation(reviewId, citation, clock()));
        return outcomes;
      }
      const outcomes = await fuzzy.recordBatch(reviewId, citations, clock());
      for (const outcome of outcomes) possibleDuplicates += outcome.possibleDuplicates.length;
      return outcomes;
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
