// Use case: store records that arrived as a file rather than from a scheduled search. The caller reads the
// whole file once first, so a file with any bad record writes nothing; the records (an array, or the file read
// again as a stream, taken in batches) then go through the same idempotent recording as a search, so importing
// a file twice adds nothing the second time.
import type { Citation } from '../domain/citation/citation.ts';
import type { CitationStore } from '../ports/citation-store.ts';
import type { FuzzyDedupPorts } from './fuzzy-dedup.ts';
import { citationRecorder } from './run-recording.ts';

export interface ImportSummary {
  read: number;
  new: number;
  alreadyKnown: number;
  duplicates: number;
}

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
