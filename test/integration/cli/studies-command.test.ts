// `living-review studies` as a user runs it: the real binary against the embedded store holding three included
// studies (one pooled with patient rows, one retracted, one withdrawn) and a citation never included. Text and
// JSON list each study's id, first author, year, PMID or DOI, patient rows and state; the names it prints for
// a study (id, PMID) are names `--citation` takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeStoreCitation, makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { cohortInStudies } from '../evidence/support.ts';

let dataDir: string;
let embedded: EmbeddedStore;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dataDir = makeTempDataDir('cli-studies');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  const clock = () => new Date('2026-03-02T06:00:00.000Z');
  const records = {
    pooled: makeStoreCitation({
      pmid: '39200001',
      authors: [{ family: 'Zhang', given: 'Wei', initials: 'W', orcid: null }],
    }),
    retracted: makeStoreCitation({
      pmid: '39200002',
      year: 2019,
      authors: [{ family: 'Álvarez', given: 'Ana María', initials: 'AM', orcid: null }],
    }),
    withdrawn: makeStoreCitation({
      pmid: null,
      doi: '10.1000/withdrawn.1',
      sourceRecordId: 'E1',
      authors: [{ collective: 'IESM Study Group', orcid: null }],
    }),
    never: makeStoreCitation({ pmid: '39200004' }),
  };
  for (const [name, citation] of Object.entries(records)) {
    ids[name] = (await embedded.store.recordCitation('iesm', citation, clock())).citationId;
    if (name === 'never') continue;
    await includeStudy(
      { reviewId: 'iesm', citationId: ids[name]!, includedBy: 'pp', source: 'manual' },
      { citations: embedded.store, evidence, clock },
    );
  }
  await evidence.markStudyRetracted('iesm', ids.retracted!, '2026-03-01T00:00:00.000Z');
  await evidence.withdrawStudy('iesm', ids.withdrawn!, {
    at: clock().toISOString(),
    by: 'pp',
    reason: 'duplicate',
  });
  const rows = cohortInStudies([ids.pooled!, ids.pooled!, ids.retracted!]);
  await evidence.putPatientRows(
    'iesm',
    rows.map((row) => ({ row, origin: 'cohort.csv', importedAt: clock().toISOString() })),
  );
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('living-review studies', () => {
  it('lists each included study with its first author, year, PMID or DOI, patients and state', async () => {
    const result = await runLivingReview(['studies', '--review', 'iesm', '--data', dataDir]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id +first author +year +PMID \/ DOI +patients +state$/);
    // By first author: Álvarez, IESM Study Group, Zhang; the never-included citation is not listed.
    expect(lines.slice(2).map((line) => line.split(/ {2,}/))).toEqual([
      [ids.retracted, 'Álvarez AM', '2019', 'PMID 39200002', '43', 'retracted'],
      [ids.withdrawn, 'IESM Study Group', '2024', 'doi:10.1000/withdrawn.1', '0', 'withdrawn'],
      [ids.pooled, 'Zhang W', '2024', 'PMID 39200001', '87', 'included'],
      ['3 included studies in review "iesm", 1 withdrawn, 1 retracted, 87 patient rows in the others'],
    ]);
  });

  it('prints the same as JSON, with the inclusions as stored', async () => {
    const result = await runLivingReview([
      'studies',
      '--review',
      'iesm',
      '--format',
      'json',
      '--data',
      dataDir,
    ]);
    expect(result.code).toBe(0);
    const studies = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(studies.map((s) => [s.citationId, s.firstAuthor, s.patients, s.state])).toEqual([
      [ids.retracted, 'Álvarez AM', 43, 'retracted'],
      [ids.withdrawn, 'IESM Study Group', 0, 'withdrawn'],
      [ids.pooled, 'Zhang W', 87, 'included'],
    ]);
    expect(studies[1]).toMatchObject({
      doi: '10.1000/withdrawn.1',
      withdrawn: { by: 'pp', reason: 'duplicate' },
      includedBy: 'pp',
      source: 'manual',
    });
  });

  it('names each study so that --citation finds it: the id, the PMID, the DOI', async () => {
    const [byPmid, byDoi, byId] = await Promise.all([
      runLivingReview(['include', '--review', 'iesm', '--citation', '39200001', '--data', dataDir]),
      runLivingReview([
        'include',
        '--review',
        'iesm',
        '--citation',
        'doi:10.1000/withdrawn.1',
        '--data',
        dataDir,
      ]),
      runLivingReview(['include', '--review', 'iesm', '--citation', ids.retracted!, '--data', dataDir]),
    ]);
    expect(byPmid.stdout).toContain(`${ids.pooled} was already included in review "iesm"`);
    expect(byDoi.code).toBe(1);
    expect(byDoi.stderr).toContain(`${ids.withdrawn} was withdrawn from review "iesm"`);
    expect(byId.stdout).toContain(`${ids.retracted} was already included in review "iesm"`);
  });

  it('says so when nothing is included yet', async () => {
    const empty = makeTempDataDir('cli-studies-empty');
    try {
      const none = await runLivingReview(['studies', '--review', 'iesm', '--data', empty]);
      expect(none).toMatchObject({ code: 0, stdout: 'review "iesm" has no included study yet\n' });
    } finally {
      await removeDataDir(empty);
    }
  });
});
