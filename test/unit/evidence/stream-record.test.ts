// Stream records of the table: which review a record touches, which records are none of the function's
// business, and which are poison; the filter patterns the CDK stack installs; and the handler's partial batch
// responses over a fake EvidenceStore (one recompute per review, failures reported per review).
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createRecomputeHandler } from '../../../functions/recompute-stats/handler.ts';
import { PoisonRecordError, parseStreamRecord } from '../../../functions/recompute-stats/stream-record.ts';
import { patientRowItemKey, studyItemKey } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { streamFilterPatterns } from '../../../shared/adapters/dynamodb/stream-filters.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import { type Protocol, protocolSchema } from '../../../shared/domain/protocol/protocol.ts';
import { StoreError } from '../../../shared/errors.ts';
import type { EvidenceStore } from '../../../shared/ports/evidence-store.ts';
import { loadSyntheticCohort } from '../extraction/reference-fixtures.ts';

const row = loadSyntheticCohort()[0]!;
let sequence = 1000;

function studyItem(reviewId: string, citationId: string) {
  return {
    ...studyItemKey(reviewId, citationId),
    type: 'included-study',
    reviewId,
    citationId,
    includedAt: '2026-01-05T06:00:00.000Z',
    includedBy: 'pp',
    source: 'manual',
    title: 'A study',
    pmid: null,
    doi: null,
    year: null,
    retracted: false,
    retractedAt: null,
  };
}

function patientItem(reviewId: string, studyId = 'c1') {
  return {
    ...patientRowItemKey(reviewId, studyId, row.patientId),
    type: 'patient-row',
    reviewId,
    studyId,
    patientId: row.patientId,
    row: { ...row, studyId },
    origin: 'a.csv',
    importedAt: '2026-01-05T06:00:00.000Z',
  };
}

/** A stream record of the real shape; images are marshalled unless given as raw attribute maps. */
function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  item: Record<string, unknown>,
  options: {
    newImage?: Record<string, unknown> | null;
    oldImage?: Record<string, unknown>;
    raw?: boolean;
  } = {},
): DynamoDBRecord {
  sequence += 1;
  const image = (value: Record<string, unknown>) =>
    options.raw ? value : marshall(value, { removeUndefinedValues: true });
  const dynamodb: Record<string, unknown> = {
    Keys: marshall({ pk: item.pk, sk: item.sk }),
    SequenceNumber: String(sequence),
    SizeBytes: 100,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  };
  if (eventName !== 'REMOVE' && options.newImage !== null)
    dynamodb.NewImage = image(options.newImage ?? item);
  if (options.oldImage) dynamodb.OldImage = image(options.oldImage);
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN:
      'arn:aws:dynamodb:eu-west-1:123456789012:table/living-review/stream/2026-01-05T06:00:00.000',
    dynamodb,
  } as DynamoDBRecord;
}

