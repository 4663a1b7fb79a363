// Use case: bring a review's statistics snapshot up to date with its included studies and patient rows.
//
// Primary course:
//   1. Read the "latest" pointer (version n; 0 = none) and snapshot n.
//   2. Read the included studies and the patient rows. Withdrawn studies (withdraw-study.ts) and their
//      patients are always left out (the snapshot lists them with their reasons); when the protocol's
//      onRetraction is "exclude-patients", retracted studies and their patients are left out too.
//   3. Compute snapshot n+1 (pure: computeStatisticsSnapshot). If it reports the same statistics as snapshot n
//      (snapshotsEqual), store nothing: { changed: false }.
//   4. Otherwise store it at version n+1 together with diffSnapshots(n, n+1), by a conditional put that only
//      succeeds while version n+1 is free, then move the pointer from n to n+1 (conditional on it being n).
//
// Concurrency: two recomputes racing for n+1 cannot both write it. The loser moves the pointer to the
// winner's version (in case the winner died between its two writes) and starts again from 1: it now compares
// against the winner's snapshot, finds nothing changed (or, if rows changed since, stores n+2). So the function
// is idempotent and safe to run concurrently, replayed, or after a crash at any point; the last run to finish
// always reflects rows that were read after every earlier version was committed.
//
// A review with no included study and no snapshot yet has nothing to report: nothing is stored.
import { pooledStudies } from './include-study.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import {
  computeStatisticsSnapshot,
  diffSnapshots,
  type SnapshotDiff,
  type StatisticsSnapshot,
  snapshotsEqual,
} from '../domain/stats/snapshot.ts';
import type { TablesDefinitionInput } from '../domain/stats/tables.ts';
import { StoreError } from '../errors.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';

export type RetractionPolicy = Protocol['onRetraction'];

export interface RecomputeRequest {
  reviewId: string;
  /** The protocol's onRetraction (its default, "exclude-patients", when not given). */
  onRetraction?: RetractionPolicy;
  /** The tables to build (the IESM Tables I-III by default). */
  tables?: TablesDefinitionInput;
}

export interface RecomputeDeps {
  evidence: EvidenceStore;
  clock: () => Date;
  /** Rounds tried when concurrent writers keep taking the next version (default 10). */
  maxAttempts?: number;
}

export type RecomputeOutcome =
  | {
      changed: false;
      /** The latest version (0: none stored). */
      version: number;
      snapshot: StatisticsSnapshot | null;
    }
  | { changed: true; version: number; snapshot: StatisticsSnapshot; diff: SnapshotDiff | null };

export async function recomputeStatistics(
  request: RecomputeRequest,
  deps: RecomputeDeps,
): Promise<RecomputeOutcome> {
  const { reviewId } = request;
  const attempts = deps.maxAttempts ?? 10;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const latest = await deps.evidence.latestSnapshotVersion(reviewId);
    const previous = latest === 0 ? null : await deps.evidence.getSnapshot(reviewId, latest);
    if (latest > 0 && !previous) {
      throw new StoreError(
        `review "${reviewId}": the latest snapshot is version ${latest}, which is missing`,
      );
    }
    const [studies, stored] = await Promise.all([
      deps.evidence.listIncludedStudies(reviewId),
      deps.evidence.listPatientRows(reviewId),
    ]);
    const pooled = pooledStudies(studies, request.onRetraction ?? 'exclude-patients');
    const withdrawn = studies.flatMap(({ citationId, withdrawn }) =>
      withdrawn ? [{ studyId: citationId, ...withdrawn }] : [],
    );
    if (!previous && pooled.length === 0 && stored.length === 0) {
      return { changed: false, version: 0, snapshot: null };
    }
    const pooledIds = new Set(pooled.map((study) => study.citationId));
    const next = computeStatisticsSnapshot({
      reviewId,
      version: latest + 1,
      rows: stored.map(({ row }) => row).filter((row) => pooledIds.has(row.studyId)),
      includedStudies: [...pooledIds],
      withdrawnStudies: withdrawn,
      generatedAt: deps.clock().toISOString(),
      ...(request.tables ? { tables: request.tables } : {}),
    });
    if (previous && snapshotsEqual(previous.snapshot, next)) {
      return { changed: false, version: latest, snapshot: previous.snapshot };
    }
    const diff = previous ? diffSnapshots(previous.snapshot, next) : null;
    if (await deps.evidence.putSnapshot(reviewId, next, diff)) {
      await deps.evidence.advanceLatestSnapshot(reviewId, latest, next.version);
      return { changed: true, version: next.version, snapshot: next, diff };
    }
    // Another recompute stored this version first: make sure the pointer reaches it, then look again.
    await deps.evidence.advanceLatestSnapshot(reviewId, latest, next.version);
  }
  throw new StoreError(`review "${reviewId}": could not store a snapshot, too many concurrent recomputes`, {
    retryable: true,
  });
}

/** The latest stored snapshot with its diff, or null when none is stored yet. */
export async function latestStatistics(
  reviewId: string,
  deps: { evidence: EvidenceStore },
): Promise<Awaited<ReturnType<EvidenceStore['getSnapshot']>>> {
  const version = await deps.evidence.latestSnapshotVersion(reviewId);
  if (version === 0) return null;
  const stored = await deps.evidence.getSnapshot(reviewId, version);
  if (!stored)
    throw new StoreError(`review "${reviewId}": the latest snapshot is version ${version}, which is missing`);
  return stored;
}
