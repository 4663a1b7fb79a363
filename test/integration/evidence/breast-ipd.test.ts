// The second review, as a new team would run it: `protocols/breast-ipd.yaml` and nothing else written for it.
// The real binary imports the pack's CSV as it is (`extract import --create-studies`) into a fresh data
// directory, and `stats --format json` must give every number of breast-ipd-expected.json (computed by R):
// descriptive statistics to 1e-9 relative, level counts and percentages, Kaplan-Meier medians and CIs exactly as
// print(survfit) gives them, log-rank tests to 1e-9, and the denominators where a study does not report a
// variable (gbsg: chemotherapy and overall survival).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { REFERENCE_DIRECTORY } from '../../unit/extraction/reference-fixtures.ts';

const PACK = join(REFERENCE_DIRECTORY, 'second-review');
const CSV = join(PACK, 'breast-ipd-patients.csv');

interface ExpectedCurve {
  strata: string | null;
  n: number;
  events: number;
  log: { median_print: { median: number | null; lcl: number | null; ucl: number | null } };
}

interface Expected {
  patients: number;
  studies: { study: string; patients: number }[];
  continuous: Record<
    string,
    {
      reported: number;
      not_reported: number;
      median: number;
      min: number;
      max: number;
      q1_type7: number;
      q3_type7: number;
    }
  >;
  categorical: Record<
    string,
    {
      reported: number;
      not_reported: number;
      levels: { level: string; count: number; percent_exact: number; percent_1dp: number }[];
    }
  >;
  km: { id: string; n: number; curves: ExpectedCurve[] }[];
  logrank: {
    id: string;
    groups: string[];
    n_per_group: number[];
    chisq: number;
    df: number;
    p_value: number;
  }[];
}

const expected = JSON.parse(readFileSync(join(PACK, 'breast-ipd-expected.json'), 'utf8')) as Expected;

/** Equal to 1e-9 relative (exactly for zero). */
function close(actual: number, wanted: number, what: string) {
  if (wanted === 0) expect(actual, what).toBe(0);
  else
    expect(Math.abs(actual - wanted) / Math.abs(wanted), `${what}: ${actual} vs ${wanted}`).toBeLessThan(
      1e-9,
    );
}

let dataDir: string;
// biome-ignore lint/suspicious/noExplicitAny: the JSON contract read back, checked field by field below
let stats: any;

