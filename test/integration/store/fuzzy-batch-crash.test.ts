// The batched fuzzy recorder (shared/app/fuzzy-dedup.ts recordBatch) killed after each of its writes, then run
// again in a fresh process: the store ends as a clean run leaves it (the same citations with the same source
// records, claims, blocking entries and key markers, possible-duplicate pairs), whatever write the crash
// followed. The child dies (exit 137) right after its N-th write request (PutItem, UpdateItem,
// BatchWriteItem) has been answered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reviewPk } from '../../../shared/adapters/dynamodb/table-design.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import {
  lastJsonLine,
  makeStoreCitation,
  makeTempDataDir,
  removeDataDir,
  runTsChild,
} from '../../support/store-fixtures.ts';

const CHILD = 'test/integration/store/children/record-child.ts';
const NOW = '2026-03-02T06:00:00.000Z';

let dataDir: string;
let embedded: EmbeddedStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('fuzzy-crash');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 30_000 });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

const work = {
  title:
    'Intradural extramedullary spinal metastases from non-neurogenic primary tumours: a systematic review',
  authors: [
    { family: 'Moreau', given: 'Camille', initials: 'C', orcid: null },
    { family: 'Tanaka', given: 'Hiroshi', initials: 'H', orcid: null },
  ],
  year: 2021,
  journal: {
    title: 'Journal of Neuro-Oncology',
    isoAbbreviation: null,
    issn: null,
    volume: '154',
    issue: '3',
    pages: '301-309',
  },
};
/** Stored before the batch: the PubMed record of a work. */
const stored = makeStoreCitation({ pmid: '34567890', doi: '10.1007/s11060-021-03800-4', ...work });
/** The batch: an exact copy (Europe PMC), a fuzzy copy (Embase, no ids), a new work twice (two exports), a new PubMed work. */
const batch: Citation[] = [
  { ...stored, source: 'europepmc', sourceRecordId: 'MED/34567890' },
  makeStoreCitation({
    ...work,
    source: 'embase',
    sourceRecordId: 'L1',
    pmid: null,
    doi: null,
    title: `${work.title.toUpperCase()}.`,
  }),
  makeStoreCitation({
    source: 'scopus',
    sourceRecordId: 'S1',
    pmid: null,
    title: 'Radiosurgery for renal cell carcinoma metastases to the cauda equina: a case series',
    authors: [{ family: 'Berg', given: 'Karl', initials: 'K', orcid: null }],
    year: 2020,
    journal: {
      title: 'World Neurosurgery',
      isoAbbreviation: null,
      issn: null,
      volume: '140',
      issue: null,
      pages: 'e200-e207',
    },
  }),
  makeStoreCitation({
    source: 'wos',
    sourceRecordId: 'W1',
    pmid: null,
    title: 'RADIOSURGERY FOR RENAL CELL CARCINOMA METASTASES TO THE CAUDA EQUINA - A CASE SERIES',
    authors: [{ family: 'Berg', given: 'K', initials: 'K', orcid: null }],
    year: 2020,
    journal: {
      title: 'WORLD NEUROSURG',
      isoAbbreviation: null,
      issn: null,
      volume: '140',
      issue: null,
      pages: 'e200',
    },
  }),
  makeStoreCitation({
    pmid: '35000001',
    doi: '10.5555/new.1',
    title: 'A new trial of something else entirely',
  }),
];

const args = (reviewId: string, file: string) => [
  '--data',
  dataDir,
  '--review',
  reviewId,
  '--records',
  file,
  '--now',
  NOW,
  '--fuzzy-batch',
];

/** Everything the recorder writes in a review, by source record, so two reviews can be compared. */
async function stateOf(reviewId: string) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await embedded.client.send(
      new QueryCommand({
        TableName: embedded.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId) },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const sources = new Map<string, string>();
  for (const item of items) {
    if (item.type === 'citation')
      sources.set(String(item.citationId), [...(item.sourceRecords as Set<string>)].sort().join('+'));
  }
  const name = (id: unknown) => sources.get(String(id)) ?? `?${String(id)}`;
  const lines: string[] = [];
  for (const item of items) {
    if (item.type === 'citation') lines.push(`citation ${name(item.citationId)}`);
    else if (item.type === 'redirect') lines.push(`redirect -> ${name(item.redirectTo)}`);
    else if (item.type === 'key-claim' || typeof item.owner === 'string')
      lines.push(`claim ${String(item.key)} -> ${name(item.owner)}`);
    else if (item.type === 'block')
      lines.push(`entry ${String(item.key)} ${String(item.recordId)} -> ${name(item.citationId)}`);
    else if (item.type === 'block-key') lines.push(`marker ${String(item.key)}`);
    else if (item.type === 'possible-duplicate')
      lines.push(`pair ${[name(item.citationId), name(item.twinId)].sort().join(' ~ ')}`);
    else if (item.type !== 'block-markers') lines.push(`other ${String(item.type)} ${String(item.sk)}`);
  }
  return lines.sort();
}

it('ends as a clean run ends, whatever write the crash followed', async () => {
  const file = join(dataDir, 'batch.json');
  writeFileSync(file, JSON.stringify(batch));
  const now = new Date(NOW);
  await embedded.store.recordCitation('clean', stored, now);
  const clean = await runTsChild(CHILD, args('clean', file));
  expect(clean.code, clean.stderr).toBe(0);
  const { writes, outcomes } = lastJsonLine<{ writes: number; outcomes: { kind: string }[] }>(clean);
  expect(outcomes.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'new', 'duplicate', 'new']);
  const expected = await stateOf('clean');
  expect(expected.filter((line) => line.startsWith('citation'))).toEqual([
    'citation embase:L1+europepmc:MED/34567890+pubmed:34567890',
    'citation pubmed:35000001',
    'citation scopus:S1+wos:W1',
  ]);
  expect(writes).toBeGreaterThan(4);

  const points = Array.from({ length: writes }, (_, i) => i + 1);
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < points.length) {
        const n = points[next++]!;
        const reviewId = `crash-${n}`;
        await embedded.store.recordCitation(reviewId, stored, now);
        const crashed = await runTsChild(CHILD, [...args(reviewId, file), '--crash-after-writes', String(n)]);
        expect(crashed.code, `crash after write ${n}: ${crashed.stderr}`).toBe(137);
        const rerun = await runTsChild(CHILD, args(reviewId, file));
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(await stateOf(reviewId), `crash after write ${n}`).toEqual(expected);
      }
    }),
  );
  // Two child processes per write: minutes on a loaded machine, so a budget far above the work (not a speed
  // check).
}, 900_000);
