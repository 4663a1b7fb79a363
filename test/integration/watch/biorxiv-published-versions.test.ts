// bioRxiv/medRxiv's published-article data over real parts (searchReview -> clients -> HTTP -> the loopback
// Europe PMC, E-utilities and bioRxiv stand-ins -> the embedded store). A medRxiv preprint Europe PMC never links
// to its journal version is still that version's work: bioRxiv/medRxiv name the published DOI, the preprint is
// keyed by it, and the journal version joins it as a duplicate whichever arrives first. A failing bioRxiv only
// leaves the preprint pending (the run log says so); Europe PMC's run and PubMed's go on; the next run converges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BiorxivCorpusVersion,
  type BiorxivStandIn,
  startBiorxivStandIn,
} from '../../../cli/demo/biorxiv-stand-in.ts';
import {
  type EuropePmcCorpusRecord,
  type EuropePmcStandIn,
  startEuropePmcStandIn,
} from '../../../cli/demo/europepmc-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { BiorxivClient, biorxivConfigFromEnv } from '../../../shared/adapters/biorxiv/biorxiv-client.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import {
  EuropePmcClient,
  europePmcConfigFromEnv,
} from '../../../shared/adapters/europepmc/europepmc-client.ts';
import { EuropePmcSource } from '../../../shared/adapters/europepmc/europepmc-source.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../../shared/adapters/pubmed/pubmed-source.ts';
import { reviewSourcesFromEnv } from '../../../shared/adapters/review-sources.ts';
import { type ReviewSource, searchReview } from '../../../shared/app/search-review.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import { possibleDuplicatePairId } from '../../../shared/ports/screening-store.ts';
import { countCitations } from '../../support/store-fixtures.ts';
import { byRun, useReviewRunStore } from './review-run-store.ts';

const RECORDED = join(import.meta.dirname, '..', '..', '..', 'cli', 'demo', 'recorded');
const recorded = <T>(name: string) => JSON.parse(readFileSync(join(RECORDED, name), 'utf8')) as T;
const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));

const PREPRINT_DOI = '10.1101/2023.06.18.99900001';
const JOURNAL_PMID = '38500412';
/** The synthetic PubMed record's DOI (stand-in-corpus.ts): the journal version bioRxiv/medRxiv name. */
const JOURNAL_DOI = `10.5555/lrm.synthetic.${JOURNAL_PMID}`;

/** The medRxiv preprint as Europe PMC holds it: no "Preprint of" link, ever. */
const [epmcPreprint, epmcArticle] = recorded<{ resultList: { result: EuropePmcCorpusRecord[] } }>(
  'europepmc_preprint_published.json',
).resultList.result as [EuropePmcCorpusRecord, EuropePmcCorpusRecord];
/** Europe PMC's MEDLINE record of the journal version (its PMID and DOI). */
const journalInEuropePmc = {
  ...epmcArticle,
  id: JOURNAL_PMID,
  pmid: JOURNAL_PMID,
  doi: JOURNAL_DOI,
  firstIndexDate: '2024-01-18',
} as EuropePmcCorpusRecord;
const { commentCorrectionList: _never, ...unlinked } = epmcPreprint;
const preprintRecord = {
  ...unlinked,
  id: 'PPR200412',
  doi: PREPRINT_DOI.toUpperCase(),
  title:
    'Intradural extramedullary metastases from renal cell carcinoma: a retrospective series of 9 patients',
} as EuropePmcCorpusRecord;
/** medRxiv's versions of it, before the journal version: "NA". */
const medrxivVersions = (): BiorxivCorpusVersion[] =>
  recorded<{ collection: BiorxivCorpusVersion[] }>('biorxiv_details.json').collection.map((v) => ({
    ...v,
    published: 'NA',
  }));
/** PubMed's record of the journal version (created 2024-01-18, DOI JOURNAL_DOI). */
const [pubmedJournal] = syntheticCorpus(1, {
  from: '2024-01-18',
  to: '2024-01-18',
  firstPmid: Number(JOURNAL_PMID),
});

const fixture = useReviewRunStore('biorxiv-published');
const { open, watchStore, deps } = fixture;
let reviews = 0;

interface World {
  europePmc: EuropePmcStandIn;
  eutils: EutilsStandIn;
  biorxiv: BiorxivStandIn;
  sources: Record<string, ReviewSource>;
}

