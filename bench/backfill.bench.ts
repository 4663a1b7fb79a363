// Backfill throughput: 10,000 synthetic records pulled through PubmedSource from the E-utilities stand-in,
// at NCBI's default limits (3 requests/s without a key, 10 with one) and with NCBI-like latency. Prints
// figures, asserts nothing.
//
//   npx tsx bench/backfill.bench.ts
//
// The floor is what the rate limit alone allows: requests / rate seconds. The goal is wall time <= 1.1 x the
// floor with no 429. The stand-in runs in a worker thread, with its own event loop (as NCBI is remote), so
// parsing on the client's thread cannot skew the arrival times the stand-in rate-limits on.
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

interface Scenario {
  name: string;
  apiKey: string | undefined;
  rate: number;
}

interface StandInStats {
  requests: number;
  esearch: number;
  efetch: number;
  tooMany: number;
  peakPerSecond: number;
}

const RECORDS = 10_000;
const WINDOW = { from: '2024-01-01', to: '2024-12-31' };
const LATENCY = { esearch: 250, efetch: 400, perRecordMs: 0.8 };

if (!isMainThread) {
  // The stand-in's thread.
  const { startEutilsStandIn } = await import('../cli/demo/eutils-stand-in.ts');
  const { syntheticCorpus } = await import('../cli/demo/stand-in-corpus.ts');
  const corpus = syntheticCorpus(workerData.records as number, { ...WINDOW, seed: 2025 });
  const standIn = await startEutilsStandIn({ corpus, latencyMs: LATENCY });
  parentPort!.postMessage({ baseUrl: standIn.baseUrl });
  parentPort!.on('message', async (message: string) => {
    if (message === 'stats') {
      const times = standIn.requests.map((r) => r.time).sort((a, b) => a - b);
      let peak = 0;
      for (let end = 0, start = 0; end < times.length; end++) {
        while (times[end]! - times[start]! >= 1000) start++;
        peak = Math.max(peak, end - start + 1);
      }
      const stats: StandInStats = {
        requests: standIn.requests.length,
        esearch: standIn.requests.filter((r) => r.endpoint === 'esearch').length,
        efetch: standIn.requests.filter((r) => r.endpoint === 'efetch').length,
        tooMany: standIn.requests.filter((r) => r.status === 429).length,
        peakPerSecond: peak,
      };
      parentPort!.postMessage(stats);
    } else if (message === 'close') {
      await standIn.close();
      parentPort!.close();
    }
  });
} else {
  const { EutilsClient, eutilsConfigFromEnv } = await import('../shared/adapters/pubmed/eutils-client.ts');
  const { PubmedSource } = await import('../shared/adapters/pubmed/pubmed-source.ts');
  const { parsePubmedXml } = await import('../shared/adapters/pubmed/parse-pubmed-xml.ts');

  const scenarios: Scenario[] = [
    { name: 'no API key (3 requests/s)', apiKey: undefined, rate: 3 },
    { name: 'with an API key (10 requests/s)', apiKey: 'benchkey0123456789', rate: 10 },
  ];

  console.log(
    `backfill: ${RECORDS.toLocaleString('en')} synthetic records over ${WINDOW.from}..${WINDOW.to}, batch 500, ` +
      `latency esearch ${LATENCY.esearch} ms, efetch ${LATENCY.efetch} ms + ${LATENCY.perRecordMs} ms/record`,
  );
  for (const scenario of scenarios) {
    // Loader hooks are per thread: the worker installs tsx itself, then loads this file.
    const bootstrap = `const { workerData } = require('node:worker_threads');
      import(workerData.tsx).then(({ register }) => { register(); return import(workerData.entry); });`;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { records: RECORDS, entry: import.meta.url, tsx: import.meta.resolve('tsx/esm/api') },
    });
    const next = <T>() => new Promise<T>((resolve) => worker.once('message', resolve));
    const { baseUrl } = await next<{ baseUrl: string }>();

    const client = new EutilsClient(
      eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: baseUrl }, { apiKey: scenario.apiKey }),
    );
    let parseMs = 0;
    let parsedBytes = 0;
    const source = new PubmedSource(client, {
      parse: (xml, origin) => {
        const started = performance.now();
        const parsed = parsePubmedXml(xml, origin);
        parseMs += performance.now() - started;
        parsedBytes += xml.length;
        return parsed;
      },
    });

    const started = performance.now();
    let records = 0;
    let parts = 0;
    for await (const event of source.search('iatrogenic oesophageal perforation', WINDOW)) {
      if (event.type === 'batch') records += event.citations.length;
      else parts++;
    }
    const wallMs = performance.now() - started;
    worker.postMessage('stats');
    const stats = await next<StandInStats>();
    worker.postMessage('close');
    await client.close();
    await worker.terminate();

    const floorMs = (stats.requests / scenario.rate) * 1000;
    console.log(`\n${scenario.name}`);
    console.log(`  records fetched        ${records.toLocaleString('en')} in ${parts} date windows`);
    console.log(
      `  requests               ${stats.requests} (esearch ${stats.esearch}, efetch ${stats.efetch})`,
    );
    console.log(`  wall time              ${(wallMs / 1000).toFixed(2)} s`);
    console.log(
      `  rate-limit floor       ${(floorMs / 1000).toFixed(2)} s (requests / ${scenario.rate} per s)`,
    );
    console.log(`  wall / floor           ${(wallMs / floorMs).toFixed(3)} (goal <= 1.1)`);
    console.log(`  429s received          ${stats.tooMany} (goal 0)`);
    console.log(`  peak requests in 1 s   ${stats.peakPerSecond} (limit ${scenario.rate})`);
    console.log(
      `  parsing on the client  ${(parseMs / 1000).toFixed(2)} s for ${(parsedBytes / 1e6).toFixed(1)} MB ` +
        `(${(parsedBytes / 1e6 / (parseMs / 1000)).toFixed(1)} MB/s)`,
    );
  }
}
