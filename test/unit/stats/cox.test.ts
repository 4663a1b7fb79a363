// fitCox against R's coxph (survival 3.5-3): every case of test/fixtures/reference/cox/cox-reference.json and
// the two Cox fits of the breast-cancer IPD pool (second-review/breast-ipd-expected.json). Tolerances are
// issue #14's: coef, se and HR to 1e-6 relative; p-values and CIs to 1e-6 (here relative, which is
// stricter); log-likelihoods to 1e-8 absolute; the three tests to 1e-6 relative.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CoxFit, fitCox } from '../../../shared/domain/stats/cox.ts';
import { breastExpected, caseRows, coxReference, loadBreastRows } from './cox-reference.ts';
import { expectRClose, type Json } from './reference.ts';

const RELATIVE = 1e-6;
const LOGLIK_ABSOLUTE = 1e-8;

function expectLoglik(fit: CoxFit, expected: readonly number[]) {
  expect(
    Math.abs(fit.loglik[0] - expected[0]!),
    `null loglik ${fit.loglik[0]} vs R ${expected[0]}`,
  ).toBeLessThanOrEqual(LOGLIK_ABSOLUTE);
  expect(
    Math.abs(fit.loglik[1] - expected[1]!),
    `loglik ${fit.loglik[1]} vs R ${expected[1]}`,
  ).toBeLessThanOrEqual(LOGLIK_ABSOLUTE);
}

describe('Function: fitCox against R coxph (cox-reference.json)', () => {
  for (const kase of coxReference.cases as Json[]) {
    it(`${kase.id}: ${kase.description}`, () => {
      // Prepare
      const expected = kase.expected;

      // Act
      const fit = fitCox(caseRows(kase), {
        time: kase.time,
        event: kase.event,
        covariates: kase.covariates,
        strata: kase.strata,
        ties: kase.ties,
        control: { iterMax: kase.iter_max },
      });

      // Assess: the counts, every term, the likelihoods, the tests and the variance matrix.
      expect(fit.n).toBe(expected.n);
      expect(fit.events).toBe(expected.events);
      expect(fit.notUsed.rows).toBe(expected.nas);
      expect(fit.iterations).toBe(expected.iter);
      expect(fit.df).toBe(expected.df);
      expect(fit.terms.map((term) => term.term)).toEqual(expected.terms.map((term: Json) => term.term));
      expected.terms.forEach((term: Json, j: number) => {
        for (const key of ['coef', 'hr', 'se', 'z', 'p', 'lower', 'upper'] as const) {
          expectRClose(fit.terms[j]![key], term[key], `${term.term}.${key}`, RELATIVE);
        }
      });
      expectLoglik(fit, expected.loglik);
      expectRClose(fit.wald, expected.wald, 'wald', RELATIVE);
      expectRClose(fit.score, expected.score, 'score', RELATIVE);
      expectRClose(fit.lr, expected.lr, 'lr', RELATIVE);
      expectRClose(fit.tests.wald?.p ?? null, expected.wald_p, 'wald p', RELATIVE);
      expectRClose(fit.tests.score?.p ?? null, expected.score_p, 'score p', RELATIVE);
      expectRClose(fit.tests.lr?.p ?? null, expected.lr_p, 'lr p', RELATIVE);
      expected.var.forEach((row: number[], i: number) => {
        row.forEach((value, j) => {
          expectRClose(fit.variance[i]![j], value, `var[${i}][${j}]`, RELATIVE);
        });
      });

      // Assess: what R warned about, the tool says, naming the term.
      const codes = fit.warnings.map((warning) => warning.code);
      const converged = expected.warnings.find((text: string) =>
        text.startsWith('Loglik converged before variable'),
      );
      if (converged !== undefined) {
        const variables = converged
          .match(/variable +([\d,]+)/)![1]
          .split(',')
          .map(Number);
        const warning = fit.warnings.find((w) => w.code === 'infinite-coefficient');
        expect(warning?.terms).toEqual(variables.map((v: number) => expected.terms[v - 1].term));
      }
      expect(codes.includes('not-converged')).toBe(
        expected.warnings.includes('Ran out of iterations and did not converge'),
      );
      expect(codes.includes('infinite-coefficient')).toBe(
        converged !== undefined || expected.warnings.includes('one or more coefficients may be infinite'),
      );
      expect(fit.converged).toBe(!codes.includes('not-converged') && expected.events > 0);
      const naTerms = expected.terms
        .filter((term: Json) => term.coef === null)
        .map((term: Json) => term.term);
      if (expected.events > 0) {
        expect(fit.warnings.find((w) => w.code === 'not-estimable')?.terms ?? []).toEqual(naTerms);
      } else {
        expect(codes).toContain('no-events');
      }
      if (expected.nas > 0) {
        const warning = fit.warnings.find((w) => w.code === 'rows-left-out');
        expect(warning?.message).toContain(
          `${expected.nas} observation${expected.nas === 1 ? '' : 's'} deleted due to missingness`,
        );
      }
    });
  }
});

