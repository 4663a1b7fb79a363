// A process that dies at any write of a patient-row import that moves rows to another study, then the same
// import again in a fresh process: the re-run converges (one copy of every patient, under the new study, and
// statistics that count each patient once), whichever write the crash followed. The child dies (exit 137) right
// after its N-th write request has been answered, for every N the move takes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { lastJsonLine, runTsChild } from '../../support/store-fixtures.ts';
import {
  cohortInStudies,
  type EvidenceHarness,
  includeStudies,
  openEvidenceHarness,
  pmids,
} from './support.ts';

const CHILD = 'test/integration/evidence/children/import-child.ts';
/** Enough rows for two BatchWriteItem requests of puts (25 each) and two of deletes. */
const PATIENTS = 40;

interface ChildReport {
  writes: number;
  summary: { added: number; moved: number; unchanged: number; version: number };
}

let h: EvidenceHarness;

beforeAll(async () => {
  h = await openEvidenceHarness('import-crash');
});

afterAll(async () => {
  await h?.close();
});

/** A review whose PATIENTS rows sit under study A, and the file that moves them all to study B. */
async function prepare(reviewId: string, first: number): Promise<{ file: string; a: string; b: string }> {
  const [a, b] = await includeStudies(h, reviewId, pmids(2, first));
  const underA = cohortInStudies([a!]).slice(0, PATIENTS);
  const fileA = join(h.dataDir, `${reviewId}-a.json`);
  writeFileSync(fileA, JSON.stringify(underA));
  const placed = await runTsChild(CHILD, ['--data', h.dataDir, '--review', reviewId, '--rows', fileA]);
  expect(placed.code, placed.stderr).toBe(0);
  const file = join(h.dataDir, `${reviewId}-b.json`);
  writeFileSync(file, JSON.stringify(underA.map((row) => ({ ...row, studyId: b! }))));
  return { file, a: a!, b: b! };
}

async function expectConverged(reviewId: string, b: string) {
  const stored = await h.evidence.listPatientRows(reviewId);
  expect(stored).toHaveLength(PATIENTS);
  expect(new Set(stored.map((r) => r.row.studyId))).toEqual(new Set([b]));
  const latest = await latestStatistics(reviewId, { evidence: h.evidence });
  expect(latest?.snapshot.patients.count).toBe(PATIENTS);
  expect(latest?.snapshot.studies.patients).toEqual([{ studyId: b, count: PATIENTS }]);
}

describe('a patient-row move killed after any write', () => {
  it('converges when run again, after a crash at every write of the move', async () => {
    // Prepare: how many writes the move takes, uninterrupted
    const base = await prepare('move-whole', 37_000_001);
    const whole = await runTsChild(CHILD, [
      '--data',
      h.dataDir,
      '--review',
      'move-whole',
      '--rows',
      base.file,
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    const report = lastJsonLine<ChildReport>(whole);
    expect(report.summary).toMatchObject({ moved: PATIENTS, version: 2 });
    await expectConverged('move-whole', base.b);
    // Two batches of puts, two of deletes, then the snapshot and its pointer.
    expect(report.writes).toBeGreaterThanOrEqual(6);

    for (let n = 1; n <= report.writes; n++) {
      const reviewId = `move-crash-${n}`;
      const { file, b } = await prepare(reviewId, 37_000_011 + 10 * n);

      // Act: killed after write n, then the same import again
      const crashed = await runTsChild(CHILD, [
        '--data',
        h.dataDir,
        '--review',
        reviewId,
        '--rows',
        file,
        '--crash-after-writes',
        String(n),
      ]);
      expect(crashed.code, `crash after write ${n}: ${crashed.stderr}`).toBe(137);
      const rerun = await runTsChild(CHILD, ['--data', h.dataDir, '--review', reviewId, '--rows', file]);

      // Assess
      expect(rerun.code, `re-run after a crash at write ${n}: ${rerun.stderr}`).toBe(0);
      await expectConverged(reviewId, b);
    }
  }, 600_000);
});
