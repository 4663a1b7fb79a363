// The screening HTTP API and page, as one request -> response function. The Lambda
// (functions/screening-api/handler.ts) and the local server (cli/serve/server.ts) differ only in how they
// authenticate a caller (a Cognito JWT's claims, a local bearer token) and which origins they accept.
//
// Security, in the order a request meets it:
// - every /api/ route needs an authenticated caller (401 otherwise, with WWW-Authenticate: Bearer); the page
//   and its files (web/screening/) are public (they hold no data);
// - a caller acts only on reviews that list them (403; an unknown review answers the same, so review ids
//   cannot be probed);
// - state-changing requests (POST) must be JSON (415 otherwise: an HTML form cannot send it without a CORS
//   preflight, which this API never grants) and must not come from another origin (Origin, and
//   Sec-Fetch-Site where the browser sends it); credentials travel only in the Authorization header, never in
//   cookies, so a cross-site page has nothing to ride on;
// - bodies are validated with zod (400 naming the field); the page builds its DOM with textContent only;
// - blinding is applied here, server-side: every record leaves as a RecordView from the domain.
import { z } from 'zod';
import type { AppraisalDeps } from '../../app/appraisal.ts';
import {
  confirmAttachment,
  type FullTextDeps,
  fullTextOf,
  startAttachmentUpload,
} from '../../app/full-text.ts';
import {
  type Actor,
  DecisionRejectedError,
  getRecord,
  InvalidRequestError,
  listConflicts,
  myDecisions,
  NotAllowedError,
  NotFoundError,
  nextRecord,
  progress,
  recordDecision,
  resolvePossibleDuplicate,
  reviewSummary,
  reviewsOf,
  type ScreeningDeps,
} from '../../app/screening.ts';
import type { VerificationDeps } from '../../app/verify-extraction.ts';
import type { Protocol } from '../../domain/protocol/protocol.ts';
import { stageSchema, voteSchema } from '../../domain/screening/events.ts';
import { formatIssues } from '../../domain/zod-issues.ts';
import { errorMessage, InputError, LivingReviewError, StoreError } from '../../errors.ts';
import { CITATION_ID, type Context, PAIR_ID, parseBody, REVIEW_ID, requireActor } from './api-request.ts';
import { appraisalRoutes } from './appraisal-routes.ts';
import {
  contentSecurityPolicy,
  HttpError,
  type HttpRequest,
  type HttpResponse,
  header,
  json,
  MAX_BODY_BYTES,
  problem,
  SECURITY_HEADERS,
} from './http.ts';
import { matchRoute, type Route, type RouteSpec } from './router.ts';
import { ASSET_FILE_NAME, type StaticAsset } from './static-assets.ts';
import { verificationRoutes } from './verification-routes.ts';

export interface ScreeningApiOptions {
  protocols: readonly Protocol[];
  deps: ScreeningDeps;
  /** The appraisal use cases' stores; without them the appraisal routes answer 404. */
  appraisal?: AppraisalDeps;
  /** The extraction-verification use cases' stores; without them the verification routes answer 404. */
  verification?: VerificationDeps;
  /** The full-text view and attachments (links only, without lookups or uploads, when absent). */
  fullText?: FullTextDeps;
  /** The caller, or null when the request carries no valid credentials. */
  authenticate(request: HttpRequest): Actor | null | Promise<Actor | null>;
  /** Origins a state-changing request may come from, e.g. ["http://127.0.0.1:8080"]. */
  allowedOrigins(request: HttpRequest): readonly string[];
  assets: ReadonlyMap<string, StaticAsset>;
  /** Origins besides its own and the attachment storage's the page may fetch (the sign-in token endpoint). */
  connectOrigins?: readonly string[];
  /** Headers added to every response (HSTS behind HTTPS). */
  extraHeaders?: Record<string, string>;
  /** Where unexpected errors are logged (their details never reach the caller). */
  logError?: (message: string) => void;
}

export const decisionBodySchema = z.strictObject({
  stage: stageSchema,
  decision: voteSchema,
  reasonId: z.string().min(1).max(100).nullable().default(null),
  note: z.string().max(2000).nullable().default(null),
  /** A client-chosen id that makes a retry safe. */
  eventId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,100}$/)
    .optional(),
});

export const duplicateBodySchema = z.strictObject({ action: z.enum(['confirm', 'split']) });

const fileName = z
  .string()
  .min(1)
  .max(200)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the name may not hold
  .regex(/^[^\u0000-\u001f\u007f/\\]+$/, 'a file name without control characters or slashes');
export const uploadBodySchema = z.strictObject({ fileName, size: z.number().int().min(1) });
export const confirmBodySchema = z.strictObject({ fileName });
const ATTACHMENT_ID = /^[A-Za-z0-9-]{8,64}$/;

