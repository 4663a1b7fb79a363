// Use case: one monitor cycle over every review that is due (the `run` command; in AWS each review has its own
// schedule and the search function runs one review at a time through runSearch).
import { nextOccurrence, parseCron, previousOccurrence } from '../domain/protocol/schedule.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { errorMessage } from '../errors.ts';
import type { CitationStore, RunLog } from '../ports/citation-store.ts';
import type { LiteratureSource } from '../ports/literature-source.ts';
import { type RunSearchDeps, runSearch } from './run-search.ts';

export type ReviewRunResult =
  | { reviewId: string; source: string; status: 'succeeded'; run: RunLog }
  | { reviewId: string; source: string; status: 'failed'; error: string; run: RunLog | null }
  | { reviewId: string; source: string; status: 'not-due'; lastRunAt: string; nextDueAt: string | null }
  | { reviewId: string; source: string; status: 'skipped'; reason: string };

/**
 * A review is due for a source when no successful run has started since the latest scheduled time. A review
 * that has never run is due at once, so a fresh install catches up from the protocol's monitoring start.
 */
export async function lastSuccessfulRun(
  store: CitationStore,
  reviewId: string,
  source: string,
): Promise<RunLog | null> {
  const runs = await store.listRunLogs(reviewId, { limit: 50 });
  return runs.find((run) => run.source === source && run.outcome === 'succeeded') ?? null;
}

export async function runMonitor(
  request: { protocols: Protocol[]; force?: boolean },
  deps: Omit<RunSearchDeps, 'source'> & { sources: Record<string, LiteratureSource> },
): Promise<ReviewRunResult[]> {
  const results: ReviewRunResult[] = [];
  const now = deps.clock();
  for (const protocol of request.protocols) {
    for (const { name } of protocol.sources) {
      const source = deps.sources[name];
      if (!source) {
        results.push({
          reviewId: protocol.id,
          source: name,
          status: 'skipped',
          reason: `no "${name}" source configured`,
        });
        continue;
      }
      if (!request.force) {
        const last = await lastSuccessfulRun(deps.store, protocol.id, name);
        const schedule = parseCron(protocol.schedule.cron);
        const scheduled = previousOccurrence(schedule, now);
        if (last && scheduled && new Date(last.startedAt) >= scheduled) {
          results.push({
            reviewId: protocol.id,
            source: name,
            status: 'not-due',
            lastRunAt: last.startedAt,
            nextDueAt: nextOccurrence(schedule, now)?.toISOString() ?? null,
          });
          continue;
        }
      }
      try {
        const run = await runSearch({ protocol }, { ...deps, source });
        results.push({ reviewId: protocol.id, source: name, status: 'succeeded', run });
      } catch (error) {
        // One review's failure must not stop the others; the caller reports every failure.
        const run = (error as { run?: RunLog }).run ?? null;
        results.push({
          reviewId: protocol.id,
          source: name,
          status: 'failed',
          error: errorMessage(error),
          run,
        });
      }
    }
  }
  return results;
}
