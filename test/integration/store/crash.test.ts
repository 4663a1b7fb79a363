// A process that dies at any step of recordCitation, then a re-run in a fresh process: the re-run completes
// the record, and nothing is doubled. The child dies (exit 137) right after its N-th write request has been
// answered, for every N from 1 to the number of writes the record takes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import type { RecordOutcome } from '../../../shared/ports/citation-store.ts';
import {
  countCitations,
  countQueueEntries,
  countTallyDeltas,
  lastJsonLine,
  makeStoreCitation,
  makeTempDataDir,
  readClaims,
  removeDataDir,
  runTsChild,
} from '../../support/store-fixtures.ts';

const CHILD = 'test/integration/store/children/record-child.ts';
const NOW = '2026-03-02T06:00:00.000Z';

interface ChildReport {
  writes: number;
  outcomes: RecordOutcome[];
}

let dataDir: string;
let embedded: EmbeddedStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('crash');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 15_000 });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

function recordsFile(name: string, citations: Citation[]): string {
  const file = join(dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(citations));
  return file;
}

const args = (reviewId: string, file: string) => [
  '--data',
  dataDir,
  '--review',
  reviewId,
  '--records',
  file,
  '--now',
  NOW,
];

/** Records once without crashing, in its own review: how many writes the record takes there. */
async function writesOf(reviewId: string, file: string): Promise<ChildReport> {
  const result = await runTsChild(CHILD, args(reviewId, file));
  expect(result.code, result.stderr).toBe(0);
  return lastJsonLine<ChildReport>(result);
}

/** Crashes after write `n`, then re-runs in a fresh process; returns the re-run's outcome. */
async function crashThenRerun(reviewId: string, file: string, n: number): Promise<RecordOutcome> {
  const crashed = await runTsChild(CHILD, [...args(reviewId, file), '--crash-after-writes', String(n)]);
  expect(crashed.code, `crash after write ${n}: ${crashed.stderr}`).toBe(137);
  const rerun = await runTsChild(CHILD, args(reviewId, file));
  expect(rerun.code, rerun.stderr).toBe(0);
  return lastJsonLine<ChildReport>(rerun).outcomes[0]!;
}

async function expectOneCompleteCitation(
  reviewId: string,
  id: string,
  keys: string[],
  sourceRecords: string[],
) {
  expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(1);
  expect(await countQueueEntries(embedded.client, embedded.tableName, reviewId)).toBe(1);
  // Its arrival is counted in the screening tallies exactly once.
  expect(await countTallyDeltas(embedded.client, embedded.tableName, reviewId)).toBe(1);
  const claims = await readClaims(embedded.client, embedded.tableName, reviewId);
  expect(Object.fromEntries(claims)).toEqual(Object.fromEntries(keys.map((key) => [key, id])));
  expect((await embedded.store.getCitation(reviewId, id))?.sourceRecords).toEqual(sourceRecords);
}

