// Use case: a review's status as a small JSON file beside its living report (status.json): when it was last
// searched and with what result, when the next search is due, how many records wait for screening, and which
// report version is current. Written whenever the report is brought up to date (locally by `living-review
// report`, in AWS by the report function after each weekly search and each new statistics version), so a
// public report site (infra: publicReport) can show at a glance that the review is alive.

import type { RunOutcome } from '../domain/monitor/run-liveness.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { nextOccurrence, parseCron } from '../domain/protocol/schedule.ts';
import type { CitationStore } from '../ports/citation-store.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { ReportFile, ReportPublisher } from '../ports/report-publisher.ts';

/** How many recent run logs are read to find each source's latest run. */
const RECENT_RUNS = 50;

export interface SourceSearchStatus {
  source: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  window: { from: string; to: string };
  found: number;
  new: number;
}

export interface ReviewStatus {
  reviewId: string;
  title: string;
  generatedAt: string;
  /** The latest run of each of the protocol's sources (absent: never searched). */
  lastSearch: SourceSearchStatus[];
  /** The protocol schedule's next time (UTC), or null when its cron never fires again. */
  nextSearchDue: string | null;
  /** Records awaiting screening (the queue). */
  recordsWaiting: number;
  /** The statistics version the report shows, and where its files are (relative to status.json). */
  report: { version: number | null; latest: string; thisVersion: string | null };
}

export interface ReviewStatusDeps {
  citations: Pick<CitationStore, 'listRunLogs' | 'listQueue'>;
  evidence: Pick<EvidenceStore, 'latestSnapshotVersion'>;
  clock: () => Date;
}

export async function reviewStatus(protocol: Protocol, deps: ReviewStatusDeps): Promise<ReviewStatus> {
  const now = deps.clock();
  const [runs, queue, version] = await Promise.all([
    deps.citations.listRunLogs(protocol.id, { limit: RECENT_RUNS }),
    deps.citations.listQueue(protocol.id),
    deps.evidence.latestSnapshotVersion(protocol.id),
  ]);
  const lastSearch = protocol.sources.flatMap(({ name }) => {
    const run = runs.find((r) => r.source === name);
    return run
      ? [
          {
            source: name,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            outcome: run.outcome,
            window: run.window,
            found: run.counts.found,
            new: run.counts.new,
          },
        ]
      : [];
  });
  return {
    reviewId: protocol.id,
    title: protocol.title,
    generatedAt: now.toISOString(),
    lastSearch,
    nextSearchDue: nextOccurrence(parseCron(protocol.schedule.cron), now)?.toISOString() ?? null,
    recordsWaiting: queue.length,
    report: {
      version: version === 0 ? null : version,
      latest: 'index.html',
      thisVersion: version === 0 ? null : `v${version}/index.html`,
    },
  };
}

export function reviewStatusFile(status: ReviewStatus): ReportFile {
  return {
    path: 'status.json',
    contentType: 'application/json; charset=utf-8',
    body: `${JSON.stringify(status, null, 2)}\n`,
  };
}

/** Computes the status and publishes it as status.json in the review's report folder. */
export async function publishReviewStatus(
  protocol: Protocol,
  deps: ReviewStatusDeps & { publisher: ReportPublisher },
): Promise<ReviewStatus> {
  const status = await reviewStatus(protocol, deps);
  await deps.publisher.publish(protocol.id, [reviewStatusFile(status)]);
  return status;
}
