// Appraisal over real HTTP on 127.0.0.1 and the real embedded store (dynalite): two appraisers disagreeing, the
// arbiter settling, kappa, blinding, bad input writing nothing, and concurrent answers never doubled or lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppraisalView } from '../../../shared/domain/appraisal/blinding.ts';
import { toolForDesign } from '../../../shared/domain/protocol/appraisal.ts';
import type { IncludedStudy } from '../../../shared/ports/evidence-store.ts';
import { call, citation, type Harness, iesm, startHarness } from '../screening/support.ts';

let h: Harness;
const id = (pmid: string) => h.ids.get(pmid)!;
const caseReport = toolForDesign(iesm.appraisal!, 'case-report')!;
const base = `/api/reviews/${iesm.id}/appraisals`;

async function include(pmid: string) {
  const study: IncludedStudy = {
    reviewId: iesm.id,
    citationId: id(pmid),
    includedAt: `2026-01-10T00:00:${pmid.slice(1)}.000Z`,
    includedBy: 'ash',
    source: 'manual',
    title: `Study ${pmid}`,
    pmid,
    doi: `10.5555/iesm.${pmid}`,
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
  await h.screening.evidence.includeStudy(study);
}

async function answer(
  reviewer: string,
  studyId: string,
  questionId: string,
  value: string,
  eventId?: string,
) {
  return call<{ recorded: boolean; view: AppraisalView; detail?: string; title?: string }>(
    h.server,
    reviewer,
    `${base}/${studyId}/answers`,
    { body: { questionId, answer: value, ...(eventId ? { eventId } : {}) } },
  );
}

/** Answers every case-report question: items as given (default yes), level 4. */
async function answerAll(reviewer: string, studyId: string, items: Record<string, string> = {}) {
  for (const item of caseReport.items) {
    expect((await answer(reviewer, studyId, item.id, items[item.id] ?? 'yes')).status).toBe(201);
  }
  expect((await answer(reviewer, studyId, 'level', '4')).status).toBe(201);
}

const view = async (reviewer: string, studyId: string) =>
  (await call<{ appraisal: { view: AppraisalView } }>(h.server, reviewer, `${base}/${studyId}`)).body
    .appraisal.view;

const logLength = async (studyId: string) =>
  (await h.screening.appraisal.appraisal.listEvents(iesm.id, studyId)).length;

beforeAll(async () => {
  h = await startHarness(
    'appraisal',
    ['201', '202', '203', '204', '205'].map((pmid) => ({ reviewId: iesm.id, citation: citation(pmid) })),
  );
  for (const pmid of ['201', '202', '203', '204']) await include(pmid);
});

afterAll(async () => {
  await h?.close();
});

describe('dual appraisal with an arbiter', () => {
  it('keeps the appraisers blind, sends disagreements to the arbiter, who settles, and reports kappa', async () => {
    const study = id('201');
    const next = await call<{
      appraisal: { study: { studyId: string; links: { pubmed: string } }; view: AppraisalView };
    }>(h.server, 'pp', `${base}/next?as=appraiser`);
    expect(next.body.appraisal.study.studyId).toBe(study);
    expect(next.body.appraisal.study.links.pubmed).toBe('https://pubmed.ncbi.nlm.nih.gov/201/');
    expect(next.body.appraisal.view.design).toBeNull();
    expect((await answer('pp', study, 'lessons', 'yes')).status).toBe(409); // no design yet
    const design = await call(h.server, 'pp', `${base}/${study}/design`, { body: { design: 'case-report' } });
    expect(design.status).toBe(201);

    await answerAll('pp', study, { lessons: 'no', diagnostics: 'unclear' });
    // alc sees nothing of pp's answers, not even that pp has started.
    const before = await view('alc', study);
    expect(before.answerAs).toBe('appraiser');
    expect(
      before.questions.every((q) => q.mine === null && q.appraisers === null && q.inConflict === null),
    ).toBe(true);
    await answerAll('alc', study, { lessons: 'no' });
    // Both finished: one question differs. Neither appraiser sees the other's answers or the conflict.
    for (const appraiser of ['pp', 'alc']) {
      const blind = await view(appraiser, study);
      expect(blind.settled).toBe(false);
      expect(blind.questions.every((q) => q.appraisers === null && q.inConflict === null)).toBe(true);
    }
    expect((await answer('pp', study, 'lessons', 'yes')).status).toBe(409); // closed for appraisers
    // The arbiter gets the conflict, with both answers to the question in dispute.
    const conflict = await call<{ appraisal: { view: AppraisalView } }>(
      h.server,
      'ash',
      `${base}/next?as=arbiter`,
    );
    const arbiterView = conflict.body.appraisal.view;
    expect(arbiterView.studyId).toBe(study);
    const disputed = arbiterView.questions.filter((q) => q.inConflict);
    expect(disputed.map((q) => q.id)).toEqual(['diagnostics']);
    expect(disputed[0]!.appraisers!.map((a) => [a.reviewerId, a.answer])).toEqual([
      ['pp', 'unclear'],
      ['alc', 'yes'],
    ]);
    expect((await answer('ash', study, 'lessons', 'yes')).status).toBe(409); // not in conflict
    const settle = await answer('ash', study, 'diagnostics', 'unclear');
    expect(settle.status).toBe(201);
    expect(settle.body.view.settled).toBe(true);
    // Settled: everyone sees every answer and the judgement (2 of no/unclear -> moderate).
    const after = await view('pp', study);
    expect(after.judgement).toBe('moderate');
    expect(after.level).toBe('4');
    expect(after.questions.find((q) => q.id === 'diagnostics')!.appraisers!.map((a) => a.answer)).toEqual([
      'unclear',
      'yes',
    ]);
    const progress = await call<{
      team: {
        questions: Array<{ questionId: string; n: number; disagreements: number }>;
        overall: { n: number; observedAgreement: number };
      };
    }>(h.server, 'ash', `${base}/progress`);
    expect(progress.body.team.overall.n).toBe(9);
    expect(progress.body.team.overall.observedAgreement).toBeCloseTo(8 / 9, 12);
    expect(progress.body.team.questions.find((q) => q.questionId === 'diagnostics')!.disagreements).toBe(1);
    // Appraisers get no team figures: they would give the other's answers away.
    const mine = await call<{ team: unknown; finished: number }>(h.server, 'pp', `${base}/progress`);
    expect(mine.body.team).toBeNull();
    expect(mine.body.finished).toBe(1);
  });

  it('keeps an append-only audit of every answer, changes of mind included', async () => {
    const study = id('202');
    await call(h.server, 'alc', `${base}/${study}/design`, { body: { design: 'case-series' } });
    await answer('alc', study, 'consecutive', 'no');
    await answer('alc', study, 'consecutive', 'unclear');
    const log = await h.screening.appraisal.appraisal.listEvents(iesm.id, study);
    expect(
      log.map((e) => (e.type === 'answer' ? `${e.reviewerId}:${e.questionId}=${e.answer}` : e.type)),
    ).toEqual(['design-set', 'alc:consecutive=no', 'alc:consecutive=unclear']);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe('bad input writes nothing', () => {
  it('refuses an answer not in the tool, an unknown question, a reviewer not on the review and a study not included', async () => {
    const study = id('202');
    const length = await logLength(study);
    const notAnAnswer = await answer('pp', study, 'consecutive', 'maybe');
    expect(notAnAnswer.status).toBe(400);
    expect((notAnAnswer.body as unknown as { error: { message: string } }).error.message).toContain(
      '"maybe" is not an answer to consecutive (answers: yes, no, unclear, not-applicable)',
    );
    expect((await answer('pp', study, 'not-a-question', 'yes')).status).toBe(400);
    expect(
      (await call(h.server, 'pp', `${base}/${study}/design`, { body: { design: 'cohort' } })).status,
    ).toBe(400);
    const stranger = await answer('zed', study, 'consecutive', 'yes');
    expect(stranger.status).toBe(403);
    const notIncluded = await answer('pp', id('205'), 'consecutive', 'yes');
    expect(notIncluded.status).toBe(404);
    expect(await logLength(study)).toBe(length);
    expect(await logLength(id('205'))).toBe(0);
  });

  it('applies the screening API rules: a token, JSON bodies only, same origin only', async () => {
    const study = id('203');
    expect((await call(h.server, null, `${base}/${study}`)).status).toBe(401);
    const form = await call(h.server, 'pp', `${base}/${study}/design`, {
      body: 'design=case-report',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const crossSite = await call(h.server, 'pp', `${base}/${study}/design`, {
      body: { design: 'case-report' },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(await logLength(study)).toBe(0);
  });
});

describe('concurrent answers', () => {
  it('never doubles or loses an event: every answer lands once, at gap-free positions', async () => {
    const study = id('204');
    await call(h.server, 'pp', `${base}/${study}/design`, { body: { design: 'case-report' } });
    const items = caseReport.items.map((i) => i.id);
    const sent = await Promise.all([
      ...items.map((item) => answer('pp', study, item, 'yes', `pp-${item}-0001`)),
      ...items.map((item) => answer('alc', study, item, 'no', `alc-${item}-0001`)),
      // A retry of the same event racing the first send: recorded once.
      answer('pp', study, 'lessons', 'yes', 'pp-lessons-0001'),
    ]);
    expect(sent.filter((r) => r.status === 201)).toHaveLength(16);
    expect(sent.filter((r) => r.status === 200)).toHaveLength(1);
    const log = await h.screening.appraisal.appraisal.listEvents(iesm.id, study);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(new Set(log.map((e) => e.eventId)).size).toBe(17);
  });
});