const nextQuerySchema = z.object({
  as: z.enum(['screener', 'arbiter']).default('screener'),
  skip: z
    .string()
    .max(5000)
    .optional()
    .transform((value) => (value ? value.split(',').filter((id) => CITATION_ID.test(id)) : [])),
});

const decisionsQuerySchema = z.strictObject({
  stage: stageSchema.optional(),
  decision: voteSchema.optional(),
  reason: z.string().min(1).max(100).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  after: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,2000}$/)
    .optional(),
});

function parseQuery<T extends z.ZodType>(schema: T, request: HttpRequest): z.output<T> {
  const parsed = schema.safeParse(Object.fromEntries(request.query));
  if (!parsed.success) {
    throw new HttpError(400, 'invalid-query', formatIssues(parsed.error, '(query)'));
  }
  return parsed.data;
}

/** A same-origin check for state-changing requests (see the header comment). */
function checkOrigin(request: HttpRequest, allowed: readonly string[]): void {
  const contentType = header(request, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(415, 'unsupported-media-type', 'send the body as application/json');
  }
  const origin = header(request, 'origin');
  if (origin !== undefined && !allowed.includes(origin)) {
    throw new HttpError(403, 'cross-origin', `requests from ${origin} are not accepted`);
  }
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, 'cross-origin', 'cross-site requests are not accepted');
  }
}

function asset(assets: ReadonlyMap<string, StaticAsset>, name: string): HttpResponse {
  const file = assets.get(name);
  if (!file) throw new HttpError(404, 'not-found', 'no such file');
  return {
    status: 200,
    headers: { 'content-type': file.contentType, 'cache-control': 'no-cache' },
    body: file.body,
  };
}

