// recordCitation against a real dynalite server (the embedded store on a temp directory): dedup by each key,
// re-runs, claims whose citation is missing, and reading back.
import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCitationStore } from '../../../shared/adapters/dynamodb/citation-store.ts';
import {
  createDynamoClient,
  destroyDynamoClient,
  embeddedClientConfig,
  onDynamoRequest,
} from '../../../shared/adapters/dynamodb/dynamo-client.ts';
import {
  citationItem,
  citationItemKey,
  keyClaimItem,
  keyClaimItemKey,
} from '../../../shared/adapters/dynamodb/table-design.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import { StoreError } from '../../../shared/errors.ts';
import type { RecordOutcome } from '../../../shared/ports/citation-store.ts';
import {
  countCitations,
  countQueueEntries,
  makeStoreCitation,
  makeTempDataDir,
  pubmedWindow,
  readClaims,
  removeDataDir,
} from '../../support/store-fixtures.ts';

const NOW = new Date('2026-03-02T06:00:00.000Z');

let dataDir: string;
let embedded: EmbeddedStore;
let store: DynamoCitationStore;
let impatient: DynamoCitationStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('dedup');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  store = new DynamoCitationStore({ client: embedded.client, tableName: embedded.tableName });
  // For claims planted as orphans: nobody will finish them, so waiting long only slows the tests.
  impatient = new DynamoCitationStore({
    client: embedded.client,
    tableName: embedded.tableName,
    pendingWaitMs: 100,
  });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

const counts = async (reviewId: string) => ({
  citations: await countCitations(embedded.client, embedded.tableName, reviewId),
  queue: await countQueueEntries(embedded.client, embedded.tableName, reviewId),
});