describe('Function: parseStreamRecord', () => {
  it('names the review of an included study or a patient row, on insert, modify and remove', () => {
    expect(parseStreamRecord(streamRecord('INSERT', studyItem('iesm', 'c1')))).toEqual({
      kind: 'evidence',
      reviewId: 'iesm',
      sk: 'STUDY#c1',
    });
    const patient = patientItem('iesm');
    expect(parseStreamRecord(streamRecord('MODIFY', patient, { oldImage: patient }))).toMatchObject({
      kind: 'evidence',
      reviewId: 'iesm',
    });
    expect(parseStreamRecord(streamRecord('REMOVE', patient, { oldImage: patient }))).toMatchObject({
      kind: 'evidence',
      reviewId: 'iesm',
    });
    expect(parseStreamRecord(streamRecord('REMOVE', patient))).toMatchObject({ kind: 'evidence' });
  });

  it('reads a modify that withdraws an included study as evidence of its review, and a bad withdrawal as poison', () => {
    const before = studyItem('iesm', 'c1');
    const withdrawn = {
      ...before,
      withdrawn: { at: '2026-02-01T00:00:00.000Z', by: 'pp', reason: 'neurogenic-primary' },
    };
    expect(parseStreamRecord(streamRecord('MODIFY', withdrawn, { oldImage: before }))).toEqual({
      kind: 'evidence',
      reviewId: 'iesm',
      sk: 'STUDY#c1',
    });
    // An item written before withdrawals existed, and one with withdrawn: null, read as included.
    expect(parseStreamRecord(streamRecord('INSERT', { ...before, withdrawn: null }))).toMatchObject({
      kind: 'evidence',
    });
    const noReason = { ...withdrawn, withdrawn: { ...withdrawn.withdrawn, reason: '' } };
    expect(() => parseStreamRecord(streamRecord('MODIFY', noReason, { oldImage: before }))).toThrow(
      /NewImage: withdrawn\.reason/,
    );
  });

  it('ignores items that are not evidence (a snapshot the filter should have kept out)', () => {
    const snapshot = { pk: 'REVIEW#iesm', sk: 'SNAPSHOT#000000001', type: 'statistics-snapshot' };
    expect(parseStreamRecord(streamRecord('INSERT', snapshot))).toEqual({
      kind: 'ignored',
      sk: 'SNAPSHOT#000000001',
    });
  });

  it('refuses poison records, saying why without quoting patient data', () => {
    const patient = patientItem('iesm');
    const cases: [string, DynamoDBRecord, RegExp][] = [
      [
        'insert without image',
        streamRecord('INSERT', patient, { newImage: null }),
        /INSERT without a NewImage/,
      ],
      [
        'an unknown attribute type',
        streamRecord('INSERT', patient, {
          raw: true,
          newImage: { pk: { S: 'REVIEW#iesm' }, sk: { X: '?' } },
        }),
        /NewImage is not a DynamoDB image/,
      ],
      [
        'a row whose value is not one a variable can hold',
        streamRecord('INSERT', patient, {
          newImage: { ...patient, row: { ...patient.row, sex: { level: 'm' } } },
        }),
        /NewImage: row\.sex: /,
      ],
      [
        'a row without its patient id',
        streamRecord('INSERT', patient, { newImage: { ...patient, row: { ...patient.row, patientId: '' } } }),
        /NewImage: row: expected a patientId and a studyId/,
      ],
      [
        'keys that differ from the image',
        streamRecord('INSERT', patient, { newImage: patientItem('iesm', 'c2') }),
        /keys differ/,
      ],
      [
        'a review id that does not match its partition',
        streamRecord('INSERT', patient, { newImage: { ...patient, reviewId: 'other' } }),
        /reviewId does not match/,
      ],
      [
        'a partition that is not a review',
        streamRecord('INSERT', { ...patient, pk: 'CITATION#x' }),
        /Keys: pk/,
      ],
    ];
    for (const [name, record, message] of cases) {
      expect(() => parseStreamRecord(record), name).toThrow(PoisonRecordError);
      expect(() => parseStreamRecord(record), name).toThrow(message);
      let text = '';
      try {
        parseStreamRecord(record);
      } catch (error) {
        text = (error as Error).message;
      }
      expect(text, name).not.toContain(String(row.primary_tumour_detail));
    }
    const noSequence = streamRecord('INSERT', patient);
    delete (noSequence.dynamodb as { SequenceNumber?: string }).SequenceNumber;
    expect(() => parseStreamRecord(noSequence)).toThrow(/dynamodb\.SequenceNumber/);
  });
});

/** Lambda's filter rule for the key, as the patterns state it: the sort key begins with one of the prefixes. */
function filterAccepts(sk: string): boolean {
  return streamFilterPatterns.some((pattern) =>
    pattern.dynamodb.Keys.sk.S.some((rule) => sk.startsWith(rule.prefix)),
  );
}

