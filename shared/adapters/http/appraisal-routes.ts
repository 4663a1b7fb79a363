// The appraisal routes of the screening API: the same authentication, CSRF and review checks as screening
// (createScreeningApi applies them to every route), and the same blinding rule, applied server-side: every
// appraisal leaves as an AppraisalView from the domain (shared/domain/appraisal/blinding.ts).
//
// | method | path | what |
// |---|---|---|
// | GET | /api/reviews/{reviewId}/appraisals/next?as=appraiser\|arbiter&skip=a,b | the next study for me |
// | GET | /api/reviews/{reviewId}/appraisals/progress | my queue counts (arbiters who do not appraise: kappa) |
// | GET | /api/reviews/{reviewId}/appraisals/{studyId} | one study's appraisal as I may see it |
// | POST | /api/reviews/{reviewId}/appraisals/{studyId}/design | {design, eventId?}: the study's design |
// | POST | /api/reviews/{reviewId}/appraisals/{studyId}/answers | {questionId, answer, note?, eventId?} |
import { z } from 'zod';
import {
  type AppraisalDeps,
  appraisalProgress,
  getAppraisal,
  nextAppraisal,
  recordAnswer,
  setStudyDesign,
} from '../../app/appraisal.ts';
import { type Actor, NotFoundError } from '../../app/screening.ts';
import type { Protocol } from '../../domain/protocol/protocol.ts';
import { CITATION_ID, type Context, EVENT_ID, parseBody, REVIEW_ID, requireActor } from './api-request.ts';
import { HttpError, json } from './http.ts';
import type { Route } from './router.ts';

export const designBodySchema = z.strictObject({
  design: z.string().min(1).max(100),
  eventId: z.string().regex(EVENT_ID).optional(),
});

export const answerBodySchema = z.strictObject({
  questionId: z.string().min(1).max(100),
  answer: z.string().min(1).max(100),
  note: z.string().max(2000).nullable().default(null),
  eventId: z.string().regex(EVENT_ID).optional(),
});

const nextQuerySchema = z.object({
  as: z.enum(['appraiser', 'arbiter']).default('appraiser'),
  skip: z
    .string()
    .max(5000)
    .optional()
    .transform((value) => (value ? value.split(',').filter((id) => CITATION_ID.test(id)) : [])),
});

export function appraisalRoutes(
  deps: AppraisalDeps | undefined,
  protocolFor: (reviewId: string, actor: Actor) => Protocol,
): Route<Context>[] {
  const served = (): AppraisalDeps => {
    if (!deps) throw new NotFoundError('appraisal is not served here');
    return deps;
  };
  const review = { reviewId: REVIEW_ID };
  const study = { reviewId: REVIEW_ID, studyId: CITATION_ID };
  return [
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/appraisals/next',
      auth: 'jwt',
      params: review,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const query = nextQuerySchema.safeParse(Object.fromEntries(request.query));
        if (!query.success) throw new HttpError(400, 'invalid-query', 'as must be appraiser or arbiter');
        const next = await nextAppraisal(served(), protocolFor(params.reviewId!, actor), actor, query.data);
        return json(200, { appraisal: next });
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/appraisals/progress',
      auth: 'jwt',
      params: review,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(200, await appraisalProgress(served(), protocolFor(params.reviewId!, actor), actor));
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/appraisals/{studyId}',
      auth: 'jwt',
      params: study,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        return json(200, { appraisal: await getAppraisal(served(), protocol, actor, params.studyId!) });
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/appraisals/{studyId}/design',
      auth: 'jwt',
      params: study,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(designBodySchema, request);
        const outcome = await setStudyDesign(served(), protocol, actor, params.studyId!, body);
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/appraisals/{studyId}/answers',
      auth: 'jwt',
      params: study,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(answerBodySchema, request);
        const outcome = await recordAnswer(served(), protocol, actor, params.studyId!, body);
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
  ];
}