describe('recordCitation: dedup by each key', () => {
  it('stores a first record as new and queues it', async () => {
    const citation = makeStoreCitation({ pmid: '111', doi: '10.1000/abc', pmcid: 'PMC111' });
    const outcome = await store.recordCitation('r-new', citation, NOW);

    expect(outcome).toEqual({ kind: 'new', citationId: citationId('pmid:111') });
    const stored = await store.getCitation('r-new', outcome.citationId);
    expect(stored).toEqual({
      reviewId: 'r-new',
      citationId: outcome.citationId,
      citation,
      keys: ['pmid:111', 'doi:10.1000/abc', 'pmcid:PMC111'],
      sourceRecords: ['pubmed:111'],
      queuedAt: NOW.toISOString(),
      screeningStatus: 'awaiting-screening',
    });
    expect(await store.listQueue('r-new')).toEqual([
      {
        citationId: outcome.citationId,
        pmid: '111',
        doi: '10.1000/abc',
        title: citation.title,
        year: 2024,
        queuedAt: NOW.toISOString(),
      },
    ]);
    expect(Object.fromEntries(await readClaims(embedded.client, embedded.tableName, 'r-new'))).toEqual({
      'pmid:111': outcome.citationId,
      'doi:10.1000/abc': outcome.citationId,
      'pmcid:PMC111': outcome.citationId,
    });
  });

  it('finds the same PMID from another source a duplicate and lists both source records', async () => {
    const first = await store.recordCitation('r-pmid', makeStoreCitation({ pmid: '222' }), NOW);
    const again = await store.recordCitation(
      'r-pmid',
      makeStoreCitation({
        pmid: '222',
        source: 'europepmc',
        sourceRecordId: 'MED/222',
        title: 'Other wording',
      }),
      NOW,
    );

    expect(first.kind).toBe('new');
    expect(again).toEqual({ kind: 'duplicate', citationId: first.citationId, matchedKey: 'pmid:222' });
    expect((await store.getCitation('r-pmid', first.citationId))?.sourceRecords).toEqual([
      'europepmc:MED/222',
      'pubmed:222',
    ]);
    expect(await counts('r-pmid')).toEqual({ citations: 1, queue: 1 });
  });

  it('finds the same DOI from an Embase export (DOI only) a duplicate', async () => {
    const first = await store.recordCitation(
      'r-doi',
      makeStoreCitation({ pmid: '333', doi: '10.1000/x.333' }),
      NOW,
    );
    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E333',
      pmid: null,
      doi: '10.1000/x.333',
      title: 'A RANDOMISED TRIAL, number 333',
    });
    const outcome = await store.recordCitation('r-doi', embase, NOW);

    expect(outcome).toEqual({
      kind: 'duplicate',
      citationId: first.citationId,
      matchedKey: 'doi:10.1000/x.333',
    });
    const stored = await store.getCitation('r-doi', first.citationId);
    expect(stored?.sourceRecords).toEqual(['embase-ris:E333', 'pubmed:333']);
    expect(stored?.citation.source).toBe('pubmed');
    expect(await counts('r-doi')).toEqual({ citations: 1, queue: 1 });
  });

  it('finds the same PMCID a duplicate', async () => {
    const first = await store.recordCitation(
      'r-pmc',
      makeStoreCitation({ pmid: '444', pmcid: 'PMC444' }),
      NOW,
    );
    const outcome = await store.recordCitation(
      'r-pmc',
      makeStoreCitation({ source: 'europepmc', sourceRecordId: 'PMC444', pmid: null, pmcid: 'PMC444' }),
      NOW,
    );

    expect(outcome).toEqual({ kind: 'duplicate', citationId: first.citationId, matchedKey: 'pmcid:PMC444' });
    expect(await counts('r-pmc')).toEqual({ citations: 1, queue: 1 });
  });

  it('matches id-less records on title, year and first author, and only on all three', async () => {
    const base = { pmid: null, doi: null, pmcid: null, source: 'cinahl', year: 2021 } as const;
    const first = await store.recordCitation(
      'r-title',
      makeStoreCitation({ ...base, sourceRecordId: 'C1', title: 'Effect of Café au lait on Sleep: a trial' }),
      NOW,
    );
    const retyped = await store.recordCitation(
      'r-title',
      makeStoreCitation({
        ...base,
        source: 'embase-ris',
        sourceRecordId: 'E1',
        title: 'EFFECT OF CAFE AU LAIT ON SLEEP - A TRIAL.',
        authors: [{ family: 'SMITH', given: null, initials: 'J', orcid: null }],
      }),
      NOW,
    );
    const otherYear = await store.recordCitation(
      'r-title',
      makeStoreCitation({
        ...base,
        sourceRecordId: 'C2',
        year: 2022,
        title: 'Effect of Café au lait on Sleep: a trial',
      }),
      NOW,
    );
    const otherAuthor = await store.recordCitation(
      'r-title',
      makeStoreCitation({
        ...base,
        sourceRecordId: 'C3',
        title: 'Effect of Café au lait on Sleep: a trial',
        authors: [{ family: 'Jones', given: null, initials: null, orcid: null }],
      }),
      NOW,
    );

    expect(first.kind).toBe('new');
    expect(retyped).toEqual({
      kind: 'duplicate',
      citationId: first.citationId,
      matchedKey: 'title:effect of cafe au lait on sleep a trial|2021|smith|1|3',
    });
    expect(otherYear.kind).toBe('new');
    expect(otherAuthor.kind).toBe('new');
    expect(await counts('r-title')).toEqual({ citations: 3, queue: 3 });
  });

  it('dedups id-less records whose title key is longer than a sort key may be', async () => {
    const title = `${'Outcomes of decompressive surgery and radiotherapy in metastatic spinal cord compression '.repeat(14)}`;
    const base = { pmid: null, doi: null, pmcid: null, title, year: 2019 } as const;
    const first = await store.recordCitation(
      'r-long',
      makeStoreCitation({ ...base, sourceRecordId: 'L1' }),
      NOW,
    );
    const again = await store.recordCitation(
      'r-long',
      makeStoreCitation({ ...base, source: 'embase-ris', sourceRecordId: 'L2' }),
      NOW,
    );

    expect(first.kind).toBe('new');
    expect(again).toMatchObject({ kind: 'duplicate', citationId: first.citationId });
    expect((await store.getCitation('r-long', first.citationId))?.keys[0]?.length).toBeGreaterThan(1024);
    expect(await counts('r-long')).toEqual({ citations: 1, queue: 1 });
  });

  it('stores different works as different citations', async () => {
    const a = await store.recordCitation('r-diff', makeStoreCitation({ pmid: '555', doi: '10.1/a' }), NOW);
    const b = await store.recordCitation('r-diff', makeStoreCitation({ pmid: '556', doi: '10.1/b' }), NOW);

    expect([a.kind, b.kind]).toEqual(['new', 'new']);
    expect(a.citationId).not.toBe(b.citationId);
    expect(await counts('r-diff')).toEqual({ citations: 2, queue: 2 });
  });

  it('keeps reviews apart: the same record is new in each review', async () => {
    const citation = makeStoreCitation({ pmid: '557' });
    expect((await store.recordCitation('r-apart-1', citation, NOW)).kind).toBe('new');
    expect((await store.recordCitation('r-apart-2', citation, NOW)).kind).toBe('new');
  });

  it('stores a record with no identifier and no title under its place in its database, and never merges it', async () => {
    const untitled = (sourceRecordId: string) =>
      makeStoreCitation({ pmid: null, doi: null, pmcid: null, sourceRecordId, title: ' ' });
    const first = await store.recordCitation('r-none', untitled('X9'), NOW);
    const again = await store.recordCitation('r-none', untitled('X9'), NOW);
    const other = await store.recordCitation('r-none', untitled('X10'), NOW);

    expect(first.kind).toBe('new');
    expect(again).toEqual({ kind: 'already-known', citationId: first.citationId });
    expect(other.kind).toBe('new');
    expect((await store.getCitation('r-none', first.citationId))?.keys).toEqual(['record:pubmed:X9']);
    expect(await counts('r-none')).toEqual({ citations: 2, queue: 2 });
  });
});

