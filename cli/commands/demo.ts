import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { newRunId } from '../../shared/adapters/process/run-id.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../shared/adapters/pubmed/pubmed-source.ts';
import { runSearch } from '../../shared/app/run-search.ts';
import { isoDay } from '../../shared/domain/monitor/search-window.ts';
import type { Command } from '../command.ts';
import { openStore, reviewOptions, selectReview } from '../context.ts';
import { startEutilsStandIn } from '../demo/eutils-stand-in.ts';
import { corpusFromPubmedXml } from '../demo/stand-in-corpus.ts';
import { describeRun } from '../format.ts';
import { fuzzyDedupFor } from '../search-stores.ts';

const RECORDED = join(import.meta.dirname, '..', 'demo', 'recorded');

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'One full monitor cycle offline: the IESM review against a loopback E-utilities serving recorded records',
  usage: 'demo [--data DIR] [--review ID] [--protocol FILE]',
  help: [
    'The stand-in serves 16 recorded PubMed records (cli/demo/recorded/) with NCBI-like latency and rate limit.',
    "Every demo searches the same fixed window, from the protocol's monitoring start (IESM: 2022-05-27) to",
    'today, ignoring the watermark: a second demo re-reads every record and shows that it adds nothing, as an',
    "overlapping scheduled window does. The stand-in honours the Create Date window but not the query's",
    'meaning, so the 4 records created after 2022-05-27 are found, whatever they are about. The default',
    "store is .data/demo, apart from a real review's .data/.",
  ].join('\n'),
  options: reviewOptions,
  async run({ values }, io) {
    const protocol = await selectReview({ review: 'iesm', ...values });
    // The demo keeps its own store unless told otherwise, so it never mixes recorded records into a real review.
    const dataValues = { ...values, data: values.data ?? join('.data', 'demo') };
    const corpus = readdirSync(RECORDED)
      .filter((name) => name.endsWith('.xml'))
      .sort()
      .flatMap((name) => corpusFromPubmedXml(readFileSync(join(RECORDED, name), 'utf8'), name));
    // NCBI-like latency and NCBI's own rate limit, so the demo exercises the real client path.
    const standIn = await startEutilsStandIn({ corpus, latencyMs: { esearch: 120, efetch: 200 } });
    const embedded = await openStore(dataValues);
    const client = new EutilsClient(eutilsConfigFromEnv({}, { baseUrl: standIn.baseUrl }));
    try {
      io.err(`E-utilities stand-in at ${standIn.baseUrl} serving ${corpus.length} recorded PubMed records`);
      const source = new PubmedSource(client);
      // The whole monitoring period every time, so a second demo re-reads every record and shows that it adds
      // nothing: exactly what an overlapping scheduled window does.
      const window = { from: protocol.monitoringStart, to: isoDay(new Date()) };
      const run = await runSearch(
        { protocol, window },
        {
          store: embedded.store,
          source,
          dedup: fuzzyDedupFor(embedded),
          clock: () => new Date(),
          newRunId,
          owner: currentProcess(),
        },
      );
      io.out(describeRun(run));
      const queue = await embedded.store.listQueue(protocol.id);
      io.out(
        `${queue.length} awaiting screening; see them with: npx living-review queue --review ${protocol.id} --data ${dataValues.data}`,
      );
      io.err(
        `stand-in answered ${standIn.requests.length} requests (${standIn.requests.filter((r) => r.status === 429).length} rate-limited)`,
      );
      return 0;
    } finally {
      await client.close();
      await embedded.close();
      await standIn.close();
    }
  },
};
