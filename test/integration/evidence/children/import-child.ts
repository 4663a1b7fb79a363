// Child process for the patient-row crash test: opens the embedded store of a data directory (joining the server
// other processes use) and runs `importPatientRows` of one JSON file for the IESM protocol under a review id,
// printing {"writes": W, "summary": {...}} as one JSON line.
//
//   import-child.ts --data DIR --review ID --rows FILE [--crash-after-writes N]
//
// --crash-after-writes N: a hook on the DynamoDB client ends the process with exit code 137 (as if killed) the
// moment the N-th write request (PutItem, UpdateItem, DeleteItem, BatchWriteItem) has been answered.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { onDynamoRequest } from '../../../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoEvidenceStore } from '../../../../shared/adapters/dynamodb/evidence-store.ts';
import { openEmbeddedStore } from '../../../../shared/adapters/embedded/embedded-store.ts';
import { importPatientRows } from '../../../../shared/app/import-patient-rows.ts';
import { iesmProtocolAs } from '../../../support/protocols.ts';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    review: { type: 'string' },
    rows: { type: 'string' },
    'crash-after-writes': { type: 'string' },
  },
});
if (!values.data || !values.review || !values.rows)
  throw new Error('--data, --review and --rows are required');

const embedded = await openEmbeddedStore({ dataDir: values.data });
const crashAfter = values['crash-after-writes'] ? Number(values['crash-after-writes']) : null;
let writes = 0;
onDynamoRequest(embedded.client, ({ operation }) => {
  if (!WRITES.has(operation)) return;
  writes++;
  if (crashAfter !== null && writes === crashAfter) process.exit(137);
});
const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
const summary = await importPatientRows(
  {
    protocol: iesmProtocolAs(values.review),
    text: readFileSync(values.rows, 'utf8'),
    format: 'json',
    origin: values.rows,
  },
  { evidence, clock: () => new Date('2026-03-02T06:00:00.000Z') },
);
await embedded.close();
const { statistics, ...counts } = summary;
process.stdout.write(`${JSON.stringify({ writes, summary: { ...counts, version: statistics.version } })}\n`);
