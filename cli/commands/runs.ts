import { type Command, formatOption, readFormat, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { describeRun, jsonText } from '../format.ts';

export const runsCommand: Command = {
  name: 'runs',
  store: true,
  summary: "A review's run log, newest first: window, counts, warnings, outcome, error",
  usage:
    'runs --review ID [--limit N] [--format text|json] [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    limit: { type: 'string', default: '10' },
    ...formatOption(),
  },
  async run({ values }, io) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError('--limit must be a whole number of at least 1');
    const format = readFormat(values, ['text', 'json']);
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const runs = await embedded.store.listRunLogs(protocol.id, { limit });
      if (format === 'json') io.out(jsonText(runs, 2));
      else
        io.out(
          runs.length === 0 ? `no runs yet for review "${protocol.id}"` : runs.map(describeRun).join('\n'),
        );
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
