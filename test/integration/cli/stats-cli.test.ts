// `living-review km` and `living-review logrank`: a JSON file of rows in; with --format json, JSON in the
// reference layout out, compared with R's outputs (PROVENANCE.md) to 1e-9 relative, medians exactly; by
// default, what R prints (shared/domain/stats/r-print.ts, checked line by line against R in r-print.test.ts).
// Every reference case runs through the commands in-process; a representative set (grouped, log-log,
// Inf/NaN/NA, R's error, usage errors) also runs as a user runs it, `node cli/living-review.js ...` in a child
// process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmCommand } from '../../../cli/commands/km.ts';
import { logrankCommand } from '../../../cli/commands/logrank.ts';
import { runCommandInProcess } from '../../support/cli-in-process.ts';
import { expectRCloseArray, type Json, loadReference } from '../../unit/stats/reference.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TABLE_COLUMNS = [
  'time',
  'n_risk',
  'n_event',
  'n_censor',
  'surv',
  'std_err',
  'se_surv',
  'cumhaz',
  'std_chaz',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real binary in a child process. */
function spawnCli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['cli/living-review.js', ...args], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

/** The printed JSON spells Inf/NaN/NA as the reference does; map them to doubles (null stays NA). */
function decodeAll(values: unknown[]): unknown[] {
  const special: Record<string, number> = {
    Inf: Number.POSITIVE_INFINITY,
    '-Inf': Number.NEGATIVE_INFINITY,
    NaN: Number.NaN,
  };
  return values.map((value) => (typeof value === 'string' && value in special ? special[value] : value));
}

function expectKmOutput(result: Run, kase: Json, confType: 'log' | 'log-log') {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const printed = JSON.parse(result.stdout);
  const key = confType === 'log' ? 'log' : 'log_log';
  expect(Object.keys(printed)).toEqual(['curves']);
  expect(printed.curves.length).toBe(kase.curves.length);
  kase.curves.forEach((curve: Json, j: number) => {
    const got = printed.curves[j];
    expect(got.strata).toBe(curve.strata);
    expect(got.n).toBe(curve.n);
    expect(got.events).toBe(curve.events);
    expect(Object.keys(got.table)).toEqual(TABLE_COLUMNS);
    for (const column of TABLE_COLUMNS) {
      expectRCloseArray(decodeAll(got.table[column]), curve.table[column], `table.${column}`);
    }
    expectRCloseArray(decodeAll(got.lower), curve[key].lower, 'lower');
    expectRCloseArray(decodeAll(got.upper), curve[key].upper, 'upper');
    expect(got.median_print).toStrictEqual(curve[key].median_print);
  });
}

function expectLogrankOutput(result: Run, kase: Json) {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const printed = JSON.parse(result.stdout);
  expect(printed.groups).toEqual(kase.groups);
  expect(printed.n_per_group).toEqual(kase.n_per_group);
  expect(printed.observed).toEqual(kase.observed);
  expect(printed.df).toBe(kase.df);
  expectRCloseArray(printed.expected, kase.expected, 'expected');
  expectRCloseArray([printed.chisq, printed.p_value], [kase.chisq, kase.p_value], 'chisq, p_value');
  expect(printed.variance_matrix.length).toBe(kase.variance_matrix.length);
  kase.variance_matrix.forEach((row: unknown[], g: number) => {
    expectRCloseArray(printed.variance_matrix[g], row, `variance_matrix[${g}]`);
  });
}

const kmCases: Json[] = [
  ...loadReference('ref-km-datasets.json').cases,
  ...loadReference('ref-km-edge-cases.json').cases,
];
const logrankCases: Json[] = loadReference('ref-logrank.json').cases;
const CONF_TYPES = ['log', 'log-log'] as const;

