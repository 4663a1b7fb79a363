import { describe, expect, it } from 'vitest';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import {
  computeStatisticsSnapshot,
  diffSnapshots,
  type StatisticsSnapshot,
  snapshotsEqual,
} from '../../../shared/domain/stats/snapshot.ts';
import { summariseSurvival } from '../../../shared/domain/stats/survival-summary.ts';
import { buildTables, type CategoricalRow, tableRows } from '../../../shared/domain/stats/tables.ts';
import { InputError } from '../../../shared/errors.ts';
import { iesmPlan } from '../../support/protocols.ts';
import {
  loadSyntheticCohort,
  readReferenceJson,
  SYNTHETIC_STUDY_ID,
} from '../extraction/reference-fixtures.ts';

interface ExpectedKm {
  km_summary: {
    os: {
      n: number;
      events: number;
      km_median: number | null;
      km_median_95ci_log: { lcl: number | null; ucl: number | null };
      km_median_95ci_loglog: { lcl: number | null; ucl: number | null };
      reverse_km_median_follow_up: { median: number | null; lcl: number | null; ucl: number | null };
    };
    lc: { n: number; events: number; km_median: number | null };
  };
}

const expected = readReferenceJson<ExpectedKm>('iesm-expected-tables.json').km_summary;
const cohort = loadSyntheticCohort();
const plan = iesmPlan();
/** Overall survival only, with a chosen confidence interval. */
const osWith = (confType: 'log' | 'log-log', rows: readonly object[] = cohort) =>
  summariseSurvival(rows, {
    variables: plan.variables,
    survival: {
      confType,
      endpoints: plan.survival.endpoints.filter((e) => e.id === 'os'),
      comparisons: [],
      models: [],
    },
  }).curves.os!;

function snapshot(
  rows: readonly PatientRow[],
  version = 1,
  studies = [SYNTHETIC_STUDY_ID],
): StatisticsSnapshot {
  return computeStatisticsSnapshot({
    plan,
    version,
    rows,
    includedStudies: studies,
    generatedAt: `2025-01-0${version}T00:00:00.000Z`,
  });
}

