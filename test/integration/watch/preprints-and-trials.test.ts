// Preprints and ongoing studies over real parts (searchReview -> clients -> HTTP -> loopback stand-ins, the
// embedded store). A preprint and its journal version are one work whichever arrives first: a preprint stored
// before Europe PMC linked it is looked up again each run and, once linked, the journal version joins it as a
// duplicate; a journal version stored apart before the link is queued as a possible duplicate. Registrations
// from ClinicalTrials.gov are ongoing studies (new, updated, unchanged), never screening candidates, and every
// fault of the registry either completes the run or fails it with its watermark unmoved.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ClinicalTrialsCorpusStudy,
  startClinicalTrialsStandIn,
} from '../../../cli/demo/clinicaltrials-stand-in.ts';
import {
  type EuropePmcCorpusRecord,
  type EuropePmcStandIn,
  startEuropePmcStandIn,
} from '../../../cli/demo/europepmc-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import type { ApiFault, JsonApiStandIn } from '../../../cli/demo/json-api-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import {
  ClinicalTrialsClient,
  ClinicalTrialsRegistry,
  clinicalTrialsConfigFromEnv,
} from '../../../shared/adapters/clinicaltrials/clinicaltrials-client.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import {
  EuropePmcClient,
  europePmcConfigFromEnv,
} from '../../../shared/adapters/europepmc/europepmc-client.ts';
import { EuropePmcSource } from '../../../shared/adapters/europepmc/europepmc-source.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { PubmedSource } from '../../../shared/adapters/pubmed/pubmed-source.ts';
import { type ReviewSource, searchReview } from '../../../shared/app/search-review.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import { possibleDuplicatePairId } from '../../../shared/ports/screening-store.ts';
import { TRANSIENT_API_FAULTS } from '../../support/api-faults.ts';
import { countCitations } from '../../support/store-fixtures.ts';
import { byRun, useReviewRunStore } from './review-run-store.ts';

const RECORDED = join(import.meta.dirname, '..', '..', '..', 'cli', 'demo', 'recorded');
const recorded = <T>(name: string) => JSON.parse(readFileSync(join(RECORDED, name), 'utf8')) as T;
const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));

const fixture = useReviewRunStore('preprints-trials');
const { open, watchStore, deps } = fixture;
let reviews = 0;

// ---------------------------------------------------------------------------------------------------------
// Preprints

const page = recorded<{ resultList: { result: EuropePmcCorpusRecord[] } }>(
  'europepmc_preprint_published.json',
);
const [linkedPreprint, journalArticle] = page.resultList.result as [
  EuropePmcCorpusRecord,
  EuropePmcCorpusRecord,
];
/** The preprint as Europe PMC held it before the journal version appeared: no link yet. */
const { commentCorrectionList: _link, ...unlinkedPreprint } = linkedPreprint;
const PUBLISHED_PMID = '38500077';
/** PubMed's record of the journal version (created after the second run below, with a DOI of its own). */
const [pubmedJournalRecord] = syntheticCorpus(1, {
  from: '2024-01-18',
  to: '2024-01-18',
  firstPmid: Number(PUBLISHED_PMID),
});

let europePmc: EuropePmcStandIn;
let eutils: EutilsStandIn;

async function preprintSources() {
  europePmc = await startEuropePmcStandIn({
    corpus: [unlinkedPreprint as EuropePmcCorpusRecord],
    rateLimit: 100,
  });
  eutils = await startEutilsStandIn({ corpus: [], rateLimit: { withoutKey: 100, withKey: 100 } });
  const fast = { timeoutMs: 2_000, maxAttempts: 3, maxRetryTimeMs: 5_000 };
  const epmc = new EuropePmcClient(
    europePmcConfigFromEnv({ EUROPEPMC_BASE_URL: europePmc.baseUrl }, { ...fast, requestsPerSecond: 50 }),
  );
  const ncbi = new EutilsClient(
    eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: eutils.baseUrl }, { ...fast, requestsPerSecond: 50 }),
  );
  open.push(epmc, ncbi, europePmc, eutils);
  return {
    pubmed: new PubmedSource(ncbi),
    preprints: new EuropePmcSource(epmc, { name: 'preprints' }),
  };
}

function preprintReview(): Protocol {
  return {
    ...iesm,
    id: `pp-${++reviews}`,
    monitoringStart: '2023-01-01',
    sources: [{ name: 'pubmed' }, { name: 'preprints' }],
  };
}

