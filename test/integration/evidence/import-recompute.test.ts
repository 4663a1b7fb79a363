// importPatientRows and recomputeStatistics against the embedded store: all-or-nothing imports, rows of
// studies that are not included, versioned snapshots with their diffs, idempotent re-imports, concurrent
// recomputes, a crash between the snapshot and its pointer, moved rows and retractions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPatientRows } from '../../../shared/app/import-patient-rows.ts';
import { latestStatistics, recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { computeStatisticsSnapshot } from '../../../shared/domain/stats/snapshot.ts';
import { InputError } from '../../../shared/errors.ts';
import { iesmPlan, iesmProtocolAs, iesmSchema } from '../../support/protocols.ts';
import {
  cohortInStudies,
  type EvidenceHarness,
  includeStudies,
  openEvidenceHarness,
  pmids,
} from './support.ts';

let h: EvidenceHarness;

beforeAll(async () => {
  h = await openEvidenceHarness('import');
});

afterAll(async () => {
  await h?.close();
});

function deps() {
  return { evidence: h.evidence, clock: h.clock };
}

/** Replaces one data cell of a CSV text (`row` counts data rows from 1). */
function withCell(csv: string, row: number, column: string, value: string): string {
  const lines = csv.split('\r\n');
  const header = lines[0]!.split(',');
  const index = header.indexOf(column);
  if (index < 0) throw new Error(`no column ${column}`);
  const cells = lines[row]!.split(',');
  cells[index] = value;
  lines[row] = cells.join(',');
  return lines.join('\r\n');
}

describe('Function: importPatientRows', () => {
  it('writes nothing when one row is invalid, and names the row and the column', async () => {
    // Prepare
    const reviewId = 'all-or-nothing';
    const studies = await includeStudies(h, reviewId, pmids(3, 36_000_001));
    const rows = cohortInStudies(studies).slice(0, 10);
    const csv = withCell(patientRowsToCsv(rows, iesmSchema()), 4, 'age_years', 'sixty');

    // Act
    const attempt = importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: csv, format: 'csv', origin: 'batch.csv' },
      deps(),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(
      /batch\.csv line 5 \(row 4\), column age_years: expected a number of years/,
    );
    expect(await h.evidence.listPatientRows(reviewId)).toEqual([]);
    expect(await h.evidence.latestSnapshotVersion(reviewId)).toBe(0);
  });

  it('rejects rows of a study that is not included, naming them, and writes nothing', async () => {
    // Prepare
    const reviewId = 'not-included';
    const [included] = await includeStudies(h, reviewId, pmids(1, 36_100_001));
    const rows = cohortInStudies([included!]).slice(0, 5);
    rows[2] = { ...rows[2]!, studyId: 'c00000000000000000000' };

    // Act
    const attempt = importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'rows.json' },
      deps(),
    );

    // Assess
    await expect(attempt).rejects.toThrow(
      'rows.json column studyId: "c00000000000000000000" is not an included study (1 row, first row 3)',
    );
    expect(await h.evidence.listPatientRows(reviewId)).toEqual([]);
  });

  it('stores v1, stores nothing when nothing changed, and v2 with a diff naming what changed', async () => {
    // Prepare
    const reviewId = 'versions';
    const studies = await includeStudies(h, reviewId, pmids(4, 36_200_001));
    const rows = cohortInStudies(studies);
    const csv = patientRowsToCsv(rows, iesmSchema());

    // Act: first import
    const first = await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: csv, format: 'csv', origin: 'cohort.csv' },
      deps(),
    );

    // Assess
    expect(first).toMatchObject({ read: 130, added: 130, updated: 0, moved: 0, unchanged: 0 });
    expect(first.statistics).toMatchObject({ changed: true, version: 1, diff: null });
    expect(await h.evidence.latestSnapshotVersion(reviewId)).toBe(1);

    // Act: a recompute with nothing new, and the same file again
    const again = await recomputeStatistics({ protocol: iesmProtocolAs(reviewId) }, deps());
    const reimport = await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: csv, format: 'csv', origin: 'cohort.csv' },
      deps(),
    );

    // Assess: no v2, nothing written
    expect(again).toMatchObject({ changed: false, version: 1 });
    expect(reimport).toMatchObject({ read: 130, added: 0, updated: 0, unchanged: 130 });
    expect(reimport.statistics).toMatchObject({ changed: false, version: 1 });
    expect((await h.evidence.listSnapshotVersions(reviewId)).map((v) => v.version)).toEqual([1]);

    // Act: one patient's sex corrected
    const target = rows.find((row) => row.sex === 'male')!;
    const corrected = patientRowsToCsv([{ ...target, sex: 'female' }], iesmSchema());
    const second = await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: corrected, format: 'csv', origin: 'fix.csv' },
      deps(),
    );

    // Assess: v2 and its diff
    expect(second).toMatchObject({ read: 1, added: 0, updated: 1, unchanged: 0 });
    expect(second.statistics.changed).toBe(true);
    expect(second.statistics.version).toBe(2);
    const stored = await latestStatistics(reviewId, deps());
    expect(stored?.snapshot.version).toBe(2);
    const diff = stored!.diff!;
    expect(diff).toMatchObject({
      fromVersion: 1,
      toVersion: 2,
      changed: true,
      patientsAdded: [],
      patientsRemoved: [],
    });
    const sex = diff.proportions.filter((change) => change.variable === 'sex');
    expect(sex.map((change) => [change.level, change.before?.count, change.after?.count])).toEqual([
      ['male', 72, 71],
      ['female', 58, 59],
    ]);
    expect((await h.evidence.listSnapshotVersions(reviewId)).map((v) => v.version)).toEqual([1, 2]);
    const kept = (await h.evidence.listPatientRows(reviewId)).find(
      (r) => r.row.patientId === target.patientId,
    );
    expect(kept).toMatchObject({ origin: 'fix.csv', row: { sex: 'female' } });
  });

  it('moves a row whose study changed: one row, under the new study', async () => {
    // Prepare
    const reviewId = 'moved';
    const [a, b] = await includeStudies(h, reviewId, pmids(2, 36_300_001));
    const rows = cohortInStudies([a!]).slice(0, 3);
    await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'a.json' },
      deps(),
    );

    // Act
    const movedRow: PatientRow = { ...rows[1]!, studyId: b! };
    const summary = await importPatientRows(
      {
        protocol: iesmProtocolAs(reviewId),
        text: JSON.stringify([movedRow]),
        format: 'json',
        origin: 'b.json',
      },
      deps(),
    );

    // Assess
    expect(summary).toMatchObject({ added: 0, updated: 0, moved: 1 });
    const stored = await h.evidence.listPatientRows(reviewId);
    expect(stored.filter((r) => r.row.patientId === movedRow.patientId).map((r) => r.row.studyId)).toEqual([
      b,
    ]);
    expect(stored).toHaveLength(3);
    const latest = await latestStatistics(reviewId, deps());
    expect(latest?.snapshot.studies.patients).toEqual(
      [
        { studyId: a!, count: 2 },
        { studyId: b!, count: 1 },
      ].sort((x, y) => (x.studyId < y.studyId ? -1 : 1)),
    );
  });
});

