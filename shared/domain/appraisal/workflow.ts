// The appraisal workflow of one included study, as pure functions over its event log.
//
// 1. The study is given a design (any appraiser or arbiter; only before the first answer): the design picks the
//    protocol's tool for it. The questions are the tool's items, then the level of evidence (when the protocol
//    declares levels), then the overall judgement (when the tool leaves it to the appraisers).
// 2. Two appraisers answer every question independently. Each may change an answer (a new event; the latest
//    counts) until both have answered every question: then the appraisers' part closes.
// 3. Questions both answered alike are settled by agreement; the others go to an arbiter who was not one of the
//    two. When the arbiter has answered every question in conflict, the study's appraisal is settled.
// 4. A settled appraisal has a final answer per question, a level (if declared) and an overall judgement: by the
//    tool's rule (count, worst) or the settled "overall" question.
//
// The appraisers' part closes only when both are done, never per question: settling a question as soon as both
// answered it would tell an appraiser, refused a change, how the other had answered (blinding, ./blinding.ts).

import {
  type Appraisal,
  type AppraisalTool,
  LEVEL_QUESTION,
  OVERALL_QUESTION,
  toolForDesign,
} from '../protocol/appraisal.ts';
import type { Reviewer } from '../protocol/protocol.ts';
import type { AnswerEvent, AnswerRole, AppraisalEvent } from './events.ts';

export interface Question {
  id: string;
  text: string;
  answers: Array<{ id: string; label: string }>;
}

export type AppraisalPhase = 'awaiting-design' | 'awaiting-appraisers' | 'conflict' | 'settled';

export interface QuestionResult {
  questionId: string;
  /** The two appraisers' latest answers, in the order the appraisers first answered. */
  appraiserAnswers: AnswerEvent[];
  agreed: boolean;
  arbiterAnswer: AnswerEvent | null;
  /** The settled answer: the agreed one, or the arbiter's; null while in conflict. */
  final: string | null;
}

export interface StudyAppraisalState {
  studyId: string;
  design: string | null;
  tool: AppraisalTool | null;
  questions: Question[];
  phase: AppraisalPhase;
  /** The appraisers, in the order they first answered (at most two). */
  appraisers: string[];
  /** Each appraiser's latest answer per question. */
  answers: Map<string, Map<string, AnswerEvent>>;
  /** Once both appraisers answered every question: one result per question, in question order. */
  results: QuestionResult[] | null;
  /** Once settled. */
  judgement: string | null;
  level: string | null;
  settledAt: string | null;
  /** The seq of the last event (0 before any). */
  version: number;
  events: AppraisalEvent[];
}

export type AppraisalRuleCode =
  | 'out-of-order'
  | 'event-id-reused'
  | 'unknown-design'
  | 'design-locked'
  | 'no-design'
  | 'unknown-question'
  | 'answer-not-allowed'
  | 'appraisal-closed'
  | 'study-full'
  | 'not-in-conflict'
  | 'arbiter-was-appraiser'
  | 'not-allowed';

/** An event the workflow does not accept in the study's current state. */
export class AppraisalRuleError extends Error {
  override name = 'AppraisalRuleError';
  constructor(
    readonly code: AppraisalRuleCode,
    message: string,
  ) {
    super(message);
  }
}

/** The questions a study appraised with `tool` answers, in order. */
export function questionsOf(appraisal: Appraisal, tool: AppraisalTool): Question[] {
  const questions: Question[] = tool.items.map((item) => ({
    id: item.id,
    text: item.text,
    answers: tool.answers,
  }));
  if (appraisal.levels) {
    questions.push({
      id: LEVEL_QUESTION,
      text: `Level of evidence (${appraisal.levels.scheme})`,
      answers: appraisal.levels.values,
    });
  }
  if (tool.overall.rule === 'appraisers') {
    questions.push({ id: OVERALL_QUESTION, text: 'Overall judgement', answers: appraisal.judgements });
  }
  return questions;
}