describe('a preprint and its journal version', () => {
  it('stored first and linked later: the journal version from PubMed joins it as a duplicate, never a new study', async () => {
    const sources = await preprintSources();
    const protocol = preprintReview();
    // July 2023: the preprint is posted; nothing links it yet.
    const first = byRun(await searchReview({ protocol }, deps(sources, new Date('2023-07-03T07:00:00Z'))));
    expect(first.preprints).toMatchObject({ status: 'succeeded', run: { counts: { new: 1 } } });
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([
      expect.objectContaining({ preprintId: 'PPR200001', publishedPmid: null }),
    ]);
    const [entry] = await fixture.embedded.store.listQueue(protocol.id);

    // January 2024: the journal version is published and Europe PMC links the preprint to it.
    europePmc.replaceRecord(linkedPreprint);
    europePmc.addRecords([journalArticle]);
    const second = byRun(await searchReview({ protocol }, deps(sources, new Date('2024-01-15T07:00:00Z'))));
    const preprints = second.preprints;
    if (preprints?.status !== 'succeeded') throw new Error('the preprints run failed');
    // The window held no new preprint; the pending one was looked up again and is now keyed by the PMID.
    expect(preprints.run.counts).toMatchObject({ found: 0, fetched: 1, new: 0, alreadyKnown: 1 });
    expect(await watchStore().pendingPreprints(protocol.id)).toEqual([]);

    // PubMed's record of the journal version arrives: a duplicate of the preprint.
    eutils.addRecords([pubmedJournalRecord!]);
    const third = byRun(
      await searchReview({ protocol, force: true }, deps(sources, new Date('2024-01-22T07:00:00Z'))),
    );
    expect(third.pubmed).toMatchObject({ status: 'succeeded', run: { counts: { new: 0, duplicates: 1 } } });
    expect(await countCitations(fixture.embedded.client, fixture.embedded.tableName, protocol.id)).toBe(1);
    const stored = await fixture.embedded.store.getCitation(protocol.id, entry!.citationId);
    expect(stored?.sourceRecords).toEqual([`preprints:PPR/PPR200001`, `pubmed:${PUBLISHED_PMID}`]);
  });

  it('a journal version stored apart before the link is queued as a possible duplicate of the preprint', async () => {
    const sources = await preprintSources();
    const protocol = preprintReview();
    await searchReview({ protocol }, deps(sources, new Date('2023-07-03T07:00:00Z')));
    const [preprint] = await fixture.embedded.store.listQueue(protocol.id);
    // PubMed has the journal version before Europe PMC links the two.
    eutils.addRecords([pubmedJournalRecord!]);
    await searchReview({ protocol }, deps(sources, new Date('2024-01-22T07:00:00Z')));
    expect(await countCitations(fixture.embedded.client, fixture.embedded.tableName, protocol.id)).toBe(2);
    const journal = (await fixture.embedded.store.listQueue(protocol.id)).find(
      (q) => q.pmid === PUBLISHED_PMID,
    )!;

    europePmc.replaceRecord(linkedPreprint);
    const later = byRun(await searchReview({ protocol }, deps(sources, new Date('2024-01-29T07:00:00Z'))));
    expect(later.preprints?.status).toBe('succeeded');
    const screening = new DynamoScreeningStore({
      client: fixture.embedded.client,
      tableName: fixture.embedded.tableName,
    });
    expect(await screening.listPossibleDuplicates(protocol.id)).toContainEqual(
      expect.objectContaining({
        pairId: possibleDuplicatePairId(journal.citationId, preprint!.citationId),
        reason: `Europe PMC links preprint PPR200001 to its published version, PMID ${PUBLISHED_PMID}`,
        status: 'pending',
      }),
    );
    // The store merged nothing: the two citations remain, a person decides.
    expect(await countCitations(fixture.embedded.client, fixture.embedded.tableName, protocol.id)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Ongoing studies

const studies = recorded<{ studies: ClinicalTrialsCorpusStudy[] }>('clinicaltrials_studies.json').studies;
/** A third registration of another condition: not asked for. */
const otherCondition: ClinicalTrialsCorpusStudy = {
  protocolSection: {
    identificationModule: { nctId: 'NCT06600003', briefTitle: 'Knee Osteoarthritis Exercise Trial' },
    statusModule: { overallStatus: 'RECRUITING', lastUpdatePostDateStruct: { date: '2024-05-01' } },
    conditionsModule: { conditions: ['Knee Osteoarthritis'] },
  },
  hasResults: false,
};
const trialsNow = new Date('2024-06-10T07:00:00Z');

function trialsReview(): Protocol {
  return {
    ...iesm,
    id: `ct-${++reviews}`,
    monitoringStart: '2024-01-01',
    sources: [{ name: 'clinicaltrials', conditions: ['spinal metastases'] }],
  };
}

async function trialsSource(corpus: ClinicalTrialsCorpusStudy[]): Promise<{
  standIn: JsonApiStandIn;
  sources: Record<string, ReviewSource>;
}> {
  const standIn = await startClinicalTrialsStandIn({ corpus, rateLimit: 100 });
  const client = new ClinicalTrialsClient(
    clinicalTrialsConfigFromEnv(
      { CLINICALTRIALS_BASE_URL: standIn.baseUrl },
      { timeoutMs: 500, maxAttempts: 4, maxRetryTimeMs: 5_000, requestsPerSecond: 50, pageSize: 1 },
    ),
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
  open.push(client, standIn);
  return { standIn, sources: { clinicaltrials: new ClinicalTrialsRegistry(client) } };
}

describe('ongoing studies from ClinicalTrials.gov', () => {
  it('lists new and updated registrations of the conditions apart, queues nothing, and re-reading changes nothing', async () => {
    const protocol = trialsReview();
    const { sources, standIn } = await trialsSource([...studies, otherCondition]);
    const first = byRun(await searchReview({ protocol }, deps(sources, trialsNow)));
    expect(first.clinicaltrials).toMatchObject({
      status: 'succeeded',
      run: {
        query: 'conditions: spinal metastases',
        counts: { found: 2, fetched: 2, new: 2, updated: 0, alreadyKnown: 0, queued: 0 },
        requests: { studies: 2 },
      },
    });
    expect(standIn.requests[0]?.params).toMatchObject({
      'query.cond': '(spinal metastases)',
      'filter.advanced': 'AREA[LastUpdatePostDate]RANGE[2024-01-01,2024-06-10]',
      countTotal: 'true',
      pageSize: '1',
    });
    expect(await fixture.embedded.store.listQueue(protocol.id)).toEqual([]);
    const stored = await watchStore().listRegistrations(protocol.id);
    expect(stored.map((s) => [s.registration.id, s.updatedAt])).toEqual([
      ['NCT04400002', null],
      ['NCT05500001', null],
    ]);

    const again = byRun(
      await searchReview(
        { protocol, window: { from: '2024-01-01', to: '2024-06-10' } },
        deps(sources, trialsNow),
      ),
    );
    expect(again.clinicaltrials).toMatchObject({ run: { counts: { new: 0, updated: 0, alreadyKnown: 2 } } });
  });

  it('records a registration the registry posted a change to as updated', async () => {
    const protocol = trialsReview();
    await searchReview({ protocol }, deps((await trialsSource(studies)).sources, trialsNow));
    const [first] = studies as [ClinicalTrialsCorpusStudy];
    const changed: ClinicalTrialsCorpusStudy = {
      ...first,
      protocolSection: {
        ...first.protocolSection,
        statusModule: {
          ...first.protocolSection.statusModule,
          overallStatus: 'COMPLETED',
          lastUpdatePostDateStruct: { date: '2024-06-12' },
        },
      },
    };
    const later = new Date('2024-06-17T07:00:00Z');
    const result = byRun(
      await searchReview({ protocol }, deps((await trialsSource([changed, studies[1]!])).sources, later)),
    );
    expect(result.clinicaltrials).toMatchObject({ run: { counts: { new: 0, updated: 1 } } });
    const stored = (await watchStore().listRegistrations(protocol.id)).find(
      (s) => s.registration.id === 'NCT05500001',
    );
    expect(stored).toMatchObject({
      registration: { status: 'COMPLETED', lastUpdatePosted: '2024-06-12' },
      updatedAt: later.toISOString(),
    });
  });
});

describe.each(TRANSIENT_API_FAULTS)('ClinicalTrials.gov, a transient fault: %s', (_name, fault) => {
  it('is retried on the first page and a later one; the run completes with every registration once', async () => {
    const protocol = trialsReview();
    const { sources, standIn } = await trialsSource(studies);
    standIn.faults.enqueue(fault);
    standIn.faults.enqueue({ kind: 'slow', delayMs: 0 });
    standIn.faults.enqueue(fault);
    const result = byRun(await searchReview({ protocol }, deps(sources, trialsNow)));
    expect(result.clinicaltrials).toMatchObject({ status: 'succeeded', run: { counts: { new: 2 } } });
    expect(standIn.faults.pending()).toBe(0);
  });
});

const persistent: [string, ApiFault[], RegExp][] = [
  [
    'a partial page (a study left out)',
    [{ kind: 'drop-record' }],
    /fetched 0 of 2 studies: ClinicalTrials.gov answered an empty page/,
  ],
  ['a page token that repeats', [{ kind: 'repeat-cursor' }], /study NCT04400002 came back twice/],
];

describe.each(persistent)('ClinicalTrials.gov, a persistent fault: %s', (_name, faults, reason) => {
  it('fails the run with its watermark unmoved; the next run completes', async () => {
    const protocol = trialsReview();
    const { sources, standIn } = await trialsSource(studies);
    for (const fault of faults) standIn.faults.enqueue(fault);
    const failed = byRun(await searchReview({ protocol }, deps(sources, trialsNow)));
    expect(failed.clinicaltrials).toMatchObject({ status: 'failed', error: expect.stringMatching(reason) });
    expect(await fixture.embedded.store.getWatermark(protocol.id, 'clinicaltrials')).toBeNull();
    const retried = byRun(await searchReview({ protocol }, deps(sources, trialsNow)));
    expect(retried.clinicaltrials?.status).toBe('succeeded');
    expect(await watchStore().listRegistrations(protocol.id)).toHaveLength(2);
  });
});
