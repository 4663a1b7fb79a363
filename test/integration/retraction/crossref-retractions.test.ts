// Retractions beyond PubMed, over real parts: the retraction watch asks the loopback Crossref stand-in (serving the
// recorded retraction notice, and an article whose Retraction Watch entry has no notice DOI) about the included
// studies' DOIs, in the polite pool, at the rate Crossref's headers state. A study without a PMID is checked
// through its DOI and flagged like PubMed's retractions; seeing the notices again records nothing; every fault
// either completes the lookup or fails it clearly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CrossrefCorpusWork, startCrossrefStandIn } from '../../../cli/demo/crossref-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import type { ApiFault, JsonApiStandIn } from '../../../cli/demo/json-api-stand-in.ts';
import {
  CrossrefClient,
  CrossrefError,
  crossrefConfigFromEnv,
} from '../../../shared/adapters/crossref/crossref-client.ts';
import { efetchPubmedByIds } from '../../../shared/adapters/pubmed/efetch-by-ids.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { watchRetractions } from '../../../shared/app/watch-retractions.ts';
import { TRANSIENT_API_FAULTS } from '../../support/api-faults.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  recordCitations,
  studyCitation,
} from '../report/harness.ts';

const recorded = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'cli', 'demo', 'recorded', 'crossref_update_notices.json'),
    'utf8',
  ),
) as { message: { items: CrossrefCorpusWork[] } };
const NOTICED = '10.5555/lrm.included.2019.5';
const WATCHED_ONLY = '10.5555/lrm.included.2020.8';
/** An article Retraction Watch lists as retracted, whose notice has no DOI: only its own updated-by says so. */
const rwOnly: CrossrefCorpusWork = {
  DOI: WATCHED_ONLY,
  type: 'journal-article',
  title: ['Cauda equina metastasis of a prostate carcinoma'],
  'updated-by': [
    {
      DOI: WATCHED_ONLY,
      type: 'retraction',
      source: 'retraction-watch',
      label: 'Retraction',
      'record-id': 61002,
      updated: { 'date-parts': [[2025, 2, 3]] },
    },
  ],
};
const corpus: CrossrefCorpusWork[] = [
  ...recorded.message.items,
  rwOnly,
  { DOI: NOTICED, type: 'journal-article', title: ['Intradural metastasis of a gastric adenocarcinoma'] },
];

