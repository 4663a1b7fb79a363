// What the commands that search or import store into, over one open store (cli/context.ts opens it): kept apart
// from context.ts so that the commands that only read (status, queue, runs) do not load these adapters.
import { dynamoFuzzyDedupPorts } from '../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoEvidenceStore } from '../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoWatchStore } from '../shared/adapters/dynamodb/watch-store.ts';
import type { EmbeddedStore } from '../shared/adapters/embedded/embedded-store.ts';
import { currentProcess } from '../shared/adapters/process/process-identity.ts';
import { newRunId } from '../shared/adapters/process/run-id.ts';
import type { FuzzyDedupPorts } from '../shared/ports/blocking-index.ts';
import type { StoreConnection } from './context.ts';

/**
 * What searchReview stores into, over one open store: citations (with fuzzy dedup), the included studies the
 * citation watch follows, its relations and seed markers, and the ongoing studies.
 */
export function searchStores(embedded: StoreConnection) {
  const table = { client: embedded.client, tableName: embedded.tableName };
  const watch = new DynamoWatchStore(table);
  return {
    store: embedded.store,
    dedup: fuzzyDedupFor(embedded),
    evidence: new DynamoEvidenceStore(table),
    watch,
    ongoing: watch,
    clock: () => new Date(),
    newRunId,
    // Named in each run log, so a run whose process is gone is shown abandoned.
    owner: currentProcess(),
  };
}

/** Fuzzy deduplication over the embedded store's table (pass as `dedup` to runSearch and the imports). */
export function fuzzyDedupFor(embedded: Pick<EmbeddedStore, 'client' | 'tableName'>): FuzzyDedupPorts {
  return dynamoFuzzyDedupPorts(embedded.client, embedded.tableName);
}
