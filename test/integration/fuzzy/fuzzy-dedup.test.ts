// Fuzzy deduplication on the embedded store (dynalite): exact key claims first, then the blocking index for
// records no key matches. Certain duplicates join the stored citation (provenance kept, nothing queued),
// uncertain pairs go to the possible-duplicate queue the screening page reads, a DOI alone never merges two
// different titles, and nothing is ever found by Scan.

import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOCK_PREFIX,
  DynamoBlockingIndex,
  dynamoFuzzyDedupPorts,
} from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { onDynamoRequest } from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { reviewPk } from '../../../shared/adapters/dynamodb/table-design.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { createFuzzyDedup, SHARED_DOI_LINK } from '../../../shared/app/fuzzy-dedup.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import type { BlockingIndex } from '../../../shared/ports/blocking-index.ts';
import {
  countCitations,
  countQueueEntries,
  makeStoreCitation,
  makeTempDataDir,
  removeDataDir,
} from '../../support/store-fixtures.ts';

let dataDir: string;
let embedded: EmbeddedStore;
let reviews = 0;
const now = new Date('2026-03-02T06:00:00.000Z');
const requests: string[] = [];
/** Write requests DynamoDB answered ok (a conditional write it refused wrote nothing). */
const writesDone: string[] = [];

