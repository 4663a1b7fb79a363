// Three runs of one window at the same time, as three processes sharing one data directory (and so one
// dynalite server): no citation or queue entry is ever doubled, and each work is 'new' in exactly one run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import type { RecordOutcome } from '../../../shared/ports/citation-store.ts';
import {
  countCitations,
  countQueueEntries,
  lastJsonLine,
  makeStoreCitation,
  makeTempDataDir,
  pubmedWindow,
  readClaims,
  removeDataDir,
  runTsChild,
} from '../../support/store-fixtures.ts';

const CHILD = 'test/integration/store/children/record-child.ts';

let dataDir: string;
let embedded: EmbeddedStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('concurrent');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 15_000 });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

/** 200 PubMed works, plus 20 DOI-only Embase records of 20 of them placed among them. */
function windowWithCrossSourceDuplicates(): { records: Citation[]; workOf: number[] } {
  const works = pubmedWindow(200, 35_000_000);
  const records: Citation[] = [];
  const workOf: number[] = [];
  for (const [index, work] of works.entries()) {
    if (index % 10 === 5) {
      records.push(
        makeStoreCitation({ source: 'embase-ris', sourceRecordId: `E${index}`, pmid: null, doi: work.doi }),
      );
      workOf.push(index);
    }
    records.push(work);
    workOf.push(index);
  }
  return { records, workOf };
}

function expectOneNewPerWork(runs: RecordOutcome[][], workOf: number[], works: number) {
  const newPerWork = new Array(works).fill(0);
  const idPerWork = new Map<number, Set<string>>();
  for (const run of runs) {
    for (const [index, outcome] of run.entries()) {
      const work = workOf[index]!;
      if (outcome.kind === 'new') newPerWork[work]++;
      idPerWork.set(work, (idPerWork.get(work) ?? new Set()).add(outcome.citationId));
    }
  }
  expect(newPerWork).toEqual(new Array(works).fill(1));
  expect([...idPerWork.values()].every((ids) => ids.size === 1)).toBe(true);
}

describe('concurrent runs of one window', () => {
  it('three processes: 200 citations, 200 queue entries, each work new in exactly one run', async () => {
    const { records, workOf } = windowWithCrossSourceDuplicates();
    const file = join(dataDir, 'window-processes.json');
    writeFileSync(file, JSON.stringify(records));

    const results = await Promise.all(
      [1, 2, 3].map(() =>
        runTsChild(CHILD, [
          '--data',
          dataDir,
          '--review',
          'r-procs',
          '--records',
          file,
          '--concurrency',
          '8',
        ]),
      ),
    );

    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const runs = results.map((r) => lastJsonLine<{ serverPid: number; outcomes: RecordOutcome[] }>(r));
    expect(new Set(runs.map((r) => r.serverPid))).toEqual(new Set([embedded.serverPid]));
    expectOneNewPerWork(
      runs.map((r) => r.outcomes),
      workOf,
      200,
    );
    expect(await countCitations(embedded.client, embedded.tableName, 'r-procs')).toBe(200);
    expect(await countQueueEntries(embedded.client, embedded.tableName, 'r-procs')).toBe(200);
    const claims = await readClaims(embedded.client, embedded.tableName, 'r-procs');
    expect(claims.size).toBe(400);
    const embase = records.find((r) => r.source === 'embase-ris')!;
    const owner = claims.get(`doi:${embase.doi}`)!;
    expect((await embedded.store.getCitation('r-procs', owner))?.sourceRecords).toEqual([
      `embase-ris:${embase.sourceRecordId}`,
      `pubmed:${Number(embase.sourceRecordId.slice(1)) + 35_000_000}`,
    ]);
  });

  it('three runs as concurrent promises in one process: the same guarantees', async () => {
    const { records, workOf } = windowWithCrossSourceDuplicates();
    const now = new Date('2026-03-02T06:00:00.000Z');
    const runOnce = async () => {
      const outcomes: RecordOutcome[] = new Array(records.length);
      let next = 0;
      const worker = async () => {
        while (next < records.length) {
          const index = next++;
          outcomes[index] = await embedded.store.recordCitation('r-promises', records[index]!, now);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return outcomes;
    };

    const runs = await Promise.all([runOnce(), runOnce(), runOnce()]);

    expectOneNewPerWork(runs, workOf, 200);
    expect(await countCitations(embedded.client, embedded.tableName, 'r-promises')).toBe(200);
    expect(await countQueueEntries(embedded.client, embedded.tableName, 'r-promises')).toBe(200);
  });
});
