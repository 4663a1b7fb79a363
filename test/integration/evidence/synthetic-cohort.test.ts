// The synthetic IESM cohort (130 patients) placed in 51 included studies, exported to CSV, imported through
// importPatientRows and read back as the stored snapshot: its Tables I-III must equal
// iesm-expected-tables.json (computed by R), every categorical row and every median with its range, and its
// Kaplan-Meier summary the expected one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPatientRows } from '../../../shared/app/import-patient-rows.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import type { StatisticsSnapshot } from '../../../shared/domain/stats/snapshot.ts';
import { type CategoricalRow, type ContinuousRow, tableRows } from '../../../shared/domain/stats/tables.ts';
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
  const csv = patientRowsToCsv(cohortInStudies(studies));
  const summary = await importPatientRows(
    { reviewId: 'iesm', text: csv, format: 'csv', origin: 'iesm-synthetic-cohort.csv' },
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
    expect(snapshot.km.os).toMatchObject({
      n: os.n,
      events: os.events,
      median: os.km_median,
      lcl: os.km_median_95ci_log.lcl,
      ucl: os.km_median_95ci_log.ucl,
    });
    expect(snapshot.km.lc).toMatchObject({ n: lc.n, events: lc.events, median: lc.km_median });
    expect(snapshot.km.followUp).toMatchObject({
      median: os.reverse_km_median_follow_up.median,
      lcl: os.reverse_km_median_follow_up.lcl,
      ucl: os.reverse_km_median_follow_up.ucl,
    });
  });
});