describe('recordCitation: a record that links keys stored apart', () => {
  it('points the PMID of a later PubMed record at the citation stored from a DOI-only record', async () => {
    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E7',
      pmid: null,
      doi: '10.7/seven',
    });
    const stored = await store.recordCitation('r-link', embase, NOW);
    const pubmed = makeStoreCitation({ pmid: '777', doi: '10.7/seven', pmcid: 'PMC777' });
    const outcome = await store.recordCitation('r-link', pubmed, NOW);

    expect(stored).toEqual({ kind: 'new', citationId: citationId('doi:10.7/seven') });
    expect(outcome).toEqual({
      kind: 'duplicate',
      citationId: stored.citationId,
      matchedKey: 'doi:10.7/seven',
    });
    expect(Object.fromEntries(await readClaims(embedded.client, embedded.tableName, 'r-link'))).toEqual({
      'pmid:777': stored.citationId,
      'doi:10.7/seven': stored.citationId,
      'pmcid:PMC777': stored.citationId,
    });
    const citation = await store.getCitation('r-link', stored.citationId);
    expect(citation?.keys).toEqual(['doi:10.7/seven', 'pmcid:PMC777', 'pmid:777']);
    expect(citation?.sourceRecords).toEqual(['embase-ris:E7', 'pubmed:777']);
    // The PubMed record's own id was turned into a redirect: it is no citation and never will be.
    expect(await store.getCitation('r-link', citationId('pmid:777'))).toBeNull();

    // A later record known only by that PMID now finds the same citation.
    const europe = makeStoreCitation({ source: 'europepmc', sourceRecordId: 'MED/777', pmid: '777' });
    expect(await store.recordCitation('r-link', europe, NOW)).toEqual({
      kind: 'duplicate',
      citationId: stored.citationId,
      matchedKey: 'pmid:777',
    });
    expect(await counts('r-link')).toEqual({ citations: 1, queue: 1 });
  });

  it('files a record carrying keys of two stored citations under its strongest key and merges nothing', async () => {
    const a = await store.recordCitation('r-bridge', makeStoreCitation({ pmid: '881' }), NOW);
    const b = await store.recordCitation(
      'r-bridge',
      makeStoreCitation({ source: 'embase-ris', sourceRecordId: 'E882', pmid: null, doi: '10.8/b' }),
      NOW,
    );
    const bridge = await store.recordCitation(
      'r-bridge',
      makeStoreCitation({ source: 'europepmc', sourceRecordId: 'MED/881', pmid: '881', doi: '10.8/b' }),
      NOW,
    );

    expect(bridge).toEqual({ kind: 'duplicate', citationId: a.citationId, matchedKey: 'pmid:881' });
    const claims = await readClaims(embedded.client, embedded.tableName, 'r-bridge');
    expect(claims.get('pmid:881')).toBe(a.citationId);
    expect(claims.get('doi:10.8/b')).toBe(b.citationId);
    expect(await counts('r-bridge')).toEqual({ citations: 2, queue: 2 });
  });

  it('adds a key that a stored record lacked when the same record comes back with it', async () => {
    const first = await store.recordCitation('r-grow', makeStoreCitation({ pmid: '991' }), NOW);
    const updated = await store.recordCitation(
      'r-grow',
      makeStoreCitation({ pmid: '991', doi: '10.9/late' }),
      NOW,
    );
    const embase = await store.recordCitation(
      'r-grow',
      makeStoreCitation({ source: 'embase-ris', sourceRecordId: 'E991', pmid: null, doi: '10.9/late' }),
      NOW,
    );

    expect(updated).toEqual({ kind: 'already-known', citationId: first.citationId });
    expect(embase).toEqual({ kind: 'duplicate', citationId: first.citationId, matchedKey: 'doi:10.9/late' });
    expect((await store.getCitation('r-grow', first.citationId))?.keys).toEqual([
      'pmid:991',
      'doi:10.9/late',
    ]);
  });
});

