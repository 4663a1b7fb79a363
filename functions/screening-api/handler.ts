// Lambda behind the screening HTTP API (API Gateway HTTP API, payload format 2.0, $default stage) with a
// Cognito user-pool JWT authorizer on every route whose spec says auth "jwt" (see ./routes.ts). The
// authorizer has already verified the token; the reviewer is read from its claims: the claim named by
// REVIEWER_ID_CLAIM (default "custom:reviewer_id"), else "cognito:username" (ID tokens), else "username"
// (access tokens). The reviewer id must match a reviewer id in the protocol.
//
// Environment: LIVING_REVIEW_TABLE (the table), LIVING_REVIEW_PROTOCOLS (a folder of protocol files bundled
// with the function), LIVING_REVIEW_WEB_DIR (the page's folder, default web/screening next to the bundle),
// ALLOWED_ORIGINS (comma-separated extra origins for POSTs; the API's own https://<domain> is always allowed),
// COGNITO_DOMAIN_URL, COGNITO_CLIENT_ID and SCREENING_URL (where the page signs reviewers in: the authorization
// code flow with PKCE, shared/adapters/http/sign-in.ts),
// ATTACHMENTS_BUCKET (the private bucket attached PDFs go to; none: uploads off), UNPAYWALL_EMAIL (the contact
// Unpaywall requires; none: no open-access lookups) and the other UNPAYWALL_* settings.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { S3AttachmentStorage } from '../../shared/adapters/attachments/s3-attachments.ts';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { createDynamoClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoFullTextStore } from '../../shared/adapters/dynamodb/full-text-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { tableNameFromEnv } from '../../shared/adapters/dynamodb/table-design.ts';
import type { HttpRequest, HttpResponse } from '../../shared/adapters/http/http.ts';
import { createScreeningApi } from '../../shared/adapters/http/screening-api.ts';
import {
  type SignInConfig,
  signInConfigFromEnv,
  signInConnectOrigins,
} from '../../shared/adapters/http/sign-in.ts';
import { findWebDirectory, loadScreeningAssets } from '../../shared/adapters/http/static-assets.ts';
import { functionLogger } from '../../shared/adapters/observability.ts';
import { UnpaywallClient, unpaywallConfigFromEnv } from '../../shared/adapters/unpaywall/unpaywall-client.ts';
import type { AppraisalDeps } from '../../shared/app/appraisal.ts';
import type { FullTextDeps } from '../../shared/app/full-text.ts';
import type { Actor, ScreeningDeps } from '../../shared/app/screening.ts';
import { screeningOutcomeHooks } from '../../shared/app/screening-outcomes.ts';
import type { VerificationDeps } from '../../shared/app/verify-extraction.ts';
import { defaultProtocolDirectory, loadProtocolDirectory } from '../../shared/config/load-protocols.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';

const logger = functionLogger('screening-api');

export type ScreeningApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** The reviewer id in a verified token's claims, or null. */
export function reviewerFromClaims(
  claims: Record<string, unknown> | undefined,
  claimName = process.env.REVIEWER_ID_CLAIM ?? 'custom:reviewer_id',
): Actor | null {
  if (!claims) return null;
  for (const name of [claimName, 'cognito:username', 'username']) {
    const value = claims[name];
    if (typeof value === 'string' && value.length > 0) return { reviewerId: value };
  }
  return null;
}

export function toHttpRequest(event: ScreeningApiEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body =
    event.body === undefined || event.body === null
      ? null
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
  };
}

function toResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export interface HandlerOptions {
  protocols: readonly Protocol[];
  deps: ScreeningDeps;
  fullText?: FullTextDeps;
  appraisal?: AppraisalDeps;
  verification?: VerificationDeps;
  webDirectory?: string;
  allowedOrigins?: readonly string[];
  /** Cognito sign-in for the page; null: the page asks for a token. */
  signIn?: SignInConfig | null;
}

/** A handler over the given protocols and store (the tests build one over the embedded store). */
export function createHandler(options: HandlerOptions) {
  const claimsByRequest = new WeakMap<HttpRequest, Record<string, unknown> | undefined>();
  const api = createScreeningApi({
    protocols: options.protocols,
    deps: options.deps,
    ...(options.fullText ? { fullText: options.fullText } : {}),
    ...(options.appraisal ? { appraisal: options.appraisal } : {}),
    ...(options.verification ? { verification: options.verification } : {}),
    assets: loadScreeningAssets(options.webDirectory ?? findWebDirectory(), options.signIn ?? null),
    authenticate: (request) => reviewerFromClaims(claimsByRequest.get(request)),
    allowedOrigins: (request) => [
      ...(request.headers.host ? [`https://${request.headers.host}`] : []),
      ...(options.allowedOrigins ?? []),
    ],
    connectOrigins: signInConnectOrigins(options.signIn ?? null),
    extraHeaders: { 'strict-transport-security': 'max-age=31536000; includeSubDomains' },
    logError: (message) => logger.error('request failed', { error: message }),
  });
  return async (event: ScreeningApiEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = toHttpRequest(event);
    claimsByRequest.set(request, event.requestContext.authorizer?.jwt?.claims);
    return toResult(await api(request));
  };
}

let cold: ReturnType<typeof createHandler> | undefined;

function fromEnvironment(): ReturnType<typeof createHandler> {
  const client = createDynamoClient();
  const tableName = tableNameFromEnv();
  const store = new DynamoScreeningStore({ client, tableName });
  const evidence = new DynamoEvidenceStore({ client, tableName });
  const clock = () => new Date();
  const unpaywall = unpaywallConfigFromEnv(process.env);
  const bucket = process.env.ATTACHMENTS_BUCKET;
  return createHandler({
    protocols: loadProtocolDirectory(defaultProtocolDirectory()),
    fullText: {
      citations: store,
      store: new DynamoFullTextStore(client, tableName),
      openAccess: unpaywall ? new UnpaywallClient(unpaywall) : null,
      storage: bucket ? new S3AttachmentStorage({ bucket }) : null,
      clock,
      newId: randomUUID,
    },
    deps: {
      citations: store,
      screening: store,
      clock,
      newId: randomUUID,
      // The table's stream recomputes the statistics on AWS (functions/recompute-stats): no afterChange.
      ...screeningOutcomeHooks({ citations: store, evidence, clock }),
    },
    appraisal: {
      appraisal: new DynamoAppraisalStore({ client, tableName }),
      evidence,
      citations: store,
      clock,
      newId: randomUUID,
    },
    // The table's stream recomputes the statistics after a verification event: no afterChange.
    verification: { evidence, clock, newId: randomUUID },
    webDirectory: findWebDirectory([join(import.meta.dirname, 'web', 'screening')]),
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    signIn: signInConfigFromEnv(process.env),
  });
}

/** The Lambda entry point (built once per container, on the first request). */
export async function handler(event: ScreeningApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  cold ??= fromEnvironment();
  return cold(event);
}
