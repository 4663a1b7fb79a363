// Reading a JSON API's answer the same way in every client (Europe PMC, OpenAlex, ClinicalTrials.gov, Crossref):
// a body that is not complete JSON, or not the page the client asked for, is a retryable AttemptFailure (a page
// cut short or answered by something else: trying again can help); a page whose items do not all have their
// shape fails with the client's own error naming the item (the service changed what it sends: it will not get
// better by itself).
import type { z } from 'zod';
import { formatIssues } from '../../domain/zod-issues.ts';
import type { LivingReviewError } from '../../errors.ts';
import { AttemptFailure, snippet } from './polite-request.ts';

/**
 * The body as `schema` says it must be. `what` names the page in the message ("a search result page");
 * `refuse` may first turn an answer the service marks as an error into a failure of its own.
 */
export function parseJsonPage<P>(
  body: string,
  schema: z.ZodType<P>,
  what: string,
  refuse?: (json: unknown) => AttemptFailure | null,
): P {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AttemptFailure(
      `the answer is not complete JSON (${body.length} characters, cut short or not JSON): "${snippet(body, 80)}"`,
      true,
    );
  }
  const page = schema.safeParse(json);
  if (page.success) return page.data;
  const refused = refuse?.(json);
  if (refused) throw refused;
  throw new AttemptFailure(
    `the answer is not ${what} (${formatIssues(page.error, '(page)')}): "${snippet(body, 160)}"`,
    true,
  );
}

/** Each item of a page as `schema` says; the first that is not fails with `error(message)` naming it. */
export function parseItems<T>(
  items: readonly unknown[],
  schema: z.ZodType<T>,
  name: (index: number, raw: unknown) => string,
  error: (message: string) => LivingReviewError,
): T[] {
  return items.map((raw, index) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw error(
      `${name(index, raw)} does not have the expected shape: ${formatIssues(parsed.error, '(item)')}`,
    );
  });
}

/** " (id X)" when the raw item has that field, for naming it. */
export function idOf(raw: unknown, field = 'id'): string {
  const id = (raw as Record<string, unknown> | null)?.[field];
  return id === undefined ? '' : ` (${field} ${String(id)})`;
}
