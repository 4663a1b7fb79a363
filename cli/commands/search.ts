import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { runSearch } from '../../shared/app/run-search.ts';
import type { SearchWindow } from '../../shared/ports/literature-source.ts';
import { type Command, formatOption, optionalString, readFormat, UsageError } from '../command.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { RunLog } from '../../shared/ports/citation-store.ts';
import { fuzzyDedupFor, newRunId, openStore, reviewOptions, selectReview } from '../context.ts';
import { describeRun, jsonText } from '../format.ts';
import { startProgress } from '../progress.ts';
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
  usage:
    'search --review ID [--from YYYY-MM-DD --to YYYY-MM-DD] [--format text|json] [--protocol FILE] [--data DIR]',
  options: { ...reviewOptions, from: { type: 'string' }, to: { type: 'string' }, ...formatOption() },
  async run({ values }, io) {
    const format = readFormat(values, ['text', 'json']);
    // json: one array of run logs (a source that failed before its run was logged: {source, error}).
    const printed: unknown[] = [];
    const protocol = selectReview(values);
    const window = explicitWindow(values);
    const { sources, close } = await openSources([protocol]);
    const embedded = await openStore(values);
    const progress = startProgress(io, 'searching');
    let failed = 0;
    try {
      // Each of the review's sources in turn; one source failing does not stop the next.
      for (const { name } of protocol.sources) {
        const source = sources[name]!;
        progress.phase(`${protocol.id} / ${name}: fetched`);
        try {
          const run = await runSearch(
            { protocol, ...(window ? { window } : {}) },
            {
              store: embedded.store,
              source,
              dedup: fuzzyDedupFor(embedded),
              clock: () => new Date(),
              newRunId,
              owner: currentProcess(),
              onProgress: ({ counts }) => progress.update(counts.fetched, counts.found),
            },
          );
          progress.clear();
          if (format === 'json') printed.push(run);
          else io.out(describeRun(run));
        } catch (error) {
          progress.clear();
          failed++;
          const run = (error as { run?: RunLog }).run;
          if (format === 'json')
            printed.push(run ?? { reviewId: protocol.id, source: name, error: errorMessage(error) });
          else io.out(run ? describeRun(run) : `${protocol.id} / ${name}: failed: ${errorMessage(error)}`);
        }
      }
      if (format === 'json') io.out(jsonText(printed, 2));
      if (failed > 0) {
        io.err(`living-review search: ${failed} of ${protocol.sources.length} sources failed (see above)`);
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
