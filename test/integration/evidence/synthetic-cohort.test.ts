// The synthetic IESM cohort (130 patients) placed in 51 included studies, exported to CSV, imported through
// importPatientRows and read back as the stored snapshot: its Tables I-III must equal
// iesm-expected-tables.json (computed by R), every categorical row and every median with its range, and its
// Kaplan-Meier summary the expected one; its comparisons (curves by group, log-rank) equal iesm-km-reference.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPatientRows } from '../../../shared/app/import-patient-rows.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import type { StatisticsSnapshot } from '../../../shared/domain/stats/snapshot.ts';
import { type CategoricalRow, type ContinuousRow, tableRows } from '../../../shared/domain/stats/tables.ts';
import { iesmProtocol, iesmSchema } from '../../support/protocols.ts';
import { readReferenceJson } from '../../unit/extraction/reference-fixtures.ts';
import {
  cohortInStudies,
  type EvidenceHarness,
  includeStudies,
  openEvidenceHarness,
  pmids,
} from './support.ts';

interface Expected {
  n: number;
  categorical: {
    variable: string;
    level: string;
    count: number;
    denominator: number;
    percent: number;
    percent_text: string;
  }[];
  continuous: { variable: string; n: number; median: number; min: number; max: number }[];
  km_summary: {
    os: {
      n: number;
      events: number;
      km_median: number | null;
      km_median_95ci_log: { lcl: number | null; ucl: number | null };
      reverse_km_median_follow_up: { median: number | null; lcl: number | null; ucl: number | null };
    };
    lc: { n: number; events: number; km_median: number | null };
  };
}

const expected = readReferenceJson<Expected>('iesm-expected-tables.json');

interface KmReference {
  km: {
    id: string;
    group_variable: string | null;
    curves: {
      strata: string;
      n: number;
      events: number;
      log: { median_print: { median: number | null; lcl: number | null; ucl: number | null } };
    }[];
  }[];
  logrank: {
    id: string;
    groups: string[];
    n_per_group: number[];
    chisq: number;
    df: number;
    p_value: number;
  }[];
}

/** R's fits of the cohort: the comparisons the IESM protocol declares use its ids. */
const kmReference = readReferenceJson<KmReference>('iesm-km-reference.json');

/**
 * The expected file names some variables in prose ("synchronous (months_primary_to_iesm == 0)"); the IESM
 * table definition shows them as this field, restricted to this subset.
 */
function tableField(name: string): string {
  if (name.startsWith('time to local recurrence')) return 'lc_months|local_recurrence=yes';
  if (name.startsWith('radiotherapy_dose_gy')) return 'radiotherapy_dose_gy|adjuvant_radiotherapy=yes';
  if (name === 'systemic_metastasis_sites') return 'systemic_metastasis_sites|systemic_metastases=yes';
  return `${name.split(' ')[0]}|`;
}

function rowField(row: CategoricalRow | ContinuousRow): string {
  return `${row.variable}|${row.subset ? `${row.subset.variable}=${row.subset.level}` : ''}`;
}

let h: EvidenceHarness;
let snapshot: StatisticsSnapshot;

beforeAll(async () => {
  h = await openEvidenceHarness('cohort');
  const studies = await includeStudies(h, 'iesm', pmids(51, 38_000_001));
  const csv = patientRowsToCsv(cohortInStudies(studies), iesmSchema());
  const summary = await importPatientRows(
    { protocol: iesmProtocol(), text: csv, format: 'csv', origin: 'iesm-synthetic-cohort.csv' },
    { evidence: h.evidence, clock: h.clock },
  );
  expect(summary).toMatchObject({ read: 130, added: 130, statistics: { changed: true, version: 1 } });
  const stored = await latestStatistics('iesm', { evidence: h.evidence });
  snapshot = stored!.snapshot;
});

afterAll(async () => {
  await h?.close();
});

