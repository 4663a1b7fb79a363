import { type SourceRunResult, searchReview } from '../../shared/app/search-review.ts';
import type { SearchWindow } from '../../shared/ports/literature-source.ts';
import { type Command, formatOption, optionalString, readFormat, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview } from '../context.ts';
import { describeResult, jsonText } from '../format.ts';
import { startProgress } from '../progress.ts';
import { searchStores } from '../search-stores.ts';
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

/**
 * What `search --format json` prints of a source's result: its run log; a source that failed before its run was
 * logged as {reviewId, source, error}; one not searched (no api key) as {reviewId, source, skipped}.
 */
function printedResult(result: SourceRunResult): unknown {
  switch (result.status) {
    case 'succeeded':
      return result.run;
    case 'failed':
    case 'deferred':
      return result.run ?? { reviewId: result.reviewId, source: result.source, error: result.error };
    case 'skipped':
      return { reviewId: result.reviewId, source: result.source, skipped: result.reason };
    case 'not-due':
      return { reviewId: result.reviewId, source: result.source, notDue: true, lastRunAt: result.lastRunAt };
  }
}

export const searchCommand: Command = {
  name: 'search',
  store: true,
  summary:
    "Search one review's sources now (the scheduled window, or --from/--to), store and queue new records",
  usage:
    'search --review ID [--from YYYY-MM-DD --to YYYY-MM-DD] [--format text|json] [--protocol FILE] [--data DIR]',
  options: { ...reviewOptions, from: { type: 'string' }, to: { type: 'string' }, ...formatOption() },
  async run({ values }, io) {
    const format = readFormat(values, ['text', 'json']);
    // json: one array of run logs (printedResult says what stands for a source without one).
    const protocol = await selectReview(values);
    const window = explicitWindow(values);
    const { sources, close } = await openSources([protocol]);
    const embedded = await openStore(values);
    const progress = startProgress(io, 'searching');
    try {
      // Each of the review's sources in turn; one source failing does not stop the next.
      let current = '';
      const results = await searchReview(
        { protocol, ...(window ? { window } : { force: true }) },
        {
          ...searchStores(embedded),
          sources,
          onProgress: (step) => {
            const searching = `${step.window.from}..${step.window.to}`;
            if (searching !== current) {
              current = searching;
              progress.phase(`${protocol.id} ${searching}: fetched`);
            }
            progress.update(step.counts.fetched, step.counts.found);
          },
        },
      );
      progress.clear();
      if (format === 'json') io.out(jsonText(results.map(printedResult), 2));
      else for (const result of results) io.out(describeResult(result));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        io.err(`living-review search: ${failed.length} of ${results.length} sources failed (see above)`);
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
