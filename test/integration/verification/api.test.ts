// Extraction verification over real HTTP on 127.0.0.1 and the real embedded store (dynalite): a verifier flags
// a field, the extractor corrects it and the statistics change only then; two verifiers confirm -> verified;
// blinding between verifiers; bad input writes nothing; concurrent confirmations never double or lose an event.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPatientRows } from '../../../shared/app/import-patient-rows.ts';
import { recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { NotAllowedError } from '../../../shared/app/screening.ts';
import { confirmRows, flagRow, resolveField } from '../../../shared/app/verify-extraction.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import type { RowVerificationView } from '../../../shared/domain/verification/blinding.ts';
import type { IncludedStudy } from '../../../shared/ports/evidence-store.ts';
import { call, citation, type Harness, iesm, startHarness } from '../screening/support.ts';

let h: Harness;
const id = (pmid: string) => h.ids.get(pmid)!;
const base = `/api/reviews/${iesm.id}/verification`;
/** The shipped IESM protocol pools every row; this one pools verified rows only (the default). */
const verifiedOnly: Protocol = {
  ...iesm,
  verification: { ...iesm.verification!, statistics: 'verified-only' },
};

const cohort = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'fixtures', 'reference', 'iesm-synthetic-cohort.json'),
    'utf8',
  ),
) as Array<Record<string, unknown>>;

