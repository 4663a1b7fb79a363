// Every KM case of the reference files, both conf types, every table column, bands, print medians,
// quantile(fit) and restricted means against R's survival 3.5-3 (test/fixtures/reference/PROVENANCE.md).
import { describe, expect, it } from 'vitest';
import { kaplanMeier } from '../../../shared/domain/stats/kaplan-meier.ts';
import { kaplanMeierByGroup } from '../../../shared/domain/stats/kaplan-meier-by-group.ts';
import type { ConfType, KaplanMeierCurve } from '../../../shared/domain/stats/survival-curve.ts';
import { expectRClose, expectRCloseArray, type Json, loadReference } from './reference.ts';

const CONF_TYPES: readonly (readonly [ConfType, 'log' | 'log_log'])[] = [
  ['log', 'log'],
  ['log-log', 'log_log'],
];
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
] as const;

/** Compares one fitted curve with R's: tables and bands to 1e-9 relative, medians and quantiles exactly. */
function expectCurve(fit: KaplanMeierCurve, curve: Json, key: 'log' | 'log_log') {
  const where = `strata ${curve.strata}`;
  expect(fit.strata).toBe(curve.strata);
  expect(fit.n).toBe(curve.n);
  expect(fit.events).toBe(curve.events);
  expect(Object.keys(curve.table).sort()).toEqual([...TABLE_COLUMNS].sort());
  for (const column of TABLE_COLUMNS) {
    expectRCloseArray(fit.table[column], curve.table[column], `${where} table.${column}`);
  }
  expectRCloseArray(fit.lower, curve[key].lower, `${where} lower`);
  expectRCloseArray(fit.upper, curve[key].upper, `${where} upper`);
  expect(fit.median_print).toStrictEqual(curve[key].median_print);
  expect(fit.quantile_25).toStrictEqual(curve[key].quantile_25);
  expect(fit.quantile_50).toStrictEqual(curve[key].quantile_50);
  expect(fit.quantile_75).toStrictEqual(curve[key].quantile_75);
  for (const rmean of ['rmean_common', 'rmean_individual'] as const) {
    for (const field of ['end_time', 'rmean', 'se_rmean'] as const) {
      expectRClose(fit[rmean][field], curve[rmean][field], `${where} ${rmean}.${field}`);
    }
  }
}

