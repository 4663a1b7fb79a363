import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { runMonitor } from '../../shared/app/run-monitor.ts';
import type { Command } from '../command.ts';
import { fuzzyDedupFor, loadProtocols, newRunId, openStore, progressLine } from '../context.ts';
import { describeResult } from '../format.ts';
import { openSources } from '../sources.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'One monitor cycle over every due review (search, dedup, queue), on the embedded store',
  usage: 'run [--force] [--protocol FILE] [--data DIR]',
  options: { force: { type: 'boolean' }, protocol: { type: 'string' }, data: { type: 'string' } },
  async run({ values }, io) {
    const protocols = loadProtocols(values);
    const { sources, close } = await openSources(protocols);
    const embedded = await openStore(values);
    const progress = progressLine(io);
    try {
      const results = await runMonitor(
        { protocols, force: values.force === true },
        {
          store: embedded.store,
          sources,
          dedup: fuzzyDedupFor(embedded),
          clock: () => new Date(),
          newRunId,
          owner: currentProcess(),
          onProgress: ({ window, counts }) =>
            progress.update(
              `${window.from}..${window.to}: fetched ${counts.fetched} of ${counts.found}, ${counts.new} new`,
            ),
        },
      );
      progress.done();
      for (const result of results) io.out(describeResult(result));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        io.err(`living-review run: ${failed.length} of ${results.length} review searches failed (see above)`);
        return 1;
      }
      return 0;
    } finally {
      progress.done();
      await embedded.close();
      await close();
    }
  },
};