async function world(): Promise<World> {
  const europePmc = await startEuropePmcStandIn({ corpus: [preprintRecord], rateLimit: 100 });
  const eutils = await startEutilsStandIn({ corpus: [], rateLimit: { withoutKey: 100, withKey: 100 } });
  const biorxiv = await startBiorxivStandIn({ corpus: medrxivVersions(), rateLimit: 100 });
  const fast = { timeoutMs: 2_000, maxAttempts: 3, maxRetryTimeMs: 5_000, requestsPerSecond: 50 };
  const epmc = new EuropePmcClient(europePmcConfigFromEnv({ EUROPEPMC_BASE_URL: europePmc.baseUrl }, fast));
  const ncbi = new EutilsClient(eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: eutils.baseUrl }, fast));
  const lookup = new BiorxivClient(biorxivConfigFromEnv({ BIORXIV_BASE_URL: biorxiv.baseUrl }, fast), {
    backoff: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  open.push(epmc, ncbi, lookup, europePmc, eutils, biorxiv);
  return {
    europePmc,
    eutils,
    biorxiv,
    sources: {
      pubmed: new PubmedSource(ncbi),
      preprints: new EuropePmcSource(epmc, { name: 'preprints', publishedVersions: lookup }),
    },
  };
}

function review(preprints: Protocol['sources'][number] = { name: 'preprints' }): Protocol {
  return {
    ...iesm,
    id: `bx-${++reviews}`,
    monitoringStart: '2023-01-01',
    sources: [{ name: 'pubmed' }, preprints],
  };
}

const count = (protocol: Protocol) =>
  countCitations(fixture.embedded.client, fixture.embedded.tableName, protocol.id);
const JULY = new Date('2023-07-03T07:00:00Z');
const JANUARY = new Date('2024-01-22T07:00:00Z');
const FEBRUARY = new Date('2024-02-05T07:00:00Z');

describe('a medRxiv preprint and its journal version, linked by bioRxiv/medRxiv only', () => {
  it('preprint first, then the link, then the journal version: one work with both provenances', async () => {
    const w = await world();
    const protocol = review();
    const first = byRun(await searchReview({ protocol }, deps(w.sources, JULY)));
    expect(first.preprints).toMatchObject({
      status: 'succeeded',
      run: { counts: { new: 1 }, requests: { search: 1, 'biorxiv:details': 1 }, warnings: [] },
    });
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([
      expect.objectContaining({ preprintId: 'PPR200412', publishedPmid: null, publishedDoi: null }),
    ]);
    const [preprint] = await fixture.embedded.store.listQueue(protocol.id);

    // medRxiv learns where it was published (Europe PMC holds the article, but links nothing).
    w.biorxiv.publish(PREPRINT_DOI, JOURNAL_DOI);
    w.europePmc.addRecords([journalInEuropePmc]);
    const second = byRun(await searchReview({ protocol }, deps(w.sources, new Date('2024-01-15T07:00:00Z'))));
    // The window (search), the pending preprint (search), the published DOI's PMID (search); medRxiv once.
    expect(second.preprints).toMatchObject({
      status: 'succeeded',
      run: { counts: { found: 0, fetched: 1, new: 0 }, requests: { search: 3, 'biorxiv:details': 1 } },
    });
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([]);

    // PubMed's record of the journal version arrives (its title is not the preprint's): a duplicate of the
    // preprint through the PMID, never a new study.
    w.eutils.addRecords([pubmedJournal!]);
    const third = byRun(await searchReview({ protocol }, deps(w.sources, JANUARY)));
    expect(third.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 0, duplicates: 1 } } });
    expect(await count(protocol)).toBe(1);
    const stored = await fixture.embedded.store.getCitation(protocol.id, preprint!.citationId);
    expect(stored?.sourceRecords).toEqual(['preprints:PPR/PPR200412', `pubmed:${JOURNAL_PMID}`]);
    expect(stored?.keys).toEqual(expect.arrayContaining([`doi:${JOURNAL_DOI}`, `pmid:${JOURNAL_PMID}`]));
    // The linked preprint is not asked about again.
    const asked = w.biorxiv.requests.length;
    await searchReview({ protocol, force: true }, deps(w.sources, FEBRUARY));
    expect(w.biorxiv.requests).toHaveLength(asked);
    expect(await count(protocol)).toBe(1);
  });

  it('journal version first, then the preprint already published: the preprint joins it', async () => {
    const w = await world();
    const protocol = review();
    w.europePmc.replaceRecord({ ...preprintRecord, firstIndexDate: '2024-01-25' } as EuropePmcCorpusRecord);
    w.europePmc.addRecords([journalInEuropePmc]);
    w.eutils.addRecords([pubmedJournal!]);
    w.biorxiv.publish(PREPRINT_DOI, JOURNAL_DOI);
    const journalRun = byRun(await searchReview({ protocol }, deps(w.sources, JANUARY)));
    expect(journalRun.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 1 } } });
    expect(journalRun.preprints).toMatchObject({ status: 'succeeded', run: { counts: { found: 0 } } });

    const later = byRun(await searchReview({ protocol }, deps(w.sources, FEBRUARY)));
    expect(later.preprints).toMatchObject({
      status: 'succeeded',
      run: { counts: { found: 1, new: 0, duplicates: 1 }, requests: { 'biorxiv:details': 1 } },
    });
    expect(await count(protocol)).toBe(1);
    const [journal] = await fixture.embedded.store.listQueue(protocol.id);
    const stored = await fixture.embedded.store.getCitation(protocol.id, journal!.citationId);
    expect(stored?.sourceRecords).toEqual(['preprints:PPR/PPR200412', `pubmed:${JOURNAL_PMID}`]);
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([]);

    // Re-running both windows changes nothing.
    const again = byRun(await searchReview({ protocol, force: true }, deps(w.sources, FEBRUARY)));
    expect(again.preprints).toMatchObject({ status: 'succeeded', run: { counts: { new: 0 } } });
    expect(again.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 0 } } });
    expect(await count(protocol)).toBe(1);
  });

  it('a DOI alone stays pending until Europe PMC gives the PMID; a journal version stored apart meanwhile is queued as its twin', async () => {
    const w = await world();
    const protocol = review();
    await searchReview({ protocol }, deps(w.sources, JULY));
    const [preprint] = await fixture.embedded.store.listQueue(protocol.id);
    // medRxiv names the journal DOI; Europe PMC does not hold the article yet.
    w.biorxiv.publish(PREPRINT_DOI, JOURNAL_DOI);
    await searchReview({ protocol }, deps(w.sources, new Date('2024-01-15T07:00:00Z')));
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([
      expect.objectContaining({ preprintId: 'PPR200412', publishedPmid: null, publishedDoi: JOURNAL_DOI }),
    ]);
    // PubMed's record arrives with a title unlike the preprint's: a DOI alone does not make it the same work
    // (fuzzy-dedup.ts), so it is stored apart. medRxiv is not asked again: its DOI is remembered.
    w.eutils.addRecords([pubmedJournal!]);
    const asked = w.biorxiv.requests.length;
    const apart = byRun(await searchReview({ protocol }, deps(w.sources, JANUARY)));
    expect(apart.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 1 } } });
    expect(w.biorxiv.requests).toHaveLength(asked);
    expect(await count(protocol)).toBe(2);
    const journal = (await fixture.embedded.store.listQueue(protocol.id)).find(
      (q) => q.pmid === JOURNAL_PMID,
    )!;

    // Europe PMC indexes the article: the preprint is linked by its PMID, and the pair goes to a person.
    w.europePmc.addRecords([journalInEuropePmc]);
    const later = byRun(await searchReview({ protocol }, deps(w.sources, FEBRUARY)));
    expect(later.preprints?.status).toBe('succeeded');
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([]);
    const screening = new DynamoScreeningStore({
      client: fixture.embedded.client,
      tableName: fixture.embedded.tableName,
    });
    const pair = {
      pairId: possibleDuplicatePairId(journal.citationId, preprint!.citationId),
      reason: `bioRxiv/medRxiv link preprint PPR200412 to its published version, PMID ${JOURNAL_PMID}, DOI ${JOURNAL_DOI}`,
      status: 'pending',
    };
    expect(await screening.listPossibleDuplicates(protocol.id)).toEqual([expect.objectContaining(pair)]);
    // The journal's citation lists the preprint's record too; the store merged no two citations.
    const stored = await fixture.embedded.store.getCitation(protocol.id, journal.citationId);
    expect(stored?.sourceRecords).toEqual(['preprints:PPR/PPR200412', `pubmed:${JOURNAL_PMID}`]);
    expect(await count(protocol)).toBe(2);
    // Again: nothing more.
    await searchReview({ protocol, force: true }, deps(w.sources, FEBRUARY));
    expect(await screening.listPossibleDuplicates(protocol.id)).toEqual([expect.objectContaining(pair)]);
    expect(await count(protocol)).toBe(2);
  });
});

