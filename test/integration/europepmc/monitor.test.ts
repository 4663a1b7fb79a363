// Europe PMC as the second scheduled source, over real parts: runSearch -> EuropePmcSource -> HTTP -> the
// loopback Europe PMC stand-in, after PubMed (the E-utilities stand-in) has stored the same works, with fuzzy
// deduplication on the embedded store. Europe PMC's copies of PubMed records become duplicates whose source
// joins the stored citation; only Europe PMC's own records (preprints) are new; every fault either completes
// the run or fails it with the europepmc watermark unmoved and the pubmed one untouched.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EuropePmcCorpusRecord,
  type EuropePmcStandInFault,
  europePmcRecordFromCitation,
  syntheticEuropePmcCorpus,
} from '../../../cli/demo/europepmc-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { dynamoFuzzyDedupPorts } from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { RunFailedError, runSearch } from '../../../shared/app/run-search.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import { addDays } from '../../../shared/domain/monitor/search-window.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import type { LiteratureSource } from '../../../shared/ports/literature-source.ts';
import { countCitations, countQueueEntries } from '../../support/store-fixtures.ts';
import { startHarness } from '../pubmed/harness.ts';
import { type EuropePmcHarness, startEuropePmcHarness } from './harness.ts';

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const now = new Date('2026-11-24T06:00:00Z');
const pubmedCorpus = syntheticCorpus(60, { from: '2026-06-01', to: '2026-11-20', seed: 3, compact: true });
const pubmedCitations = parsePubmedXml(
  `<PubmedArticleSet>${pubmedCorpus.map((r) => r.xml).join('\n')}</PubmedArticleSet>`,
  'stand-in corpus',
).citations;
/** Europe PMC indexes each PubMed record a day after PubMed created it. */
const copies: EuropePmcCorpusRecord[] = pubmedCitations.map((citation) =>
  europePmcRecordFromCitation(citation, addDays(citation.createdDate!, 1)),
);
const preprints = syntheticEuropePmcCorpus(25, { from: '2026-06-01', to: '2026-11-22', seed: 5 });
const corpus = [...copies, ...preprints];

let embedded: EmbeddedStore;
let reviews = 0;
let runIds = 0;

function freshReview(): Protocol {
  return { ...iesm, id: `iesm-epmc-${++reviews}`, sources: [{ name: 'pubmed' }, { name: 'europepmc' }] };
}

const deps = (source: LiteratureSource) => ({
  store: embedded.store,
  source,
  clock: () => now,
  newRunId: () => `run-${++runIds}`,
  dedup: dynamoFuzzyDedupPorts(embedded.client, embedded.tableName),
});

async function withEuropePmc<T>(work: (harness: EuropePmcHarness) => Promise<T>): Promise<T> {
  const harness = await startEuropePmcHarness({
    corpus,
    source: { pageSize: 10 },
    config: { timeoutMs: 500, maxAttempts: 3, maxRetryTimeMs: 5_000 },
  });
  try {
    return await work(harness);
  } finally {
    await harness.close();
  }
}

/** A review whose PubMed search has run: every PubMed record stored once. */
async function afterPubmed(): Promise<Protocol> {
  const protocol = freshReview();
  const harness = await startHarness({ corpus: pubmedCorpus, source: { batchSize: 50 } });
  try {
    const run = await runSearch({ protocol }, deps(harness.source));
    expect(run.counts.new).toBe(pubmedCorpus.length);
  } finally {
    await harness.close();
  }
  return protocol;
}

beforeAll(async () => {
  embedded = await openEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'europepmc-monitor-')) });
});

afterAll(async () => {
  await embedded?.close();
});