/** The overall judgement of a settled appraisal, from its final answers by the tool's rule. */
export function overallJudgement(
  appraisal: Appraisal,
  tool: AppraisalTool,
  finals: ReadonlyMap<string, string>,
) {
  const rule = tool.overall;
  if (rule.rule === 'appraisers') return finals.get(OVERALL_QUESTION) ?? null;
  const itemAnswers = tool.items
    .map((item) => finals.get(item.id))
    .filter((a): a is string => a !== undefined);
  if (rule.rule === 'count') {
    const counted = itemAnswers.filter((a) => rule.counted.includes(a)).length;
    return rule.thresholds.find((t) => counted >= t.atLeast)?.judgement ?? rule.otherwise;
  }
  const order = appraisal.judgements.map((j) => j.id);
  let worst = -1;
  for (const answer of itemAnswers) worst = Math.max(worst, order.indexOf(rule.judgementOf[answer] ?? ''));
  return worst >= 0 ? order[worst]! : null;
}

export function initialAppraisalState(studyId: string): StudyAppraisalState {
  return {
    studyId,
    design: null,
    tool: null,
    questions: [],
    phase: 'awaiting-design',
    appraisers: [],
    answers: new Map(),
    results: null,
    judgement: null,
    level: null,
    settledAt: null,
    version: 0,
    events: [],
  };
}

/** True when `reviewerId` has answered every question. */
export function hasCompleted(state: StudyAppraisalState, reviewerId: string): boolean {
  const mine = state.answers.get(reviewerId);
  return !!mine && state.questions.length > 0 && state.questions.every((q) => mine.has(q.id));
}

/** Throws AppraisalRuleError when `event` cannot follow `state`. */
export function checkAppraisalEvent(
  appraisal: Appraisal,
  state: StudyAppraisalState,
  event: AppraisalEvent,
): void {
  if (event.seq !== state.version + 1) {
    throw new AppraisalRuleError(
      'out-of-order',
      `event ${event.seq} cannot follow event ${state.version} of ${state.studyId}`,
    );
  }
  if (state.events.some((e) => e.eventId === event.eventId)) {
    throw new AppraisalRuleError('event-id-reused', `event id "${event.eventId}" is already in the log`);
  }
  if (event.type === 'design-set') {
    if (!toolForDesign(appraisal, event.design)) {
      const designs = appraisal.designs.map((d) => d.id).join(', ');
      throw new AppraisalRuleError(
        'unknown-design',
        `no tool applies to design "${event.design}" (designs: ${designs})`,
      );
    }
    if (state.events.some((e) => e.type === 'answer')) {
      throw new AppraisalRuleError(
        'design-locked',
        `${state.studyId} has answers already: its design is fixed`,
      );
    }
    return;
  }
  if (!state.tool) {
    throw new AppraisalRuleError('no-design', `${state.studyId} has no design yet: set it first`);
  }
  const question = state.questions.find((q) => q.id === event.questionId);
  if (!question) {
    throw new AppraisalRuleError(
      'unknown-question',
      `${state.tool.name} has no question "${event.questionId}" (questions: ${state.questions.map((q) => q.id).join(', ')})`,
    );
  }
  if (!question.answers.some((a) => a.id === event.answer)) {
    throw new AppraisalRuleError(
      'answer-not-allowed',
      `"${event.answer}" is not an answer to ${question.id} (answers: ${question.answers.map((a) => a.id).join(', ')})`,
    );
  }
  if (event.role === 'arbiter') {
    if (state.phase !== 'conflict') {
      throw new AppraisalRuleError('not-in-conflict', `the appraisal of ${state.studyId} is not in conflict`);
    }
    if (state.appraisers.includes(event.reviewerId)) {
      throw new AppraisalRuleError(
        'arbiter-was-appraiser',
        `${event.reviewerId} appraised this study and cannot also settle it`,
      );
    }
    const result = state.results?.find((r) => r.questionId === event.questionId);
    if (!result || result.agreed) {
      throw new AppraisalRuleError(
        'not-in-conflict',
        `${event.questionId} of ${state.studyId} is not in conflict`,
      );
    }
    return;
  }
  if (state.phase === 'conflict' || state.phase === 'settled') {
    throw new AppraisalRuleError(
      'appraisal-closed',
      `both appraisers have answered every question of ${state.studyId}: answers are closed`,
    );
  }
  if (!state.appraisers.includes(event.reviewerId) && state.appraisers.length >= 2) {
    throw new AppraisalRuleError('study-full', `${state.studyId} already has two appraisers`);
  }
}

