// The curation commands against a deployment's table (`--aws-table NAME`), as an operator runs them: the real
// binary in child processes, the AWS SDK resolving region, credentials and endpoint from the environment as it
// does on a laptop with a profile. The "deployed" table is a dynalite server standing in for DynamoDB
// (AWS_ENDPOINT_URL_DYNAMODB), under a CloudFormation-style name; the --data directory given alongside is never
// created, so nothing went to an embedded store.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { iesmSchema } from '../../support/protocols.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { cohortInStudies } from '../evidence/support.ts';

const RIS = join(import.meta.dirname, '../../fixtures/exports/embase-ovid.ris');
const TABLE = 'LivingReviewData-Table8235A42E-1XK4QF0V7TS9A';

let serverDir: string;
let deployed: EmbeddedStore;
let untouchedDataDir: string;
let env: NodeJS.ProcessEnv;

const livingReview = (args: string[]) => runLivingReview(args, env);

beforeAll(async () => {
  serverDir = makeTempDataDir('cli-aws-table');
  deployed = await openEmbeddedStore({ dataDir: serverDir, tableName: TABLE, serverIdleMs: 20_000 });
  untouchedDataDir = join(serverDir, 'never-created');
  env = {
    ...process.env,
    AWS_ENDPOINT_URL_DYNAMODB: deployed.endpoint,
    AWS_REGION: 'eu-west-1',
    // The stand-in answers only its own key (the embedded store's secret), as DynamoDB answers only valid ones.
    AWS_ACCESS_KEY_ID: deployed.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: deployed.credentials.secretAccessKey,
    AWS_PROFILE: '',
  };
  delete env.LIVING_REVIEW_TABLE;
});

afterAll(async () => {
  await deployed?.close();
  if (serverDir) await removeDataDir(serverDir);
});

const onTable = () => ['--review', 'iesm', '--aws-table', TABLE, '--data', untouchedDataDir];

describe('living-review curation commands with --aws-table', () => {
  it('imports a database export into the deployed table and lists its queue from there', async () => {
    const imported = await livingReview(['import', RIS, '--source', 'embase', ...onTable()]);
    expect(imported.stderr).not.toMatch(/error|cannot/i);
    expect(imported.code).toBe(0);

    const queued = await deployed.store.listQueue('iesm');
    expect(queued.length).toBeGreaterThan(0);
    const listed = await livingReview(['queue', '--format', 'json', ...onTable()]);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { citationId: string }[]).map((entry) => entry.citationId);
    expect(ids.sort()).toEqual(queued.map((entry) => entry.citationId).sort());
    expect(existsSync(untouchedDataDir)).toBe(false);
  });

  it('includes a study, imports its patient rows, pools them and withdraws it, all in the deployed table', async () => {
    const [first] = await deployed.store.listQueue('iesm');
    const included = await livingReview([
      'include',
      '--citation',
      first!.citationId,
      '--by',
      'pp',
      ...onTable(),
    ]);
    expect(included.code).toBe(0);
    const evidence = new DynamoEvidenceStore({ client: deployed.client, tableName: TABLE });
    expect(await evidence.getIncludedStudy('iesm', first!.citationId)).toMatchObject({ includedBy: 'pp' });
    const rowsFile = join(serverDir, 'rows.csv');
    writeFileSync(
      rowsFile,
      patientRowsToCsv(cohortInStudies([first!.citationId]).slice(0, 12), iesmSchema()),
    );
    const extracted = await livingReview(['extract', 'import', rowsFile, ...onTable()]);
    expect(extracted.code).toBe(0);
    expect(await evidence.listPatientRows('iesm')).toHaveLength(12);

    const stats = await livingReview(['stats', '--recompute', '--format', 'json', ...onTable()]);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ patients: 12 });

    const withdrawn = await livingReview([
      'withdraw',
      '--citation',
      first!.citationId,
      '--reason',
      'case series re-reported in a later paper',
      ...onTable(),
    ]);
    expect(withdrawn.code).toBe(0);
    const after = await livingReview(['stats', '--format', 'json', ...onTable()]);
    expect(JSON.parse(after.stdout)).toMatchObject({ patients: 0 });
    expect(existsSync(untouchedDataDir)).toBe(false);
  });

  it('fails in one line naming the table and the region when the table does not exist', async () => {
    const result = await livingReview(['queue', '--review', 'iesm', '--aws-table', 'LivingReviewData-Nope']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no DynamoDB table "LivingReviewData-Nope" in eu-west-1/);
  });

  it('is refused by the commands whose work belongs to the deployed functions (searching, digests)', async () => {
    for (const command of ['run', 'digest']) {
      const result = await livingReview([
        command,
        ...(command === 'run' ? [] : ['--review', 'iesm']),
        '--aws-table',
        TABLE,
      ]);
      expect(result.code, command).toBe(2);
      expect(result.stderr).toMatch(/aws-table/);
    }
  });
});