describe('Function: recomputeStatistics', () => {
  it('stores exactly one new version when several recomputes run at once', async () => {
    // Prepare: v1, then a changed row written without a recompute (as a stream would see it)
    const reviewId = 'concurrent';
    const studies = await includeStudies(h, reviewId, pmids(2, 36_400_001));
    const rows = cohortInStudies(studies);
    await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'c.json' },
      deps(),
    );
    await h.evidence.putPatientRows(reviewId, [
      { row: { ...rows[0]!, age_years: 99 }, origin: 'direct', importedAt: h.clock().toISOString() },
    ]);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => recomputeStatistics({ protocol: iesmProtocolAs(reviewId) }, deps())),
    );

    // Assess
    expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
    expect(outcomes.every((o) => o.version === 2)).toBe(true);
    expect((await h.evidence.listSnapshotVersions(reviewId)).map((v) => v.version)).toEqual([1, 2]);
    expect(await h.evidence.latestSnapshotVersion(reviewId)).toBe(2);
  });

  it('repairs a pointer left behind by a crash between the snapshot and the pointer', async () => {
    // Prepare: v1; then v2 stored by a "crashed" recompute that never moved the pointer
    const reviewId = 'crash-pointer';
    const studies = await includeStudies(h, reviewId, pmids(1, 36_500_001));
    const rows = cohortInStudies(studies).slice(0, 20);
    await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'r.json' },
      deps(),
    );
    const changed = { ...rows[0]!, age_years: 101 };
    await h.evidence.putPatientRows(reviewId, [{ row: changed, origin: 'direct', importedAt: 'x' }]);
    const orphan = computeStatisticsSnapshot({
      plan: { ...iesmPlan(), reviewId },
      version: 2,
      rows: [changed, ...rows.slice(1)],
      includedStudies: studies,
      generatedAt: h.clock().toISOString(),
      // What a recompute under the IESM protocol records: its rows, none verified yet, all pooled.
      verification: {
        required: 2,
        statistics: 'all-rows-flag-unverified',
        rows: 20,
        verified: 0,
        unverified: 20,
        disputed: 0,
        pooled: 20,
      },
    });
    expect(await h.evidence.putSnapshot(reviewId, orphan, null)).toBe(true);
    expect(await h.evidence.latestSnapshotVersion(reviewId)).toBe(1);

    // Act
    const outcome = await recomputeStatistics({ protocol: iesmProtocolAs(reviewId) }, deps());

    // Assess: the crashed writer's v2 already says it all
    expect(outcome).toMatchObject({ changed: false, version: 2 });
    expect(await h.evidence.latestSnapshotVersion(reviewId)).toBe(2);
    expect((await h.evidence.listSnapshotVersions(reviewId)).map((v) => v.version)).toEqual([1, 2]);
  });

  it('leaves out the patients of a retracted study under exclude-patients, keeps them under flag-only', async () => {
    // Prepare
    const reviewId = 'retraction';
    const [kept, retracted] = await includeStudies(h, reviewId, pmids(2, 36_600_001));
    const rows = cohortInStudies([kept!, retracted!]).slice(0, 10);
    await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'r.json' },
      deps(),
    );
    expect(await h.evidence.markStudyRetracted(reviewId, retracted!, '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(await h.evidence.markStudyRetracted(reviewId, retracted!, '2026-02-02T00:00:00.000Z')).toBe(false);

    // Act
    const flagOnly = await recomputeStatistics(
      { protocol: iesmProtocolAs(reviewId, { onRetraction: 'flag-only' }) },
      deps(),
    );
    const excluded = await recomputeStatistics(
      { protocol: iesmProtocolAs(reviewId, { onRetraction: 'exclude-patients' }) },
      deps(),
    );

    // Assess
    expect(flagOnly).toMatchObject({ changed: false, version: 1 });
    expect(excluded).toMatchObject({ changed: true, version: 2 });
    if (!excluded.changed) throw new Error('unreachable');
    expect(excluded.snapshot.studies.ids).toEqual([kept]);
    expect(excluded.snapshot.patients.count).toBe(5);
    expect(excluded.diff?.studiesRemoved).toEqual([retracted]);
    expect(excluded.diff?.patientsRemoved).toEqual(
      rows.filter((row) => row.studyId === retracted).map((row) => row.patientId),
    );
  });

  it('stores nothing for a review with nothing included', async () => {
    expect(await recomputeStatistics({ protocol: iesmProtocolAs('empty-review') }, deps())).toEqual({
      changed: false,
      version: 0,
      snapshot: null,
    });
    expect(await latestStatistics('empty-review', deps())).toBeNull();
  });

  it('stores a snapshot for included studies that have no patient rows yet', async () => {
    const reviewId = 'studies-only';
    const studies = await includeStudies(h, reviewId, pmids(2, 36_700_001));
    const outcome = await recomputeStatistics({ protocol: iesmProtocolAs(reviewId) }, deps());
    expect(outcome).toMatchObject({ changed: true, version: 1 });
    expect(outcome.snapshot?.patients.count).toBe(0);
    expect(outcome.snapshot?.studies.withoutPatients).toEqual([...studies].sort());
  });
});

