// What one reviewer may see of a study's appraisal (the rule screening follows, ../screening/blinding.ts):
// an appraiser sees only their own answers until the appraisal settles: not the other's answers, not whether
// the other has started or finished, and not which questions are in conflict. An arbiter of an appraisal in
// conflict sees both appraisers' answers and the questions to settle. Once settled, everyone listed on the
// review sees every answer, the final ones, the level and the judgement.
//
// The API and the CLI hand out only AppraisalView objects built here.
import type { Reviewer } from '../protocol/protocol.ts';
import type { AnswerEvent, AnswerRole } from './events.ts';
import { answerRoleFor, type Question, type StudyAppraisalState } from './workflow.ts';

export interface AnswerView {
  reviewerId: string;
  role: AnswerRole;
  answer: string;
  note: string | null;
  at: string;
}

export interface QuestionView extends Question {
  /** The viewer's own latest answer. */
  mine: AnswerView | null;
  /** Both appraisers' answers: once settled, or for the arbiter of an appraisal in conflict; null otherwise. */
  appraisers: AnswerView[] | null;
  /** Shown only to a viewer who may see the answers. */
  inConflict: boolean | null;
  arbiter: AnswerView | null;
  /** Once settled. */
  final: string | null;
}

export interface AppraisalView {
  studyId: string;
  design: string | null;
  toolId: string | null;
  toolName: string | null;
  settled: boolean;
  /** Once settled. */
  judgement: string | null;
  level: string | null;
  questions: QuestionView[];
  /** The role the viewer would answer in now, or null. */
  answerAs: AnswerRole | null;
  /** Questions the viewer still has to answer in that role. */
  remaining: number;
}

function toView(event: AnswerEvent): AnswerView {
  return {
    reviewerId: event.reviewerId,
    role: event.role,
    answer: event.answer,
    note: event.note,
    at: event.at,
  };
}

export function appraisalViewFor(
  state: StudyAppraisalState,
  viewer: Pick<Reviewer, 'id' | 'roles'>,
): AppraisalView {
  const answerAs = answerRoleFor(state, viewer);
  const settled = state.phase === 'settled';
  const open = settled || (state.phase === 'conflict' && answerAs === 'arbiter');
  const mine = state.answers.get(viewer.id);
  const questions = state.questions.map((question): QuestionView => {
    const result = state.results?.find((r) => r.questionId === question.id);
    const own =
      mine?.get(question.id) ??
      (result?.arbiterAnswer?.reviewerId === viewer.id ? result.arbiterAnswer : null);
    return {
      ...question,
      mine: own ? toView(own) : null,
      appraisers: open && result ? result.appraiserAnswers.map(toView) : null,
      inConflict: open && result ? !result.agreed : null,
      arbiter: open && result?.arbiterAnswer ? toView(result.arbiterAnswer) : null,
      final: settled && result ? result.final : null,
    };
  });
  const remaining =
    answerAs === 'appraiser'
      ? questions.filter((q) => !q.mine).length
      : answerAs === 'arbiter'
        ? questions.filter((q) => q.inConflict && !q.arbiter).length
        : 0;
  return {
    studyId: state.studyId,
    design: state.design,
    toolId: state.tool?.id ?? null,
    toolName: state.tool?.name ?? null,
    settled,
    judgement: settled ? state.judgement : null,
    level: settled ? state.level : null,
    questions,
    answerAs,
    remaining,
  };
}