describe('recordCitation: re-runs', () => {
  it('finds every record of a re-run batch already known and doubles nothing', async () => {
    const batch = [
      ...pubmedWindow(30, 40_000_000),
      makeStoreCitation({
        source: 'embase-ris',
        sourceRecordId: 'E1',
        pmid: null,
        doi: '10.5555/trial.40000001',
      }),
    ];
    const first: RecordOutcome[] = [];
    for (const citation of batch) first.push(await store.recordCitation('r-rerun', citation, NOW));
    const before = {
      ...(await counts('r-rerun')),
      claims: (await readClaims(embedded.client, embedded.tableName, 'r-rerun')).size,
    };

    const second: RecordOutcome[] = [];
    for (const citation of batch) second.push(await store.recordCitation('r-rerun', citation, NOW));

    expect(first.filter((o) => o.kind === 'new')).toHaveLength(30);
    expect(first[30]?.kind).toBe('duplicate');
    expect(second.map((o) => o.kind)).toEqual(batch.map(() => 'already-known'));
    expect(second.map((o) => o.citationId)).toEqual(first.map((o) => o.citationId));
    expect(before).toEqual({ citations: 30, queue: 30, claims: 60 });
    expect({
      ...(await counts('r-rerun')),
      claims: (await readClaims(embedded.client, embedded.tableName, 'r-rerun')).size,
    }).toEqual(before);
    expect((await store.getCitation('r-rerun', first[1]!.citationId))?.sourceRecords).toEqual([
      'embase-ris:E1',
      'pubmed:40000001',
    ]);
  });

  it('answers new exactly once when the same records race in one process', async () => {
    const batch = pubmedWindow(40, 41_000_000);
    const runs = await Promise.all(
      [1, 2, 3].map(() =>
        Promise.all(batch.map((citation) => store.recordCitation('r-race', citation, NOW))),
      ),
    );

    for (const index of batch.keys()) {
      const kinds = runs.map((run) => run[index]!.kind).sort();
      expect(kinds).toEqual(['already-known', 'already-known', 'new']);
    }
    expect(await counts('r-race')).toEqual({ citations: 40, queue: 40 });
  });

  it('settles a DOI-only record and a PubMed record of the same work racing each other on one citation', async () => {
    const pairs = Array.from({ length: 25 }, (_, i) => ({
      embase: makeStoreCitation({
        source: 'embase-ris',
        sourceRecordId: `E${i}`,
        pmid: null,
        doi: `10.42/p${i}`,
      }),
      pubmed: makeStoreCitation({ pmid: String(42_000 + i), doi: `10.42/p${i}`, pmcid: `PMC${42_000 + i}` }),
    }));
    const outcomes = await Promise.all(
      pairs.map(({ embase, pubmed }) =>
        Promise.all([
          store.recordCitation('r-pair', embase, NOW),
          store.recordCitation('r-pair', pubmed, NOW),
          store.recordCitation('r-pair', pubmed, NOW),
        ]),
      ),
    );

    const claims = await readClaims(embedded.client, embedded.tableName, 'r-pair');
    for (const [i, results] of outcomes.entries()) {
      const owner = claims.get(`doi:10.42/p${i}`);
      expect(results.map((o) => o.citationId)).toEqual([owner, owner, owner]);
      expect(results.filter((o) => o.kind === 'new')).toHaveLength(1);
      expect(claims.get(`pmid:${42_000 + i}`)).toBe(owner);
      expect(claims.get(`pmcid:PMC${42_000 + i}`)).toBe(owner);
      expect((await store.getCitation('r-pair', owner!))?.sourceRecords).toEqual([
        `embase-ris:E${i}`,
        `pubmed:${42_000 + i}`,
      ]);
    }
    expect(await counts('r-pair')).toEqual({ citations: 25, queue: 25 });
  });
});

