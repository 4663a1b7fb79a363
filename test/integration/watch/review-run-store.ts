// The embedded store a searchReview test runs against (the preprints, ongoing-studies and bioRxiv tests): opened
// once per file, the run dependencies over it (exact and fuzzy dedup, the watch store for preprints and
// registrations), and the stand-ins and clients a test opened, closed after each test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { dynamoFuzzyDedupPorts } from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoWatchStore } from '../../../shared/adapters/dynamodb/watch-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import type { ReviewSource, SourceRunResult } from '../../../shared/app/search-review.ts';

/** The results of one searchReview by run source. */
export const byRun = (results: SourceRunResult[]) => Object.fromEntries(results.map((r) => [r.source, r]));

/** Registers the file's hooks: call at the top level of a test file. */
export function useReviewRunStore(label: string) {
  let embedded: EmbeddedStore | undefined;
  let runIds = 0;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    embedded = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), `${label}-`)) });
  });
  afterAll(async () => {
    await embedded?.close();
  });
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
  });
  const store = () => {
    if (!embedded) throw new Error('the embedded store is opened in beforeAll');
    return embedded;
  };
  const watchStore = () => new DynamoWatchStore({ client: store().client, tableName: store().tableName });
  return {
    get embedded(): EmbeddedStore {
      return store();
    },
    /** Closed after the test. */
    open,
    watchStore,
    deps(sources: Record<string, ReviewSource>, now: Date) {
      const watch = watchStore();
      return {
        store: store().store,
        dedup: dynamoFuzzyDedupPorts(store().client, store().tableName),
        watch,
        ongoing: watch,
        sources,
        clock: () => now,
        newRunId: () => `run-${++runIds}`,
      };
    },
  };
}
