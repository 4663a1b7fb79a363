// Child process for the store's integration tests: opens the embedded store of a data directory (joining the
// server other processes use) and records citations from a JSON file, printing the outcomes as one JSON line.
//
//   record-child.ts --data DIR --review ID --records FILE [--concurrency N] [--now ISO]
//                   [--crash-after-writes N] [--pending-wait-ms MS] [--fuzzy-batch]
//
// --fuzzy-batch: the records go through the fuzzy recorder (shared/app/fuzzy-dedup.ts) as one batch, as an
// import records them, instead of recordCitation one by one.
//
// --crash-after-writes N: a hook on the DynamoDB client ends the process with exit code 137 (as if killed)
// the moment the N-th write request (PutItem, UpdateItem, DeleteItem, BatchWriteItem) has been answered,
// before the store sees the answer. Without it the child prints {"writes": W, "outcomes": [...]}.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dynamoFuzzyDedupPorts } from '../../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoCitationStore } from '../../../../shared/adapters/dynamodb/citation-store.ts';
import { onDynamoRequest } from '../../../../shared/adapters/dynamodb/dynamo-client.ts';
import { openEmbeddedStore } from '../../../../shared/adapters/embedded/embedded-store.ts';
import { createFuzzyDedup } from '../../../../shared/app/fuzzy-dedup.ts';
import type { Citation } from '../../../../shared/domain/citation/citation.ts';
import type { RecordOutcome } from '../../../../shared/ports/citation-store.ts';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    review: { type: 'string' },
    records: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    now: { type: 'string' },
    'crash-after-writes': { type: 'string' },
    'pending-wait-ms': { type: 'string' },
    'fuzzy-batch': { type: 'boolean', default: false },
  },
});
if (!values.data || !values.review || !values.records)
  throw new Error('--data, --review and --records are required');

const citations = JSON.parse(readFileSync(values.records, 'utf8')) as Citation[];
const embedded = await openEmbeddedStore({ dataDir: values.data });
const crashAfter = values['crash-after-writes'] ? Number(values['crash-after-writes']) : null;
let writes = 0;
onDynamoRequest(embedded.client, ({ operation }) => {
  if (!WRITES.has(operation)) return;
  writes++;
  if (crashAfter !== null && writes === crashAfter) process.exit(137);
});
const store = new DynamoCitationStore({
  client: embedded.client,
  tableName: embedded.tableName,
  ...(values['pending-wait-ms'] ? { pendingWaitMs: Number(values['pending-wait-ms']) } : {}),
});
const now = values.now ? new Date(values.now) : new Date();

let outcomes: RecordOutcome[] = new Array(citations.length);
if (values['fuzzy-batch']) {
  const fuzzy = createFuzzyDedup(store, dynamoFuzzyDedupPorts(embedded.client, embedded.tableName));
  outcomes = (await fuzzy.recordBatch(values.review!, citations, now)).map(({ kind, citationId }) => ({
    kind,
    citationId,
  })) as RecordOutcome[];
} else {
  let next = 0;
  const worker = async () => {
    while (next < citations.length) {
      const index = next++;
      outcomes[index] = await store.recordCitation(values.review!, citations[index]!, now);
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
}
await embedded.close();
process.stdout.write(`${JSON.stringify({ writes, serverPid: embedded.serverPid, outcomes })}\n`);