describe('Function: importPatientRows, studies and what is left out', () => {
  it('includes the studies a file names with createStudies, once, and never on an invalid file', async () => {
    // Prepare: rows of two studies nobody included (a data pack without citations)
    const reviewId = 'create-studies';
    const rows = cohortInStudies(['cohort-a', 'cohort-b']).slice(0, 6);
    const bad = rows.map((row, i) => (i === 5 ? { ...row, age_years: -4 } : row));

    // Act: an invalid file first, then the good one twice
    const invalid = importPatientRows(
      {
        protocol: iesmProtocolAs(reviewId),
        text: JSON.stringify(bad),
        format: 'json',
        origin: 'bad.json',
        createStudies: { by: 'km' },
      },
      deps(),
    );
    await expect(invalid).rejects.toThrow(/bad\.json row 6, field age_years/);
    const studiesAfterInvalid = await h.evidence.listIncludedStudies(reviewId);
    const first = await importPatientRows(
      {
        protocol: iesmProtocolAs(reviewId),
        text: JSON.stringify(rows),
        format: 'json',
        origin: 'p.json',
        createStudies: { by: 'km' },
      },
      deps(),
    );
    const second = await importPatientRows(
      {
        protocol: iesmProtocolAs(reviewId),
        text: JSON.stringify(rows),
        format: 'json',
        origin: 'p.json',
        createStudies: { by: 'km' },
      },
      deps(),
    );

    // Assess
    expect(studiesAfterInvalid).toEqual([]);
    expect(first.studiesCreated).toEqual(['cohort-a', 'cohort-b']);
    expect(first).toMatchObject({ added: 6 });
    expect(second).toMatchObject({ studiesCreated: [], unchanged: 6 });
    const studies = await h.evidence.listIncludedStudies(reviewId);
    expect(studies.map((s) => [s.citationId, s.title, s.includedBy, s.source])).toEqual([
      ['cohort-a', 'cohort-a', 'km', 'manual'],
      ['cohort-b', 'cohort-b', 'km', 'manual'],
    ]);
    expect(first.statistics).toMatchObject({ changed: true, version: 1 });
  });

  it('says when rows are stored but left out: a retracted study (exclude-patients), a withdrawn one', async () => {
    const reviewId = 'left-out';
    const [kept, retracted] = await includeStudies(h, reviewId, pmids(2, 36_800_001));
    await h.evidence.markStudyRetracted(reviewId, retracted!, '2026-02-01T00:00:00.000Z');
    const rows = cohortInStudies([kept!, retracted!]).slice(0, 4);

    const summary = await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'r.json' },
      deps(),
    );

    expect(summary.warnings).toEqual([
      `2 rows of study ${retracted} are stored but left out of the statistics: the study is retracted (2026-02-01) and the protocol says onRetraction: exclude-patients`,
    ]);
    expect(summary.statistics.snapshot?.patients.count).toBe(2);
    const flagOnly = await importPatientRows(
      {
        protocol: iesmProtocolAs(reviewId, { onRetraction: 'flag-only' }),
        text: JSON.stringify(rows),
        format: 'json',
        origin: 'r.json',
      },
      deps(),
    );
    expect(flagOnly.warnings).toEqual([]);
  });

  it('repairs a patient left under two studies by an interrupted move: the re-run keeps the new copy only', async () => {
    // Prepare: rows under A; then the state a crash leaves mid-move: two of them also written under B
    const reviewId = 'half-moved';
    const [a, b] = await includeStudies(h, reviewId, pmids(2, 36_900_001));
    const rows = cohortInStudies([a!]).slice(0, 4);
    await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(rows), format: 'json', origin: 'a.json' },
      deps(),
    );
    const moved = rows.map((row) => ({ ...row, studyId: b! }));
    await h.evidence.putPatientRows(
      reviewId,
      moved.slice(0, 2).map((row) => ({ row, origin: 'b.json', importedAt: 'x' })),
    );

    // Act: the statistics refuse the doubled state, saying what to do; the same import again repairs it
    const refused = recomputeStatistics({ protocol: iesmProtocolAs(reviewId) }, deps());
    await expect(refused).rejects.toThrow(
      /2 patients are stored under two studies .* an import that moved them to another study was interrupted; run that import again/,
    );
    const rerun = await importPatientRows(
      { protocol: iesmProtocolAs(reviewId), text: JSON.stringify(moved), format: 'json', origin: 'b.json' },
      deps(),
    );

    // Assess
    expect(rerun).toMatchObject({ moved: 2, unchanged: 2 });
    const stored = await h.evidence.listPatientRows(reviewId);
    expect(stored.map((r) => r.row.studyId)).toEqual([b, b, b, b]);
    expect(rerun.statistics.snapshot?.patients.count).toBe(4);
  });
});
