// The literature sources the protocols ask for, built from the environment, each checked for reachability
// first so that an offline machine fails in a second with one clear line.
import type { Protocol } from '../shared/domain/protocol/protocol.ts';
import type { ReviewSource } from '../shared/app/search-review.ts';
import { europePmcFromEnv, pubmedFromEnv } from './context.ts';
import { assertReachable } from './preflight.ts';

export interface OpenSources {
  sources: Record<string, ReviewSource>;
  close(): Promise<void>;
}

export async function openSources(protocols: readonly Protocol[]): Promise<OpenSources> {
  const wanted = new Set(protocols.flatMap((p) => p.sources.map((s) => s.name)));
  const sources: Record<string, ReviewSource> = {};
  const closers: (() => Promise<void>)[] = [];
  if (wanted.has('pubmed')) {
    const pubmed = pubmedFromEnv();
    await assertReachable(pubmed.config.baseUrl);
    sources.pubmed = pubmed.source;
  }
  if (wanted.has('europepmc')) {
    const europePmc = europePmcFromEnv();
    closers.push(europePmc.close);
    await assertReachable(europePmc.config.baseUrl, 5000, 'Europe PMC');
    sources.europepmc = europePmc.source;
  }
  return { sources, close: async () => void (await Promise.all(closers.map((close) => close()))) };
}