describe('Constant: streamFilterPatterns', () => {
  it('lets included studies, patient rows and verification events through, and nothing the recompute writes', () => {
    expect(filterAccepts('STUDY#c1')).toBe(true);
    expect(filterAccepts('PATIENT#c1#SYN-001')).toBe(true);
    // A verification event changes which rows the statistics pool.
    expect(filterAccepts('VERIFY#c1#000001')).toBe(true);
    for (const sk of [
      'SNAPSHOT#000000001',
      'SNAPSHOT_LATEST',
      'SNAPSHOT_PART#000000001#w#001',
      'CITATION#c1',
    ]) {
      expect(filterAccepts(sk), sk).toBe(false);
    }
    expect(JSON.parse(JSON.stringify(streamFilterPatterns))).toEqual([
      {
        dynamodb: {
          Keys: { sk: { S: [{ prefix: 'STUDY#' }, { prefix: 'PATIENT#' }, { prefix: 'VERIFY#' }] } },
        },
      },
    ]);
  });
});

/** An EvidenceStore with nothing in it, counting the recomputes per review; one review's reads fail. */
function fakeEvidence(broken: string): { store: EvidenceStore; recomputes: Map<string, number> } {
  const recomputes = new Map<string, number>();
  const unused = () => Promise.reject(new Error('not used by this test'));
  const store: EvidenceStore = {
    latestSnapshotVersion: async (reviewId) => {
      recomputes.set(reviewId, (recomputes.get(reviewId) ?? 0) + 1);
      if (reviewId === broken)
        throw new StoreError('DynamoDB GetItem failed: ThrottlingException', { retryable: true });
      return 0;
    },
    listIncludedStudies: async () => [],
    listPatientRows: async () => [],
    getSnapshot: async () => null,
    includeStudy: unused,
    getIncludedStudy: unused,
    markStudyRetracted: unused,
    withdrawStudy: unused,
    putPatientRows: unused,
    deletePatientRows: unused,
    putSnapshot: unused,
    advanceLatestSnapshot: unused,
    listSnapshotVersions: unused,
    verification: { listReviewEvents: async () => [], listEvents: unused, appendEvent: unused },
  };
  return { store, recomputes };
}

const iesm = loadProtocolFile(`${defaultProtocolDirectory()}/iesm.yaml`);
const protocols: Protocol[] = ['rev-a', 'rev-b', 'rev-broken'].map((id) =>
  protocolSchema.parse({ ...iesm, id }),
);

describe('Function: createRecomputeHandler', () => {
  it('recomputes each review once, and reports every record of a failed review and only those', async () => {
    // Prepare
    const { store, recomputes } = fakeEvidence('rev-broken');
    const logged: Record<string, unknown>[] = [];
    const handle = createRecomputeHandler({ evidence: store, protocols, log: (entry) => logged.push(entry) });
    const records = [
      streamRecord('INSERT', patientItem('rev-a')),
      streamRecord('INSERT', patientItem('rev-broken')),
      streamRecord('MODIFY', patientItem('rev-a'), { oldImage: patientItem('rev-a') }),
      streamRecord('INSERT', studyItem('rev-b', 'c9')),
      streamRecord('REMOVE', patientItem('rev-broken'), { oldImage: patientItem('rev-broken') }),
      streamRecord('INSERT', patientItem('unknown-review')),
    ];
    const event: DynamoDBStreamEvent = { Records: records };

    // Act
    const response = await handle(event);

    // Assess
    expect(response.batchItemFailures).toEqual(
      [records[1]!, records[4]!, records[5]!].map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber })),
    );
    expect(Object.fromEntries(recomputes)).toEqual({ 'rev-a': 1, 'rev-b': 1, 'rev-broken': 1 });
    expect(logged.map((entry) => [entry.message, entry.reviewId])).toEqual([
      ['recompute failed', 'rev-broken'],
      ['recompute failed', 'rev-broken'],
      ['recompute failed', 'unknown-review'],
    ]);
    expect(String(logged[2]!.error)).toMatch(/no protocol/);
  });

  it('runs the recompute again on the next invocation (a replay is harmless, not skipped)', async () => {
    const { store, recomputes } = fakeEvidence('none');
    const handle = createRecomputeHandler({ evidence: store, protocols, log: () => {} });
    const event: DynamoDBStreamEvent = { Records: [streamRecord('INSERT', patientItem('rev-a'))] };
    expect(await handle(event)).toEqual({ batchItemFailures: [] });
    expect(await handle(event)).toEqual({ batchItemFailures: [] });
    expect(recomputes.get('rev-a')).toBe(2);
  });
});