describe('Europe PMC after PubMed', () => {
  it('adds Europe PMC to the PubMed citations it shares, stores only its own records as new, doubles nothing', async () => {
    const protocol = await afterPubmed();
    const run = await withEuropePmc((harness) => runSearch({ protocol }, deps(harness.source)));
    expect(run).toMatchObject({ outcome: 'succeeded', source: 'europepmc' });
    expect(run.window).toEqual({ from: iesm.monitoringStart, to: '2026-11-24' });
    expect(run.counts).toMatchObject({
      found: corpus.length,
      fetched: corpus.length,
      new: preprints.length,
      duplicates: copies.length,
      alreadyKnown: 0,
      queued: preprints.length,
    });
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      pubmedCorpus.length + preprints.length,
    );
    expect(await countQueueEntries(embedded.client, embedded.tableName, protocol.id)).toBe(
      pubmedCorpus.length + preprints.length,
    );
    const first = pubmedCitations[0]!;
    const queue = await embedded.store.listQueue(protocol.id);
    const entry = queue.find((q) => q.pmid === first.pmid)!;
    const stored = await embedded.store.getCitation(protocol.id, entry.citationId);
    expect(stored?.sourceRecords).toEqual([`europepmc:MED/${first.pmid}`, `pubmed:${first.pmid}`]);
    // Each source keeps its own watermark.
    expect((await embedded.store.getWatermark(protocol.id, 'europepmc'))?.completedThrough).toBe(
      '2026-11-23',
    );
    expect((await embedded.store.getWatermark(protocol.id, 'pubmed'))?.completedThrough).toBe('2026-11-23');

    // The overlap read again: everything already known.
    const again = await withEuropePmc((harness) =>
      runSearch({ protocol, window: { from: '2026-06-01', to: '2026-11-24' } }, deps(harness.source)),
    );
    expect(again.counts).toMatchObject({ new: 0, duplicates: 0, alreadyKnown: corpus.length });
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      pubmedCorpus.length + preprints.length,
    );
  });
});

const transient: [string, EuropePmcStandInFault][] = [
  ['a 429 with Retry-After', { kind: 'status', status: 429, retryAfter: 0 }],
  ['HTTP 503', { kind: 'status', status: 503 }],
  ['a connection reset', { kind: 'reset' }],
  ['an answer slower than the timeout', { kind: 'slow', delayMs: 1_000 }],
  ['truncated JSON', { kind: 'truncate' }],
];

describe.each(transient)('a transient fault: %s', (_name, fault) => {
  it('is retried and the run completes with every record once', async () => {
    const protocol = await afterPubmed();
    const run = await withEuropePmc(async (harness) => {
      harness.standIn.faults.enqueue({ kind: 'slow', delayMs: 0 });
      harness.standIn.faults.enqueue(fault);
      return runSearch({ protocol }, deps(harness.source));
    });
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ new: preprints.length, duplicates: copies.length });
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      pubmedCorpus.length + preprints.length,
    );
    expect((await embedded.store.getWatermark(protocol.id, 'europepmc'))?.completedThrough).toBe(
      '2026-11-23',
    );
  });
});

const always = (fault: EuropePmcStandInFault) => Array.from({ length: 10 }, () => ({ ...fault }));
const persistent: [string, EuropePmcStandInFault[], RegExp][] = [
  [
    'HTTP 500 on every attempt',
    [{ kind: 'slow', delayMs: 0 }, ...always({ kind: 'status', status: 500 })],
    /HTTP 500/,
  ],
  [
    'a cursor that never advances',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'stuck-cursor' }],
    /sent back the same cursor/,
  ],
  ['a record missing from a page', [{ kind: 'drop-record' }], /fetched \d+ of \d+ records/],
];

describe.each(persistent)('a persistent fault: %s', (_name, faults, reason) => {
  it('fails the run with the europepmc watermark unmoved; the next run completes and nothing is doubled', async () => {
    const protocol = await afterPubmed();
    const pubmedWatermark = await embedded.store.getWatermark(protocol.id, 'pubmed');
    const error = await withEuropePmc(async (harness) => {
      for (const fault of faults) harness.standIn.faults.enqueue(fault);
      try {
        await runSearch({ protocol }, deps(harness.source));
      } catch (caught) {
        return caught;
      }
      throw new Error('the run should have failed');
    });
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as Error).message).toMatch(reason);
    expect(await embedded.store.getWatermark(protocol.id, 'europepmc')).toBeNull();
    expect(await embedded.store.getWatermark(protocol.id, 'pubmed')).toEqual(pubmedWatermark);
    const [failed] = await embedded.store.listRunLogs(protocol.id);
    expect(failed).toMatchObject({ source: 'europepmc', outcome: 'failed' });

    const retry = await withEuropePmc((harness) => runSearch({ protocol }, deps(harness.source)));
    expect(retry.outcome).toBe('succeeded');
    expect(await countCitations(embedded.client, embedded.tableName, protocol.id)).toBe(
      pubmedCorpus.length + preprints.length,
    );
    const stored = await embedded.store.getCitation(
      protocol.id,
      (await embedded.store.listQueue(protocol.id)).find((q) => q.pmid === pubmedCitations[5]!.pmid)!
        .citationId,
    );
    expect(stored?.sourceRecords).toEqual([
      `europepmc:MED/${pubmedCitations[5]!.pmid}`,
      `pubmed:${pubmedCitations[5]!.pmid}`,
    ]);
    expect((await embedded.store.getWatermark(protocol.id, 'europepmc'))?.completedThrough).toBe(
      '2026-11-23',
    );
  });
});
