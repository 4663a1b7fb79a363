// Use case: bring a review's statistics snapshot up to date with its included studies and patient rows.
//
// Primary course:
//   1. Read the "latest" pointer (version n; 0 = none) and snapshot n.
//   2. Read the included studies and the patient rows. Withdrawn studies (withdraw-study.ts) and their
//      patients are always left out (the snapshot lists them with their reasons); when the protocol's
//      onRetraction is "exclude-patients", retracted studies and their patients are left out too. A stored row
//      that lacks a variable the protocol now requires stops the recompute with an error naming it (re-import
//      the rows); an optional variable it lacks is "not reported".
//      When the protocol declares extraction verification, the rows are those it pools (verified ones, or
//      all with the unverified and disputed counted: shared/domain/verification/statistics.ts).
//   3. Compute snapshot n+1 (pure: computeStatisticsSnapshot, with the protocol's variables, tables and
//      survival section). If it reports the same statistics as snapshot n
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
import { completeRows } from '../domain/extraction/patient-row.ts';
import { analysisPlanOf } from '../domain/protocol/plan.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import {
  computeStatisticsSnapshot,
  diffSnapshots,
  type SnapshotDiff,
  type StatisticsSnapshot,
  snapshotsEqual,
} from '../domain/stats/snapshot.ts';
import { selectVerifiedRows } from '../domain/verification/statistics.ts';
import { InputError, StoreError } from '../errors.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import { pooledStudies } from './include-study.ts';
import { verificationStates } from './verify-extraction.ts';

export type RetractionPolicy = Protocol['onRetraction'];

export interface RecomputeRequest {
  /** The review's protocol: its variables, tables, survival section and onRetraction. */
  protocol: Protocol;
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
  const { protocol } = request;
  const reviewId = protocol.id;
  const plan = analysisPlanOf(protocol);
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
    const pooled = pooledStudies(studies, protocol.onRetraction);
    const withdrawn = studies.flatMap(({ citationId, withdrawn }) =>
      withdrawn ? [{ studyId: citationId, ...withdrawn }] : [],
    );
    if (!previous && pooled.length === 0 && stored.length === 0) {
      return { changed: false, version: 0, snapshot: null };
    }
    const pooledIds = new Set(pooled.map((study) => study.citationId));
    const copies = new Map<string, string[]>();
    for (const { row } of stored)
      copies.set(row.patientId, [...(copies.get(row.patientId) ?? []), row.studyId]);
    const doubled = [...copies].filter(([, studies]) => studies.length > 1);
    if (doubled.length > 0) {
      const [patientId, studies] = doubled[0]!;
      throw new InputError(
        `review "${reviewId}": ${doubled.length} patient${doubled.length === 1 ? ' is' : 's are'} stored under two studies (e.g. ${patientId} under ${studies.join(' and ')}): an import that moved ${doubled.length === 1 ? 'it' : 'them'} to another study was interrupted; run that import again (living-review extract import) to finish it`,
      );
    }
    const pooledRows = stored.map(({ row }) => row).filter((row) => pooledIds.has(row.studyId));
    const verified = protocol.verification
      ? selectVerifiedRows(
          pooledRows,
          await verificationStates(deps.evidence.verification, reviewId, protocol.verification.verifiers),
          protocol.verification,
        )
      : null;
    const rows = completeRows(verified ? verified.rows : pooledRows, plan.variables);
    if ('missing' in rows) {
      throw new InputError(
        `review "${reviewId}": ${rows.missing.length} stored patient row${rows.missing.length === 1 ? '' : 's'} lack a variable the protocol requires (${rows.missing.slice(0, 5).join('; ')}${rows.missing.length > 5 ? '; ...' : ''}); re-import those studies' rows with living-review extract import`,
      );
    }
    const next = computeStatisticsSnapshot({
      plan,
      version: latest + 1,
      rows: rows.rows,
      includedStudies: [...pooledIds],
      withdrawnStudies: withdrawn,
      generatedAt: deps.clock().toISOString(),
      ...(verified ? { verification: verified.counts } : {}),
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
