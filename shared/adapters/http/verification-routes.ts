// The extraction-verification routes of the screening API: the same authentication, CSRF and review checks as
// screening (createScreeningApi applies them to every route), and the same blinding rule, applied server-side:
// every row's verification leaves as a RowVerificationView from the domain (verification/blinding.ts).
//
// | method | path | what |
// |---|---|---|
// | GET | /api/reviews/{reviewId}/verification?study=S | rows waiting for me: to verify, to resolve; counts |
// | GET | /api/reviews/{reviewId}/verification/{studyId}/{patientId} | one row's verification as I may see it |
// | POST | /api/reviews/{reviewId}/verification/{studyId}/confirm | {patientIds?, eventId?}: confirm rows |
// | POST | /api/reviews/{reviewId}/verification/{studyId}/{patientId}/flags | {fields: [{field, value, note}], eventId?} |
// | POST | /api/reviews/{reviewId}/verification/{studyId}/{patientId}/resolutions | {field, decision, value?, note?, eventId?} |
//
// Values are JSON as the rows hold them (null: not reported). Without verification deps the routes answer 404.
import { z } from 'zod';
import { type Actor, NotFoundError } from '../../app/screening.ts';
import {
  confirmRows,
  flagRow,
  getRowVerification,
  resolveField,
  type VerificationDeps,
  verificationQueue,
} from '../../app/verify-extraction.ts';
import type { Protocol } from '../../domain/protocol/protocol.ts';
import { CITATION_ID, type Context, EVENT_ID, parseBody, REVIEW_ID, requireActor } from './api-request.ts';
import { HttpError, json } from './http.ts';
import type { Route } from './router.ts';

/** A patient id as a path segment. */
export const PATIENT_ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/;

export const confirmBodySchema = z.strictObject({
  patientIds: z.array(z.string().regex(PATIENT_ID)).min(1).max(5000).optional(),
  eventId: z.string().regex(EVENT_ID).optional(),
});

export const flagBodySchema = z.strictObject({
  fields: z
    .array(
      z.strictObject({
        field: z.string().min(1).max(100),
        value: z.unknown(),
        note: z.string().min(1).max(2000),
      }),
    )
    .min(1)
    .max(100),
  eventId: z.string().regex(EVENT_ID).optional(),
});

export const resolveBodySchema = z.strictObject({
  field: z.string().min(1).max(100),
  decision: z.enum(['accept', 'keep']),
  value: z.unknown().optional(),
  note: z.string().max(2000).nullable().default(null),
  eventId: z.string().regex(EVENT_ID).optional(),
});

const queueQuerySchema = z.object({ study: z.string().regex(CITATION_ID).optional() });

export function verificationRoutes(
  deps: VerificationDeps | undefined,
  protocolFor: (reviewId: string, actor: Actor) => Protocol,
): Route<Context>[] {
  const served = (): VerificationDeps => {
    if (!deps) throw new NotFoundError('extraction verification is not served here');
    return deps;
  };
  const review = { reviewId: REVIEW_ID };
  const study = { reviewId: REVIEW_ID, studyId: CITATION_ID };
  const row = { reviewId: REVIEW_ID, studyId: CITATION_ID, patientId: PATIENT_ID };
  return [
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/verification',
      auth: 'jwt',
      params: review,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const query = queueQuerySchema.safeParse(Object.fromEntries(request.query));
        if (!query.success) throw new HttpError(400, 'invalid-query', 'study must be a study id');
        const protocol = protocolFor(params.reviewId!, actor);
        const options = query.data.study ? { studyId: query.data.study } : {};
        return json(200, await verificationQueue(served(), protocol, actor, options));
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/verification/{studyId}/{patientId}',
      auth: 'jwt',
      params: row,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const found = await getRowVerification(served(), protocol, actor, params.studyId!, params.patientId!);
        return json(200, { row: found });
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/verification/{studyId}/confirm',
      auth: 'jwt',
      params: study,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(confirmBodySchema, request);
        const outcome = await confirmRows(served(), protocol, actor, params.studyId!, {
          ...(body.patientIds ? { patientIds: body.patientIds } : {}),
          ...(body.eventId ? { eventId: body.eventId } : {}),
        });
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/verification/{studyId}/{patientId}/flags',
      auth: 'jwt',
      params: row,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(flagBodySchema, request);
        const outcome = await flagRow(served(), protocol, actor, params.studyId!, params.patientId!, {
          fields: body.fields.map((f) => ({ field: f.field, value: f.value ?? null, note: f.note })),
          ...(body.eventId ? { eventId: body.eventId } : {}),
        });
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/verification/{studyId}/{patientId}/resolutions',
      auth: 'jwt',
      params: row,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(resolveBodySchema, request);
        const outcome = await resolveField(served(), protocol, actor, params.studyId!, params.patientId!, {
          field: body.field,
          decision: body.decision,
          ...(body.value !== undefined ? { value: body.value } : {}),
          note: body.note,
          ...(body.eventId ? { eventId: body.eventId } : {}),
        });
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
  ];
}
