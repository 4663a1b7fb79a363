// withdrawStudy over a fake EvidenceStore: the reason is required and matched to the protocol's exclusion
// reasons, a repeat keeps the first withdrawal, an unknown study is an error naming review and citation, the
// recompute runs after; and includeStudy refuses to include a withdrawn study again by hand.
import { describe, expect, it } from 'vitest';
import { includeStudy, StudyWithdrawnError } from '../../../shared/app/include-study.ts';
import {
  StudyNotIncludedError,
  WithdrawalReasonError,
  withdrawalReason,
  withdrawStudy,
} from '../../../shared/app/withdraw-study.ts';
import type { EvidenceStore, IncludedStudy, StudyWithdrawal } from '../../../shared/ports/evidence-store.ts';

const REASONS = [
  { id: 'neurogenic-primary', label: 'Neurogenic primary tumour' },
  { id: 'not-iesm', label: 'Not an IESM' },
];

function study(citationId: string): IncludedStudy {
  return {
    reviewId: 'iesm',
    citationId,
    includedAt: '2026-01-05T06:00:00.000Z',
    includedBy: 'pp',
    source: 'manual',
    title: `Study ${citationId}`,
    pmid: null,
    doi: null,
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
}

/** The study items of one review in a Map; only what the two use cases call. */
function fakeEvidence(studies: IncludedStudy[]) {
  const items = new Map(studies.map((s) => [s.citationId, s]));
  const store = {
    getIncludedStudy: async (_reviewId: string, citationId: string) => items.get(citationId) ?? null,
    withdrawStudy: async (_reviewId: string, citationId: string, withdrawal: StudyWithdrawal) => {
      const item = items.get(citationId);
      if (!item) return null;
      if (item.withdrawn) return { changed: false, study: item };
      const next = { ...item, withdrawn: withdrawal };
      items.set(citationId, next);
      return { changed: true, study: next };
    },
  } as unknown as EvidenceStore;
  return { store, items };
}

const clock = () => new Date('2026-02-01T09:00:00.000Z');

describe('Function: withdrawalReason', () => {
  it('trims the reason, stores a protocol reason by its id (given by id or label), keeps free text', () => {
    expect(withdrawalReason('  neurogenic-primary ', REASONS)).toBe('neurogenic-primary');
    expect(withdrawalReason('not an IESM', REASONS)).toBe('not-iesm');
    expect(withdrawalReason('  duplicate   publication of\nthe same patients ', REASONS)).toBe(
      'duplicate publication of the same patients',
    );
    expect(() => withdrawalReason('   ', REASONS)).toThrow(WithdrawalReasonError);
  });
});

describe('Function: withdrawStudy', () => {
  it('withdraws an included study, with when, by whom and why, then recomputes', async () => {
    // Prepare
    const { store } = fakeEvidence([study('c1')]);
    const recomputed: string[] = [];

    // Act
    const outcome = await withdrawStudy(
      {
        reviewId: 'iesm',
        citationId: 'c1',
        withdrawnBy: 'pp',
        reason: 'Not an IESM',
        exclusionReasons: REASONS,
      },
      { evidence: store, clock, afterWithdrawal: async (id) => recomputed.push(id) },
    );

    // Assess
    expect(outcome.changed).toBe(true);
    expect(outcome.study.withdrawn).toEqual({ at: '2026-02-01T09:00:00.000Z', by: 'pp', reason: 'not-iesm' });
    expect(recomputed).toEqual(['iesm']);
  });

  it('keeps the first withdrawal when withdrawn again (and still recomputes)', async () => {
    const { store } = fakeEvidence([study('c1')]);
    const recomputed: string[] = [];
    const deps = { evidence: store, clock, afterWithdrawal: async (id: string) => recomputed.push(id) };
    await withdrawStudy({ reviewId: 'iesm', citationId: 'c1', withdrawnBy: 'pp', reason: 'first' }, deps);
    const again = await withdrawStudy(
      { reviewId: 'iesm', citationId: 'c1', withdrawnBy: 'alc', reason: 'second' },
      deps,
    );
    expect(again.changed).toBe(false);
    expect(again.study.withdrawn).toMatchObject({ by: 'pp', reason: 'first' });
    expect(recomputed).toEqual(['iesm', 'iesm']);
  });

  it('refuses a study that is not included, naming review and citation, and a missing reason', async () => {
    const { store } = fakeEvidence([study('c1')]);
    await expect(
      withdrawStudy(
        { reviewId: 'iesm', citationId: 'c404', withdrawnBy: 'pp', reason: 'x' },
        { evidence: store, clock },
      ),
    ).rejects.toThrow(StudyNotIncludedError);
    await expect(
      withdrawStudy(
        { reviewId: 'iesm', citationId: 'c404', withdrawnBy: 'pp', reason: 'x' },
        { evidence: store, clock },
      ),
    ).rejects.toThrow(/c404 is not an included study of review "iesm"/);
    await expect(
      withdrawStudy(
        { reviewId: 'iesm', citationId: 'c1', withdrawnBy: 'pp', reason: ' ' },
        { evidence: store, clock },
      ),
    ).rejects.toThrow(WithdrawalReasonError);
  });
});

describe('Function: includeStudy on a withdrawn study', () => {
  it('fails by hand saying when, by whom and why; a replayed screening settlement changes nothing', async () => {
    const { store } = fakeEvidence([
      { ...study('c1'), withdrawn: { at: '2026-02-01T09:00:00.000Z', by: 'pp', reason: 'not-iesm' } },
    ]);
    const citations = { getCitation: async () => null };
    await expect(
      includeStudy(
        { reviewId: 'iesm', citationId: 'c1', includedBy: 'alc', source: 'manual' },
        { citations, evidence: store, clock },
      ),
    ).rejects.toThrow(StudyWithdrawnError);
    await expect(
      includeStudy(
        { reviewId: 'iesm', citationId: 'c1', includedBy: 'alc', source: 'manual' },
        { citations, evidence: store, clock },
      ),
    ).rejects.toThrow(
      /c1 was withdrawn from review "iesm" on 2026-02-01T09:00:00.000Z by pp \(reason: not-iesm\)/,
    );
    const replayed = await includeStudy(
      { reviewId: 'iesm', citationId: 'c1', includedBy: 'alc', source: 'screening' },
      { citations, evidence: store, clock },
    );
    expect(replayed.created).toBe(false);
    expect(replayed.study.withdrawn).not.toBeNull();
  });
});