describe('recordCitation: claims whose citation was never written', () => {
  const orphanOwner = 'c00000000000000000000';
  const plantOrphan = (reviewId: string, key: `doi:${string}`, claimedAt: Date) =>
    embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: {
          ...keyClaimItemKey(reviewId, key),
          type: 'key',
          key,
          owner: orphanOwner,
          claimedAt: claimedAt.toISOString(),
        },
      }),
    );

  it('follows a claim whose owner turned into a redirect before the claim was re-pointed', async () => {
    const target = await store.recordCitation(
      'r-hop',
      makeStoreCitation({ pmid: '504', doi: '10.5/target' }),
      NOW,
    );
    const redirected = 'c0000000000000000beef';
    // A crashed duplicate: its id already redirects to the target, its DOI claim still names its id.
    await embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: {
          ...citationItemKey('r-hop', redirected),
          type: 'redirect',
          citationId: redirected,
          redirectTo: target.citationId,
          matchedKey: 'pmid:504',
        },
      }),
    );
    await embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: keyClaimItem({
          reviewId: 'r-hop',
          key: 'doi:10.5/hop',
          owner: redirected,
          claimedAt: NOW.toISOString(),
        }),
      }),
    );

    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E504',
      pmid: null,
      doi: '10.5/hop',
    });
    expect(await store.recordCitation('r-hop', embase, NOW)).toEqual({
      kind: 'duplicate',
      citationId: target.citationId,
      matchedKey: 'doi:10.5/hop',
    });
    expect(await counts('r-hop')).toEqual({ citations: 1, queue: 1 });
  });

  it('reports a young claim of a missing citation as a retryable error and writes no citation', async () => {
    await plantOrphan('r-young', 'doi:10.5/young', new Date(NOW.getTime() - 60_000));
    const attempt = impatient.recordCitation(
      'r-young',
      makeStoreCitation({ pmid: '501', doi: '10.5/young' }),
      NOW,
    );

    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ retryable: true });
    await expect(attempt).rejects.toThrow(/r-young.*doi:10\.5\/young.*c00000000000000000000/);
    expect(await counts('r-young')).toEqual({ citations: 0, queue: 0 });
  });

  it('waits for a concurrent writer that has claimed a key but not yet written its citation', async () => {
    const client = createDynamoClient(embeddedClientConfig(embedded.endpoint, embedded.credentials));
    let requests = 0;
    onDynamoRequest(client, () => {
      requests++;
    });
    const patient = new DynamoCitationStore({ client, tableName: embedded.tableName, pendingWaitMs: 30_000 });
    const writer = citationId('doi:10.6/slow');
    // The Embase record's writer is between its claim and its citation.
    await embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: keyClaimItem({
          reviewId: 'r-wait',
          key: 'doi:10.6/slow',
          owner: writer,
          claimedAt: NOW.toISOString(),
        }),
      }),
    );
    try {
      const waiting = patient.recordCitation(
        'r-wait',
        makeStoreCitation({ pmid: '503', doi: '10.6/slow' }),
        NOW,
      );
      // Its own id, its PMID claim, the refused DOI claim, the claim, the missing citation: now it waits.
      while (requests < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      const embase = makeStoreCitation({
        source: 'embase-ris',
        sourceRecordId: 'E503',
        pmid: null,
        doi: '10.6/slow',
      });
      const written = await store.recordCitation('r-wait', embase, NOW);

      expect(written).toEqual({ kind: 'new', citationId: writer });
      expect(await waiting).toEqual({ kind: 'duplicate', citationId: writer, matchedKey: 'doi:10.6/slow' });
      expect(await counts('r-wait')).toEqual({ citations: 1, queue: 1 });
    } finally {
      destroyDynamoClient(client);
    }
  });

  it('takes over a claim older than the lease (a crashed writer) and stores the record', async () => {
    await plantOrphan('r-orphan', 'doi:10.5/orphan', new Date(NOW.getTime() - 11 * 60_000));
    const outcome = await impatient.recordCitation(
      'r-orphan',
      makeStoreCitation({ pmid: '502', doi: '10.5/orphan' }),
      NOW,
    );

    expect(outcome).toEqual({ kind: 'new', citationId: citationId('pmid:502') });
    const claim = await embedded.client.send(
      new GetCommand({ TableName: embedded.tableName, Key: keyClaimItemKey('r-orphan', 'doi:10.5/orphan') }),
    );
    expect(claim.Item).toMatchObject({ owner: outcome.citationId, takenOverFrom: orphanOwner });
    expect(await counts('r-orphan')).toEqual({ citations: 1, queue: 1 });
  });
});

