// `living-review cox` on JSON files of rows. As a user runs it (the real binary in a child process): the
// breast IPD pool's multivariable fit comes back as R printed it (--format json, to issue #14's tolerances),
// the default output is R's print/summary layout with R's warnings on stderr, bad input is one line naming the
// file, row and column (exit 1), a bad option a usage line (exit 2). The other cases run the command module in
// this process (each child process costs seconds on a loaded machine): the univariable fit, an infinite
// coefficient, no events, and every kind of bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coxCommand } from '../../../cli/commands/cox.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { runCommandInProcess } from '../../support/cli-in-process.ts';
import { breastExpected, coxReference, loadBreastRows } from '../../unit/stats/cox-reference.ts';
import { expectRClose, type Json } from '../../unit/stats/reference.ts';

let directory: string;
const file = (name: string) => join(directory, name);

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'cli-cox-'));
  writeFileSync(file('breast.json'), JSON.stringify(loadBreastRows()));
  for (const name of ['lung', 'all_censored']) {
    writeFileSync(file(`${name}.json`), JSON.stringify(coxReference.datasets[name]));
  }
  writeFileSync(file('object.json'), JSON.stringify({ rows: [] }));
  writeFileSync(file('broken.json'), '[{"time": 1,');
  writeFileSync(
    file('bad-time.json'),
    JSON.stringify([
      { time: 3, status: 1, age: 60 },
      { time: 'three', status: 0, age: 61 },
    ]),
  );
  writeFileSync(
    file('bad-event.json'),
    JSON.stringify([
      { time: 3, status: 1, age: 60 },
      { time: 4, status: 0, age: 61 },
      { time: 5, status: 2, age: 62 },
    ]),
  );
});

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const caseById = (id: string) => coxReference.cases.find((kase: Json) => kase.id === id);

/** The cox command in this process (each child process costs seconds on a loaded machine). */
const runInProcess = (values: Record<string, string>) => runCommandInProcess(coxCommand, values);

/** The JSON fit against the breast pool's R fit. */
function expectBreastFit(fit: Json, expected: Json) {
  expect(Object.keys(fit).slice(0, 7)).toEqual(['n', 'events', 'terms', 'loglik', 'wald', 'score', 'lr']);
  expect([fit.n, fit.events]).toEqual([expected.n, expected.events]);
  expected.terms.forEach((term: Json, j: number) => {
    const printed = fit.terms[j];
    expect(Object.keys(printed).slice(0, 8)).toEqual([
      'term',
      'coef',
      'hr',
      'se',
      'z',
      'p',
      'lower',
      'upper',
    ]);
    expect(printed.term).toBe(term.term);
    for (const [key, reference] of [
      ['coef', 'coef'],
      ['hr', 'hr'],
      ['se', 'se'],
      ['z', 'z'],
      ['p', 'p'],
      ['lower', 'hr_lower95'],
      ['upper', 'hr_upper95'],
    ] as const) {
      expectRClose(printed[key], term[reference], `${term.term}.${key}`, 1e-6);
    }
  });
  expect(Math.abs(fit.loglik[0] - expected.loglik[0])).toBeLessThanOrEqual(1e-8);
  expect(Math.abs(fit.loglik[1] - expected.loglik[1])).toBeLessThanOrEqual(1e-8);
  expectRClose(fit.score, expected.logrank_score, 'score', 1e-6);
  expectRClose(fit.lr, expected.lr_test, 'lr', 1e-6);
  // R's file holds summary()'s Wald statistic, rounded to 2 decimals.
  expect(Math.abs(fit.wald - expected.wald)).toBeLessThanOrEqual(0.005);
}

const lungArgs = () => ['--input', file('lung.json'), '--time', 'time', '--event', 'status'];

const breastArgs = (covariates: string) => [
  '--input',
  file('breast.json'),
  '--time',
  'rfs_months',
  '--event',
  'rfs_event',
  '--covariates',
  covariates,
  '--strata',
  'study_id',
  '--format',
  'json',
];

/** `['--a', 'x', '--b', 'y']` -> `{ a: 'x', b: 'y' }`, as parseArgs gives them to the command. */
function optionValues(args: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) values[args[i]!.slice(2)] = args[i + 1]!;
  return values;
}

