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
  cox: {
    id: string;
    n: number;
    events: number;
    terms: {
      term: string;
      coef: number;
      hr: number;
      se: number;
      z: number;
      p: number;
      hr_lower95: number;
      hr_upper95: number;
    }[];
    loglik: [number, number];
    /** As summary(coxph) prints it: rounded to 2 decimals. */
    wald: number;
    logrank_score: number;
    lr_test: number;
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

describe("breast-ipd: the protocol's Cox models in stats --format json, against R (issue #14)", () => {
  // Issue #14's tolerances: coef, se and HR to 1e-6 relative; p and CI to 1e-6 (here relative, stricter);
  // log-likelihoods to 1e-8 absolute.
  const relative = (actual: number, wanted: number, what: string) =>
    expect(Math.abs(actual - wanted) / Math.abs(wanted), `${what}: ${actual} vs R ${wanted}`).toBeLessThan(
      1e-6,
    );

  it("declares both of R's models, and nothing else", () => {
    expect(Object.keys(stats.cox).sort()).toEqual(expected.cox.map((m) => m.id).sort());
  });

  for (const wanted of expected.cox) {
    it(`${wanted.id}: n, events, every term, log-likelihoods and the three tests equal R's`, () => {
      const got = stats.cox[wanted.id];
      expect(got, wanted.id).toBeDefined();
      expect({ n: got.n, events: got.events, notUsed: got.notUsed.rows }).toEqual({
        n: wanted.n,
        events: wanted.events,
        notUsed: 3668 - wanted.n,
      });
      // The contract's term keys, in R's order and with R's names (tumour_size against "20to50").
      expect(got.terms.map((t: { term: string }) => t.term)).toEqual(wanted.terms.map((t) => t.term));
      for (const [index, term] of wanted.terms.entries()) {
        const mine = got.terms[index];
        expect(Object.keys(mine)).toEqual(['term', 'coef', 'hr', 'se', 'z', 'p', 'lower', 'upper']);
        relative(mine.coef, term.coef, `${term.term} coef`);
        relative(mine.hr, term.hr, `${term.term} hr`);
        relative(mine.se, term.se, `${term.term} se`);
        relative(mine.z, term.z, `${term.term} z`);
        relative(mine.p, term.p, `${term.term} p`);
        relative(mine.lower, term.hr_lower95, `${term.term} lower`);
        relative(mine.upper, term.hr_upper95, `${term.term} upper`);
      }
      expect(got.loglik).toHaveLength(2);
      for (const k of [0, 1]) {
        expect(Math.abs(got.loglik[k] - wanted.loglik[k]!), `loglik[${k}]`).toBeLessThan(1e-8);
      }
      expect(Number(got.wald.toFixed(2))).toBe(wanted.wald);
      relative(got.score, wanted.logrank_score, 'score test');
      relative(got.lr, wanted.lr_test, 'likelihood-ratio test');
      expect(got.df).toBe(wanted.terms.length);
      expect(got.strata).toEqual({ variable: 'studyId', count: 2, withoutEvents: 0 });
      expect(got.ties).toBe('efron');
    });
  }

  it('prints each model as a readable table in Markdown and as rows in CSV', async () => {
    const md = await runLivingReview(['stats', '--review', 'breast-ipd', '--data', dataDir]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('### Cox models');
    expect(md.stdout).toContain(
      '#### Hormone therapy, adjusted for age, nodes and tumour size (rfs_multivariable_strata_study)',
    );
    expect(md.stdout).toContain(
      '| hormone_therapyyes | 0.857 (0.752–0.975) | -0.155 | 0.0663 | -2.33 | 0.0196 |',
    );
    expect(md.stdout).toContain('Reference levels: hormone_therapy: no, tumour_size: 20to50.');
    const csv = await runLivingReview([
      'stats',
      '--review',
      'breast-ipd',
      '--data',
      dataDir,
      '--format',
      'csv',
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.split('\n');
    expect(lines[0]!.endsWith(',hr,coef,se,z')).toBe(true);
    const cox = lines.filter((line) => line.includes(',cox,'));
    expect(cox).toHaveLength(6);
    expect(
      cox.find((line) => line.includes('rfs_multivariable_strata_study') && line.includes('tumour_sizele20')),
    ).toContain('0.6712690598976');
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
