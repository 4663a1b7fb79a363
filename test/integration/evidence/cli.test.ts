// `living-review include`, `extract import/export` and `stats` on a temp data directory: in this process with
// the options main.ts would have parsed, and the all-or-nothing import once as a user runs it (the real binary
// in a child process: exit code 1 and the row and column on stderr).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../cli/command.ts';
import { extractCommand } from '../../../cli/commands/extract.ts';
import { includeCommand } from '../../../cli/commands/include.ts';
import { statsCommand } from '../../../cli/commands/stats.ts';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import { parsePatientRowsCsv } from '../../../shared/domain/extraction/import-rows.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { iesmSchema } from '../../support/protocols.ts';
import {
  makeStoreCitation,
  makeTempDataDir,
  REPO_ROOT,
  removeDataDir,
} from '../../support/store-fixtures.ts';
import { cohortInStudies } from './support.ts';

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

async function run(command: Command, values: Record<string, string | boolean>, positionals: string[] = []) {
  const result: Run = { code: undefined, stdout: '', stderr: '' };
  result.code = await command.run(
    { values: { data: dataDir, review: 'iesm', ...values }, positionals },
    {
      out: (text) => {
        result.stdout += `${text}\n`;
      },
      err: (text) => {
        result.stderr += `${text}\n`;
      },
      interactive: false,
    },
  );
  return result;
}

let dataDir: string;
let embedded: EmbeddedStore;
let studies: string[];
let cohort: PatientRow[];