describe('reading back', () => {
  it('returns null for an unknown citation', async () => {
    expect(await store.getCitation('r-read', 'c11111111111111111111')).toBeNull();
  });

  it('rejects an item that does not have the citation shape, naming it', async () => {
    await embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: {
          ...citationItemKey('r-read', 'cbroken'),
          type: 'citation',
          citationId: 'cbroken',
          keys: ['pmid:1'],
        },
      }),
    );

    await expect(store.getCitation('r-read', 'cbroken')).rejects.toThrow(
      /review "r-read", item CITATION#cbroken .*does not have the expected shape/,
    );
  });

  it('still knows a citation after screening moved it out of the queue', async () => {
    const citation = makeStoreCitation({ pmid: '650', doi: '10.65/screened' });
    const stored = await store.recordCitation('r-screened', citation, NOW);
    // What the screening store does when a citation is included: a new status, and another queue.
    await embedded.client.send(
      new UpdateCommand({
        TableName: embedded.tableName,
        Key: citationItemKey('r-screened', stored.citationId),
        UpdateExpression: 'SET screeningStatus = :status, gsi1pk = :queue',
        ExpressionAttributeValues: { ':status': 'included', ':queue': 'QUEUE#r-screened#included' },
      }),
    );

    expect(await store.recordCitation('r-screened', citation, NOW)).toEqual({
      kind: 'already-known',
      citationId: stored.citationId,
    });
    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E650',
      pmid: null,
      doi: '10.65/screened',
    });
    expect((await store.recordCitation('r-screened', embase, NOW)).citationId).toBe(stored.citationId);
    expect((await store.getCitation('r-screened', stored.citationId))?.screeningStatus).toBe('included');
    expect(await store.listQueue('r-screened')).toEqual([]);
  });

  it('refuses to file a record under an id another key already uses (an id collision)', async () => {
    const id = citationId('pmid:601');
    const other = makeStoreCitation({ pmid: '999601' });
    await embedded.client.send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: {
          ...citationItemKey('r-collide', id),
          type: 'citation',
          reviewId: 'r-collide',
          citationId: id,
          citation: other,
          keys: ['pmid:999601'],
          sourceRecords: new Set(['pubmed:999601']),
          queuedAt: NOW.toISOString(),
          screeningStatus: 'awaiting-screening',
        },
      }),
    );

    await expect(store.recordCitation('r-collide', makeStoreCitation({ pmid: '601' }), NOW)).rejects.toThrow(
      /id collision/,
    );
  });

  it('lists a queue larger than one 1 MB query page completely and in order', async () => {
    const total = 4000;
    const title = 'Long titles make big queue entries: '.padEnd(320, 'x');
    const items = Array.from({ length: total }, (_, i) => {
      const citation = makeStoreCitation({ pmid: String(44_000_000 + i), title });
      const id = citationId(`pmid:${citation.pmid}`);
      const queuedAt = new Date(NOW.getTime() + i).toISOString();
      return citationItem({
        reviewId: 'r-big',
        citationId: id,
        citation,
        keys: [`pmid:${citation.pmid}`],
        sourceRecord: `pubmed:${citation.pmid}`,
        queuedAt,
      });
    });
    // Seeded with BatchWriteItem for speed: the pages are what is under test, not recordCitation.
    for (let i = 0; i < items.length; i += 25) {
      const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      const result = await embedded.client.send(
        new BatchWriteCommand({ RequestItems: { [embedded.tableName]: chunk } }),
      );
      expect(result.UnprocessedItems?.[embedded.tableName] ?? []).toEqual([]);
    }
    const queries: number[] = [];
    const stop = onDynamoRequest(embedded.client, ({ operation }) => {
      if (operation === 'Query') queries.push(1);
    });
    try {
      const queue = await store.listQueue('r-big');

      expect(queue).toHaveLength(total);
      expect(queue.map((entry) => entry.pmid)).toEqual(items.map((item) => item.pmid));
      expect(queries.length).toBeGreaterThan(1);
    } finally {
      stop();
    }
  });

  it('lists the queue in arrival order, paginated, up to a limit', async () => {
    const batch = pubmedWindow(12, 43_000_000).reverse();
    for (const [i, citation] of batch.entries()) {
      await store.recordCitation('r-queue', citation, new Date(NOW.getTime() + i * 1000));
    }

    const queue = await store.listQueue('r-queue');
    expect(queue.map((entry) => entry.pmid)).toEqual(batch.map((c) => c.pmid));
    expect((await store.listQueue('r-queue', { limit: 5 })).map((e) => e.pmid)).toEqual(
      batch.slice(0, 5).map((c) => c.pmid),
    );
    expect(await store.listQueue('r-queue-empty')).toEqual([]);
  });
});

describe('store errors', () => {
  it('names the review and the item when the table does not exist, and is not retryable', async () => {
    const missing = new DynamoCitationStore({ client: embedded.client, tableName: 'no-such-table' });
    const attempt = missing.recordCitation('r-err', makeStoreCitation({ pmid: '701' }), NOW);

    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toThrow(
      /review "r-err", item CITATION#c[0-9a-f]{20} in table "no-such-table"/,
    );
    await expect(attempt).rejects.toMatchObject({ retryable: false });
  });

  it('reports an endpoint that refuses connections as retryable', async () => {
    const client = createDynamoClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const offline = new DynamoCitationStore({ client, tableName: 'living-review' });
    try {
      const attempt = offline.getWatermark('r-off', 'pubmed');
      await expect(attempt).rejects.toBeInstanceOf(StoreError);
      await expect(attempt).rejects.toMatchObject({ retryable: true });
      await expect(attempt).rejects.toThrow(/GetItem failed for review "r-off", item WATERMARK#pubmed/);
    } finally {
      destroyDynamoClient(client);
    }
  });
});