describe('Function: kaplanMeier / kaplanMeierByGroup against R survfit', () => {
  for (const file of ['ref-km-datasets.json', 'ref-km-edge-cases.json', 'iesm-km-reference.json']) {
    const reference = loadReference(file);
    const cases: Json[] = reference.cases ?? reference.km;
    describe(file, () => {
      for (const kase of cases) {
        for (const [confType, key] of CONF_TYPES) {
          it(`${kase.id}, conf.type = "${confType}"`, () => {
            // Prepare: the synthetic cohort's factors have explicit level orders in make_cohort.R (e.g.
            // complete, partial, biopsy), which the rows cannot carry: they are passed as input. The other
            // files use R's default factor order, which kaplanMeierByGroup must find itself.
            const levels = file.startsWith('iesm')
              ? kase.curves.map((curve: Json) => curve.strata)
              : undefined;

            // Act
            const fits =
              kase.group_variable === null
                ? [kaplanMeier(kase.input, { confType })]
                : kaplanMeierByGroup(kase.input, { confType, levels });

            // Assess
            expect(fits.map((fit) => fit.strata)).toEqual(kase.curves.map((curve: Json) => curve.strata));
            kase.curves.forEach((curve: Json, j: number) => {
              expectCurve(fits[j]!, curve, key);
            });
          });
        }
      }
    });
  }

  it('gives the renal subgroup the exact double R prints as 5.55: (5.4 + 5.7) / 2', () => {
    const kase = loadReference('iesm-km-reference.json').km.find((k: Json) => k.id === 'os_by_primary');
    const renal = kase.curves.find((curve: Json) => curve.strata === 'renal');
    const levels = kase.curves.map((curve: Json) => curve.strata);

    const fit = kaplanMeierByGroup(kase.input, { levels }).find((curve) => curve.strata === 'renal')!;

    expect(fit.median_print.median).toBe(renal.log.median_print.median);
    expect(fit.median_print.median).not.toBe(5.55);
  });

  it('keeps print and quantile medians apart where R does (S = 0.5 until the last time)', () => {
    const kase = loadReference('ref-km-edge-cases.json').cases.find((k: Json) => k.id === 'half_flat_to_end');
    const fit = kaplanMeier(kase.input);

    expect(fit.median_print.median).toBe(kase.curves[0].log.median_print.median);
    expect(fit.quantile_50.quantile).toBe(kase.curves[0].log.quantile_50.quantile);
    expect(fit.median_print.median).not.toBe(fit.quantile_50.quantile);
  });

  it('gives the reverse-KM median follow-up of the synthetic cohort (censoring as the event)', () => {
    const reference = loadReference('iesm-km-reference.json');
    const os = reference.km.find((k: Json) => k.id === 'os_overall');
    const reversed = os.input.map((row: Json) => ({ time: row.time, event: 1 - row.event }));

    const { median, lcl, ucl } = reference.reverse_km_follow_up;

    expect(kaplanMeier(reversed).median_print).toStrictEqual({ median, lcl, ucl });
  });

  it('applies the time fix by default and not with timefix: false (timefix_demo)', () => {
    const demo = loadReference('ref-km-edge-cases.json').timefix_demo;
    const observations = demo.input_time.map((time: number, i: number) => ({
      time,
      event: demo.input_event[i],
    }));

    for (const [fix, expected] of [
      [true, demo.timefix_true],
      [false, demo.timefix_false],
    ] as const) {
      const fit = kaplanMeier(observations, { timefix: fix });
      expect(fit.table.time).toEqual(expected.time);
      expect(fit.table.n_risk).toEqual(expected.n_risk);
      expect(fit.table.n_event).toEqual(expected.n_event);
      expectRCloseArray(fit.table.surv, expected.surv, `timefix ${fix} surv`);
    }
  });

  it('fixes times over all groups together before splitting them, as survfit', () => {
    const demo = loadReference('ref-km-edge-cases.json').timefix_demo;
    // 0.1 + 0.2 in one group, 0.3 in the other: tied only if the fix sees both groups.
    const observations = demo.input_time.map((time: number, i: number) => ({
      time,
      event: demo.input_event[i],
      group: i === 0 ? 'a' : 'b',
    }));

    const [a, b] = kaplanMeierByGroup(observations);

    expect(a!.table.time).toEqual([b!.table.time[0]]);
    expect(b!.table.time).toEqual(demo.timefix_true.time);
  });

  it('orders numeric groups numerically and string groups as sorted labels, dropping none', () => {
    const rows = [
      { time: 1, event: 1 as const, group: 10 },
      { time: 2, event: 0 as const, group: 9 },
      { time: 3, event: 1 as const, group: 10 },
    ];
    expect(kaplanMeierByGroup(rows).map((curve) => curve.strata)).toEqual(['9', '10']);
    expect(
      kaplanMeierByGroup(rows.map((row) => ({ ...row, group: String(row.group) }))).map(
        (curve) => curve.strata,
      ),
    ).toEqual(['10', '9']);
  });

  it('rejects empty input and bad events naming the observation', () => {
    expect(() => kaplanMeier([])).toThrow('kaplanMeier requires at least one observation');
    expect(() => kaplanMeierByGroup([])).toThrow('kaplanMeierByGroup requires at least one observation');
    expect(() =>
      kaplanMeier([
        { time: 1, event: 1 },
        { time: 2, event: 2 as 1 },
      ]),
    ).toThrow('kaplanMeier requires events of 0 or 1: observations[1].event is 2');
    expect(() => kaplanMeier([{ time: Number.NaN, event: 1 }])).toThrow(
      'kaplanMeier requires finite times: observations[0].time is NaN',
    );
    expect(() => kaplanMeier([{ time: 1, event: 1 }], { confLevel: 1 })).toThrow(/confLevel between 0 and 1/);
    expect(() => kaplanMeierByGroup([{ time: 1, event: 1, group: 'x' }], { levels: ['a', 'b'] })).toThrow(
      'factorLevels requires every group in levels: "x" is not',
    );
  });
});
