import { searchReview } from '../../shared/app/search-review.ts';
import type { SearchWindow } from '../../shared/ports/literature-source.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { openStore, progressLine, reviewOptions, searchStores, selectReview } from '../context.ts';
import { describeResult } from '../format.ts';
import { openSources } from '../sources.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function explicitWindow(values: Record<string, unknown>): SearchWindow | undefined {
  const from = optionalString(values, 'from');
  const to = optionalString(values, 'to');
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) throw new UsageError('--from and --to go together');
  for (const [name, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      throw new UsageError(`--${name} must be a date as YYYY-MM-DD, not "${day}"`);
    }
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to };
}

export const searchCommand: Command = {
  name: 'search',
  summary:
    "Search one review's sources now (the scheduled window, or --from/--to), store and queue new records",
  usage: 'search --review ID [--from YYYY-MM-DD --to YYYY-MM-DD] [--protocol FILE] [--data DIR]',
  options: { ...reviewOptions, from: { type: 'string' }, to: { type: 'string' } },
  async run({ values }, io) {
    const protocol = selectReview(values);
    const window = explicitWindow(values);
    const { sources, close } = await openSources([protocol]);
    const embedded = await openStore(values);
    const progress = progressLine(io);
    try {
      // Each of the review's sources in turn; one source failing does not stop the next.
      const results = await searchReview(
        { protocol, ...(window ? { window } : { force: true }) },
        {
          ...searchStores(embedded),
          sources,
          onProgress: ({ counts }) =>
            progress.update(`fetched ${counts.fetched} of ${counts.found}, ${counts.new} new`),
        },
      );
      progress.done();
      for (const result of results) io.out(describeResult(result));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        io.err(`living-review search: ${failed.length} of ${results.length} sources failed (see above)`);
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