describe('CLI: living-review km / logrank', () => {
  let directory: string;
  const inputFile = (kind: string, kase: Json) => join(directory, `${kind}-${kase.id}.json`);

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'living-review-stats-'));
    for (const kase of kmCases) writeFileSync(inputFile('km', kase), JSON.stringify(kase.input));
    for (const kase of logrankCases) writeFileSync(inputFile('logrank', kase), JSON.stringify(kase.input));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  describe('in-process, every reference case', () => {
    for (const kase of kmCases) {
      for (const confType of CONF_TYPES) {
        it(`km ${kase.id} --conf-type ${confType}`, async () => {
          const result = await runCommandInProcess(kmCommand, {
            input: inputFile('km', kase),
            'conf-type': confType,
            format: 'json',
          });
          expectKmOutput(result, kase, confType);
        });
      }
    }
    for (const kase of logrankCases) {
      it(`logrank ${kase.id}`, async () => {
        const run = runCommandInProcess(logrankCommand, {
          input: inputFile('logrank', kase),
          format: 'json',
        });
        if (kase.error !== undefined) await expect(run).rejects.toThrow(kase.error);
        else expectLogrankOutput(await run, kase);
      });
    }
  });

  describe('node cli/living-review.js in a child process', () => {
    const spawnedKm: readonly [string, 'log' | 'log-log'][] = [
      ['aml_by_x', 'log'],
      ['lung_by_sex', 'log-log'],
      ['last_obs_event', 'log'], // Inf std_err, NaN se_surv, NA limits
      ['events_at_time_0', 'log-log'],
    ];
    for (const [id, confType] of spawnedKm) {
      it(`km ${id} --conf-type ${confType}`, async () => {
        const kase = kmCases.find((k) => k.id === id)!;
        const args = ['km', '--input', inputFile('km', kase), '--format', 'json'];
        if (confType === 'log-log') args.push('--conf-type', confType);
        expectKmOutput(await spawnCli(args), kase, confType);
      }, 60_000);
    }

    it('logrank lung_by_sex', async () => {
      const kase = logrankCases.find((k) => k.id === 'lung_by_sex')!;
      expectLogrankOutput(
        await spawnCli(['logrank', '--input', inputFile('logrank', kase), '--format', 'json']),
        kase,
      );
    }, 60_000);

    it('prints what R prints by default: km as print(survfit), logrank as print(survdiff)', async () => {
      const overall = kmCases.find((k) => k.id === 'aml_overall')!;
      const grouped = kmCases.find((k) => k.id === 'aml_by_x')!;
      const test = logrankCases.find((k) => k.id === 'aml_by_x')!;
      const [km, kmLogLog, kmRmean, byGroup, logrank] = await Promise.all([
        spawnCli(['km', '--input', inputFile('km', overall)]),
        spawnCli(['km', '--input', inputFile('km', overall), '--conf-type', 'log-log', '--format', 'text']),
        spawnCli(['km', '--input', inputFile('km', overall), '--rmean']),
        spawnCli(['km', '--input', inputFile('km', grouped)]),
        spawnCli(['logrank', '--input', inputFile('logrank', test)]),
      ]);
      // Without groups R's rows are named "[1,]": the lines are R's own.
      expect(km).toEqual({ code: 0, stdout: `${overall.printed.log.join('\n')}\n`, stderr: '' });
      expect(kmLogLog.stdout).toBe(`${overall.printed.log_log.join('\n')}\n`);
      expect(kmRmean.stdout).toBe(`${overall.printed.log_with_rmean_common.join('\n')}\n`);
      // With groups the rows are named by the variable, here "group" (R's reference used "g").
      expect(byGroup.stdout).toBe(
        [
          '                     n events median 0.95LCL 0.95UCL',
          'group=Maintained    11      7     31      18      NA',
          'group=Nonmaintained 12     11     23       8      NA',
          '',
        ].join('\n'),
      );
      expect(logrank.stdout).toBe(
        [
          '                     N Observed Expected (O-E)^2/E (O-E)^2/V',
          'group=Maintained    11        7    10.69      1.27       3.4',
          'group=Nonmaintained 12       11     7.31      1.86       3.4',
          '',
          test.printed.at(-1),
          '',
        ].join('\n'),
      );
    }, 60_000);

    it("logrank with one group: exit 1 and R's message", async () => {
      const kase = logrankCases.find((k) => k.error !== undefined)!;
      const result = await spawnCli(['logrank', '--input', inputFile('logrank', kase)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(kase.error);
    }, 60_000);

    it('names the file, row and field of a bad row; usage errors exit 2', async () => {
      const bad = join(directory, 'bad.json');
      const rows = [
        { time: 1, event: 1 },
        { time: 2, event: 1 },
        { time: 3, event: 0 },
        { time: 4, event: 2 },
      ];
      writeFileSync(bad, JSON.stringify(rows));

      const [badRow, badType, noInput, badFormat] = await Promise.all([
        spawnCli(['km', '--input', bad]),
        spawnCli(['km', '--input', bad, '--conf-type', 'plain']),
        spawnCli(['logrank']),
        spawnCli(['logrank', '--input', bad, '--format', 'csv']),
      ]);

      expect(badRow.code).toBe(1);
      expect(badRow.stderr).toContain(`${bad}: rows[3].event: expected 0 or 1`);
      expect(badType.code).toBe(2);
      expect(badType.stderr).toContain('--conf-type must be log or log-log');
      expect(noInput.code).toBe(2);
      expect(noInput.stderr).toContain('--input is required');
      expect(badFormat.code).toBe(2);
      expect(badFormat.stderr).toContain('--format must be text or json, not "csv"');
    }, 60_000);
  });
});
