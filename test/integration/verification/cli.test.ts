// `living-review extract import --reviewer`, `extract verify` and `extract resolve` as a team runs them (the
// real binary on the embedded store): the importer recorded as extractor, a verifier confirming line by line
// from stdin, another flagging a field with the script flags, the extractor accepting the correction, and bad
// input refused with a clear error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

let dataDir: string;
const cohort = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'fixtures', 'reference', 'iesm-synthetic-cohort.json'),
    'utf8',
  ),
) as Array<Record<string, unknown>>;
const cli = (args: string[], stdin?: string) =>
  runLivingReview([...args, '--review', 'iesm', '--data', dataDir], process.env, stdin);

beforeAll(() => {
  dataDir = makeTempDataDir('verification-cli');
  writeFileSync(
    join(dataDir, 'rows.json'),
    JSON.stringify(cohort.slice(0, 2).map((p) => ({ ...p, studyId: 'study-a' }))),
  );
});

afterAll(async () => {
  await removeDataDir(dataDir);
});

describe('living-review extract verify / resolve', () => {
  it('records the extractor, takes verdicts line by line and by flags, and resolves a flag', async () => {
    const imported = await cli([
      'extract',
      'import',
      join(dataDir, 'rows.json'),
      '--create-studies',
      '--reviewer',
      'pp',
    ]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('2 rows recorded as extracted by pp, awaiting verification');

    // alc confirms both rows in the terminal.
    const alc = await cli(['extract', 'verify', '--reviewer', 'alc'], 'c\nc\n');
    expect(alc.code).toBe(0);
    expect(alc.stdout).toContain('2 rows wait for your verification');
    expect(alc.stdout).toContain('patient SYN-001 (extracted by pp)');
    expect(alc.stderr).toContain('2 recorded, 0 skipped');

    // Bad input: a field the protocol lacks, a value its variable refuses, a row that does not exist.
    for (const [args, message] of [
      [['--row', 'SYN-001', '--flag', 'agee=70'], 'agee is not a variable'],
      [['--row', 'SYN-001', '--flag', 'age_years=old'], 'age_years: expected'],
      [['--row', 'SYN-999', '--flag', 'age_years=70'], 'no patient row SYN-999'],
    ] as const) {
      const refused = await cli([
        'extract',
        'verify',
        '--reviewer',
        'ash',
        '--study',
        'study-a',
        ...args,
        '--note',
        'n',
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(message);
    }
    const notListed = await cli([
      'extract',
      'verify',
      '--reviewer',
      'nobody',
      '--study',
      'study-a',
      '--confirm',
    ]);
    expect(notListed.code).not.toBe(0);
    expect(notListed.stderr).toContain('lists no reviewer "nobody"');

    const flag = await cli([
      'extract',
      'verify',
      '--reviewer',
      'ash',
      '--study',
      'study-a',
      '--row',
      'SYN-001',
      '--flag',
      'age_years=70',
      '--note',
      'Table 2 gives 70',
    ]);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toContain('recorded: SYN-001 (awaiting-verification)');
    expect(
      (await cli(['extract', 'verify', '--reviewer', 'ash', '--study', 'study-a', '--confirm'])).stdout,
    ).toContain('recorded: SYN-002 (verified)');

    const resolve = await cli(['extract', 'resolve', '--reviewer', 'pp'], 'a\n');
    expect(resolve.code).toBe(0);
    expect(resolve.stdout).toContain('ash flags age_years: 70 — Table 2 gives 70');
    expect(resolve.stderr).toContain('1 recorded');

    const exported = await cli(['extract', 'export']);
    expect(exported.stdout.split('\n').find((line) => line.startsWith('SYN-001'))).toContain(',70,');
    const stats = await cli(['stats']);
    expect(stats.stdout).toContain('2 of 2 rows verified, 0 of 2 unverified, 0 of 2 disputed');
  }, 300_000); // a dozen runs of the binary, each starting node and the embedded store
});
