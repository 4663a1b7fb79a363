import { describe, expect, it } from 'vitest';
import { defaultProtocolDirectory, loadProtocolDirectory } from '../../../shared/config/load-protocols.ts';
import { appraisalAgreement } from '../../../shared/domain/appraisal/agreement.ts';
import { appraisalViewFor } from '../../../shared/domain/appraisal/blinding.ts';
import type { AppraisalEvent } from '../../../shared/domain/appraisal/events.ts';
import {
  AppraisalRuleError,
  applyAppraisalEvent,
  overallJudgement,
  replayAppraisal,
  type StudyAppraisalState,
} from '../../../shared/domain/appraisal/workflow.ts';
import { toolForDesign } from '../../../shared/domain/protocol/appraisal.ts';

const protocols = loadProtocolDirectory(defaultProtocolDirectory());
const iesm = protocols.find((p) => p.id === 'iesm')!;
const breast = protocols.find((p) => p.id === 'breast-ipd')!;
const appraisal = iesm.appraisal!;
const caseReport = toolForDesign(appraisal, 'case-report')!;
const pp = iesm.reviewers.find((r) => r.id === 'pp')!;
const alc = iesm.reviewers.find((r) => r.id === 'alc')!;
const ash = iesm.reviewers.find((r) => r.id === 'ash')!;

/** A log builder: each call appends the next event. */
function log(studyId = 's1') {
  const events: AppraisalEvent[] = [];
  const at = () => `2026-01-01T00:00:${String(events.length).padStart(2, '0')}.000Z`;
  const builder = {
    events,
    design(design: string, by = 'pp') {
      events.push({
        type: 'design-set',
        seq: events.length + 1,
        eventId: `e${events.length + 1}`,
        studyId,
        reviewerId: by,
        at: at(),
        design,
      });
      return builder;
    },
    answer(by: string, questionId: string, answer: string, role: 'appraiser' | 'arbiter' = 'appraiser') {
      events.push({
        type: 'answer',
        seq: events.length + 1,
        eventId: `e${events.length + 1}`,
        studyId,
        reviewerId: by,
        at: at(),
        role,
        questionId,
        answer,
        note: null,
      });
      return builder;
    },
    /** Answers every question of a case report: items as given (default yes), level 4. */
    all(by: string, items: Record<string, string> = {}, level = '4') {
      for (const item of caseReport.items) builder.answer(by, item.id, items[item.id] ?? 'yes');
      return builder.answer(by, 'level', level);
    },
    state(): StudyAppraisalState {
      return replayAppraisal(appraisal, studyId, events);
    },
  };
  return builder;
}

function ruleOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof AppraisalRuleError) return error.code;
    throw error;
  }
  throw new Error('expected a rule error');
}