function finish(state: StudyAppraisalState, appraisal: Appraisal, at: string): void {
  const [a, b] = state.appraisers;
  if (!a || !b || !hasCompleted(state, a) || !hasCompleted(state, b)) return;
  const arbiter = new Map<string, AnswerEvent>();
  for (const event of state.events) {
    if (event.type === 'answer' && event.role === 'arbiter') arbiter.set(event.questionId, event);
  }
  state.results = state.questions.map((question) => {
    const first = state.answers.get(a)!.get(question.id)!;
    const second = state.answers.get(b)!.get(question.id)!;
    const agreed = first.answer === second.answer;
    const arbiterAnswer = agreed ? null : (arbiter.get(question.id) ?? null);
    return {
      questionId: question.id,
      appraiserAnswers: [first, second],
      agreed,
      arbiterAnswer,
      final: agreed ? first.answer : (arbiterAnswer?.answer ?? null),
    };
  });
  if (state.results.some((r) => r.final === null)) {
    state.phase = 'conflict';
    return;
  }
  state.phase = 'settled';
  state.settledAt = at;
  const finals = new Map(state.results.map((r) => [r.questionId, r.final!]));
  state.judgement = overallJudgement(appraisal, state.tool!, finals);
  state.level = finals.get(LEVEL_QUESTION) ?? null;
}

/** The state after `events` (a study's whole log). Throws AppraisalRuleError on a log that breaks the rules. */
export function replayAppraisal(
  appraisal: Appraisal,
  studyId: string,
  events: readonly AppraisalEvent[],
): StudyAppraisalState {
  const state = initialAppraisalState(studyId);
  for (const event of [...events].sort((x, y) => x.seq - y.seq)) {
    if (event.studyId !== studyId) {
      throw new AppraisalRuleError('not-allowed', `event of ${event.studyId} in the log of ${studyId}`);
    }
    checkAppraisalEvent(appraisal, state, event);
    state.events.push(event);
    state.version = event.seq;
    if (event.type === 'design-set') {
      state.design = event.design;
      state.tool = toolForDesign(appraisal, event.design);
      state.questions = questionsOf(appraisal, state.tool!);
      state.phase = 'awaiting-appraisers';
      continue;
    }
    if (event.role === 'appraiser') {
      if (!state.appraisers.includes(event.reviewerId)) state.appraisers.push(event.reviewerId);
      const mine = state.answers.get(event.reviewerId) ?? new Map<string, AnswerEvent>();
      mine.set(event.questionId, event);
      state.answers.set(event.reviewerId, mine);
    }
    finish(state, appraisal, event.at);
  }
  return state;
}

/** The state after one more event; throws AppraisalRuleError (changing nothing) when it is not allowed. */
export function applyAppraisalEvent(
  appraisal: Appraisal,
  state: StudyAppraisalState,
  event: AppraisalEvent,
): StudyAppraisalState {
  return replayAppraisal(appraisal, state.studyId, [...state.events, event]);
}

/**
 * The role `reviewer` would answer in on this study now, or null: an arbiter (not one of the two appraisers)
 * of an appraisal in conflict; an appraiser while the appraisers' part is open and has room for them.
 */
export function answerRoleFor(
  state: StudyAppraisalState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
): AnswerRole | null {
  const appraised = state.appraisers.includes(reviewer.id);
  if (state.phase === 'conflict') return reviewer.roles.includes('arbiter') && !appraised ? 'arbiter' : null;
  if (state.phase === 'settled' || !reviewer.roles.includes('appraiser')) return null;
  return appraised || state.appraisers.length < 2 ? 'appraiser' : null;
}

/** True when the study waits for `reviewer` in role `as` (their queue). */
export function awaitsAppraisal(
  state: StudyAppraisalState,
  reviewer: Pick<Reviewer, 'id' | 'roles'>,
  as: AnswerRole,
): boolean {
  if (answerRoleFor(state, reviewer) !== as) return false;
  return as === 'arbiter' || !hasCompleted(state, reviewer.id);
}