describe('a failing bioRxiv/medRxiv', () => {
  it('leaves the preprints pending with a warning, blocks no source, and the next run converges', async () => {
    const w = await world();
    const protocol = review();
    w.biorxiv.publish(PREPRINT_DOI, JOURNAL_DOI);
    // A second medRxiv preprint of the window, not published: after the first failure it is not asked about.
    const secondDoi = '10.1101/2023.07.01.99900002';
    w.europePmc.addRecords([
      {
        ...preprintRecord,
        id: 'PPR200413',
        doi: secondDoi,
        title: 'Cauda equina metastases of gastric cancer',
      },
    ]);
    w.biorxiv.addVersions([{ ...medrxivVersions()[0]!, doi: secondDoi }]);
    w.europePmc.addRecords([journalInEuropePmc]);
    w.eutils.addRecords([pubmedJournal!]);
    for (let i = 0; i < 3; i++) w.biorxiv.faults.enqueue({ kind: 'status', status: 503 });
    const failed = byRun(await searchReview({ protocol }, deps(w.sources, FEBRUARY)));
    expect(failed.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 1 } } });
    expect(failed.preprints).toMatchObject({
      status: 'succeeded',
      run: { counts: { found: 2, new: 2 }, requests: { search: 1, 'biorxiv:details': 3 } },
    });
    const warnings = failed.preprints?.status === 'succeeded' ? failed.preprints.run.warnings : [];
    expect(warnings).toEqual([
      expect.stringMatching(
        /^bioRxiv\/medRxiv failed, so 2 preprints were not looked up for a published version \(they stay pending and are asked again next run\): .*details of 10\.1101\/2023\.0.*on medrxiv.*503/,
      ),
    ]);
    expect(await watchStore().pendingPreprints(protocol.id)).toHaveLength(2);
    expect(await count(protocol)).toBe(3);

    // bioRxiv is back: the published preprint is linked, the journal version stored apart is queued as its
    // twin; the unpublished one stays pending.
    const next = byRun(await searchReview({ protocol, force: true }, deps(w.sources, FEBRUARY)));
    expect(next.preprints).toMatchObject({ status: 'succeeded', run: { warnings: [] } });
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([
      expect.objectContaining({ preprintId: 'PPR200413', publishedDoi: null }),
    ]);
    const screening = new DynamoScreeningStore({
      client: fixture.embedded.client,
      tableName: fixture.embedded.tableName,
    });
    expect(await screening.listPossibleDuplicates(protocol.id)).toHaveLength(1);
    // And again: nothing more.
    await searchReview({ protocol, force: true }, deps(w.sources, FEBRUARY));
    expect(await screening.listPossibleDuplicates(protocol.id)).toHaveLength(1);
    expect(await count(protocol)).toBe(3);
  });
});

