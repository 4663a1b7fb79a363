// Agreement between appraisers: Cohen's kappa per question and over every question pooled, over the studies
// both appraisers have finished (their latest answers, before any arbiter). Questions of different tools are
// kept apart (a JBI case-report item is not a case-series item); the level of evidence is one question across
// tools. Kappa as screening computes it (../screening/kappa.ts).

import { LEVEL_QUESTION, OVERALL_QUESTION } from '../protocol/appraisal.ts';
import { cohensKappa, type KappaResult } from '../screening/kappa.ts';
import type { StudyAppraisalState } from './workflow.ts';

export interface QuestionAgreement extends KappaResult {
  /** The tool the question belongs to; null for the level of evidence. */
  toolId: string | null;
  questionId: string;
  /** Studies where the two disagreed (and an arbiter settles or settled). */
  disagreements: number;
}

export interface AppraisalAgreement {
  /** Studies both appraisers finished. */
  studies: number;
  questions: QuestionAgreement[];
  /** Every question's pairs pooled. */
  overall: KappaResult;
}

export function appraisalAgreement(states: readonly StudyAppraisalState[]): AppraisalAgreement {
  const pairs = new Map<
    string,
    { toolId: string | null; questionId: string; ratings: Array<[string, string]> }
  >();
  const all: Array<[string, string]> = [];
  let studies = 0;
  for (const state of states) {
    if (!state.results) continue;
    studies++;
    // Ratings are paired by appraiser id order, so "A" is the same person wherever the pair recurs.
    for (const result of state.results) {
      const [x, y] = [...result.appraiserAnswers].sort((p, q) => p.reviewerId.localeCompare(q.reviewerId));
      const toolId = result.questionId === LEVEL_QUESTION ? null : state.tool!.id;
      const key = `${toolId}|${result.questionId}`;
      const entry = pairs.get(key) ?? { toolId, questionId: result.questionId, ratings: [] };
      entry.ratings.push([x!.answer, y!.answer]);
      pairs.set(key, entry);
      all.push([x!.answer, y!.answer]);
    }
  }
  const order = (id: string) => (id === LEVEL_QUESTION ? 1 : id === OVERALL_QUESTION ? 2 : 0);
  const questions = [...pairs.values()]
    .sort(
      (p, q) => (p.toolId ?? '~').localeCompare(q.toolId ?? '~') || order(p.questionId) - order(q.questionId),
    )
    .map((p) => ({
      toolId: p.toolId,
      questionId: p.questionId,
      disagreements: p.ratings.filter(([a, b]) => a !== b).length,
      ...cohensKappa(p.ratings),
    }));
  return { studies, questions, overall: cohensKappa(all) };
}