beforeAll(async () => {
  dataDir = makeTempDataDir('fuzzy');
  embedded = await openEmbeddedStore({ dataDir });
  onDynamoRequest(embedded.client, ({ operation, ok }) => {
    requests.push(operation);
    if (ok && ['PutItem', 'BatchWriteItem', 'UpdateItem'].includes(operation)) writesDone.push(operation);
  });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

function review(): string {
  return `fuzzy-${++reviews}`;
}

function dedup(options: { index?: BlockingIndex } = {}) {
  const ports = dynamoFuzzyDedupPorts(embedded.client, embedded.tableName);
  return createFuzzyDedup(embedded.store, { ...ports, ...(options.index ? { index: options.index } : {}) });
}

const screening = () => new DynamoScreeningStore({ client: embedded.client, tableName: embedded.tableName });

async function countPrefix(reviewId: string, prefix: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await embedded.client.send(
      new QueryCommand({
        TableName: embedded.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': prefix },
        Select: 'COUNT',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** The PubMed record of a work, as stored by a scheduled search. */
const pubmedWork = makeStoreCitation({
  pmid: '34567890',
  doi: '10.1007/s11060-021-03800-4',
  title:
    'Intradural extramedullary spinal metastases from non-neurogenic primary tumours: a systematic review',
  authors: [
    { family: 'Moreau', given: 'Camille', initials: 'C', orcid: null },
    { family: 'Tanaka', given: 'Hiroshi', initials: 'H', orcid: null },
    { family: 'Okafor', given: 'Ada', initials: 'A', orcid: null },
  ],
  journal: {
    title: 'Journal of Neuro-Oncology',
    isoAbbreviation: 'J Neurooncol',
    issn: '0167-594X',
    volume: '154',
    issue: '3',
    pages: '301-309',
  },
  year: 2021,
  publicationDate: { year: 2021, month: 9, day: null, medlineDate: null },
});

/** The same work from an Embase RIS export: no PMID, no DOI, the title typed a little differently. */
const embaseCopy = makeStoreCitation({
  source: 'embase',
  sourceRecordId: 'L2013456789',
  pmid: null,
  doi: null,
  title:
    'Intradural extramedullary spinal metastases from non neurogenic primary tumours - a systematic review.',
  authors: [
    { family: 'Moreau', given: 'C.', initials: 'C', orcid: null },
    { family: 'Tanaka', given: 'H.', initials: 'H', orcid: null },
  ],
  journal: {
    title: 'J Neurooncol',
    isoAbbreviation: null,
    issn: null,
    volume: '154',
    issue: '3',
    pages: '301',
  },
  year: 2021,
});

/**
 * The same title and authors a year later, from an index that exported no journal, volume or pages: uncertain,
 * for a person to judge.
 */
function meetingAbstract(id: string): Citation {
  return {
    ...embaseCopy,
    sourceRecordId: id,
    title: pubmedWork.title,
    authors: pubmedWork.authors,
    year: 2022,
    journal: null,
  };
}

describe('a certain duplicate without a shared key', () => {
  it('joins the stored citation: its source is added, nothing is queued, and the next arrival is known', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const stored = await fuzzy.record(reviewId, pubmedWork, now);
    expect(stored).toMatchObject({ kind: 'new', via: 'exact', possibleDuplicates: [] });

    const joined = await fuzzy.record(reviewId, embaseCopy, now);
    expect(joined).toMatchObject({ kind: 'duplicate', citationId: stored.citationId, via: 'fuzzy' });
    expect(joined.merge?.why).toMatch(/^duplicate: /);
    const citation = await embedded.store.getCitation(reviewId, stored.citationId);
    expect(citation?.sourceRecords).toEqual(['embase:L2013456789', 'pubmed:34567890']);
    // Why the record joined is kept on the citation, by source record.
    expect(citation?.mergeReasons).toEqual({
      'embase:L2013456789': expect.stringMatching(
        /^duplicate: .*agreed: title exact, authors same \(2 matched\)/,
      ),
    });
    expect(citation?.citation.title).toBe(pubmedWork.title);
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
    expect(await countQueueEntries(embedded.client, embedded.tableName, reviewId)).toBe(1);

    // The export imported again: its title key now leads to the citation, exactly.
    const again = await fuzzy.record(reviewId, embaseCopy, now);
    expect(again).toMatchObject({ kind: 'already-known', citationId: stored.citationId, via: 'exact' });
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
    expect(await screening().listPossibleDuplicates(reviewId)).toEqual([]);
  });

  it('merges the other way round too: a PubMed record arriving after the export joins the exported work', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const first = await fuzzy.record(reviewId, embaseCopy, now);
    expect(first.kind).toBe('new');
    const second = await fuzzy.record(reviewId, pubmedWork, now);
    expect(second).toMatchObject({ kind: 'duplicate', citationId: first.citationId, via: 'fuzzy' });
    // The PMID now leads to the citation: a Europe PMC copy with the same PMID is an exact duplicate.
    const europePmc = { ...pubmedWork, source: 'europepmc', sourceRecordId: 'MED/34567890' };
    expect(await fuzzy.record(reviewId, europePmc, now)).toMatchObject({
      kind: 'duplicate',
      citationId: first.citationId,
      via: 'exact',
    });
    const citation = await embedded.store.getCitation(reviewId, first.citationId);
    expect(citation?.sourceRecords).toEqual([
      'embase:L2013456789',
      'europepmc:MED/34567890',
      'pubmed:34567890',
    ]);
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
  });

  it('two copies of one id-less work recorded at the same time become one citation', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const scopus = {
      ...embaseCopy,
      source: 'scopus',
      sourceRecordId: '2-s2.0-85112345678',
      title: `${embaseCopy.title.slice(0, -1)}`,
    };
    const outcomes = await Promise.all([
      fuzzy.record(reviewId, embaseCopy, now),
      fuzzy.record(reviewId, scopus, now),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['duplicate', 'new']);
    expect(new Set(outcomes.map((o) => o.citationId)).size).toBe(1);
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
  });
});

describe('an uncertain pair', () => {
  it('stores the arriving record and queues the pair for a person, with its score and reasons', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const stored = await fuzzy.record(reviewId, pubmedWork, now);
    // The same title and authors a year later, no venue: the same work exported from another index?
    const abstract = meetingAbstract('L2013000001');
    const outcome = await fuzzy.record(reviewId, abstract, now);
    expect(outcome).toMatchObject({ kind: 'new', via: 'exact' });
    expect(outcome.possibleDuplicates).toEqual([
      expect.objectContaining({ citationId: outcome.citationId, twinId: stored.citationId }),
    ]);
    const pairs = await screening().listPossibleDuplicates(reviewId);
    expect(pairs).toEqual([
      expect.objectContaining({
        citationId: outcome.citationId,
        twinId: stored.citationId,
        status: 'pending',
        reason: expect.stringMatching(
          /title exact, authors same \(3 matched\).*possible: the title agrees, year one apart/,
        ),
        score: expect.any(Number),
      }),
    ]);
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(2);
    expect(await countQueueEntries(embedded.client, embedded.tableName, reviewId)).toBe(2);
  });

  it('leaves different works alone', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    await fuzzy.record(reviewId, pubmedWork, now);
    const other = makeStoreCitation({
      source: 'scopus',
      sourceRecordId: '2-s2.0-1',
      pmid: null,
      title: 'Radiosurgery for renal cell carcinoma metastases to the cauda equina',
      year: 2019,
    });
    const outcome = await fuzzy.record(reviewId, other, now);
    expect(outcome).toMatchObject({ kind: 'new', possibleDuplicates: [] });
    expect(await screening().listPossibleDuplicates(reviewId)).toEqual([]);
  });
});

describe('a DOI alone', () => {
  const supplementDoi = '10.1093/neuonc/noab196.001';
  const abstractA = makeStoreCitation({
    source: 'embase',
    sourceRecordId: 'L6360000001',
    pmid: null,
    doi: supplementDoi,
    title: 'Leptomeningeal disease after resection of brain metastases: a multicentre cohort',
    authors: [{ family: 'Berg', given: 'Karl', initials: 'K', orcid: null }],
    journal: {
      title: 'Neuro-Oncology',
      isoAbbreviation: null,
      issn: null,
      volume: '23',
      issue: 'Suppl 6',
      pages: 'vi1',
    },
    year: 2021,
  });
  const abstractB: Citation = {
    ...abstractA,
    sourceRecordId: 'L6360000002',
    title: 'Stereotactic radiosurgery for intradural spinal metastases: dosimetric outcomes',
    authors: [{ family: 'Novak', given: 'Eva', initials: 'E', orcid: null }],
    journal: { ...abstractA.journal!, pages: 'vi2' },
  };

  it('never merges two different titles: the second abstract is its own citation, and nobody is asked', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const a = await fuzzy.record(reviewId, abstractA, now);
    const b = await fuzzy.record(reviewId, abstractB, now);
    expect(b).toMatchObject({ kind: 'new', doiWithheld: true });
    expect(b.citationId).not.toBe(a.citationId);
    const storedB = await embedded.store.getCitation(reviewId, b.citationId);
    expect(storedB?.citation.doi).toBeNull();
    expect(storedB?.citation.links).toContainEqual({
      type: SHARED_DOI_LINK,
      pmid: null,
      refSource: `doi:${supplementDoi}`,
    });
    expect(storedB?.sourceRecords).toEqual(['embase:L6360000002']);
    // Other pages of the same supplement and other authors: two works for certain, so nobody is asked.
    expect(await screening().listPossibleDuplicates(reviewId)).toEqual([]);
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(2);
    // Imported again: still two citations.
    expect(await fuzzy.record(reviewId, abstractB, now)).toMatchObject({
      kind: 'already-known',
      citationId: b.citationId,
    });
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(2);
  });

  it('queues the pair when the records leave it open: a close title, no authors, no page', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const a = await fuzzy.record(reviewId, abstractA, now);
    const vague: Citation = {
      ...abstractA,
      sourceRecordId: 'L6360000003',
      title: 'Leptomeningeal disease after the resection of brain metastases: a multicentre cohort',
      authors: [],
      journal: { ...abstractA.journal!, pages: null },
    };
    const c = await fuzzy.record(reviewId, vague, now);
    expect(c).toMatchObject({ kind: 'new', doiWithheld: true });
    expect(await screening().listPossibleDuplicates(reviewId)).toEqual([
      expect.objectContaining({
        citationId: c.citationId,
        twinId: a.citationId,
        reason: expect.stringMatching(/^same DOI, different work\?, title close/),
        agreed: expect.arrayContaining(['year same', 'journal same', 'volume same']),
      }),
    ]);
    // Imported again: the pair is queued once.
    await fuzzy.record(reviewId, vague, now);
    expect(await screening().listPossibleDuplicates(reviewId)).toHaveLength(1);
  });

  it('still merges when the title agrees: the DOI confirms it', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    const a = await fuzzy.record(reviewId, abstractA, now);
    const copy = {
      ...abstractA,
      source: 'wos',
      sourceRecordId: 'WOS:000700000000001',
      title: abstractA.title.toUpperCase(),
    };
    expect(await fuzzy.record(reviewId, copy, now)).toMatchObject({
      kind: 'duplicate',
      citationId: a.citationId,
      doiWithheld: false,
    });
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
  });
});

