import { type Command, formatOption, readFormat } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { jsonText, table } from '../format.ts';

export const queueCommand: Command = {
  name: 'queue',
  store: true,
  summary: "A review's screening queue in arrival order",
  usage: 'queue --review ID [--format table|json] [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: { ...reviewOptions, ...storeOptions, ...formatOption('table') },
  async run({ values }, io) {
    // `table` is issue #2's name for the text form; `text` is every command's.
    const format = readFormat(values, ['table', 'json'], { text: 'table' });
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const queue = await embedded.store.listQueue(protocol.id);
      if (format === 'json') {
        io.out(jsonText(queue, 2));
        return 0;
      }
      io.out(
        table(
          ['queued at', 'pmid', 'doi', 'year', 'title'],
          queue.map((entry) => [
            entry.queuedAt.slice(0, 19).replace('T', ' '),
            entry.pmid ?? '',
            entry.doi ?? '',
            entry.year === null ? '' : String(entry.year),
            entry.title.length > 80 ? `${entry.title.slice(0, 77)}...` : entry.title,
          ]),
        ),
      );
      io.out(`${queue.length} awaiting screening in review "${protocol.id}"`);
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
