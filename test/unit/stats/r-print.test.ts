// R's printed output of survfit and survdiff (shared/domain/stats/r-print.ts), line for line against what R
// printed for every reference case that has a `printed` field (test/fixtures/reference, PROVENANCE.md): the
// log and log-log medians, the restricted means, the log-rank tables, the chi-square lines.
import { describe, expect, it } from 'vitest';
import { kaplanMeier } from '../../../shared/domain/stats/kaplan-meier.ts';
import { kaplanMeierByGroup } from '../../../shared/domain/stats/kaplan-meier-by-group.ts';
import { logRank } from '../../../shared/domain/stats/log-rank.ts';
import {
  formatPValue,
  formatRColumn,
  printRMatrix,
  printSurvdiff,
  printSurvfit,
} from '../../../shared/domain/stats/r-print.ts';
import type { ConfType } from '../../../shared/domain/stats/survival-curve.ts';
import { type Json, loadReference } from './reference.ts';

interface KmCase {
  id: string;
  input: { time: number; event: 0 | 1; group?: string }[];
  curves: { strata: string | null }[];
  printed: { log: string[]; log_log: string[]; log_with_rmean_common: string[] };
}

const kmCases: KmCase[] = [
  ...loadReference('ref-km-datasets.json').cases,
  ...loadReference('ref-km-edge-cases.json').cases,
  ...loadReference('iesm-km-reference.json').km,
].filter((c: Json) => c.printed);

const logrankCases: Json[] = [
  ...loadReference('ref-logrank.json').cases,
  ...loadReference('iesm-km-reference.json').logrank,
].filter((c: Json) => c.printed);

function curvesOf(c: KmCase, confType: ConfType) {
  const grouped = c.curves.some((curve) => curve.strata !== null);
  if (!grouped) return [kaplanMeier(c.input, { confType })];
  const levels = c.curves.map((curve) => curve.strata!);
  return kaplanMeierByGroup(
    c.input.map((row) => ({ time: row.time, event: row.event, group: row.group! })),
    { confType, levels },
  );
}

describe('printSurvfit', () => {
  it('has reference cases to check', () => {
    expect(kmCases).toHaveLength(23);
  });
  for (const c of kmCases) {
    it(`${c.id}: print(fit) for log and log-log, and with the common restricted mean`, () => {
      expect(printSurvfit(curvesOf(c, 'log'), { variable: 'g' })).toEqual(c.printed.log);
      expect(printSurvfit(curvesOf(c, 'log-log'), { variable: 'g' })).toEqual(c.printed.log_log);
      expect(printSurvfit(curvesOf(c, 'log'), { variable: 'g', rmean: true })).toEqual(
        c.printed.log_with_rmean_common,
      );
    });
  }
});

describe('printSurvdiff', () => {
  it('has reference cases to check', () => {
    expect(logrankCases).toHaveLength(10);
  });
  for (const c of logrankCases) {
    it(`${c.id}: print(survdiff)`, () => {
      const result = logRank(c.input, { levels: c.groups });
      expect(printSurvdiff(result, { variable: 'g' })).toEqual(c.printed);
    });
  }
});

describe("R's number formatting", () => {
  it('gives a column the decimals its most precise value needs, at 3 significant digits', () => {
    expect(formatRColumn([19.834, 4.18])).toEqual(['19.83', '4.18']);
    expect(formatRColumn([310, 285, 363.4])).toEqual(['310', '285', '363']);
    expect(formatRColumn([null, 5.55, 6.7, null, 6])).toEqual(['NA', '5.55', '6.70', 'NA', '6.00']);
    expect(formatRColumn([0.9, 3.1, 0])).toEqual(['0.9', '3.1', '0.0']);
    expect(formatRColumn([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1.5])).toEqual([
      'NaN',
      'Inf',
      '-Inf',
      '-1.5',
    ]);
  });

  it('switches a column to scientific notation when that is narrower, as R does', () => {
    expect(formatRColumn([0.0001], 1)).toEqual(['1e-04']);
    expect(formatRColumn([0.001], 1)).toEqual(['0.001']);
    expect(formatRColumn([123456789, 0.000012])).toEqual(['1.23e+08', '1.20e-05']);
    expect(formatRColumn([1234567])).toEqual(['1234567']);
  });

  it('formats p-values as format.pval does under survdiff (one significant digit)', () => {
    expect(formatPValue(0.0653)).toBe('0.07');
    expect(formatPValue(0.00133)).toBe('0.001');
    expect(formatPValue(0.000123)).toBe('1e-04');
    expect(formatPValue(1e-300)).toBe('< 2e-16');
    expect(formatPValue(Number.NaN)).toBe('NA');
  });

  it('aligns row names left and columns right under their names', () => {
    expect(
      printRMatrix(
        ['a=x', 'a=longer'],
        [
          { name: 'n', values: [5, 120] },
          { name: 'value', values: [1.5, null] },
        ],
      ),
    ).toEqual(['           n value', 'a=x        5   1.5', 'a=longer 120    NA']);
  });
});
