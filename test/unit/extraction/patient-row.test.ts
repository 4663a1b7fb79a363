import { describe, expect, it } from 'vitest';
import {
  PATIENT_COLUMNS,
  PATIENT_FIELDS,
  type PatientRow,
  patientRowSchema,
} from '../../../shared/domain/extraction/patient-row.ts';
import { loadSyntheticCohort, rawSyntheticCohort } from './reference-fixtures.ts';

const cohort = loadSyntheticCohort();

/** A valid patient, changed by `patch`. */
function patient(patch: Partial<Record<keyof PatientRow | 'unexpected', unknown>>): Record<string, unknown> {
  const base = cohort.find((row) => row.patientId === 'SYN-001')!;
  return { ...base, ...patch };
}

function issuesOf(candidate: unknown): { path: string; message: string }[] {
  const result = patientRowSchema.safeParse(candidate);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('patient-row schema', () => {
  it('has exactly the synthetic cohort fields, with patientId in place of id, plus studyId', () => {
    const cohortFields = Object.keys(rawSyntheticCohort()[0]!).filter((field) => field !== 'id');
    expect(new Set(PATIENT_FIELDS)).toEqual(new Set(['patientId', 'studyId', ...cohortFields]));
    expect(Object.keys(PATIENT_COLUMNS)).toEqual(PATIENT_FIELDS);
    for (const record of rawSyntheticCohort()) {
      expect(Object.keys(record).sort()).toEqual(
        [...PATIENT_FIELDS.filter((f) => f !== 'patientId' && f !== 'studyId'), 'id'].sort(),
      );
    }
  });

  it('accepts every synthetic patient unchanged', () => {
    const raw = rawSyntheticCohort();
    expect(cohort).toHaveLength(raw.length);
    cohort.forEach((row, index) => {
      const { id, ...fields } = raw[index]!;
      expect(row).toEqual({ patientId: id, studyId: row.studyId, ...fields });
    });
  });

  it('keeps null ("not reported") apart from no, and a missing field apart from null', () => {
    expect(issuesOf(patient({ symptom_neck_pain: null }))).toEqual([]);
    const withoutField = patient({});
    delete withoutField.symptom_neck_pain;
    expect(issuesOf(withoutField)).toEqual([
      { path: 'symptom_neck_pain', message: 'missing (use null for "not reported")' },
    ]);
  });

  it('leaves synthetic optional', () => {
    const real = patient({});
    delete real.synthetic;
    expect(issuesOf(real)).toEqual([]);
  });

  it('rejects values outside the enumerations, units and event codes', () => {
    const issues = issuesOf(
      patient({
        sex: 'M',
        resection: 'total',
        radiological_response: 'cr',
        age_years: -1,
        os_event: 2,
        location: ['lumbar', 'sacral'],
        systemic_metastasis_sites: ['liver', 'liver'],
        unexpected: 1,
      }),
    );
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
    expect(byPath.sex).toBe('expected one of male, female, or null');
    expect(byPath.resection).toMatch(/^expected one of complete, partial, biopsy/);
    expect(byPath.radiological_response).toMatch(/^expected one of CR, PR, SD, PD/);
    expect(byPath.age_years).toBe('expected a number of years ≥ 0');
    expect(byPath.os_event).toMatch(/^expected 0 \(censored\) or 1 \(event\)/);
    expect(byPath['location.1']).toMatch(/^expected one of cervical, thoracic, lumbar/);
    expect(byPath.systemic_metastasis_sites).toBe('a level is listed twice');
    expect(issues.some((issue) => issue.message.includes('unexpected'))).toBe(true);
  });

  it('rejects an empty location list: a known location needs at least one level', () => {
    expect(issuesOf(patient({ location: [] }))).toEqual([
      { path: 'location', message: 'expected at least one location (use null for "not reported")' },
    ]);
    expect(issuesOf(patient({ location: null }))).toEqual([]);
  });

  describe('cross-field checks', () => {
    const cases: [string, Partial<Record<keyof PatientRow, unknown>>, string, RegExp][] = [
      [
        'a dose without adjuvant radiotherapy',
        { adjuvant_radiotherapy: false, radiotherapy_dose_gy: 30 },
        'radiotherapy_dose_gy',
        /a dose is given but adjuvant_radiotherapy is no/,
      ],
      [
        'a dose when adjuvant radiotherapy is not reported',
        { adjuvant_radiotherapy: null, radiotherapy_dose_gy: 30 },
        'radiotherapy_dose_gy',
        /adjuvant_radiotherapy is not reported/,
      ],
      [
        'local control longer than survival',
        { lc_months: 30, os_months: 23.2 },
        'lc_months',
        /local-control time 30 is longer than overall-survival time 23\.2/,
      ],
      [
        'an OS event for a living patient',
        { status: 'alive', os_event: 1 },
        'os_event',
        /os_event 1 contradicts status "alive"/,
      ],
      [
        'a dead patient censored',
        { status: 'dead', os_event: 0 },
        'os_event',
        /os_event 0 contradicts status "dead"/,
      ],
      [
        'an LC event without recurrence',
        { local_recurrence: false, lc_event: 1 },
        'lc_event',
        /lc_event 1 contradicts local_recurrence = no/,
      ],
      [
        'metastasis sites without metastases',
        { systemic_metastases: false, systemic_metastasis_sites: ['brain'] },
        'systemic_metastasis_sites',
        /sites are listed but systemic_metastases is no/,
      ],
      [
        'metastases with an empty site list',
        { systemic_metastases: true, systemic_metastasis_sites: [] },
        'systemic_metastasis_sites',
        /no site is listed/,
      ],
      [
        'synchronous with months after the primary',
        { synchronous: true, months_primary_to_iesm: 12 },
        'synchronous',
        /synchronous = yes contradicts months_primary_to_iesm = 12/,
      ],
      [
        'metachronous at 0 months',
        { synchronous: false, months_primary_to_iesm: 0 },
        'synchronous',
        /synchronous = no contradicts months_primary_to_iesm = 0/,
      ],
      [
        'paraparesis without a motor deficit',
        { symptom_paraparesis: true, symptom_motor_deficit: false },
        'symptom_motor_deficit',
        /paraparesis is a motor deficit/,
      ],
      [
        'an asymptomatic patient with a symptom',
        { symptom_none: true, symptom_radicular_pain: true },
        'symptom_none',
        /an asymptomatic patient cannot have .*symptom_radicular_pain/,
      ],
      [
        'no symptom at all but not asymptomatic',
        { symptom_none: false, symptom_radicular_pain: false, symptom_incontinence: false },
        'symptom_none',
        /every symptom is no, so symptom_none must be yes/,
      ],
    ];
    for (const [name, patch, path, message] of cases) {
      it(`rejects ${name}`, () => {
        const issues = issuesOf(patient(patch));
        expect(issues).toHaveLength(1);
        expect(issues[0]!.path).toBe(path);
        expect(issues[0]!.message).toMatch(message);
      });
    }

    it('does not judge a pair when either side is not reported', () => {
      expect(issuesOf(patient({ status: null, os_event: 1 }))).toEqual([]);
      expect(issuesOf(patient({ lc_months: null, os_months: 2 }))).toEqual([]);
      expect(issuesOf(patient({ synchronous: null, months_primary_to_iesm: 12 }))).toEqual([]);
      expect(issuesOf(patient({ systemic_metastases: null, systemic_metastasis_sites: null }))).toEqual([]);
    });
  });
});