beforeAll(async () => {
  dataDir = makeTempDataDir('breast-ipd');
  const refused = await runLivingReview([
    'extract',
    'import',
    CSV,
    '--review',
    'breast-ipd',
    '--data',
    dataDir,
  ]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('"rotterdam" is not an included study (2982 rows, first row 1)');
  expect(refused.stderr).toContain('import with --create-studies');

  const imported = await runLivingReview([
    'extract',
    'import',
    CSV,
    '--review',
    'breast-ipd',
    '--data',
    dataDir,
    '--create-studies',
    '--by',
    'km',
  ]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.stderr).toContain('included 2 new studies: rotterdam, gbsg');
  expect(imported.stdout).toContain('3668 patient rows: 3668 added');
  const printed = await runLivingReview([
    'stats',
    '--review',
    'breast-ipd',
    '--data',
    dataDir,
    '--format',
    'json',
  ]);
  expect(printed.code, printed.stderr).toBe(0);
  stats = JSON.parse(printed.stdout);
}, 300_000);

afterAll(async () => {
  if (dataDir) await removeDataDir(dataDir);
});

describe('breast-ipd from its protocol alone: stats --format json against R', () => {
  it('pools 3,668 patients from the two studies the rows name', () => {
    expect(stats.patients).toBe(expected.patients);
    expect([...stats.studies].sort((a, b) => a.study.localeCompare(b.study))).toEqual(
      [...expected.studies].sort((a, b) => a.study.localeCompare(b.study)),
    );
  });

  it('gives every continuous variable: reported, not reported, median, range and quartiles', () => {
    for (const [name, wanted] of Object.entries(expected.continuous)) {
      const got = stats.continuous[name];
      expect(got, name).toBeDefined();
      expect({ reported: got.reported, notReported: got.notReported }, name).toEqual({
        reported: wanted.reported,
        notReported: wanted.not_reported,
      });
      close(got.median, wanted.median, `${name} median`);
      close(got.min, wanted.min, `${name} min`);
      close(got.max, wanted.max, `${name} max`);
      close(got.q1, wanted.q1_type7, `${name} q1`);
      close(got.q3, wanted.q3_type7, `${name} q3`);
    }
    // Overall survival time: reported by one study only.
    expect(stats.continuous.os_months).toMatchObject({ reported: 2982, notReported: 686 });
  });

  it('gives every categorical variable: counts and percentages over the patients that report it', () => {
    for (const [name, wanted] of Object.entries(expected.categorical)) {
      const got = stats.categorical[name];
      expect({ reported: got.reported, notReported: got.notReported }, name).toEqual({
        reported: wanted.reported,
        notReported: wanted.not_reported,
      });
      for (const level of wanted.levels) {
        const found = got.levels.find((l: { level: string }) => l.level === level.level);
        expect(found?.count, `${name} = ${level.level}`).toBe(level.count);
        close(found.percent, level.percent_exact, `${name} = ${level.level} percent`);
        expect(Number(found.percentText), `${name} = ${level.level}`).toBe(level.percent_1dp);
      }
    }
    expect(stats.categorical.chemotherapy).toMatchObject({ reported: 2982, notReported: 686 });
  });

  it('gives every Kaplan-Meier curve: n, events, median and 95% log CI exactly as R prints them', () => {
    for (const fit of expected.km) {
      const got = stats.km[fit.id] as {
        group: string | null;
        n: number;
        events: number;
        median: number | null;
        lower: number | null;
        upper: number | null;
      }[];
      expect(got, fit.id).toBeDefined();
      expect(got.map((g) => g.group).sort(), fit.id).toEqual(fit.curves.map((c) => c.strata).sort());
      for (const curve of fit.curves) {
        const group = got.find((g) => g.group === curve.strata)!;
        expect(group, `${fit.id} ${curve.strata}`).toEqual({
          group: curve.strata,
          n: curve.n,
          events: curve.events,
          median: curve.log.median_print.median,
          lower: curve.log.median_print.lcl,
          upper: curve.log.median_print.ucl,
        });
      }
    }
    // Overall survival: the 686 gbsg patients have no OS and are left out, and the output says so.
    expect(stats.survival.curves.os_overall).toMatchObject({ used: 2982, notReported: 686 });
    expect(stats.survival.curves.rfs_overall).toMatchObject({ used: 3668, notReported: 0 });
  });

  it('gives every log-rank test: chi-square, df and p', () => {
    for (const test of expected.logrank) {
      const got = stats.logrank[test.id];
      expect(got.df, test.id).toBe(test.df);
      close(got.chisq, test.chisq, `${test.id} chisq`);
      close(got.p, test.p_value, `${test.id} p`);
      expect(got.n, test.id).toBe(test.n_per_group.reduce((a, b) => a + b, 0));
      expect(got.notReported, test.id).toBe(0);
    }
  });
});

describe('breast-ipd: imports as a user makes them', () => {
  it('re-imports the same file as unchanged, writing no new statistics version', async () => {
    const again = await runLivingReview([
      'extract',
      'import',
      CSV,
      '--review',
      'breast-ipd',
      '--data',
      dataDir,
      '--create-studies',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      '0 added, 0 updated, 0 moved to another study, 3668 unchanged; statistics unchanged (version 1)',
    );
  });

  it('refuses a bad row naming file, line, column and what is allowed, and writes nothing', async () => {
    const lines = readFileSync(CSV, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const bad = lines.slice(0, 4);
    const cells = bad[2]!.split(',');
    cells[header.indexOf('"tumour_size"')] = '"huge"';
    cells[header.indexOf('"age_years"')] = '150';
    bad[2] = cells.join(',');
    bad[3] = `${bad[3]},"extra"`;
    const file = join(dataDir, 'bad.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, `${bad.join('\n')}\n`);
    const refused = await runLivingReview([
      'extract',
      'import',
      file,
      '--review',
      'breast-ipd',
      '--data',
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${file} line 3 (row 2), column tumour_size: expected one of le20, 20to50, gt50, found "huge"`,
    );
    expect(refused.stderr).toContain(
      `${file} line 3 (row 2), column age_years: expected a whole number of years ≤ 100, found "150"`,
    );
    expect(refused.stderr).toContain(`${file} line 4 (row 3): expected 15 cells as in the header, found 16`);
    expect(refused.stderr).toContain('no patient rows were imported');
    const after = await runLivingReview([
      'stats',
      '--review',
      'breast-ipd',
      '--data',
      dataDir,
      '--format',
      'json',
    ]);
    expect(JSON.parse(after.stdout).version).toBe(1);
  });
});
