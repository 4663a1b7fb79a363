// The recompute-stats Lambda as deployed (the exported `handler`, adapters built from the environment) pointed
// at the embedded store through AWS_ENDPOINT_URL_DYNAMODB, fed the stream batches saved in
// test/fixtures/events (marshalled NEW_AND_OLD_IMAGES, INSERT/MODIFY/REMOVE, a duplicate, a snapshot item the
// filter would have kept out, a poison record).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/recompute-stats/handler.ts';
import { studyItemKey } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { withdrawStudy } from '../../../shared/app/withdraw-study.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { loadSyntheticCohort } from '../../unit/extraction/reference-fixtures.ts';
import { type EvidenceHarness, includeStudies, openEvidenceHarness } from '../evidence/support.ts';

const EVENTS = join(import.meta.dirname, '..', '..', 'fixtures', 'events');

function loadEvent(name: string): DynamoDBStreamEvent {
  return JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as DynamoDBStreamEvent;
}

let h: EvidenceHarness;
let studyA: string;
let protocolDir: string;
const saved: Record<string, string | undefined> = {};
const cohort = loadSyntheticCohort();

function setEnv(name: string, value: string) {
  if (!(name in saved)) saved[name] = process.env[name];
  process.env[name] = value;
}

function rowsOf(
  studyId: string,
  from: number,
  to: number,
  change: (row: PatientRow, i: number) => PatientRow,
) {
  return cohort.slice(from, to).map((row, i) => change({ ...row, studyId }, i));
}

beforeAll(async () => {
  h = await openEvidenceHarness('lambda');
  // Two reviews: the IESM protocol and a copy under another id.
  protocolDir = mkdtempSync(join(tmpdir(), 'recompute-protocols-'));
  const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
  writeFileSync(join(protocolDir, 'iesm.json'), JSON.stringify(iesm));
  writeFileSync(join(protocolDir, 'iesm-second.json'), JSON.stringify({ ...iesm, id: 'iesm-second' }));
  setEnv('AWS_ENDPOINT_URL_DYNAMODB', h.embedded.endpoint);
  setEnv('AWS_REGION', 'eu-west-1');
  setEnv('AWS_ACCESS_KEY_ID', h.embedded.credentials.accessKeyId);
  setEnv('AWS_SECRET_ACCESS_KEY', h.embedded.credentials.secretAccessKey);
  setEnv('LIVING_REVIEW_TABLE', h.embedded.tableName);
  setEnv('LIVING_REVIEW_PROTOCOLS', protocolDir);

  // The table as it is once the writes behind the fixture batches have landed (written without a recompute).
  [studyA] = (await includeStudies(h, 'iesm', ['37000001'])) as [string];
  const [studyB] = await includeStudies(h, 'iesm-second', ['37000101']);
  const now = h.clock().toISOString();
  const inA = rowsOf(studyA, 0, 3, (row, i) => (i === 1 ? { ...row, age_years: 70 } : row));
  const inB = rowsOf(studyB!, 10, 12, (row) => row);
  await h.evidence.putPatientRows(
    'iesm',
    inA.map((row) => ({ row, origin: 'stream.csv', importedAt: now })),
  );
  await h.evidence.putPatientRows(
    'iesm-second',
    inB.map((row) => ({ row, origin: 'stream.csv', importedAt: now })),
  );
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (protocolDir) rmSync(protocolDir, { recursive: true, force: true });
  await h?.close();
});

describe('Function: recompute-stats handler', () => {
  it('recomputes once for a batch of inserts, a modify, a remove and a duplicate, and reports no failure', async () => {
    // Prepare
    const event = loadEvent('dynamodb-stream-evidence-batch.json');

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await latestStatistics('iesm', { evidence: h.evidence });
    expect(stored?.snapshot.version).toBe(1);
    expect(stored?.snapshot.patients.ids).toEqual(['SYN-001', 'SYN-002', 'SYN-003']);
    expect(await h.evidence.listSnapshotVersions('iesm')).toHaveLength(1);
  });

  it('stores nothing when the same batch is delivered again', async () => {
    const response = await handler(loadEvent('dynamodb-stream-evidence-batch.json'));
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await h.evidence.listSnapshotVersions('iesm')).map((v) => v.version)).toEqual([1]);
  });

  it('reports only the poison record, and still recomputes the other reviews', async () => {
    // Prepare
    const event = loadEvent('dynamodb-stream-poison-record.json');
    const poison = event.Records[1]!;

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.dynamodb!.SequenceNumber }]);
    const second = await latestStatistics('iesm-second', { evidence: h.evidence });
    expect(second?.snapshot.patients.count).toBe(2);
    expect((await h.evidence.listSnapshotVersions('iesm')).map((v) => v.version)).toEqual([1]);
  });

  it('recomputes on a modify that withdraws an included study, leaving its patients out', async () => {
    // Prepare: the withdrawal as the CLI writes it (no afterWithdrawal: on AWS the stream recomputes), and the
    // stream record DynamoDB emits for it, built from the item before and after.
    const key = studyItemKey('iesm', studyA);
    const read = async () =>
      (await h.embedded.client.send(new GetCommand({ TableName: h.embedded.tableName, Key: key }))).Item!;
    const before = await read();
    await withdrawStudy(
      { reviewId: 'iesm', citationId: studyA, withdrawnBy: 'pp', reason: 'duplicate publication' },
      { evidence: h.evidence, clock: h.clock },
    );
    const after = await read();
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventID: 'withdraw-1',
          eventName: 'MODIFY',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: 'eu-west-1',
          dynamodb: {
            Keys: marshall(key),
            // biome-ignore lint/suspicious/noExplicitAny: the SDK's and aws-lambda's AttributeValue types differ
            NewImage: marshall(after) as any,
            // biome-ignore lint/suspicious/noExplicitAny: as above
            OldImage: marshall(before) as any,
            SequenceNumber: '900000000000000000001',
            SizeBytes: 300,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        },
      ],
    } as DynamoDBStreamEvent;

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await latestStatistics('iesm', { evidence: h.evidence });
    expect(stored?.snapshot.version).toBe(2);
    expect(stored?.snapshot.patients.count).toBe(0);
    expect(stored?.snapshot.studies.count).toBe(0);
    expect(stored?.diff?.studiesRemoved).toEqual([studyA]);
    expect(stored?.diff?.patientsRemoved).toEqual(['SYN-001', 'SYN-002', 'SYN-003']);
    expect(stored?.diff?.studiesWithdrawn).toMatchObject([
      { studyId: studyA, by: 'pp', reason: 'duplicate publication' },
    ]);
    // The rows stay stored.
    expect((await h.evidence.listPatientRows('iesm')).length).toBe(3);
  });
});