describe('living-review cox (the binary)', () => {
  it('shows its options with --help', async () => {
    const help = await runLivingReview(['cox', '--help']);

    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'usage: living-review cox --input FILE.json --time COL --event COL [--covariates a,b,...] [--strata COL] [--ties efron|breslow] [--format json]',
    );
  });

  it("prints R's multivariable fit of the breast IPD pool as JSON (strata = study_id)", async () => {
    const expected = breastExpected.cox.find((fit: Json) => fit.id === 'rfs_multivariable_strata_study');

    const result = await runLivingReview([
      'cox',
      ...breastArgs('hormone_therapy,age_years,positive_nodes,tumour_size'),
    ]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expectBreastFit(JSON.parse(result.stdout), expected);
  });

  it("prints R's print/summary layout by default, and R's warnings on stderr", async () => {
    const kase = caseById('lung_age_sex_ecog');

    const result = await runLivingReview(['cox', ...lungArgs(), '--covariates', 'age,sex,ph.ecog']);

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('coxph: Surv(time, status) ~ age + sex + ph.ecog, ties = efron');
    expect(lines).toContain('  n= 227, number of events= 164');
    expect(lines).toContain('     (1 observation deleted due to missingness)');
    expect(lines.find((line) => line.startsWith('sex '))?.split(/ +/)).toEqual([
      'sex',
      '-0.5526',
      '0.5754',
      '0.1677',
      '-3.294',
      '0.0009861',
    ]);
    expect(lines.find((line) => line.startsWith('ph.ecog') && line.includes('0.6289'))?.split(/ +/)).toEqual([
      'ph.ecog',
      '1.59',
      '0.6289',
      '1.273',
      '1.986',
    ]);
    expect(lines).toContain('Likelihood ratio test= 30.5  on 3 df,   p=1.083e-6');
    expect(lines).toContain('Wald test            = 29.93  on 3 df,   p=1.428e-6');
    expect(lines).toContain('Score (logrank) test = 30.5  on 3 df,   p=1.083e-6');
    expect(kase.expected.printed).toContain('Likelihood ratio test=30.5  on 3 df, p=1.083e-06');
    expect(result.stderr).toBe(
      'warning: 1 row left out for a missing value (R: "1 observation deleted due to missingness"); missing per column: ph.ecog 1\n',
    );
  });

  it('refuses bad input in one line naming the file, row and column (exit 1)', async () => {
    const result = await runLivingReview([
      'cox',
      '--input',
      file('bad-event.json'),
      '--time',
      'time',
      '--event',
      'status',
      '--covariates',
      'age',
    ]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `living-review cox: ${file('bad-event.json')}: rows[2].status: the event must be 0 (censored) or 1 (event), null if missing, not 2\n`,
    );
  });

  it('refuses a bad option with a usage line (exit 2)', async () => {
    const result = await runLivingReview(['cox', ...lungArgs(), '--ties', 'exact']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `living-review cox: --ties must be efron or breslow, not "exact"\nusage: living-review ${coxCommand.usage}\n`,
    );
  });
});

describe('living-review cox (the command in this process)', () => {
  it("prints R's univariable fit of the breast IPD pool as JSON", async () => {
    const expected = breastExpected.cox.find((fit: Json) => fit.id === 'rfs_hormone_strata_study');

    const result = await runInProcess(optionValues(breastArgs('hormone_therapy')));

    expect(result.stderr).toBe('');
    expectBreastFit(JSON.parse(result.stdout), expected);
  });

  it('says when a coefficient may be infinite and prints its upper limit as "Inf"', async () => {
    const kase = caseById('lung_separation');

    const result = await runInProcess({
      input: file('lung.json'),
      time: 'time',
      event: 'status',
      covariates: 'age,early',
      format: 'json',
    });

    const fit = JSON.parse(result.stdout);
    expect(fit.terms[1].upper).toBe('Inf');
    expect(kase.expected.terms[1].upper).toBe('Inf');
    expectRClose(fit.terms[1].coef, kase.expected.terms[1].coef, 'early.coef', 1e-6);
    expect(fit.warnings.map((warning: Json) => warning.code)).toEqual(['infinite-coefficient']);
    expect(result.stderr).toContain(
      'warning: early: the log-likelihood converged before the coefficient did, which may be infinite (R: "Loglik converged before variable 2; coefficient may be infinite")',
    );
  });

  it('with no events, prints NA terms and says why', async () => {
    const result = await runInProcess({
      input: file('all_censored.json'),
      time: 'time',
      event: 'status',
      covariates: 'x',
    });

    expect(
      result.stdout
        .split('\n')
        .find((line) => line.startsWith('x '))
        ?.split(/ +/),
    ).toEqual(['x', 'NA', 'NA', '0', 'NA', 'NA']);
    expect(result.stderr).toBe(
      'warning: no events in the rows used: nothing can be estimated (R gives NA)\n',
    );
  });

  it('without covariates prints the null model', async () => {
    const result = await runInProcess({ input: file('lung.json'), time: 'time', event: 'status' });

    expect(result.stdout).toContain('coxph: Surv(time, status) ~ 1, ties = efron');
    expect(result.stdout).toContain(
      `Null model\n  log likelihood= ${caseById('lung_only_constant').expected.loglik[0]}`,
    );
  });

  it.each([
    [
      'a missing column',
      { input: 'lung.json', time: 'time', event: 'status', covariates: 'age,weight' },
      'lung.json: column "weight" is in no row (rows[0] has time, status, inst, age, sex, ph.ecog, ph.karno, pat.karno, meal.cal, wt.loss, sex_label, early, one, c01, status_c33)',
    ],
    [
      'a time that is not a number',
      { input: 'bad-time.json', time: 'time', event: 'status', covariates: 'age' },
      'bad-time.json: rows[1].time: the time must be a finite number (null if missing), not "three"',
    ],
    [
      'a file that is not a JSON array',
      { input: 'object.json', time: 'time', event: 'status' },
      'object.json: expected a JSON array of rows, got an object',
    ],
    [
      'a file that is not JSON',
      { input: 'broken.json', time: 'time', event: 'status' },
      'broken.json: not JSON (',
    ],
    [
      'a file that does not exist',
      { input: 'none.json', time: 'time', event: 'status' },
      'none.json: cannot read (',
    ],
  ])('refuses %s, naming the place', async (_, values, message) => {
    const run = runInProcess({ ...values, input: file(values.input) });

    await expect(run).rejects.toThrow(`${directory}/${message}`);
  });

  it('refuses a missing --time and an unknown --format as usage errors', async () => {
    await expect(runInProcess({ input: file('lung.json'), event: 'status' })).rejects.toThrow(
      '--time is required',
    );
    await expect(
      runInProcess({ input: file('lung.json'), time: 'time', event: 'status', format: 'csv' }),
    ).rejects.toThrow('--format must be json (or text), not "csv"');
  });
});