describe('The synthetic cohort imported through CSV', () => {
  it('is 130 synthetic patients from 51 studies', () => {
    expect(snapshot.patients.count).toBe(expected.n);
    expect(snapshot.patients.synthetic).toBe(expected.n);
    expect(snapshot.studies.count).toBe(51);
    expect(snapshot.studies.withoutPatients).toEqual([]);
    expect(snapshot.tables.patients).toBe(expected.n);
  });

  it('gives every categorical row of iesm-expected-tables.json', () => {
    const rows = tableRows(snapshot.tables)
      .map(({ row }) => row)
      .filter((row): row is CategoricalRow => row.kind === 'categorical');
    const found = expected.categorical.map((entry) => {
      const matches = rows.filter(
        (row) => rowField(row) === tableField(entry.variable) && row.level === entry.level,
      );
      expect(matches, `${entry.variable} = ${entry.level}`).toHaveLength(1);
      const row = matches[0]!;
      return [entry.variable, entry.level, row.count, row.denominator, row.percent, row.percentText];
    });
    expect(found).toEqual(
      expected.categorical.map((e) => [
        e.variable,
        e.level,
        e.count,
        e.denominator,
        e.percent,
        e.percent_text,
      ]),
    );
    // and no categorical row the file does not check
    expect(rows).toHaveLength(expected.categorical.length);
  });

  it('gives every median and range of iesm-expected-tables.json', () => {
    const rows = tableRows(snapshot.tables)
      .map(({ row }) => row)
      .filter((row): row is ContinuousRow => row.kind === 'continuous');
    const found = expected.continuous.map((entry) => {
      const row = rows.find((candidate) => rowField(candidate) === tableField(entry.variable));
      return [entry.variable, row?.n, row?.median, row?.min, row?.max];
    });
    expect(found).toEqual(expected.continuous.map((e) => [e.variable, e.n, e.median, e.min, e.max]));
    expect(rows).toHaveLength(expected.continuous.length);
  });

  it('gives the expected Kaplan-Meier summary (OS, LC and reverse-KM follow-up)', () => {
    const { os, lc } = expected.km_summary;
    expect(snapshot.survival.curves.os!.groups[0]).toMatchObject({
      n: os.n,
      events: os.events,
      median: os.km_median,
      lower: os.km_median_95ci_log.lcl,
      upper: os.km_median_95ci_log.ucl,
    });
    expect(snapshot.survival.curves.lc!.groups[0]).toMatchObject({
      n: lc.n,
      events: lc.events,
      median: lc.km_median,
    });
    expect(snapshot.survival.followUp.os).toMatchObject({
      median: os.reverse_km_median_follow_up.median,
      lower: os.reverse_km_median_follow_up.lcl,
      upper: os.reverse_km_median_follow_up.ucl,
    });
  });

  it('gives the comparisons of iesm-km-reference.json: curves per group as R prints them, and log-rank tests', () => {
    for (const reference of kmReference.km.filter((k) => k.group_variable !== null)) {
      const set = snapshot.survival.curves[reference.id]!;
      const byGroup = new Map(set.groups.map((g) => [g.group, g]));
      expect(set.groups.map((g) => g.group).sort()).toEqual(reference.curves.map((c) => c.strata).sort());
      for (const curve of reference.curves) {
        expect(byGroup.get(curve.strata), `${reference.id} ${curve.strata}`).toEqual({
          group: curve.strata,
          n: curve.n,
          events: curve.events,
          median: curve.log.median_print.median,
          lower: curve.log.median_print.lcl,
          upper: curve.log.median_print.ucl,
        });
      }
    }
    for (const reference of kmReference.logrank) {
      const test = snapshot.survival.logrank[reference.id]!;
      if ('error' in test) throw new Error(`${reference.id}: ${test.error}`);
      expect(test.n, reference.id).toBe(reference.n_per_group.reduce((a, b) => a + b, 0));
      expect(test.df, reference.id).toBe(reference.df);
      expect(Math.abs(test.chisq - reference.chisq) / reference.chisq, reference.id).toBeLessThan(1e-9);
      expect(Math.abs(test.p - reference.p_value) / reference.p_value, reference.id).toBeLessThan(1e-9);
      const groups = new Map(test.groups.map((g) => [g.group, g.n]));
      for (const [i, group] of reference.groups.entries()) {
        expect(groups.get(group), `${reference.id} ${group}`).toBe(reference.n_per_group[i]);
      }
    }
  });
});