async function include(pmid: string) {
  const study: IncludedStudy = {
    reviewId: iesm.id,
    citationId: id(pmid),
    includedAt: `2026-01-10T00:00:${pmid.slice(1)}.000Z`,
    includedBy: 'ash',
    source: 'manual',
    title: `Study ${pmid}`,
    pmid,
    doi: null,
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
  await h.screening.evidence.includeStudy(study);
}

async function importRows(studyPmid: string, patients: Array<Record<string, unknown>>) {
  return importPatientRows(
    {
      protocol: iesm,
      text: JSON.stringify(patients.map((p) => ({ ...p, studyId: id(studyPmid) }))),
      format: 'json',
      origin: `study-${studyPmid}.json`,
      extractor: 'pp',
    },
    { evidence: h.screening.evidence, clock: () => new Date() },
  );
}

const stats = async (protocol: Protocol) =>
  (await recomputeStatistics({ protocol }, { evidence: h.screening.evidence, clock: () => new Date() }))
    .snapshot!;

const logLength = async (studyId: string) =>
  (await h.screening.evidence.verification.listEvents(iesm.id, studyId)).length;

const rowView = async (reviewer: string, studyId: string, patientId: string) =>
  (await call<{ row: { view: RowVerificationView } }>(h.server, reviewer, `${base}/${studyId}/${patientId}`))
    .body.row.view;

beforeAll(async () => {
  h = await startHarness(
    'verification',
    ['301', '302'].map((pmid) => ({ reviewId: iesm.id, citation: citation(pmid) })),
  );
  await include('301');
  await include('302');
  const first = await importRows('301', cohort.slice(0, 3));
  expect(first.extraction).toEqual({ extractor: 'pp', recorded: 3 });
  await importRows('302', cohort.slice(3, 4));
});

afterAll(async () => {
  await h?.close();
});

describe('verification of extracted rows', () => {
  it('keeps unverified rows out of verified-only statistics and counts them in all-rows statistics', async () => {
    const verified = await stats(verifiedOnly);
    expect(verified.patients.count).toBe(0);
    expect(verified.verification).toMatchObject({
      required: 2,
      rows: 4,
      verified: 0,
      unverified: 4,
      disputed: 0,
    });
    const all = await stats(iesm);
    expect(all.patients.count).toBe(4);
    expect(all.verification).toMatchObject({ rows: 4, unverified: 4, pooled: 4 });
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const study = id('301');
    const before = await logLength(study);
    // The extractor cannot verify their own rows.
    const own = await call<{ error: { message: string } }>(h.server, 'pp', `${base}/${study}/confirm`, {
      body: { patientIds: ['SYN-001'] },
    });
    expect(own.status).toBe(409);
    expect(own.body.error.message).toMatch(/pp extracted row SYN-001/);
    const missing = await call<{ error: { message: string } }>(
      h.server,
      'alc',
      `${base}/${study}/SYN-999/flags`,
      {
        body: { fields: [{ field: 'age_years', value: 70, note: 'x' }] },
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/no patient row SYN-999/);
    const field = await call<{ error: { message: string } }>(
      h.server,
      'alc',
      `${base}/${study}/SYN-001/flags`,
      {
        body: { fields: [{ field: 'age', value: 70, note: 'x' }] },
      },
    );
    expect(field.status).toBe(400);
    expect(field.body.error.message).toMatch(/age is not a variable/);
    const value = await call<{ error: { message: string } }>(
      h.server,
      'alc',
      `${base}/${study}/SYN-001/flags`,
      {
        body: { fields: [{ field: 'age_years', value: 300, note: 'x' }] },
      },
    );
    expect(value.status).toBe(400);
    expect(value.body.error.message).toMatch(/age_years: expected/);
    await expect(
      confirmRows(h.screening.verification, iesm, { reviewerId: 'nobody' }, study, {}),
    ).rejects.toThrow(NotAllowedError);
    // zed is signed in but not a reviewer of this review.
    expect((await call(h.server, 'zed', `${base}/${study}/confirm`, { body: {} })).status).toBe(403);
    expect(await logLength(study)).toBe(before);
  });

  it('blinds verifiers, settles a flag only when the extractor resolves it, and only then moves the statistics', async () => {
    const study = id('301');
    const queue = await call<{ verify: Array<{ row: { patientId: string } }> }>(h.server, 'alc', base);
    expect(queue.body.verify.map((r) => r.row.patientId)).toEqual([
      'SYN-001',
      'SYN-002',
      'SYN-003',
      'SYN-004',
    ]);
    expect((await call(h.server, 'alc', `${base}/${study}/confirm`, { body: {} })).status).toBe(201);
    const ageBeforeFlag = (await stats(iesm)).variables.age_years;
    // ash sees nothing of alc's verdict.
    const blind = await rowView('ash', study, 'SYN-001');
    expect(blind).toMatchObject({
      phase: 'awaiting-verification',
      mine: null,
      verdicts: null,
      action: 'verify',
    });
    const flagged = await call(h.server, 'ash', `${base}/${study}/SYN-001/flags`, {
      body: { fields: [{ field: 'age_years', value: 70, note: 'Table 2 gives 70 years' }] },
    });
    expect(flagged.status).toBe(201);
    expect(
      (
        await call(h.server, 'ash', `${base}/${study}/confirm`, {
          body: { patientIds: ['SYN-002', 'SYN-003'] },
        })
      ).status,
    ).toBe(201);
    // alc, a verifier of the disputed row, still sees only their own confirmation.
    const alcView = await rowView('alc', study, 'SYN-001');
    expect(alcView).toMatchObject({ phase: 'awaiting-verification', verdicts: null, open: null });
    expect(alcView.mine?.verdict).toBe('confirm');
    // The extractor sees the dispute.
    const ppView = await rowView('pp', study, 'SYN-001');
    expect(ppView).toMatchObject({ phase: 'disputed', open: ['age_years'], action: 'extractor' });
    expect(ppView.verdicts).toHaveLength(2);
    // Settled rows are open to everyone.
    expect((await rowView('alc', study, 'SYN-002')).verdicts).toHaveLength(2);

    const allBefore = await stats(iesm);
    const verifiedBefore = await stats(verifiedOnly);
    expect(verifiedBefore.patients.ids).toEqual(['SYN-002', 'SYN-003']);
    expect(verifiedBefore.verification).toMatchObject({ rows: 4, verified: 2, disputed: 1, unverified: 1 });
    // The flag alone moves no statistic: the extracted value counts until resolved.
    expect(allBefore.variables.age_years).toEqual(ageBeforeFlag);

    // Only the extractor (or an arbiter who did not verify the row) resolves; a verifier cannot.
    expect(
      (
        await call(h.server, 'alc', `${base}/${study}/SYN-001/resolutions`, {
          body: { field: 'age_years', decision: 'accept' },
        })
      ).status,
    ).toBe(403);
    const resolved = await call<{ rows: RowVerificationView[] }>(
      h.server,
      'pp',
      `${base}/${study}/SYN-001/resolutions`,
      {
        body: { field: 'age_years', decision: 'accept' },
      },
    );
    expect(resolved.status).toBe(201);
    expect(resolved.body.rows[0]!.phase).toBe('verified');
    const row = (await h.screening.evidence.listPatientRows(iesm.id)).find(
      (r) => r.row.patientId === 'SYN-001',
    )!;
    expect(row.row.age_years).toBe(70);
    const allAfter = await stats(iesm);
    expect(allAfter.variables.age_years).not.toEqual(allBefore.variables.age_years);
    const verifiedAfter = await stats(verifiedOnly);
    expect(verifiedAfter.patients.ids).toEqual(['SYN-001', 'SYN-002', 'SYN-003']);
    expect(verifiedAfter.verification).toMatchObject({ verified: 3, disputed: 0, unverified: 1 });
    // Everything is in the log: extracted, two confirmations by alc and ash, the flag, the resolution.
    expect((await h.screening.evidence.verification.listEvents(iesm.id, study)).map((e) => e.type)).toEqual([
      'extracted',
      'confirmed',
      'flagged',
      'confirmed',
      'resolved',
    ]);
  });

  it('records concurrent confirmations exactly once each: two verifiers -> verified', async () => {
    const study = id('302');
    const deps = h.screening.verification;
    const confirm = (reviewerId: string, eventId: string) =>
      confirmRows(deps, iesm, { reviewerId }, study, { patientIds: ['SYN-004'], eventId });
    const outcomes = await Promise.all([
      confirm('alc', 'alc-confirm-0001'),
      confirm('ash', 'ash-confirm-0001'),
      confirm('alc', 'alc-confirm-0001'),
      confirm('ash', 'ash-confirm-0001'),
      confirm('alc', 'alc-confirm-0002'),
    ]);
    expect(outcomes.filter((o) => o.recorded)).toHaveLength(2);
    const log = await deps.evidence.verification.listEvents(iesm.id, study);
    expect(log.map((e) => [e.type, e.reviewerId])).toEqual([
      ['extracted', 'pp'],
      ...log.slice(1).map((e) => ['confirmed', e.reviewerId]),
    ]);
    expect(new Set(log.slice(1).map((e) => e.reviewerId))).toEqual(new Set(['alc', 'ash']));
    expect(log).toHaveLength(3);
    expect((await rowView('pp', study, 'SYN-004')).phase).toBe('verified');
    // A flag after both verdicts is refused and writes nothing.
    await expect(
      flagRow(deps, iesm, { reviewerId: 'pp' }, study, 'SYN-004', {
        fields: [{ field: 'age_years', value: 50, note: 'x' }],
      }),
    ).rejects.toThrow(/extracted row SYN-004/);
    expect(await logLength(study)).toBe(3);
    expect((await stats(verifiedOnly)).patients.count).toBe(4);
  });

  it('converges when a correction stops between its event and the row write: run again, the row is corrected', async () => {
    const study = id('302');
    await importRows('302', cohort.slice(3, 5));
    const deps = h.screening.verification;
    await confirmRows(deps, iesm, { reviewerId: 'alc' }, study, { patientIds: ['SYN-005'] });
    await flagRow(deps, iesm, { reviewerId: 'ash' }, study, 'SYN-005', {
      fields: [{ field: 'age_years', value: 33, note: 'the abstract says 33' }],
    });
    const crashing = {
      ...deps,
      evidence: {
        ...deps.evidence,
        verification: deps.evidence.verification,
        listIncludedStudies: (r: string) => deps.evidence.listIncludedStudies(r),
        getIncludedStudy: (r: string, c: string) => deps.evidence.getIncludedStudy(r, c),
        listPatientRows: (r: string) => deps.evidence.listPatientRows(r),
        putPatientRows: () => Promise.reject(new Error('crash before the row write')),
      },
    };
    const input = { field: 'age_years', decision: 'accept' as const, note: null, eventId: 'resolve-syn-005' };
    await expect(resolveField(crashing, iesm, { reviewerId: 'pp' }, study, 'SYN-005', input)).rejects.toThrow(
      /crash before the row write/,
    );
    // The log is ahead of the stored row: the row counts as unverified, and its old value stays in the statistics.
    expect((await stats(verifiedOnly)).patients.ids).not.toContain('SYN-005');
    const again = await resolveField(deps, iesm, { reviewerId: 'pp' }, study, 'SYN-005', input);
    expect(again.recorded).toBe(false);
    const row = (await h.screening.evidence.listPatientRows(iesm.id)).find(
      (r) => r.row.patientId === 'SYN-005',
    )!;
    expect(row.row.age_years).toBe(33);
    expect((await stats(verifiedOnly)).patients.ids).toContain('SYN-005');
    const log = await h.screening.evidence.verification.listEvents(iesm.id, study);
    expect(log.filter((e) => e.type === 'resolved')).toHaveLength(1);
  });
});
