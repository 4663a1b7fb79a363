// Use case: one monitor cycle over every review that is due (the `run` command; in AWS each review has its own
// schedule and the search function searches one review per request through searchReview).
import type { Protocol } from '../domain/protocol/protocol.ts';
import { type SearchReviewDeps, type SourceRunResult, searchReview } from './search-review.ts';

/** Every review's due sources, one review after another (which keeps each source's rate limit). */
export async function runMonitor(
  request: { protocols: readonly Protocol[]; force?: boolean },
  deps: SearchReviewDeps,
): Promise<SourceRunResult[]> {
  const results: SourceRunResult[] = [];
  for (const protocol of request.protocols) {
    results.push(...(await searchReview({ protocol, force: request.force ?? false }, deps)));
  }
  return results;
}
