// What every run that stores citations does the same way, whether it searched a source (run-search.ts), read
// a database export (import-export-file.ts) or a PubMed XML file (importCitations below): record each citation
// (fuzzily when the dedup ports are given, else by exact keys), and keep its run log: saved when it starts
// (naming its owner process), as it makes progress and on a heartbeat, and closed when it ends.
import type { Citation } from '../domain/citation/citation.ts';
import { RUN_HEARTBEAT_MS, type RunOwnerRef } from '../domain/monitor/run-liveness.ts';
import { errorMessage } from '../errors.ts';
import type { FuzzyDedupPorts } from '../ports/blocking-index.ts';
import type { CitationStore, RecordOutcome, RunLog } from '../ports/citation-store.ts';
import { createFuzzyDedup } from './fuzzy-dedup.ts';

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

/** While records are being recorded, the run log's counts are saved at most this often (one PutItem). */
export const PROGRESS_SAVE_MS = 2000;

export interface RunLogKeeper {
  /**
   * Saves the log as it stands (counts so far), unless it was saved less than `minIntervalMs` ago. A run
   * killed after this save shows these counts.
   */
  progress(minIntervalMs?: number): void;
  /** Stops the heartbeat, lets saves in flight land, then sets the outcome, end and error and saves the log. */
  finish(outcome: 'succeeded' | 'failed', error: unknown): Promise<void>;
}

/**
 * Saves the run's log as running (with its owner) and keeps it alive: `progress()` as the run goes, and a
 * heartbeat every RUN_HEARTBEAT_MS, so a reader can tell a run that is slow from one whose process is gone
 * (domain/monitor/run-liveness.ts). Saves are made one after another from copies, so a late heartbeat can
 * never overwrite the final log.
 */
export async function startRunLog(
  store: CitationStore,
  run: RunLog,
  clock: () => Date,
  owner: RunOwnerRef | null,
): Promise<RunLogKeeper> {
  const started = new Date(run.startedAt);
  run.owner = owner;
  run.heartbeatAt = null;
  await store.saveRunLog(structuredClone(run));
  let lastSave = clock().getTime();
  let saves: Promise<void> = Promise.resolve();
  const save = () => {
    const now = clock();
    lastSave = now.getTime();
    run.heartbeatAt = now.toISOString();
    const copy = structuredClone(run);
    // A progress save that fails is not the run's failure: its record writes would fail too if the store is
    // gone, and the final save reports that.
    saves = saves.then(() => store.saveRunLog(copy)).catch(() => {});
  };
  const heartbeat = setInterval(save, RUN_HEARTBEAT_MS);
  heartbeat.unref();
  return {
    progress(minIntervalMs = 0) {
      if (clock().getTime() - lastSave >= minIntervalMs) save();
    },
    async finish(outcome, error) {
      clearInterval(heartbeat);
      await saves;
      const finished = clock();
      run.outcome = outcome;
      run.finishedAt = finished.toISOString();
      run.durationMs = finished.getTime() - started.getTime();
      run.error = error === null ? null : errorMessage(error);
      await store.saveRunLog(structuredClone(run));
    },
  };
}

export interface ImportSummary {
  read: number;
  new: number;
  alreadyKnown: number;
  duplicates: number;
}

/**
 * Stores records that arrived as a file rather than from a scheduled search, with no run log (`import` of a
 * PubMed XML file). The caller reads the whole file once first, so a file with any bad record writes nothing;
 * the records (an array, or the file read again as a stream) then go through the same idempotent recording as
 * a search, a batch at a time, so importing a file twice adds nothing.
 */
export async function importCitations(
  request: { reviewId: string; citations: readonly Citation[] | AsyncIterable<Citation> },
  deps: {
    store: CitationStore;
    clock: () => Date;
    onProgress?: (done: number) => void;
    /** Fuzzy deduplication against the stored citations (fuzzy-dedup.ts); exact keys only without it. */
    dedup?: FuzzyDedupPorts;
    /** Records recorded as one batch (default 100). */
    batchSize?: number;
  },
): Promise<ImportSummary> {
  const summary: ImportSummary = { read: 0, new: 0, alreadyKnown: 0, duplicates: 0 };
  const recorder = citationRecorder(deps.store, deps.dedup, request.reviewId, deps.clock);
  const batchSize = Math.max(1, deps.batchSize ?? 100);
  const recordBatch = async (batch: Citation[]) => {
    for (const outcome of await recorder.recordBatch(batch)) {
      if (outcome.kind === 'new') summary.new++;
      else if (outcome.kind === 'already-known') summary.alreadyKnown++;
      else summary.duplicates++;
    }
    summary.read += batch.length;
    deps.onProgress?.(summary.read);
  };
  for await (const batch of batchesOf(request.citations, batchSize)) await recordBatch(batch);
  return summary;
}

/** The items in arrays of `size` (the last may be shorter), read as they come. */
export async function* batchesOf<T>(
  items: Iterable<T> | AsyncIterable<T>,
  size: number,
): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
