import { runMonitor } from '../../shared/app/run-monitor.ts';
import { type Command, formatOption, readFormat } from '../command.ts';
import { loadProtocols, openStore } from '../context.ts';
import { describeResult, jsonText } from '../format.ts';
import { startProgress } from '../progress.ts';
import { searchStores } from '../search-stores.ts';
import { openSources } from '../sources.ts';

export const runCommand: Command = {
  name: 'run',
  store: true,
  summary: 'One monitor cycle over every due review (search, dedup, queue), on the embedded store',
  usage: 'run [--force] [--format text|json] [--protocol FILE] [--data DIR]',
  options: {
    force: { type: 'boolean' },
    protocol: { type: 'string' },
    data: { type: 'string' },
    ...formatOption(),
  },
  async run({ values }, io) {
    const format = readFormat(values, ['text', 'json']);
    const protocols = await loadProtocols(values);
    const { sources, close } = await openSources(protocols);
    const embedded = await openStore(values);
    const progress = startProgress(io, 'searching');
    let window = '';
    try {
      const results = await runMonitor(
        { protocols, force: values.force === true },
        {
          ...searchStores(embedded),
          sources,
          onProgress: (step) => {
            const current = `${step.window.from}..${step.window.to}`;
            if (current !== window) {
              window = current;
              progress.phase(`searching ${window}, fetched`);
            }
            progress.update(step.counts.fetched, step.counts.found);
          },
        },
      );
      progress.clear();
      if (format === 'json') io.out(jsonText(results, 2));
      else for (const result of results) io.out(describeResult(result));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        io.err(`living-review run: ${failed.length} of ${results.length} review searches failed (see above)`);
        return 1;
      }
      return 0;
    } finally {
      progress.clear();
      await embedded.close();
      await close();
    }
  },
};