describe('the protocol decides', () => {
  it('biorxiv: false asks bioRxiv/medRxiv nothing', async () => {
    const w = await world();
    const protocol = review({ name: 'preprints', biorxiv: false });
    w.biorxiv.publish(PREPRINT_DOI, JOURNAL_DOI);
    const results = byRun(await searchReview({ protocol }, deps(w.sources, JULY)));
    expect(results.preprints).toMatchObject({ status: 'succeeded', run: { counts: { new: 1 } } });
    expect(w.biorxiv.requests).toEqual([]);
    expect(await watchStore().pendingPreprints(protocol.id)).toHaveLength(1);
  });

  it('the composition root builds the bioRxiv/medRxiv client only for a protocol that wants it', async () => {
    const env = { BIORXIV_BASE_URL: 'http://127.0.0.1:9/biorxiv/' };
    const wanting = reviewSourcesFromEnv({ env, protocols: [review()] });
    const declining = reviewSourcesFromEnv({
      env,
      protocols: [review({ name: 'preprints', biorxiv: false })],
    });
    open.push(wanting, declining);
    expect(wanting.services).toContainEqual({ name: 'bioRxiv/medRxiv', baseUrl: env.BIORXIV_BASE_URL });
    expect((wanting.sources.preprints as EuropePmcSource).publishedVersions).toBeInstanceOf(BiorxivClient);
    expect(declining.services.map((s) => s.name)).not.toContain('bioRxiv/medRxiv');
    expect((declining.sources.preprints as EuropePmcSource).publishedVersions).toBeUndefined();
  });
});
