// Use case: one monitor cycle for one review and one source.
//
// Primary course:
//   1. Work out the window (the watermark minus the overlap, or an explicit window) and log the run as running.
//   2. Stream the source's records; record each citation (dedup by key claims, queue new ones), saving the
//      run log's counts after every batch and every few seconds within one (a run killed here shows the
//      counts of its last save, and is shown abandoned). A citation
//      watch's records also carry the included studies they relate to (stored after the record), and its
//      'seeded' events mark newly included studies done once everything before them is stored. A trial
//      registry's registrations go to the ongoing studies, not to screening.
//   3. Only when every record of the window is committed, move the watermark and log the run as succeeded,
//      with the requests the run sent.
// On any failure the run is logged as failed with its error, the watermark stays where it was, and the error
// is rethrown. Every record committed before the failure is complete (recordCitation is idempotent), so the
// next run re-reads the window and finds those records already known: nothing lost, nothing doubled.
import type { Citation } from '../domain/citation/citation.ts';
import { requestsSince } from '../domain/monitor/request-counts.ts';
import type { RunOwnerRef } from '../domain/monitor/run-liveness.ts';
import { isoDay, scheduledWindow, watermarkAfter } from '../domain/monitor/search-window.ts';
import { sourceQuery } from '../domain/protocol/plan.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import type { StudyRelation } from '../domain/watch/study-relation.ts';
import { errorMessage, LivingReviewError } from '../errors.ts';
import type { FuzzyDedupPorts } from '../ports/blocking-index.ts';
import type { CitationStore, RecordOutcome, RunCounts, RunLog } from '../ports/citation-store.ts';
import type { LiteratureSource, SearchWindow } from '../ports/literature-source.ts';
import type { CitationWatchStore, OngoingStudyStore } from '../ports/watch-store.ts';
import { citationRecorder, PROGRESS_SAVE_MS, startRunLog } from './run-recording.ts';

export interface RunSearchDeps {
  store: CitationStore;
  source: LiteratureSource;
  clock: () => Date;
  newRunId: () => string;
  /** Called after every batch; the CLI draws progress with it. */
  onProgress?: (progress: { window: SearchWindow; counts: RunCounts }) => void;
  /** How many records are written at once. DynamoDB and dynalite both take parallel conditional writes. */
  writeConcurrency?: number;
  /**
   * Fuzzy deduplication against the review's stored citations (fuzzy-dedup.ts). Without it records are
   * deduplicated by exact keys only (store.recordCitation).
   */
  dedup?: FuzzyDedupPorts;
  /** The process running the search, named in its run log so a reader can tell when it is gone. */
  owner?: RunOwnerRef | null;
  /** Where a citation watch's relations and seed markers go (needed when the source sends them). */
  watch?: CitationWatchStore;
  /** Where a registry's registrations go (needed when the source sends them). */
  ongoing?: OngoingStudyStore;
  /** Called after each record is stored, with how it was stored (the preprints source keeps its links). */
  afterRecord?: (citation: Citation, outcome: RecordOutcome) => Promise<void>;
}

export interface RunSearchRequest {
  protocol: Protocol;
  /** An explicit window (`search --from --to`); default: the scheduled window from the watermark. */
  window?: SearchWindow;
  /** What the run log names as the query; default: the protocol's query for this source. */
  query?: string;
  /** A registry's run counts registrations (new, updated, unchanged) rather than records to screen. */
  registry?: boolean;
}

export class RunFailedError extends LivingReviewError {
  constructor(
    readonly run: RunLog,
    cause: unknown,
  ) {
    super(
      `run ${run.runId} of review "${run.reviewId}" (${run.source}, ${run.window.from} to ${run.window.to}) failed: ${errorMessage(cause)}`,
      { cause, retryable: cause instanceof LivingReviewError ? cause.retryable : true },
    );
  }
}

function emptyCounts(registry: boolean): RunCounts {
  return {
    found: 0,
    fetched: 0,
    new: 0,
    alreadyKnown: 0,
    duplicates: 0,
    queued: 0,
    deleted: 0,
    ...(registry ? { updated: 0 } : {}),
  };
}

