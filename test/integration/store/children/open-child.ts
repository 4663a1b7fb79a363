// Child process for the embedded-store tests: opens the store of a data directory, writes and reads one
// watermark through it, and prints {"endpoint", "serverPid", "pid"} as one JSON line.
import { parseArgs } from 'node:util';
import { openEmbeddedStore } from '../../../../shared/adapters/embedded/embedded-store.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, tag: { type: 'string' } } });
if (!values.data || !values.tag) throw new Error('--data and --tag are required');

const embedded = await openEmbeddedStore({ dataDir: values.data });
await embedded.store.advanceWatermark({
  reviewId: `open-${values.tag}`,
  source: 'pubmed',
  completedThrough: '2024-01-01',
  runId: values.tag,
  updatedAt: new Date().toISOString(),
});
const watermark = await embedded.store.getWatermark(`open-${values.tag}`, 'pubmed');
await embedded.close();
process.stdout.write(
  `${JSON.stringify({ endpoint: embedded.endpoint, serverPid: embedded.serverPid, pid: process.pid, runId: watermark?.runId })}\n`,
);