describe('the blocking index', () => {
  it('holds one entry per blocking key and record variant, and is only ever queried (no Scan)', async () => {
    const reviewId = review();
    const fuzzy = dedup();
    requests.length = 0;
    const stored = await fuzzy.record(reviewId, pubmedWork, now);
    await fuzzy.record(reviewId, embaseCopy, now);
    const entries = await countPrefix(reviewId, BLOCK_PREFIX);
    expect(entries).toBeGreaterThanOrEqual(6);
    const index = new DynamoBlockingIndex(embedded.client, embedded.tableName);
    const { candidates } = await index.candidates(
      reviewId,
      ['t:intradural extramedullary spinal metastases'],
      200,
    );
    // Both variants of the work, each under the citation.
    expect(candidates.map((c) => [c.citationId, c.record.id]).sort()).toEqual([
      [stored.citationId, 'embase:L2013456789'],
      [stored.citationId, 'pubmed:34567890'],
    ]);
    expect(
      (
        await index.occupiedKeys(reviewId, [
          't:intradural extramedullary spinal metastases',
          't:nothing here',
        ])
      ).occupied,
    ).toEqual(new Set(['t:intradural extramedullary spinal metastases']));
    expect(requests).not.toContain('Scan');
    expect(new Set(requests)).toEqual(
      new Set(['BatchGetItem', 'Query', 'GetItem', 'PutItem', 'BatchWriteItem', 'UpdateItem']),
    );
  });

  it('leaves out a key shared by more records than maxBlockSize', async () => {
    const reviewId = review();
    const index = new DynamoBlockingIndex(embedded.client, embedded.tableName);
    for (let i = 0; i < 4; i++) {
      const record = {
        id: `x:${i}`,
        title: 'A common beginning',
        authors: null,
        year: null,
        journal: null,
        volume: null,
        issue: null,
        pages: null,
        doi: null,
        pmid: null,
      };
      await index.indexRecord(reviewId, `c${i}`, record, ['t:a common beginning', `p:${i}`]);
    }
    expect((await index.candidates(reviewId, ['t:a common beginning', 'p:1'], 3)).skipped).toEqual([
      't:a common beginning',
    ]);
    expect((await index.candidates(reviewId, ['t:a common beginning'], 4)).candidates).toHaveLength(4);
  });
});