function tally(counts: RunCounts, outcome: RecordOutcome): void {
  if (outcome.kind === 'new') {
    counts.new++;
    counts.queued++;
  } else if (outcome.kind === 'already-known') {
    counts.alreadyKnown++;
  } else {
    counts.duplicates++;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

export async function runSearch(request: RunSearchRequest, deps: RunSearchDeps): Promise<RunLog> {
  const { protocol } = request;
  const { store, source, clock } = deps;
  const started = clock();
  const today = isoDay(started);
  const watermark = await store.getWatermark(protocol.id, source.name);
  const window =
    request.window ??
    scheduledWindow({
      monitoringStart: protocol.monitoringStart,
      completedThrough: watermark?.completedThrough ?? null,
      overlapDays: protocol.schedule.overlapDays,
      today,
    });
  const query = request.query ?? sourceQuery(protocol, source.name as 'pubmed');
  const run: RunLog = {
    runId: deps.newRunId(),
    reviewId: protocol.id,
    source: source.name,
    query,
    window,
    startedAt: started.toISOString(),
    finishedAt: null,
    durationMs: null,
    outcome: 'running',
    counts: emptyCounts(request.registry ?? false),
    warnings: [],
    error: null,
  };
  const log = await startRunLog(store, run, clock, deps.owner ?? null);
  const finish = (outcome: 'succeeded' | 'failed', error: unknown) => log.finish(outcome, error);

  const recorder = citationRecorder(store, deps.dedup, protocol.id, clock);
  const record = async (citation: Citation, relations: readonly StudyRelation[]) => {
    const outcome = await recorder.record(citation);
    tally(run.counts, outcome);
    await deps.afterRecord?.(citation, outcome);
    // After the record, so a relation never names a citation that is not stored.
    for (const relation of relations) {
      await needed(deps.watch, 'a citation watch store').recordRelation({
        reviewId: protocol.id,
        citationId: outcome.citationId,
        studyId: relation.studyId,
        direction: relation.direction,
        source: source.name,
        foundAt: clock().toISOString(),
      });
    }
  };
  const requestsBefore = source.requestCounts?.();
  const countRequests = () => {
    if (requestsBefore) run.requests = requestsSince(requestsBefore, source.requestCounts?.() ?? {});
  };

  try {
    for await (const event of source.search(query, window)) {
      if (event.type === 'searched') {
        run.counts.found += event.count;
        for (const warning of event.warnings) {
          run.warnings.push(`${event.window.from}..${event.window.to}: ${warning}`);
        }
      } else if (event.type === 'batch') {
        run.counts.fetched += event.citations.length;
        run.counts.deleted += event.deletedIds.length;
        const items = event.citations.map((citation, i) => ({
          citation,
          relations: event.relations?.[i] ?? [],
        }));
        await forEachLimited(items, deps.writeConcurrency ?? 8, async (item) => {
          await record(item.citation, item.relations);
          log.progress(PROGRESS_SAVE_MS);
        });
        log.progress();
      } else if (event.type === 'registrations') {
        const ongoing = needed(deps.ongoing, 'an ongoing studies store');
        run.counts.fetched += event.registrations.length;
        for (const registration of event.registrations) {
          const outcome = await ongoing.recordRegistration(protocol.id, registration, clock());
          if (outcome === 'new') run.counts.new++;
          else if (outcome === 'updated') run.counts.updated = (run.counts.updated ?? 0) + 1;
          else run.counts.alreadyKnown++;
        }
      } else if (event.type === 'seeded') {
        // Every batch before this event is stored (the loop awaits each), so the seed is complete.
        await needed(deps.watch, 'a citation watch store').markSeeded(
          protocol.id,
          source.name,
          event.studyIds,
          clock().toISOString(),
        );
      } else {
        run.warnings.push(event.message);
      }
      deps.onProgress?.({ window, counts: run.counts });
    }
    if (recorder.possibleDuplicates > 0) {
      run.warnings.push(
        `${recorder.possibleDuplicates} possible duplicate pair(s) queued for a person to confirm or split`,
      );
    }
    const through = watermarkAfter({
      window,
      monitoringStart: protocol.monitoringStart,
      completedThrough: watermark?.completedThrough ?? null,
      today,
    });
    if (through) {
      await store.advanceWatermark({
        reviewId: protocol.id,
        source: source.name,
        completedThrough: through,
        runId: run.runId,
        updatedAt: clock().toISOString(),
      });
    }
  } catch (error) {
    countRequests();
    try {
      await finish('failed', error);
    } catch (logError) {
      // The store itself may be what failed; the run's own error is the one to report.
      run.warnings.push(`could not save the failed run log: ${errorMessage(logError)}`);
    }
    throw new RunFailedError(run, error);
  }
  countRequests();
  await finish('succeeded', null);
  return run;
}

function needed<T>(port: T | undefined, what: string): T {
  if (!port)
    throw new LivingReviewError(`this source reports what only ${what} can keep, and none was given`);
  return port;
}
