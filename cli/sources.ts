// The review sources the protocols ask for, built from the environment (shared/adapters/review-sources.ts),
// each service checked for reachability first so that an offline machine fails in a second with one clear line.
// Only the commands that search import this module (and with it the HTTP clients): the others start without them.
import { reviewSourcesFromEnv } from '../shared/adapters/review-sources.ts';
import type { ReviewSource } from '../shared/app/search-review.ts';
import type { Protocol } from '../shared/domain/protocol/protocol.ts';
import { assertReachable } from './preflight.ts';

export interface OpenSources {
  sources: Record<string, ReviewSource>;
  close(): Promise<void>;
}

export async function openSources(protocols: readonly Protocol[]): Promise<OpenSources> {
  const built = reviewSourcesFromEnv({ env: process.env, protocols });
  try {
    for (const service of built.services) await assertReachable(service.baseUrl, 5000, service.name);
  } catch (error) {
    await built.close();
    throw error;
  }
  return { sources: built.sources, close: built.close };
}