describe('Function: fitCox on the breast-cancer IPD pool (breast-ipd-expected.json, cox)', () => {
  const MODELS: Record<string, { covariates: string[] }> = {
    rfs_hormone_strata_study: { covariates: ['hormone_therapy'] },
    rfs_multivariable_strata_study: {
      covariates: ['hormone_therapy', 'age_years', 'positive_nodes', 'tumour_size'],
    },
  };

  it('holds the two fits this test knows (the reference file was not changed)', () => {
    expect(breastExpected.cox.map((fit: Json) => fit.id)).toEqual(Object.keys(MODELS));
  });

  for (const expected of breastExpected.cox as Json[]) {
    it(`${expected.id}: ${expected.r_call}`, () => {
      // Prepare
      const model = MODELS[expected.id]!;

      // Act
      const fit = fitCox(loadBreastRows(), {
        time: 'rfs_months',
        event: 'rfs_event',
        covariates: model.covariates,
        strata: 'study_id',
      });

      // Assess
      expect(fit.n).toBe(expected.n);
      expect(fit.events).toBe(expected.events);
      expect(fit.ties).toBe('efron');
      expect(fit.strata?.levels.map((stratum) => stratum.label)).toEqual(['gbsg', 'rotterdam']);
      expect(fit.terms.map((term) => term.term)).toEqual(expected.terms.map((term: Json) => term.term));
      expected.terms.forEach((term: Json, j: number) => {
        const actual = fit.terms[j]!;
        expectRClose(actual.coef, term.coef, `${term.term}.coef`, RELATIVE);
        expectRClose(actual.hr, term.hr, `${term.term}.hr`, RELATIVE);
        expectRClose(actual.se, term.se, `${term.term}.se`, RELATIVE);
        expectRClose(actual.z, term.z, `${term.term}.z`, RELATIVE);
        expectRClose(actual.p, term.p, `${term.term}.p`, RELATIVE);
        expectRClose(actual.lower, term.hr_lower95, `${term.term}.lower`, RELATIVE);
        expectRClose(actual.upper, term.hr_upper95, `${term.term}.upper`, RELATIVE);
      });
      expectLoglik(fit, expected.loglik);
      expectRClose(fit.score, expected.logrank_score, 'score', RELATIVE);
      expectRClose(fit.lr, expected.lr_test, 'lr', RELATIVE);
      // The file's Wald statistic is summary()'s, which R rounds to 2 decimals (1.75, 664.49): ours is
      // unrounded, so it must round to the same value (within half a unit of the second decimal).
      expect(
        Math.abs(fit.wald! - expected.wald),
        `wald ${fit.wald} vs R's rounded ${expected.wald}`,
      ).toBeLessThanOrEqual(0.005);
      expect(fit.df).toBe(expected.terms.length);
      expect(fit.warnings).toEqual([]);
    });
  }

  it('takes R reference levels and names: hormone_therapy "no", tumour_size "20to50"', () => {
    const fit = fitCox(loadBreastRows(), {
      time: 'rfs_months',
      event: 'rfs_event',
      covariates: ['hormone_therapy', 'tumour_size'],
      strata: 'study_id',
    });

    expect(fit.factors).toEqual([
      { covariate: 'hormone_therapy', reference: 'no', levels: ['no', 'yes'] },
      { covariate: 'tumour_size', reference: '20to50', levels: ['20to50', 'gt50', 'le20'] },
    ]);
  });
});

describe('Reference fixture: test/fixtures/reference/cox', () => {
  it('README.md carries the R script verbatim and the JSON file checksum', () => {
    const directory = fileURLToPath(new URL('../../fixtures/reference/cox/', import.meta.url));
    const readme = readFileSync(`${directory}README.md`, 'utf8');
    const script = readFileSync(`${directory}make-cox-reference.R`, 'utf8');
    const json = readFileSync(`${directory}cox-reference.json`);

    expect(readme).toContain(`\`\`\`r\n${script}\`\`\``);
    expect(readme).toContain(`${createHash('sha256').update(json).digest('hex')}  cox-reference.json`);
    expect(coxReference.versions).toEqual({
      R: 'R version 4.2.2 Patched (2022-11-10 r83330)',
      survival: '3.5.3',
      LC_COLLATE: 'C',
    });
  });
});
