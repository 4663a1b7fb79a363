// What every API route module shares: the request context, the path parameter patterns, and reading a JSON
// body with zod (400 naming the field) and the authenticated caller (401).
import type { z } from 'zod';
import type { Actor } from '../../app/screening.ts';
import { formatIssues } from '../../domain/zod-issues.ts';
import { HttpError, type HttpRequest } from './http.ts';

export interface Context {
  actor: Actor | null;
}

export const REVIEW_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const CITATION_ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/;
export const PAIR_ID = /^[A-Za-z0-9:._-]{1,100}~[A-Za-z0-9:._-]{1,100}$/;
/** A client-chosen id that makes a retry safe. */
export const EVENT_ID = /^[A-Za-z0-9_-]{8,100}$/;

export function parseBody<T extends z.ZodType>(schema: T, request: HttpRequest): z.output<T> {
  let data: unknown;
  try {
    data = JSON.parse(request.body ?? '');
  } catch {
    throw new HttpError(400, 'invalid-json', 'the body is not JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid-body', formatIssues(parsed.error, '(body)'));
  }
  return parsed.data;
}

export function requireActor(context: Context): Actor {
  if (!context.actor) throw new HttpError(401, 'unauthenticated', 'sign in first');
  return context.actor;
}
