// Child process for the screening crash tests: records one decision (or one direct inclusion) in a data
// directory's embedded store through the real use cases.
//
//   decide-child.ts --data DIR --citation ID (--reviewer ID --stage S --decision D [--reason R] [--event-id E]
//                   | --direct BY) [--crash-after-writes N]
//
// --crash-after-writes N: the process ends with exit code 137 (as if killed) the moment the N-th write request
// (PutItem, UpdateItem, DeleteItem, BatchWriteItem) has been answered, before the use case sees the answer.
// Without it the child prints {"writes": W}.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbeddedScreening } from '../../../../cli/serve/wiring.ts';
import { onDynamoRequest } from '../../../../shared/adapters/dynamodb/dynamo-client.ts';
import { includeDirectly, recordDecision } from '../../../../shared/app/screening.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../../shared/config/load-protocols.ts';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    citation: { type: 'string' },
    reviewer: { type: 'string' },
    stage: { type: 'string' },
    decision: { type: 'string' },
    reason: { type: 'string' },
    'event-id': { type: 'string' },
    direct: { type: 'string' },
    'crash-after-writes': { type: 'string' },
  },
});
const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const screening = await openEmbeddedScreening(values.data!, [iesm]);
const deps = { ...screening.deps, repairAfterMs: 0 };

const crashAfter = values['crash-after-writes'] ? Number(values['crash-after-writes']) : null;
let writes = 0;
onDynamoRequest(screening.embedded.client, ({ operation }) => {
  if (!WRITES.has(operation)) return;
  writes++;
  if (crashAfter !== null && writes === crashAfter) process.exit(137);
});
if (values.direct) await includeDirectly(deps, iesm, values.citation!, values.direct);
else {
  await recordDecision(deps, iesm, { reviewerId: values.reviewer! }, values.citation!, {
    stage: values.stage as 'title-abstract' | 'full-text',
    decision: values.decision as 'include' | 'exclude' | 'maybe',
    reasonId: values.reason ?? null,
    note: null,
    ...(values['event-id'] ? { eventId: values['event-id'] } : {}),
  });
}
await screening.close();
process.stdout.write(`${JSON.stringify({ writes })}\n`);