describe('appraisal workflow', () => {
  it('settles by agreement when both appraisers answer alike, judging by the count rule', () => {
    const state = log()
      .design('case-report')
      .all('pp', { lessons: 'no' })
      .all('alc', { lessons: 'no' })
      .state();
    expect(state.phase).toBe('settled');
    expect(state.judgement).toBe('low');
    expect(state.level).toBe('4');
  });

  it('sends the questions the appraisers answered differently to an arbiter, who settles them', () => {
    const b = log()
      .design('case-report')
      .all('pp', { diagnostics: 'no', treatment: 'unclear', lessons: 'no', 'adverse-events': 'no' })
      .all('alc', { diagnostics: 'yes' }, '5');
    let state = b.state();
    expect(state.phase).toBe('conflict');
    expect(state.results!.filter((r) => !r.agreed).map((r) => r.questionId)).toEqual([
      'diagnostics',
      'treatment',
      'adverse-events',
      'lessons',
      'level',
    ]);
    // An arbiter may answer only the questions in conflict.
    expect(
      ruleOf(() =>
        applyAppraisalEvent(appraisal, state, {
          ...b.events[1]!,
          seq: state.version + 1,
          eventId: 'x',
          reviewerId: 'ash',
          role: 'arbiter',
        } as AppraisalEvent),
      ),
    ).toBe('not-in-conflict');
    b.answer('ash', 'diagnostics', 'no', 'arbiter').answer('ash', 'treatment', 'unclear', 'arbiter');
    b.answer('ash', 'adverse-events', 'no', 'arbiter').answer('ash', 'lessons', 'yes', 'arbiter');
    expect(b.state().phase).toBe('conflict');
    state = b.answer('ash', 'level', '4', 'arbiter').state();
    expect(state.phase).toBe('settled');
    // no/unclear on diagnostics, treatment, adverse events: 3 -> moderate (high from 4).
    expect(state.judgement).toBe('moderate');
    expect(state.level).toBe('4');
  });

  it('blinds an appraiser to the other until the appraisal settles; the arbiter sees a conflict', () => {
    const b = log().design('case-report').all('pp', { lessons: 'no' });
    const alcView = appraisalViewFor(b.state(), alc);
    expect(
      alcView.questions.every((q) => q.mine === null && q.appraisers === null && q.inConflict === null),
    ).toBe(true);
    expect(alcView.answerAs).toBe('appraiser');
    b.all('alc');
    const conflict = b.state();
    const ppView = appraisalViewFor(conflict, pp);
    expect(ppView.settled).toBe(false);
    expect(ppView.questions.every((q) => q.appraisers === null && q.inConflict === null)).toBe(true);
    expect(ppView.questions.find((q) => q.id === 'lessons')?.mine?.answer).toBe('no');
    const ashView = appraisalViewFor(conflict, ash);
    expect(ashView.answerAs).toBe('arbiter');
    expect(ashView.questions.filter((q) => q.inConflict).map((q) => q.id)).toEqual(['lessons']);
    expect(ashView.remaining).toBe(1);
    b.answer('ash', 'lessons', 'yes', 'arbiter');
    const settled = appraisalViewFor(b.state(), pp);
    expect(settled.settled).toBe(true);
    expect(settled.questions.find((q) => q.id === 'lessons')).toMatchObject({
      final: 'yes',
      inConflict: true,
    });
  });

  it('lets an appraiser change an answer until both are done, then closes', () => {
    const b = log().design('case-report').all('pp').answer('pp', 'lessons', 'no');
    expect(b.state().answers.get('pp')?.get('lessons')?.answer).toBe('no');
    b.all('alc');
    expect(ruleOf(() => b.answer('pp', 'lessons', 'yes').state())).toBe('appraisal-closed');
  });

  it('refuses a third appraiser, an arbiter who appraised, answers before a design and a late design change', () => {
    expect(ruleOf(() => log().answer('pp', 'lessons', 'yes').state())).toBe('no-design');
    expect(ruleOf(() => log().design('cohort').state())).toBe('unknown-design');
    expect(ruleOf(() => log().design('case-report').answer('pp', 'lessons', 'maybe').state())).toBe(
      'answer-not-allowed',
    );
    expect(
      ruleOf(() => log().design('case-report').answer('pp', 'lessons', 'yes').design('case-series').state()),
    ).toBe('design-locked');
    expect(
      ruleOf(() =>
        log()
          .design('case-report')
          .answer('pp', 'lessons', 'yes')
          .answer('alc', 'lessons', 'yes')
          .answer('ash', 'lessons', 'yes')
          .state(),
      ),
    ).toBe('study-full');
    expect(
      ruleOf(() =>
        log()
          .design('case-report')
          .all('pp', { lessons: 'no' })
          .all('alc')
          .answer('pp', 'lessons', 'no', 'arbiter')
          .state(),
      ),
    ).toBe('arbiter-was-appraiser');
  });

  it('judges a domain tool by its worst domain', () => {
    const tool = toolForDesign(breast.appraisal!, 'cohort')!;
    const answers = (worst: string) =>
      new Map(tool.items.map((item, i) => [item.id, i === 2 ? worst : 'low']));
    expect(overallJudgement(breast.appraisal!, tool, answers('low'))).toBe('low');
    expect(overallJudgement(breast.appraisal!, tool, answers('some-concerns'))).toBe('some-concerns');
    expect(overallJudgement(breast.appraisal!, tool, answers('high'))).toBe('high');
  });

  it('computes kappa per question and overall over the studies both appraisers finished', () => {
    const one = log('s1')
      .design('case-report')
      .all('pp', { lessons: 'no' })
      .all('alc', { lessons: 'no' })
      .state();
    const two = log('s2')
      .design('case-report')
      .all('pp', { lessons: 'yes' })
      .all('alc', { lessons: 'no' })
      .state();
    const three = log('s3')
      .design('case-report')
      .all('pp', { lessons: 'yes' })
      .all('alc', { lessons: 'yes' })
      .state();
    const unfinished = log('s4').design('case-report').all('pp').state();
    const agreement = appraisalAgreement([one, two, three, unfinished]);
    expect(agreement.studies).toBe(3);
    const lessons = agreement.questions.find((q) => q.questionId === 'lessons')!;
    // alc = A (alphabetical), pp = B. Pairs (no,no) (no,yes) (yes,yes): po = 2/3,
    // pe = P(A no)P(B no) + P(A yes)P(B yes) = (2/3)(1/3) + (1/3)(2/3) = 4/9, kappa = (2/3-4/9)/(5/9) = 0.4.
    expect(lessons.n).toBe(3);
    expect(lessons.disagreements).toBe(1);
    expect(lessons.kappa).toBeCloseTo(0.4, 12);
    // Every other question: always "yes"/"4" from both: kappa undefined (pe = 1).
    expect(agreement.questions.find((q) => q.questionId === 'demographics')!.kappa).toBeNull();
    expect(agreement.questions.find((q) => q.questionId === 'level')!.toolId).toBeNull();
    // Pooled: 27 pairs, one disagreement.
    expect(agreement.overall.n).toBe(27);
    expect(agreement.overall.observedAgreement).toBeCloseTo(26 / 27, 12);
  });
});
