// withdrawStudy against the embedded store: the statistics are recomputed without the withdrawn study's
// patients (whatever onRetraction says), a repeat changes nothing, an unknown citation is an error, and
// concurrent withdrawals and inclusions never double an item or a snapshot version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { includeStudy, StudyWithdrawnError } from '../../../shared/app/include-study.ts';
import { latestStatistics, recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { StudyNotIncludedError, withdrawStudy } from '../../../shared/app/withdraw-study.ts';
import { iesmProtocolAs } from '../../support/protocols.ts';
import { makeStoreCitation } from '../../support/store-fixtures.ts';
import {
  cohortInStudies,
  type EvidenceHarness,
  includeStudies,
  openEvidenceHarness,
  pmids,
} from './support.ts';

const reviewId = 'withdraw';
let h: EvidenceHarness;
let studies: string[];

// flag-only: retractions would keep their patients, withdrawals never do.
const recompute = () =>
  recomputeStatistics(
    { protocol: iesmProtocolAs(reviewId, { onRetraction: 'flag-only' }) },
    { evidence: h.evidence, clock: h.clock },
  );

beforeAll(async () => {
  h = await openEvidenceHarness('withdraw');
  studies = await includeStudies(h, reviewId, pmids(3, 38_000_001));
  const now = h.clock().toISOString();
  await h.evidence.putPatientRows(
    reviewId,
    cohortInStudies(studies).map((row) => ({ row, origin: 'cohort.csv', importedAt: now })),
  );
  await recompute();
});

afterAll(async () => {
  await h?.close();
});

function withdraw(citationId: string, reason = 'duplicate publication of the same patients', by = 'pp') {
  return withdrawStudy(
    {
      reviewId,
      citationId,
      withdrawnBy: by,
      reason,
      exclusionReasons: [{ id: 'not-iesm', label: 'Not an IESM' }],
    },
    { evidence: h.evidence, clock: h.clock, afterWithdrawal: recompute },
  );
}

describe('Function: withdrawStudy (embedded store)', () => {
  it('recomputes the statistics without the withdrawn study and its patients; the rows stay stored', async () => {
    // Prepare
    const before = await latestStatistics(reviewId, { evidence: h.evidence });
    const gone = studies[0]!;
    const lost = before!.snapshot.studies.patients.find((s) => s.studyId === gone)!.count;

    // Act
    const outcome = await withdraw(gone);

    // Assess
    expect(outcome.changed).toBe(true);
    const after = await latestStatistics(reviewId, { evidence: h.evidence });
    expect(after!.snapshot.version).toBe(before!.snapshot.version + 1);
    expect(after!.snapshot.patients.count).toBe(130 - lost);
    expect(after!.snapshot.studies.count).toBe(2);
    expect(after!.snapshot.studies.withdrawn).toEqual([
      {
        studyId: gone,
        at: outcome.study.withdrawn.at,
        by: 'pp',
        reason: 'duplicate publication of the same patients',
      },
    ]);
    expect(after!.diff!.studiesRemoved).toEqual([gone]);
    expect(after!.diff!.patientsRemoved).toHaveLength(lost);
    expect(after!.diff!.studiesWithdrawn).toMatchObject([{ studyId: gone }]);
    expect(await h.evidence.listPatientRows(reviewId)).toHaveLength(130);
    expect((await h.evidence.getIncludedStudy(reviewId, gone))!.withdrawn).toEqual(outcome.study.withdrawn);
  });

  it('changes nothing when withdrawn again: the first withdrawal stays, no new version', async () => {
    const versions = await h.evidence.listSnapshotVersions(reviewId);
    const first = (await h.evidence.getIncludedStudy(reviewId, studies[0]!))!.withdrawn;
    const again = await withdraw(studies[0]!, 'Not an IESM', 'alc');
    expect(again.changed).toBe(false);
    expect(again.study.withdrawn).toEqual(first);
    expect(await h.evidence.listSnapshotVersions(reviewId)).toEqual(versions);
  });

  it('refuses an unknown citation, naming review and citation, and re-including a withdrawn study', async () => {
    await expect(withdraw('c-unknown')).rejects.toThrow(StudyNotIncludedError);
    await expect(withdraw('c-unknown')).rejects.toThrow(
      /c-unknown is not an included study of review "withdraw"/,
    );
    await expect(
      includeStudy(
        { reviewId, citationId: studies[0]!, includedBy: 'pp', source: 'manual' },
        { citations: h.embedded.store, evidence: h.evidence, clock: h.clock },
      ),
    ).rejects.toThrow(StudyWithdrawnError);
  });

  it('withdraws a study whose inclusion lands between its failed condition and its read-back', async () => {
    // Prepare: a stored citation not yet included. The first withdrawal's UpdateItem fails its condition (no
    // study item yet); before that failure reaches the adapter, the inclusion is written: the interleaving a
    // concurrent `include` can produce.
    const lateReview = `${reviewId}-late`;
    const { citationId: late } = await h.embedded.store.recordCitation(
      lateReview,
      makeStoreCitation({ pmid: '38000098' }),
      h.clock(),
    );
    const client = h.embedded.client;
    let interleaved = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (!interleaved && /^Update(Item)?Command$/.test(String(context.commandName))) {
            interleaved = true;
            await includeStudy(
              { reviewId: lateReview, citationId: late, includedBy: 'pp', source: 'screening' },
              { citations: h.embedded.store, evidence: h.evidence, clock: h.clock },
            );
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'includeAfterFailedCondition' },
    );

    // Act
    let outcome: Awaited<ReturnType<typeof withdraw>>;
    try {
      outcome = await withdrawStudy(
        { reviewId: lateReview, citationId: late, withdrawnBy: 'alc', reason: 'withdrawn after full text' },
        { evidence: h.evidence, clock: h.clock },
      );
    } finally {
      client.middlewareStack.remove('includeAfterFailedCondition');
    }

    // Assess: the withdrawal was written on the study that now exists, once.
    expect(interleaved).toBe(true);
    expect(outcome.changed).toBe(true);
    expect(outcome.study.withdrawn).toMatchObject({ by: 'alc', reason: 'withdrawn after full text' });
    const stored = await h.evidence.getIncludedStudy(lateReview, late);
    expect(stored?.withdrawn).toEqual(outcome.study.withdrawn);
  });

  it('keeps one withdrawal and one study item when withdrawals and inclusions race', async () => {
    // Prepare: a study that is included, and a stored citation that is not yet.
    const target = studies[1]!;
    const recorded = await h.embedded.store.recordCitation(
      reviewId,
      makeStoreCitation({ pmid: '38000099' }),
      h.clock(),
    );
    const fresh = recorded.citationId;
    const include = (citationId: string) =>
      includeStudy(
        { reviewId, citationId, includedBy: 'pp', source: 'screening' },
        { citations: h.embedded.store, evidence: h.evidence, clock: h.clock, afterInclusion: recompute },
      );

    // Act: five withdrawals of one study alongside its (replayed) inclusion; a new study's inclusion and
    // withdrawal at once.
    const raced = await Promise.all([
      ...['a', 'b', 'c', 'd', 'e'].map((by) => withdraw(target, `reason ${by}`, by)),
      include(target),
    ]);
    const [included, withdrawnFresh] = await Promise.allSettled([include(fresh), withdraw(fresh)]);

    // Assess
    const withdrawals = raced.slice(0, 5) as Awaited<ReturnType<typeof withdraw>>[];
    expect(withdrawals.filter((w) => w.changed)).toHaveLength(1);
    const kept = (await h.evidence.getIncludedStudy(reviewId, target))!.withdrawn;
    for (const w of withdrawals) expect(w.study.withdrawn).toEqual(kept);
    expect(included.status).toBe('fulfilled');
    if (withdrawnFresh.status === 'rejected')
      expect(withdrawnFresh.reason).toBeInstanceOf(StudyNotIncludedError);
    const listed = await h.evidence.listIncludedStudies(reviewId);
    expect(listed.map((s) => s.citationId).sort()).toEqual([...studies, fresh].sort());
    await recompute();
    const latest = await latestStatistics(reviewId, { evidence: h.evidence });
    const pooled = listed
      .filter((s) => !s.withdrawn)
      .map((s) => s.citationId)
      .sort();
    expect(latest!.snapshot.studies.ids).toEqual(pooled);
    expect(latest!.snapshot.patients.count).toBe(
      cohortInStudies(studies).filter((row) => pooled.includes(row.studyId)).length,
    );
    const versions = (await h.evidence.listSnapshotVersions(reviewId)).map((v) => v.version);
    expect(new Set(versions).size).toBe(versions.length);
  });
});