let h: Harness;
let eutils: EutilsStandIn;
let ncbi: EutilsClient;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  h = await openHarness('crossref');
  eutils = await startEutilsStandIn({ corpus: [] });
  ncbi = new EutilsClient(eutilsConfigFromEnv({ NCBI_EUTILS_BASE_URL: eutils.baseUrl }));
});
afterAll(async () => {
  await ncbi?.close();
  await eutils?.close();
  await h?.close();
});
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function crossref(options: { politeLimit?: number; rows?: number } = {}) {
  const standIn = await startCrossrefStandIn({ corpus, politeLimit: options.politeLimit ?? 20 });
  const client = new CrossrefClient(
    crossrefConfigFromEnv(
      { CROSSREF_BASE_URL: standIn.baseUrl, CROSSREF_EMAIL: 'monitor-tests@example.org' },
      {
        timeoutMs: 500,
        maxAttempts: 4,
        maxRetryTimeMs: 5_000,
        requestsPerSecond: 50,
        rows: options.rows ?? 1000,
      },
    ),
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
  open.push(client, standIn);
  return { standIn, client };
}

describe('the retraction watch with Crossref', () => {
  it('checks studies without a PMID through their DOI, flags the retracted ones, and records each notice once', async () => {
    const protocol = protocolFor('crossref-a');
    const ids = await recordCitations(h, protocol.id, [
      studyCitation('0', {
        pmid: null,
        sourceRecordId: 'embase-1',
        doi: NOTICED,
        title: 'Gastric adenocarcinoma',
      }),
      studyCitation('0', {
        pmid: null,
        sourceRecordId: 'embase-2',
        doi: WATCHED_ONLY,
        title: 'Prostate carcinoma',
      }),
      studyCitation('0', {
        pmid: null,
        sourceRecordId: 'embase-3',
        doi: null,
        title: 'A study with no identifier',
      }),
      studyCitation('39100001'),
    ]);
    await include(h, protocol.id, ids);
    const { standIn, client } = await crossref({ politeLimit: 3 });
    const deps = {
      evidence: h.evidence,
      digests: h.digests,
      clock: h.clock,
      fetchRecords: (pmids: readonly string[]) => efetchPubmedByIds(ncbi, pmids),
      doiUpdates: (dois: readonly string[]) => client.updatesOf(dois),
    };
    const outcome = await watchRetractions({ protocol }, deps);
    expect(outcome).toMatchObject({ checked: 1, checkedCrossref: 3, notChecked: [ids[2]] });
    // Studies are watched in citation-id order; the notices are compared by study.
    const byStudy = (a: readonly unknown[], b: readonly unknown[]) =>
      String(a[0]).localeCompare(String(b[0]));
    expect(outcome.newNotices.map((n) => [n.citationId, n.kind, n.key]).sort(byStudy)).toEqual(
      [
        [ids[0], 'retraction', 'retraction:doi:10.5555/lrm.notice.2024.9'],
        [ids[1], 'retraction', 'retraction:rw:61002'],
      ].sort(byStudy),
    );
    expect(outcome.newNotices.find((n) => n.citationId === ids[1])?.refSource).toBe(
      'Retraction (Retraction Watch via Crossref, 2025-02-03)',
    );
    expect(outcome.retracted.map((s) => s.citationId).sort()).toEqual([ids[0], ids[1]].sort());

    // Two requests for up to 20 DOIs (the notices, then the articles), in the polite pool; the limiter follows
    // the rate Crossref's headers state.
    expect(standIn.requests.map((r) => r.params.filter?.split(',')[0]?.split(':')[0])).toEqual([
      'updates',
      'doi',
    ]);
    for (const request of standIn.requests) expect(request.params.mailto).toBe('monitor-tests@example.org');
    expect(client.requestCounts()).toEqual({ works: 2 });
    expect(client.rateLimiter.requestsPerSecond).toBe(3);

    // Again: nothing new, nothing flagged twice.
    const again = await watchRetractions({ protocol }, deps);
    expect(again.newNotices).toEqual([]);
    expect(again.retracted).toEqual([]);
  });
});

describe.each(TRANSIENT_API_FAULTS)('Crossref, a transient fault: %s', (_name, fault) => {
  it('is retried and every update is read', async () => {
    const { standIn, client } = await crossref({ rows: 1 });
    standIn.faults.enqueue(fault);
    const updates = await client.updatesOf([NOTICED, WATCHED_ONLY]);
    expect([...updates.keys()].sort()).toEqual([NOTICED, WATCHED_ONLY]);
    expect(updates.get(NOTICED)).toHaveLength(2);
  });
});

const persistent: [string, ApiFault[], RegExp][] = [
  [
    'a partial page (a work left out)',
    [{ kind: 'drop-record' }],
    /fetched 0 of 1 works: Crossref answered an empty page/,
  ],
  [
    'a cursor that repeats',
    [{ kind: 'slow', delayMs: 0 }, { kind: 'repeat-cursor' }],
    /came back twice|does not advance/,
  ],
];

describe.each(persistent)('Crossref, a persistent fault: %s', (_name, faults, reason) => {
  it('fails the lookup rather than miss a notice', async () => {
    const { standIn, client } = await crossref({ rows: 1 });
    for (const fault of faults) standIn.faults.enqueue(fault);
    const error = await client.updatesOf([NOTICED, WATCHED_ONLY]).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CrossrefError);
    expect((error as Error).message).toMatch(reason);
  });
});

// Guards the stand-in's own shape (the tests above rely on it): the public pool states a lower limit.
it('the Crossref stand-in states a lower limit without mailto, as the public pool', async () => {
  const standIn: JsonApiStandIn = await startCrossrefStandIn({ corpus, politeLimit: 10 });
  open.push(standIn);
  const answer = await fetch(`${standIn.baseUrl}works?filter=doi:${NOTICED}`);
  expect(answer.headers.get('x-rate-limit-limit')).toBe('5');
  expect(answer.headers.get('x-api-pool')).toBe('public');
  await answer.arrayBuffer();
});