/** The routes, in API Gateway syntax: what the CDK app declares on the HTTP API. */
export function screeningRoutes(options: ScreeningApiOptions): Route<Context>[] {
  const { deps, assets } = options;
  const protocolFor = (reviewId: string, actor: Actor): Protocol => {
    const protocol = options.protocols.find((p) => p.id === reviewId);
    if (!protocol) throw new NotAllowedError(`${actor.reviewerId} is not a reviewer of review "${reviewId}"`);
    return protocol;
  };
  const review = { reviewId: REVIEW_ID };
  const record = { reviewId: REVIEW_ID, citationId: CITATION_ID };
  const fullText: FullTextDeps = options.fullText ?? {
    citations: deps?.citations,
    store: {
      getOpenAccess: async () => null,
      saveOpenAccess: async () => {},
      putAttachment: async () => {},
      listAttachments: async () => [],
    },
    openAccess: null,
    storage: null,
    clock: () => new Date(),
    newId: () => '',
  };
  return [
    { method: 'GET', path: '/', auth: 'none', handle: async () => asset(assets, 'index.html') },
    {
      method: 'GET',
      path: '/favicon.ico',
      auth: 'none',
      handle: async () => ({ status: 204, headers: { 'cache-control': 'max-age=86400' }, body: '' }),
    },
    {
      method: 'GET',
      path: '/assets/{file}',
      auth: 'none',
      params: { file: ASSET_FILE_NAME },
      handle: async (_request, params) => asset(assets, params.file!),
    },
    {
      method: 'GET',
      path: '/api/me',
      auth: 'jwt',
      handle: async (_request, _params, context) => {
        const actor = requireActor(context);
        return json(200, { reviewerId: actor.reviewerId, reviews: reviewsOf(options.protocols, actor) });
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}',
      auth: 'jwt',
      params: review,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(200, reviewSummary(protocolFor(params.reviewId!, actor), actor));
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/next',
      auth: 'jwt',
      params: review,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const query = nextQuerySchema.safeParse(Object.fromEntries(request.query));
        if (!query.success) throw new HttpError(400, 'invalid-query', 'as must be screener or arbiter');
        const next = await nextRecord(deps, protocolFor(params.reviewId!, actor), actor, query.data);
        return json(200, { record: next });
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/records/{citationId}',
      auth: 'jwt',
      params: record,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(200, {
          record: await getRecord(deps, protocolFor(params.reviewId!, actor), actor, params.citationId!),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/records/{citationId}/full-text',
      auth: 'jwt',
      params: record,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(
          200,
          await fullTextOf(fullText, protocolFor(params.reviewId!, actor), actor, params.citationId!),
        );
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/records/{citationId}/attachments',
      auth: 'jwt',
      params: record,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(uploadBodySchema, request);
        return json(201, await startAttachmentUpload(fullText, protocol, actor, params.citationId!, body));
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/records/{citationId}/attachments/{attachmentId}',
      auth: 'jwt',
      params: { ...record, attachmentId: ATTACHMENT_ID },
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(confirmBodySchema, request);
        const attachment = await confirmAttachment(
          fullText,
          protocol,
          actor,
          params.citationId!,
          params.attachmentId!,
          body,
        );
        return json(200, { attachment });
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/records/{citationId}/decisions',
      auth: 'jwt',
      params: record,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(decisionBodySchema, request);
        const outcome = await recordDecision(deps, protocol, actor, params.citationId!, body);
        return json(outcome.recorded ? 201 : 200, outcome);
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/decisions',
      auth: 'jwt',
      params: review,
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const query = parseQuery(decisionsQuerySchema, request);
        const page = await myDecisions(deps, protocolFor(params.reviewId!, actor), actor, {
          ...(query.stage ? { stage: query.stage } : {}),
          ...(query.decision ? { decision: query.decision } : {}),
          ...(query.reason ? { reasonId: query.reason } : {}),
          ...(query.q ? { text: query.q } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
          after: query.after ?? null,
        });
        return json(200, page);
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/conflicts',
      auth: 'jwt',
      params: review,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(200, {
          conflicts: await listConflicts(deps, protocolFor(params.reviewId!, actor), actor),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/reviews/{reviewId}/progress',
      auth: 'jwt',
      params: review,
      handle: async (_request, params, context) => {
        const actor = requireActor(context);
        return json(200, await progress(deps, protocolFor(params.reviewId!, actor), actor));
      },
    },
    {
      method: 'POST',
      path: '/api/reviews/{reviewId}/possible-duplicates/{pairId}',
      auth: 'jwt',
      params: { reviewId: REVIEW_ID, pairId: PAIR_ID },
      handle: async (request, params, context) => {
        const actor = requireActor(context);
        const protocol = protocolFor(params.reviewId!, actor);
        const body = parseBody(duplicateBodySchema, request);
        const pair = await resolvePossibleDuplicate(deps, protocol, actor, params.pairId!, body.action);
        return json(200, { pair });
      },
    },
    ...appraisalRoutes(options.appraisal, protocolFor),
    ...verificationRoutes(options.verification, protocolFor),
  ];
}

/** Method, path and authorization of every route, for the HTTP API's route table. */
export const SCREENING_ROUTE_SPECS: readonly RouteSpec[] = screeningRoutes({
  protocols: [],
  deps: null as unknown as ScreeningDeps,
  authenticate: () => null,
  allowedOrigins: () => [],
  assets: new Map(),
}).map(({ method, path, auth }) => ({ method, path, auth }));

function errorResponse(error: unknown, logError: (message: string) => void): HttpResponse {
  if (error instanceof HttpError) return problem(error.status, error.code, error.message, error.headers);
  if (error instanceof NotAllowedError) return problem(403, 'forbidden', error.message);
  if (error instanceof NotFoundError) return problem(404, 'not-found', error.message);
  if (error instanceof InvalidRequestError || error instanceof InputError) {
    return problem(400, 'invalid-request', error.message);
  }
  if (error instanceof DecisionRejectedError) return problem(409, error.code, error.message);
  if (error instanceof StoreError && error.retryable) {
    logError(errorMessage(error));
    return problem(503, 'try-again', 'the store is busy: try again', { 'retry-after': '1' });
  }
  logError(
    error instanceof LivingReviewError ? errorMessage(error) : String((error as Error)?.stack ?? error),
  );
  return problem(500, 'internal', 'something went wrong on our side');
}

/** Builds the API: one function from request to response that never throws. */
export function createScreeningApi(
  options: ScreeningApiOptions,
): (request: HttpRequest) => Promise<HttpResponse> {
  const routes = screeningRoutes(options);
  const logError = options.logError ?? ((message: string) => console.error(message));
  const storageOrigins = options.fullText?.storage?.origins();
  const headers = {
    ...SECURITY_HEADERS,
    'content-security-policy': contentSecurityPolicy({
      connect: [...(storageOrigins?.connect ?? []), ...(options.connectOrigins ?? [])],
      frame: storageOrigins?.frame ?? [],
    }),
  };
  return async (request) => {
    let response: HttpResponse;
    try {
      if (request.body !== null && Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
        throw new HttpError(413, 'too-large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
      }
      const match = matchRoute(routes, request);
      if (!match) throw new HttpError(404, 'not-found', 'no such route');
      const context: Context = { actor: null };
      if (match.route.auth === 'jwt') {
        context.actor = await options.authenticate(request);
        if (!context.actor) {
          throw new HttpError(401, 'unauthenticated', 'a valid bearer token is required', {
            'www-authenticate': 'Bearer',
          });
        }
        if (match.route.method === 'POST') checkOrigin(request, options.allowedOrigins(request));
      }
      response = await match.route.handle(request, match.params, context);
    } catch (error) {
      response = errorResponse(error, logError);
    }
    response.headers = { ...response.headers, ...headers, ...(options.extraHeaders ?? {}) };
    return response;
  };
}