describe('a process dies in the middle of recordCitation', () => {
  it('a new record with three keys: every crash point is completed by the re-run', async () => {
    const record = makeStoreCitation({ pmid: '900100', doi: '10.9/crash', pmcid: 'PMC900100' });
    const file = recordsFile('three-keys', [record]);
    const id = citationId('pmid:900100');
    const keys = ['pmid:900100', 'doi:10.9/crash', 'pmcid:PMC900100'];
    const clean = await writesOf('crash-new-clean', file);
    expect(clean.outcomes).toEqual([{ kind: 'new', citationId: id }]);
    expect(clean.writes).toBe(5); // three claims, the citation, its arrival's tally delta
    const citationWrite = 4;

    const rerunOutcomes = await Promise.all(
      Array.from({ length: clean.writes }, (_, i) => crashThenRerun(`crash-new-${i + 1}`, file, i + 1)),
    );

    for (const [i, outcome] of rerunOutcomes.entries()) {
      const n = i + 1;
      // Until the citation item is written (write 4, after the three claims) the re-run is the one that creates
      // it; after it, the re-run finds it stored and completes the arrival's tally delta.
      expect(outcome, `crash after write ${n}`).toEqual({
        kind: n < citationWrite ? 'new' : 'already-known',
        citationId: id,
      });
      await expectOneCompleteCitation(`crash-new-${n}`, id, keys, ['pubmed:900100']);
    }
  });

  it('a duplicate of a stored DOI-only citation: every crash point is completed by the re-run', async () => {
    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E900',
      pmid: null,
      doi: '10.9/dup',
    });
    const record = makeStoreCitation({ pmid: '900200', doi: '10.9/dup', pmcid: 'PMC900200' });
    const file = recordsFile('duplicate', [record]);
    const owner = citationId('doi:10.9/dup');
    const keys = ['pmid:900200', 'doi:10.9/dup', 'pmcid:PMC900200'];
    const now = new Date(NOW);
    await embedded.store.recordCitation('crash-dup-clean', embase, now);
    const clean = await writesOf('crash-dup-clean', file);
    expect(clean.outcomes).toEqual([{ kind: 'duplicate', citationId: owner, matchedKey: 'doi:10.9/dup' }]);
    // claim pmid, claim doi (refused), redirect, re-point pmid, claim pmcid, add the source record
    expect(clean.writes).toBe(6);

    const reviews = Array.from({ length: clean.writes }, (_, i) => `crash-dup-${i + 1}`);
    for (const reviewId of reviews) await embedded.store.recordCitation(reviewId, embase, now);
    const rerunOutcomes = await Promise.all(
      reviews.map((reviewId, i) => crashThenRerun(reviewId, file, i + 1)),
    );

    for (const [i, outcome] of rerunOutcomes.entries()) {
      const n = i + 1;
      expect(outcome.citationId, `crash after write ${n}`).toBe(owner);
      // Only a crash after the last write (the source record added) leaves nothing for the re-run to report.
      expect(outcome.kind, `crash after write ${n}`).toBe(n < clean.writes ? 'duplicate' : 'already-known');
      await expectOneCompleteCitation(reviews[i]!, owner, keys, ['embase-ris:E900', 'pubmed:900200']);
      expect(await embedded.store.getCitation(reviews[i]!, citationId('pmid:900200'))).toBeNull();
    }
  });

  it('a crashed duplicate leaves its own id a redirect: a record sharing only its PMID still finds the original', async () => {
    const embase = makeStoreCitation({
      source: 'embase-ris',
      sourceRecordId: 'E901',
      pmid: null,
      doi: '10.9/redir',
    });
    const record = makeStoreCitation({ pmid: '900300', doi: '10.9/redir' });
    const europe = makeStoreCitation({ source: 'europepmc', sourceRecordId: 'MED/900300', pmid: '900300' });
    const file = recordsFile('redirect', [record]);
    const owner = citationId('doi:10.9/redir');
    const now = new Date(NOW);
    await embedded.store.recordCitation('crash-redirect', embase, now);

    // Dies right after the redirect is written (claim pmid, refused claim doi, redirect), before re-pointing.
    const crashed = await runTsChild(CHILD, [...args('crash-redirect', file), '--crash-after-writes', '3']);
    expect(crashed.code, crashed.stderr).toBe(137);
    const meanwhile = await embedded.store.recordCitation('crash-redirect', europe, now);
    const rerun = await runTsChild(CHILD, args('crash-redirect', file));

    expect(meanwhile).toEqual({ kind: 'duplicate', citationId: owner, matchedKey: 'pmid:900300' });
    expect(lastJsonLine<ChildReport>(rerun).outcomes).toEqual([
      { kind: 'duplicate', citationId: owner, matchedKey: 'pmid:900300' },
    ]);
    await expectOneCompleteCitation(
      'crash-redirect',
      owner,
      ['pmid:900300', 'doi:10.9/redir'],
      ['embase-ris:E901', 'europepmc:MED/900300', 'pubmed:900300'],
    );
  });
});
