import { parsePubmedFile } from '../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { importCitations } from '../../shared/app/import-citations.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { type Command, UsageError } from '../command.ts';
import { openStore, progressLine, reviewOptions, selectReview } from '../context.ts';

export const importCommand: Command = {
  name: 'import',
  summary: 'Store the records of a PubMed XML file in a review (deduplicated and queued like search results)',
  usage: 'import FILE --review ID [--protocol FILE] [--data DIR]',
  options: reviewOptions,
  positionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = positionals[0]!;
    const protocol = selectReview(values);
    // Parse everything before writing anything: a file with one bad record must leave the store untouched.
    const citations: Citation[] = [];
    let deleted = 0;
    for await (const item of parsePubmedFile(file)) {
      if ('citation' in item) citations.push(item.citation);
      else deleted += item.deletedPmids.length;
    }
    const embedded = await openStore(values);
    const progress = progressLine(io);
    try {
      const summary = await importCitations(
        { reviewId: protocol.id, citations },
        {
          store: embedded.store,
          clock: () => new Date(),
          onProgress: (done) => progress.update(`stored ${done} of ${citations.length}`),
        },
      );
      progress.done();
      io.out(
        `${file}: read ${summary.read}, ${summary.new} new (queued), ${summary.alreadyKnown} already known, ${summary.duplicates} duplicates${
          deleted ? `; ${deleted} deletions listed (not applied)` : ''
        }`,
      );
      return 0;
    } finally {
      progress.done();
      await embedded.close();
    }
  },
};
