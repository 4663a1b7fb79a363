// PubmedSource against the loopback E-utilities stand-in, over real HTTP: complete windows, batching,
// recorded real records, the 9,999 split.
import { afterEach, describe, expect, it } from 'vitest';
import { corpusFromPubmedXml, syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { EutilsError } from '../../../shared/errors.ts';
import { collect, expectedPmids, failure, fixture, type Harness, pmidsOf, startHarness } from './harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('PubmedSource over the stand-in', () => {
  it('returns every record of a clean window exactly once, and nothing outside it', async () => {
    const corpus = syntheticCorpus(300, { from: '2024-01-01', to: '2024-03-31', seed: 11 });
    harness = await startHarness({ corpus, source: { batchSize: 40 } });
    const window = { from: '2024-02-01', to: '2024-02-29' };

    const result = await collect(harness.source, window);

    const expected = expectedPmids(corpus, window);
    expect(expected.length).toBeGreaterThan(50);
    expect(pmidsOf(result.citations)).toEqual(expected);
    expect(result.searched).toEqual([
      {
        type: 'searched',
        window,
        count: expected.length,
        queryTranslation: '(iatrogenic oesophageal perforation) AND 2024/02/01:2024/02/29[Date - Create]',
        warnings: [],
      },
    ]);
    for (const citation of result.citations) {
      expect(citation.createdDate! >= window.from && citation.createdDate! <= window.to).toBe(true);
      expect(citation.doi).toBe(`10.5555/lrm.synthetic.${citation.pmid}`);
    }
    const esearch = harness.standIn.requests.find((r) => r.endpoint === 'esearch')!;
    expect(esearch.method).toBe('POST');
    expect(esearch.params).toMatchObject({
      db: 'pubmed',
      term: 'iatrogenic oesophageal perforation',
      usehistory: 'y',
      datetype: 'crdt',
      mindate: '2024/02/01',
      maxdate: '2024/02/29',
      retmax: '0',
      tool: 'living-review-monitor',
      email: 'monitor-tests@example.org',
    });
    expect(esearch.params.api_key).toBeUndefined();
  });

  it('fetches 1,200 records in three efetch POSTs of 500, 500 and 200 from the history server', async () => {
    const corpus = syntheticCorpus(1_200, { from: '2024-05-01', to: '2024-05-31', seed: 3, compact: true });
    harness = await startHarness({ corpus, source: { batchSize: 500 } });
    const window = { from: '2024-05-01', to: '2024-05-31' };

    const result = await collect(harness.source, window);

    expect(pmidsOf(result.citations)).toEqual(expectedPmids(corpus, window));
    const batches = result.events.filter((e) => e.type === 'batch');
    expect(batches.map((b) => b.citations.length)).toEqual([500, 500, 200]);
    const efetches = harness.standIn.requests.filter((r) => r.endpoint === 'efetch');
    expect(efetches).toHaveLength(3);
    expect(efetches.every((r) => r.method === 'POST' && r.status === 200)).toBe(true);
    expect(efetches.map((r) => [r.params.retstart, r.params.retmax]).sort()).toEqual([
      ['0', '500'],
      ['1000', '200'],
      ['500', '500'],
    ]);
    expect(new Set(efetches.map((r) => r.params.WebEnv)).size).toBe(1);
    expect(efetches[0]!.params.WebEnv).toMatch(/^MCID_[0-9a-f]{24}$/);
    expect(efetches[0]!.params).toMatchObject({ db: 'pubmed', query_key: '1', retmode: 'xml' });
  });

  it('serves recorded real PubMed records unchanged and they parse to the same PMIDs and Create Dates', async () => {
    const files = [
      'efetch_pubmed_2articles_nonmedline_entity_2025.xml',
      'efetch_pubmed_book_genereviews_2025.xml',
      'efetch_pubmed_erratumin_2025.xml',
      'efetch_pubmed_vernacular_numeric_entities_2025.xml',
      'pubmed_xml_publisher_aheadofprint_3records.xml',
      'efetch_pubmed_retracted_retractionin_2011.xml',
    ];
    const corpus = files.flatMap((file) => corpusFromPubmedXml(fixture(file), file));
    harness = await startHarness({ corpus });
    const window = { from: '1970-01-01', to: '2025-12-31' };

    const result = await collect(harness.source, window);

    expect(pmidsOf(result.citations)).toEqual(corpus.map((r) => r.pmid).sort());
    const byPmid = new Map(corpus.map((r) => [r.pmid, r]));
    for (const citation of result.citations) {
      expect(citation.createdDate).toBe(byPmid.get(citation.pmid!)!.createdDate);
    }
    expect(result.citations.find((c) => c.pmid === '20301577')?.kind).toBe('book-article');
    // The stand-in's efetch body carries each record byte for byte.
    const search = await harness.client.esearch({ term: 'x', mindate: window.from, maxdate: window.to });
    const answer = await harness.client.efetch({
      webEnv: search.webEnv!,
      queryKey: search.queryKey!,
      retstart: 0,
      retmax: 100,
    });
    for (const record of corpus) expect(answer.includes(record.xml)).toBe(true);
  });

  it('reports an empty window as searched with Count 0 and fetches nothing', async () => {
    const corpus = syntheticCorpus(20, { from: '2024-01-01', to: '2024-01-10', seed: 5 });
    harness = await startHarness({ corpus });

    const result = await collect(harness.source, { from: '2024-06-01', to: '2024-06-07' });

    expect(result.citations).toEqual([]);
    expect(result.searched.map((s) => [s.count, s.warnings])).toEqual([[0, []]]);
    expect(harness.standIn.requests.map((r) => r.endpoint)).toEqual(['esearch']);
  });

  it('splits a window of 25,000 records by days until every part counts fewer than 9,999', async () => {
    const corpus = syntheticCorpus(25_000, {
      from: '2023-01-01',
      to: '2023-12-31',
      seed: 2024,
      compact: true,
    });
    harness = await startHarness({
      corpus,
      standIn: { rateLimit: { withoutKey: 400 } },
      config: { requestsPerSecond: 300 },
      source: { batchSize: 2_500 },
    });
    const window = { from: '2023-01-01', to: '2023-12-31' };

    const result = await collect(harness.source, window);

    const pmids = pmidsOf(result.citations);
    expect(pmids).toHaveLength(25_000);
    expect(new Set(pmids).size).toBe(25_000);
    expect(pmids).toEqual(expectedPmids(corpus, window));
    // Only the parts actually fetched are reported; they tile the window in order and each is under the cap.
    const parts = result.searched.map((s) => s.window);
    expect(parts[0]!.from).toBe(window.from);
    expect(parts.at(-1)!.to).toBe(window.to);
    for (let i = 1; i < parts.length; i++) {
      const dayAfter = new Date(Date.parse(`${parts[i - 1]!.to}T00:00:00Z`) + 86_400_000)
        .toISOString()
        .slice(0, 10);
      expect(parts[i]!.from).toBe(dayAfter);
    }
    expect(result.searched.every((s) => s.count < 9_999)).toBe(true);
    expect(result.searched.reduce((sum, s) => sum + s.count, 0)).toBe(25_000);
    // 25,000 -> halves of ~12,500 (still too many) -> quarters: 1 + 2 + 4 searches.
    expect(parts).toHaveLength(4);
    expect(harness.standIn.requests.filter((r) => r.endpoint === 'esearch')).toHaveLength(7);
    expect(harness.standIn.requests.some((r) => Number(r.params.retstart ?? 0) > 9_998)).toBe(false);
  });

  it('fails clearly when a single day holds 9,999 records or more', async () => {
    const corpus = syntheticCorpus(10_000, { from: '2023-03-15', to: '2023-03-15', seed: 1, compact: true });
    harness = await startHarness({ corpus });

    const error = await failure(harness.source, { from: '2023-03-14', to: '2023-03-16' });

    expect(error).toBeInstanceOf(EutilsError);
    expect(error.message).toMatch(
      /^pubmed window 2023-03-15\.\.2023-03-15: PubMed counts 10000 records created on 2023-03-15, .*9999.*split below a day/,
    );
    expect(harness.standIn.requests.filter((r) => r.endpoint === 'efetch')).toHaveLength(0);
  });

  it('stops when the caller aborts, without retrying', async () => {
    const corpus = syntheticCorpus(200, { from: '2024-01-01', to: '2024-01-31', seed: 9 });
    harness = await startHarness({ corpus, source: { batchSize: 20, fetchConcurrency: 1 } });
    const controller = new AbortController();
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const event of harness.source.search(
        'q',
        { from: '2024-01-01', to: '2024-01-31' },
        {
          signal: controller.signal,
        },
      )) {
        if (event.type === 'batch') {
          seen.push(event.citations.length);
          controller.abort(new Error('operator stopped the run'));
        }
      }
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toBe('operator stopped the run');
    expect(seen).toEqual([20]);
    expect(harness.standIn.requests.filter((r) => r.endpoint === 'efetch').length).toBeLessThanOrEqual(2);
  });
});