beforeAll(async () => {
  dataDir = makeTempDataDir('evidence-cli');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  studies = [];
  for (const pmid of ['39000001', '39000002', '39000003']) {
    const outcome = await embedded.store.recordCitation('iesm', makeStoreCitation({ pmid }), new Date());
    studies.push(outcome.citationId);
  }
  cohort = cohortInStudies(studies.slice(0, 2));
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('living-review include / extract / stats', () => {
  it('says there are no statistics before anything is included', async () => {
    const md = await run(statsCommand, {});
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/review "iesm" has no statistics yet: no snapshot is stored/);
    const csv = await run(statsCommand, { format: 'csv' });
    expect(csv.code).toBe(1);
    expect(csv.stdout).toBe('');
    expect(csv.stderr).toMatch(/no snapshot is stored/);
  });

  it('includes a study once, and the statistics then say it has no patient rows', async () => {
    const first = await run(includeCommand, { citation: studies[0]!, by: 'pp' });
    expect(first.stdout).toMatch(new RegExp(`^included ${studies[0]} in review "iesm": A randomised trial`));
    const again = await run(includeCommand, { citation: studies[0]!, by: 'alc' });
    expect(again.stdout).toMatch(/was already included in review "iesm" \(.* by pp\); nothing changed/);
    await run(includeCommand, { citation: studies[1]!, by: 'pp' });
    await expect(run(includeCommand, { citation: 'c00000000000000000000' })).rejects.toThrow(
      /no citation c00000000000000000000 in review "iesm"/,
    );
    const md = await run(statsCommand, {});
    expect(md.stdout).toMatch(/version 2/);
    expect(md.stdout).toMatch(/has no patient rows yet: there is nothing to tabulate/);
  });

  it('imports a CSV, stores a version and prints Tables I-III with the KM summaries', async () => {
    const file = join(dataDir, 'cohort.csv');
    writeFileSync(file, patientRowsToCsv(cohort, iesmSchema()));
    const imported = await run(extractCommand, {}, ['import', file]);
    expect(imported.stdout).toMatch(
      /130 patient rows: 130 added, 0 updated, 0 moved to another study, 0 unchanged; statistics version 3 stored/,
    );

    const md = await run(statsCommand, {});
    expect(md.stdout).toMatch(/# Statistics of review "iesm", version 3/);
    expect(md.stdout).toMatch(/from 130 patients in 2 of 2 included studies/);
    expect(md.stdout).toContain('### Table I. ');
    expect(md.stdout).toContain('### Table III. ');
    expect(md.stdout).toMatch(/\| Overall survival \(months\) \| 130 \| 65 \| 0 \| 6\.7 \(5\.4–NA\) \|/);
    expect(md.stdout).toContain('### What changed since v2');
    expect(md.stdout).toMatch(/^- 130 patients added$/m);
    expect(md.stdout).toMatch(
      /\| Overall survival by Resection \(months\): complete \| 56 \| 32 \| 0 \| 5\.4 \(5–NA\) \|/,
    );
    expect(md.stdout).toMatch(
      /\| Overall survival by Resection \(months\): log-rank \| 130 \| \| 0 \| chi-square 4\.45, df 2, p 0\.108 \|/,
    );

    const csv = await run(statsCommand, { format: 'csv' });
    const csvLines = csv.stdout.split('\n');
    expect(csvLines[0]).toBe(
      'table,section,label,kind,variable,level,subset,count,denominator,unknown,percent,n,median,min,max,text,curve,group,events,lower,upper,chisq,df,p',
    );
    expect(csvLines).toContain(
      'Kaplan-Meier,endpoint,Overall survival,km,,,,,,0,,130,6.7,,,6.7,os,,65,5.4,,,,',
    );
    expect(
      csvLines.some((line) =>
        line.startsWith('Log-rank,comparison,Overall survival by Resection,logrank,resection,'),
      ),
    ).toBe(true);
    expect(csvLines).toContain('What changed,since v2,,change,,,,,,,,,,,,130 patients added,,,,,,,,');
    const json = JSON.parse((await run(statsCommand, { format: 'json' })).stdout);
    expect(json.patients).toBe(130);
    expect(json.km.os).toEqual([{ group: null, n: 130, events: 65, median: 6.7, lower: 5.4, upper: null }]);
    expect(json.logrank.os_by_resection).toMatchObject({ df: 2, n: 130, notReported: 0 });
    expect(json.logrank.os_by_adjuvant_radiotherapy).toMatchObject({ df: 1, n: 120, notReported: 10 });
    expect(json.followUp.os).toMatchObject({ median: 20.6, lower: 17, upper: 27.8 });
    expect(json.categorical.sex.levels.map((l: { level: string }) => l.level)).toEqual(['male', 'female']);
    expect(json.changes.lines).toContain('130 patients added');
  });

  it('exports every row as CSV that reads back to the same rows', async () => {
    const out = join(dataDir, 'export.csv');
    const result = await run(extractCommand, { out }, ['export']);
    expect(result.stderr).toMatch(/wrote 130 patient rows of review "iesm"/);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]!.startsWith('patientId,studyId,synthetic,sex,')).toBe(true);
    expect(parsePatientRowsCsv(text, 'export.csv', iesmSchema())).toEqual(cohort);
    const piped = await run(extractCommand, { booleans: 'true-false' }, ['export']);
    expect(piped.stdout.split('\n')).toHaveLength(132);
    expect(parsePatientRowsCsv(piped.stdout, 'stdout', iesmSchema())).toEqual(cohort);
  });

  it('shows what changed since the previous version after a corrected row', async () => {
    const target = cohort.find((row) => row.resection === 'complete')!;
    const file = join(dataDir, 'fix.json');
    writeFileSync(file, JSON.stringify([{ ...target, resection: 'partial' }]));
    const imported = await run(extractCommand, {}, ['import', file]);
    expect(imported.stdout).toMatch(/1 patient rows: 0 added, 1 updated.*statistics version 4 stored/);
    const md = await run(statsCommand, {});
    expect(md.stdout).toContain('### What changed since v3');
    expect(md.stdout).toMatch(/- Table III, .*: \d+\/130 \(.*%\) → \d+\/130 \(.*%\) \(-0\.8 points\)/);
    expect(md.stdout).not.toMatch(/patients added/);
  });

  it('refuses a file with a bad row as a user runs it: exit 1, row and column named, nothing stored', async () => {
    const file = join(dataDir, 'bad.csv');
    const rows = cohort.slice(0, 3).map((row) => ({ ...row, patientId: `${row.patientId}-new` }));
    // The synthetic rows hold no quoted cells, so a comma split is exact here.
    const lines = patientRowsToCsv(rows, iesmSchema()).split('\r\n');
    const column = lines[0]!.split(',').indexOf('primary_tumour');
    const cells = lines[2]!.split(',');
    cells[column] = 'lungs';
    lines[2] = cells.join(',');
    writeFileSync(file, lines.join('\r\n'));
    const child = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['cli/living-review.js', 'extract', 'import', file, '--review', 'iesm', '--data', dataDir],
        { cwd: REPO_ROOT },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    expect(child.code).toBe(1);
    expect(child.stderr).toMatch(
      /bad\.csv line 3 \(row 2\), column primary_tumour: expected one of lung, renal/,
    );
    expect(child.stderr).toMatch(/no patient rows were imported/);
    const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
    expect(await evidence.listPatientRows('iesm')).toHaveLength(130);
    expect(await evidence.latestSnapshotVersion('iesm')).toBe(4);
  });
});