/** A deterministic shuffle (a fixed linear congruential sequence), so the test never depends on luck. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  let state = 12345;
  for (let i = copy.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('Function: computeStatisticsSnapshot on the synthetic cohort', () => {
  const result = snapshot(cohort);

  it('matches the KM summary of iesm-expected-tables.json for overall survival (log CI, as R prints)', () => {
    expect(result.survival.confType).toBe('log');
    expect(result.survival.curves.os).toEqual({
      endpoint: 'os',
      by: null,
      used: expected.os.n,
      notReported: 0,
      groups: [
        {
          group: null,
          n: expected.os.n,
          events: expected.os.events,
          median: expected.os.km_median,
          lower: expected.os.km_median_95ci_log.lcl,
          upper: expected.os.km_median_95ci_log.ucl,
        },
      ],
    });
  });

  it('matches the log-log CI of the OS median', () => {
    const [loglog] = osWith('log-log').groups;
    expect({ median: loglog!.median, lcl: loglog!.lower, ucl: loglog!.upper }).toEqual({
      median: expected.os.km_median,
      ...expected.os.km_median_95ci_loglog,
    });
  });

  it('matches the reverse-KM median follow-up', () => {
    const { median, lower, upper, events } = result.survival.followUp.os!;
    const reference = expected.os.reverse_km_median_follow_up;
    expect({ median, lcl: lower, ucl: upper }).toEqual({
      median: reference.median,
      lcl: reference.lcl,
      ucl: reference.ucl,
    });
    expect(events).toBe(expected.os.n - expected.os.events);
  });

  it('matches local control: 4 events, and a median that is NA because the curve never reaches 0.5', () => {
    const [lc] = result.survival.curves.lc!.groups;
    expect({ n: lc!.n, events: lc!.events, median: lc!.median }).toEqual({
      n: expected.lc.n,
      events: expected.lc.events,
      median: expected.lc.km_median,
    });
  });

  it('holds the patients, the studies and the tables', () => {
    expect(result.patients.count).toBe(cohort.length);
    expect(result.patients.synthetic).toBe(cohort.length);
    expect(result.patients.ids).toEqual(cohort.map((row) => row.patientId).sort());
    expect(result.studies).toEqual({
      ids: [SYNTHETIC_STUDY_ID],
      count: 1,
      patients: [{ studyId: SYNTHETIC_STUDY_ID, count: cohort.length }],
      withoutPatients: [],
    });
    expect(result.tables).toEqual(buildTables('iesm', plan.tables, cohort));
    // And the cells are right, counted here from the rows with plain code rather than by the code under test:
    // every whole-cohort "n/denominator" row and every whole-cohort "median (range)" row.
    const cellValue = (row: PatientRow, variable: string) => row[variable] ?? null;
    const matches = (value: unknown, level: string) =>
      Array.isArray(value)
        ? value.includes(level)
        : typeof value === 'boolean'
          ? (value ? 'yes' : 'no') === level
          : value === level;
    let checked = 0;
    for (const row of result.tables.tables.flatMap((t) => t.sections.flatMap((s) => s.rows))) {
      if (row.kind === 'count') expect(row.count).toBe(cohort.length);
      if (row.kind === 'categorical' && row.subset === null) {
        const reported = cohort.filter((p) => cellValue(p, row.variable) !== null);
        expect([row.count, row.denominator, row.unknown], row.key).toEqual([
          reported.filter((p) => matches(cellValue(p, row.variable), row.level)).length,
          reported.length,
          cohort.length - reported.length,
        ]);
        checked++;
      }
      if (row.kind === 'continuous' && row.subset === null) {
        const values = cohort
          .map((p) => cellValue(p, row.variable))
          .filter((v): v is number => typeof v === 'number')
          .sort((a, b) => a - b);
        const middle = values.length / 2;
        const median =
          values.length % 2 === 1 ? values[Math.floor(middle)]! : (values[middle - 1]! + values[middle]!) / 2;
        expect([row.n, row.min, row.max, row.median], row.key).toEqual([
          values.length,
          values[0],
          values.at(-1),
          median,
        ]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(Object.keys(result.variables)).toEqual(plan.variables.map((v) => v.name));
  });

  it('is plain JSON: it survives JSON.stringify and JSON.parse unchanged', () => {
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('is the same for the same rows in any order', () => {
    const again = snapshot(shuffled(cohort));
    expect(JSON.stringify(again)).toBe(JSON.stringify(result));
  });
});

describe('Function: computeStatisticsSnapshot checks', () => {
  it('refuses patient rows from a study that is not included', () => {
    const rows = cohort
      .slice(0, 3)
      .map((row, index) => (index === 0 ? { ...row, studyId: 'c-retracted' } : row));
    expect(() => snapshot(rows)).toThrow(InputError);
    expect(() => snapshot(rows)).toThrow(
      'patient rows from studies that are not included: c-retracted (1 patients)',
    );
  });

  it('refuses a patient id given twice', () => {
    expect(() => snapshot([cohort[0]!, cohort[1]!, cohort[0]!])).toThrow(
      `patient id "${cohort[0]!.patientId}" appears twice`,
    );
  });

  it('lists included studies without patients, and gives NA medians for no patients', () => {
    const empty = snapshot([], 1, ['c-b', 'c-a', 'c-a']);
    expect(empty.studies).toEqual({
      ids: ['c-a', 'c-b'],
      count: 2,
      patients: [],
      withoutPatients: ['c-a', 'c-b'],
    });
    expect(empty.survival.curves.os!.groups).toEqual([
      { group: null, n: 0, events: 0, median: null, lower: null, upper: null },
    ]);
    expect(empty.survival.logrank.os_by_sex).toEqual({
      n: 0,
      notReported: 0,
      error: 'no patient reports all of time, event and group',
    });
  });

  it('leaves patients without a time or an event out of a curve and counts them', () => {
    const rows = cohort.slice(0, 20).map((row, index) => (index < 3 ? { ...row, os_months: null } : row));
    const os = osWith('log', rows);
    expect(os.groups[0]!.n).toBe(17);
    expect(os.used).toBe(17);
    expect(os.notReported).toBe(3);
  });

  it('refuses a curve over a variable the rows do not have, or a non-0/1 event', () => {
    const [row] = cohort;
    const { os_event: _dropped, ...withoutEvent } = row!;
    expect(() => osWith('log', [withoutEvent])).toThrow('summariseSurvival: row 1 has no field "os_event"');
    expect(() => osWith('log', [{ ...row, os_event: 2 }])).toThrow(TypeError);
  });
});

/** The same value with every object's keys in reverse order (as a store might hand it back). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reverseKeys(item)]),
    );
  }
  return value;
}

describe('Function: snapshotsEqual', () => {
  const first = snapshot(cohort, 1);

  it('ignores the version and the time, and the order of keys', () => {
    const recomputed = snapshot(shuffled(cohort), 2);
    expect(snapshotsEqual(first, recomputed)).toBe(true);
    const reordered = reverseKeys(first) as StatisticsSnapshot;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(first));
    expect(snapshotsEqual(first, reordered)).toBe(true);
  });

  it('sees a changed statistic, and only statistics: an edit that moves none leaves the snapshot equal', () => {
    const target = cohort.find((row) => row.patientId === 'SYN-010')!;
    const flipped = cohort.map((row) =>
      row === target ? { ...row, sex: row.sex === 'male' ? ('female' as const) : ('male' as const) } : row,
    );
    expect(snapshotsEqual(first, snapshot(flipped, 2))).toBe(false);
    // The oldest patient a year older: no median, range, count or curve moves.
    const oldest = cohort.reduce((a, b) => ((a.age_years ?? 0) >= (b.age_years ?? 0) ? a : b));
    const older = cohort.map((row) =>
      row === oldest ? { ...row, age_years: (row.age_years as number) + 1 } : row,
    );
    expect(snapshotsEqual(first, snapshot(older, 2))).toBe(false);
    // A lung primary's detail is in no table (only the "other" primaries are broken down).
    const lung = cohort.find((row) => row.primary_tumour === 'lung')!;
    const detailed = cohort.map((row) =>
      row === lung ? { ...row, primary_tumour_detail: 'lung adenocarcinoma' } : row,
    );
    expect(snapshotsEqual(first, snapshot(detailed, 2))).toBe(true);
    expect(diffSnapshots(first, snapshot(detailed, 2)).changed).toBe(false);
  });
});

describe('Function: diffSnapshots', () => {
  it('reports nothing for a recompute that changes nothing', () => {
    const diff = diffSnapshots(snapshot(cohort, 1), snapshot(shuffled(cohort), 2));
    expect(diff).toEqual({
      reviewId: 'iesm',
      fromVersion: 1,
      toVersion: 2,
      changed: false,
      patientsAdded: [],
      patientsRemoved: [],
      studiesAdded: [],
      studiesRemoved: [],
      studiesWithdrawn: [],
      proportions: [],
      medians: [],
      km: [],
      logrank: [],
      variables: [],
    });
  });

  it('reports only the two proportions a corrected radiological response moves', () => {
    const target = cohort.find((row) => row.radiological_response === 'PD')!;
    const edited = cohort.map((row) =>
      row === target ? { ...row, radiological_response: 'CR' as const } : row,
    );
    const diff = diffSnapshots(snapshot(cohort, 1), snapshot(edited, 2));
    expect(diff.changed).toBe(true);
    expect(diff.medians).toEqual([]);
    expect(diff.km).toEqual([]);
    expect(diff.proportions.map((change) => change.key)).toEqual([
      'radiological_response=CR',
      'radiological_response=PD',
    ]);
    const [cr, pd] = diff.proportions;
    expect(cr!.after!.count - cr!.before!.count).toBe(1);
    expect(pd!.after!.count - pd!.before!.count).toBe(-1);
    expect(cr!.after!.denominator).toBe(cr!.before!.denominator);
  });

  it('reports added patients and studies, every moved percentage and median, and moved KM medians', () => {
    const studyOf = (row: PatientRow) => (row.patientId < 'SYN-066' ? 'c-first' : 'c-second');
    const rows = cohort.map((row) => ({ ...row, studyId: studyOf(row) }));
    const firstHalf = rows.filter((row) => row.studyId === 'c-first');
    const previous = snapshot(firstHalf, 1, ['c-first']);
    const next = snapshot(rows, 2, ['c-first', 'c-second']);
    const diff = diffSnapshots(previous, next);

    expect(diff.patientsAdded).toEqual(
      rows.filter((row) => row.studyId === 'c-second').map((row) => row.patientId),
    );
    expect(diff.patientsRemoved).toEqual([]);
    expect(diff.studiesAdded).toEqual(['c-second']);
    expect(diff.studiesRemoved).toEqual([]);

    // Every categorical row is reported exactly when its numbers differ, with the difference in points.
    const before = new Map(
      tableRows(previous.tables).flatMap(({ row }) =>
        row.kind === 'categorical' ? [[row.key, row] as const] : [],
      ),
    );
    const moved = tableRows(next.tables).flatMap(({ row }) => {
      if (row.kind !== 'categorical') return [];
      const old = before.get(row.key) as CategoricalRow | undefined;
      const same =
        old !== undefined &&
        old.count === row.count &&
        old.denominator === row.denominator &&
        old.percent === row.percent;
      return same ? [] : [{ key: row.key, old, row }];
    });
    expect(moved.length).toBeGreaterThan(0);
    expect(diff.proportions.map((change) => change.key)).toEqual(moved.map((entry) => entry.key));
    for (const [index, { old, row }] of moved.entries()) {
      const change = diff.proportions[index]!;
      expect(change.before).toEqual(
        old ? { count: old.count, denominator: old.denominator, percent: old.percent } : null,
      );
      expect(change.after).toEqual({ count: row.count, denominator: row.denominator, percent: row.percent });
      if (old?.percent != null && row.percent !== null) {
        expect(change.percentagePoints).toBeCloseTo(row.percent - old.percent, 10);
        expect(Number.isInteger(Math.round(change.percentagePoints! * 10))).toBe(true);
      } else {
        expect(change.percentagePoints).toBeNull();
      }
    }

    const movedMedians = tableRows(next.tables).flatMap(({ row }) => {
      if (row.kind !== 'continuous') return [];
      const old = tableRows(previous.tables).find((entry) => entry.row.key === row.key)!.row;
      return old.kind === 'continuous' &&
        (old.median !== row.median || old.min !== row.min || old.max !== row.max || old.n !== row.n)
        ? [row.key]
        : [];
    });
    expect(diff.medians.map((change) => change.key)).toEqual(movedMedians);
    for (const change of diff.medians) {
      if (change.before?.median != null && change.after?.median != null) {
        expect(change.shift).toBe(change.after.median - change.before.median);
      }
    }

    // Every Kaplan-Meier summary (curve and group, follow-up too) is reported exactly when it moved.
    const summaries = (s: StatisticsSnapshot) =>
      new Map([
        ...Object.entries(s.survival.curves).flatMap(([id, set]) =>
          set.groups.map((g) => [`${id}/${g.group}`, JSON.stringify(g)] as const),
        ),
        ...Object.entries(s.survival.followUp).map(
          ([id, g]) => [`follow-up ${id}`, JSON.stringify(g)] as const,
        ),
      ]);
    const was = summaries(previous);
    const movedKm = [...summaries(next)].filter(([key, text]) => was.get(key) !== text).map(([key]) => key);
    expect(movedKm.length).toBeGreaterThan(0);
    expect(
      diff.km.map((change) =>
        change.kind === 'follow-up' ? `follow-up ${change.curve}` : `${change.curve}/${change.group}`,
      ),
    ).toEqual(movedKm);
    for (const change of diff.km) {
      if (change.before?.median != null && change.after?.median != null) {
        expect(change.shift).toBe(change.after.median - change.before.median);
      }
    }
    // Every log-rank test whose result moved.
    const movedTests = Object.keys(next.survival.logrank).filter(
      (id) => JSON.stringify(previous.survival.logrank[id]) !== JSON.stringify(next.survival.logrank[id]),
    );
    expect(diff.logrank.map((change) => change.comparison)).toEqual(movedTests);
  });

  it('reports removed patients and studies the other way round', () => {
    const rows = cohort.map((row) => ({ ...row, studyId: row.patientId < 'SYN-011' ? 'c-small' : 'c-big' }));
    const both = snapshot(rows, 1, ['c-big', 'c-small']);
    const retracted = snapshot(
      rows.filter((row) => row.studyId === 'c-big'),
      2,
      ['c-big'],
    );
    const diff = diffSnapshots(both, retracted);
    expect(diff.studiesRemoved).toEqual(['c-small']);
    expect(diff.patientsRemoved).toEqual(
      rows.filter((row) => row.studyId === 'c-small').map((row) => row.patientId),
    );
    expect(diff.patientsAdded).toEqual([]);
  });

  it('refuses to compare two reviews', () => {
    const other = { ...snapshot(cohort), reviewId: 'other' };
    expect(() => diffSnapshots(snapshot(cohort), other)).toThrow(RangeError);
  });
});