describe('a crash between storing a record and indexing it', () => {
  it('is finished by the next arrival of the record: possible pairs queued, entries written, nothing doubled', async () => {
    const reviewId = review();
    const real = new DynamoBlockingIndex(embedded.client, embedded.tableName);
    let crash = true;
    const crashing: BlockingIndex = {
      keyOwners: (r, k) => real.keyOwners(r, k),
      occupiedKeys: (r, k) => real.occupiedKeys(r, k),
      candidates: (r, k, m) => real.candidates(r, k, m),
      markLarge: (r, k) => real.markLarge(r, k),
      indexedOf: (r, j) => real.indexedOf(r, j),
      claimKeyFor: (r, k, o, n) => real.claimKeyFor(r, k, o, n),
      indexRecords: async (r, j, o) => {
        if (crash) throw new Error('process died');
        return real.indexRecords(r, j, o);
      },
    };
    const fuzzy = dedup();
    const stored = await fuzzy.record(reviewId, pubmedWork, now);
    const abstract = meetingAbstract('L1');
    await expect(dedup({ index: crashing }).record(reviewId, abstract, now)).rejects.toThrow('process died');
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(2);
    expect(await screening().listPossibleDuplicates(reviewId)).toHaveLength(1);

    crash = false;
    const again = await dedup({ index: crashing }).record(reviewId, abstract, now);
    expect(again).toMatchObject({ kind: 'already-known' });
    expect(again.possibleDuplicates).toEqual([expect.objectContaining({ twinId: stored.citationId })]);
    expect(await real.isIndexed(reviewId, again.citationId, { id: 'embase:L1' } as never, ['t:x'])).toBe(
      false,
    );
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(2);
    expect(await screening().listPossibleDuplicates(reviewId)).toHaveLength(1);
    // Indexed now: a third arrival reads one marker and writes nothing.
    // (It may send the arrival tally's conditional put again, which is refused: nothing is written.)
    writesDone.length = 0;
    expect((await dedup().record(reviewId, abstract, now)).possibleDuplicates).toEqual([]);
    expect(writesDone).toEqual([]);
  });
});
