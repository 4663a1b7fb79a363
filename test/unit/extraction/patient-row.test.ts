import { describe, expect, it } from 'vitest';
import { parsePatientRowsJson } from '../../../shared/domain/extraction/import-rows.ts';
import {
  checkValue,
  completeRows,
  type PatientRow,
  type RowSchema,
  rowSchemaOf,
  ruleViolations,
} from '../../../shared/domain/extraction/patient-row.ts';
import {
  extractionSchema,
  type VariableDefinition,
  variableSchema,
} from '../../../shared/domain/protocol/variables.ts';
import { iesmSchema } from '../../support/protocols.ts';
import { loadSyntheticCohort, rawSyntheticCohort } from './reference-fixtures.ts';

const cohort = loadSyntheticCohort();
const schema = iesmSchema();

/** A valid IESM patient (JSON as a file gives it), changed by `patch`. */
function patient(patch: Record<string, unknown>): Record<string, unknown> {
  const base = cohort.find((row) => row.patientId === 'SYN-001')!;
  return { ...base, ...patch };
}

/** The problems one JSON row has against a schema: { path, message } with the file and row stripped. */
function issuesOf(candidate: unknown, rowSchema: RowSchema = schema): { path: string; message: string }[] {
  try {
    parsePatientRowsJson(JSON.stringify([candidate]), 'p.json', rowSchema);
    return [];
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => {
        const match = /^ {2}p\.json row 1, field ([^:]+): (.*)$/.exec(line);
        if (!match) throw new Error(`unexpected problem line: ${line}`);
        return { path: match[1]!, message: match[2]! };
      });
  }
}

function variable(definition: Record<string, unknown>): VariableDefinition {
  return variableSchema.parse(definition);
}

describe('IESM patient rows (protocols/iesm.yaml)', () => {
  it('declares exactly the synthetic cohort fields, patientId in place of id', () => {
    const cohortFields = Object.keys(rawSyntheticCohort()[0]!).filter((f) => f !== 'id' && f !== 'synthetic');
    expect(schema.variables.map((v) => v.name)).toEqual(cohortFields);
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

  it('rejects values outside the levels, bounds and event codes, and unknown fields, naming what is allowed', () => {
    const issues = issuesOf(
      patient({
        sex: 'M',
        resection: 'total',
        age_years: -1,
        os_event: 2,
        location: ['lumbar', 'sacral'],
        systemic_metastasis_sites: ['liver', 'liver'],
        unexpected: 1,
      }),
    );
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
    expect(byPath.sex).toBe('expected one of male, female, or null');
    expect(byPath.resection).toBe('expected one of complete, partial, biopsy, or null');
    expect(byPath.age_years).toBe('expected a number of years ≥ 0');
    expect(byPath.os_event).toBe('expected 0 (censored) or 1 (event), or null');
    expect(byPath.location).toMatch(/^item 2: "sacral" is not one of cervical, thoracic, lumbar/);
    expect(byPath.systemic_metastasis_sites).toBe('liver is listed twice');
    expect(byPath.unexpected).toMatch(
      /^not a variable of this review \(the columns are patientId, studyId, synthetic and: sex, age_years/,
    );
  });

  it('matches levels in any case and stores them as declared', () => {
    const [row] = parsePatientRowsJson(
      JSON.stringify([patient({ radiological_response: 'cr', sex: 'MALE' })]),
      'p.json',
      schema,
    );
    expect(row).toMatchObject({ radiological_response: 'CR', sex: 'male' });
  });

  it('rejects an empty location list: a known location needs at least one level', () => {
    expect(issuesOf(patient({ location: [] }))).toEqual([
      {
        path: 'location',
        message:
          'expected at least 1 of cervical, thoracic, lumbar, thoracic-lumbar, lumbar-sacral, thoracic-lumbar-sacral (use null for "not reported")',
      },
    ]);
    expect(issuesOf(patient({ location: null }))).toEqual([]);
  });

  describe('cross-field rules', () => {
    // [case, patch, blamed column, message]: the column blamed is the one whose value the rule finds wrong.
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'a dose without adjuvant radiotherapy',
        { adjuvant_radiotherapy: false, radiotherapy_dose_gy: 30 },
        'adjuvant_radiotherapy',
        /^a dose needs adjuvant_radiotherapy = yes \(adjuvant_radiotherapy is no\)$/,
      ],
      [
        'a dose when adjuvant radiotherapy is not reported',
        { adjuvant_radiotherapy: null, radiotherapy_dose_gy: 30 },
        'adjuvant_radiotherapy',
        /\(adjuvant_radiotherapy is not reported\)$/,
      ],
      [
        'local control longer than survival',
        { lc_months: 30, os_months: 23.2 },
        'lc_months',
        /^local-control time cannot be longer than overall-survival time \(lc_months is 30, os_months is 23\.2\)$/,
      ],
      [
        'an OS event for a living patient',
        { status: 'alive', os_event: 1 },
        'status',
        /os_event 1 \(died\) contradicts status alive/,
      ],
      [
        'a dead patient censored',
        { status: 'dead', os_event: 0 },
        'status',
        /os_event 0 .* contradicts status dead/,
      ],
      [
        'an LC event without recurrence',
        { local_recurrence: false, lc_event: 1 },
        'local_recurrence',
        /lc_event 1 \(recurrence\) contradicts local_recurrence = no/,
      ],
      [
        'metastasis sites without metastases',
        { systemic_metastases: false, systemic_metastasis_sites: ['brain'] },
        'systemic_metastases',
        /sites are listed, so systemic_metastases must be yes/,
      ],
      [
        'metastases with an empty site list',
        { systemic_metastases: true, systemic_metastasis_sites: [] },
        'systemic_metastases',
        /no site is listed/,
      ],
      [
        'synchronous with months after the primary',
        { synchronous: true, months_primary_to_iesm: 12 },
        'synchronous',
        /a synchronous IESM has 0 months from the primary \(synchronous is yes\)/,
      ],
      [
        'metachronous at 0 months',
        { synchronous: false, months_primary_to_iesm: 0 },
        'synchronous',
        /0 months from the primary means a synchronous IESM \(synchronous is no\)/,
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
        'symptom_radicular_pain',
        /an asymptomatic patient cannot have a symptom \(symptom_radicular_pain is yes\)/,
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

describe('variable types (any review)', () => {
  it('checks numbers and integers against their bounds, with the unit in the message', () => {
    const dose = variable({ name: 'dose', type: 'number', unit: 'Gy', exclusiveMin: 0, max: 200 });
    expect(checkValue(dose, 30)).toEqual({ ok: true, value: 30 });
    expect(checkValue(dose, 0)).toEqual({ ok: false, message: 'expected a number of Gy > 0' });
    expect(checkValue(dose, 201)).toEqual({ ok: false, message: 'expected a number of Gy ≤ 200' });
    const nodes = variable({ name: 'nodes', type: 'integer', min: 0 });
    expect(checkValue(nodes, 3)).toEqual({ ok: true, value: 3 });
    expect(checkValue(nodes, 2.5)).toMatchObject({
      ok: false,
      message: 'expected a whole number ≥ 0, or null',
    });
    expect(checkValue(nodes, '3')).toMatchObject({ ok: false });
  });

  it('checks dates as calendar dates within their bounds', () => {
    const surgery = variable({ name: 'surgery_date', type: 'date', min: '2000-01-01' });
    expect(checkValue(surgery, '2012-02-29')).toEqual({ ok: true, value: '2012-02-29' });
    expect(checkValue(surgery, '2013-02-29')).toMatchObject({ ok: false });
    expect(checkValue(surgery, '1999-12-31')).toEqual({
      ok: false,
      message: 'expected a date on or after 2000-01-01',
    });
  });

  it('keeps text trimmed and within its length; an empty text is not a value', () => {
    const note = variable({ name: 'note', type: 'text', maxLength: 5 });
    expect(checkValue(note, ' abc ')).toEqual({ ok: true, value: 'abc' });
    expect(checkValue(note, '   ')).toEqual({
      ok: false,
      message: 'expected text (use null for "not reported")',
    });
    expect(checkValue(note, 'abcdef')).toEqual({
      ok: false,
      message: 'expected at most 5 characters, found 6',
    });
  });

  it('takes yes-no as booleans and events as 0/1 only', () => {
    expect(checkValue(variable({ name: 'x', type: 'yes-no' }), 'yes')).toMatchObject({ ok: false });
    expect(checkValue(variable({ name: 'x', type: 'yes-no' }), false)).toEqual({ ok: true, value: false });
    expect(checkValue(variable({ name: 'e', type: 'event' }), true)).toMatchObject({ ok: false });
    expect(checkValue(variable({ name: 'e', type: 'event' }), 1)).toEqual({ ok: true, value: 1 });
  });

  it('lets an optional variable be left out (not reported) but never a required one', () => {
    const small = rowSchemaOf(
      extractionSchema.parse({
        variables: [
          { name: 'a', type: 'number' },
          { name: 'b', type: 'text', required: false },
        ],
      }),
    );
    expect(parsePatientRowsJson('[{"patientId":"p1","studyId":"s","a":1}]', 'p.json', small)).toEqual([
      { patientId: 'p1', studyId: 's', a: 1, b: null },
    ]);
    expect(issuesOf({ patientId: 'p1', studyId: 's', b: 'x' }, small)).toEqual([
      { path: 'a', message: 'missing (use null for "not reported")' },
    ]);
  });
});

describe('rules (any review)', () => {
  const small = rowSchemaOf(
    extractionSchema.parse({
      variables: [
        { name: 'start', type: 'date' },
        { name: 'end', type: 'date' },
        { name: 'event', type: 'event' },
        { name: 'time', type: 'number' },
        { name: 'arms', type: 'multi-categorical', levels: ['a', 'b'] },
        { name: 'grade', type: 'categorical', levels: ['1', '2', '3'] },
      ],
      rules: [
        { must: { variable: 'start', atMost: 'end' } },
        { when: { variable: 'event', reported: true }, must: { variable: 'time', reported: true } },
        { when: { variable: 'arms', is: 'b' }, must: { variable: 'grade', is: ['2', '3'] } },
      ],
    }),
  );
  const row = (patch: Record<string, unknown>): PatientRow =>
    ({
      patientId: 'p',
      studyId: 's',
      start: null,
      end: null,
      event: null,
      time: null,
      arms: null,
      grade: null,
      ...patch,
    }) as PatientRow;

  it('compares dates with atMost and says what it found', () => {
    expect(ruleViolations(small, row({ start: '2020-02-01', end: '2020-01-01' }))).toEqual([
      {
        variable: 'start',
        message: 'start is at most end is required (start is 2020-02-01, end is 2020-01-01)',
      },
    ]);
    expect(ruleViolations(small, row({ start: '2020-01-01', end: '2020-01-01' }))).toEqual([]);
    expect(ruleViolations(small, row({ start: '2020-02-01' }))).toEqual([]);
  });

  it('needs a time for an event (reported), and a level only with another value (is on a list)', () => {
    expect(ruleViolations(small, row({ event: 1 }))).toEqual([
      {
        variable: 'time',
        message: 'because event is reported, time is reported is required (time is not reported)',
      },
    ]);
    expect(ruleViolations(small, row({ arms: ['a', 'b'], grade: '1' }))).toHaveLength(1);
    expect(ruleViolations(small, row({ arms: ['a'], grade: '1' }))).toEqual([]);
    expect(ruleViolations(small, row({ arms: ['b'], grade: '3' }))).toEqual([]);
  });
});

describe('completeRows', () => {
  const variables = [
    variable({ name: 'a', type: 'number' }),
    variable({ name: 'b', type: 'number', required: false }),
  ];

  it('fills an optional variable added since the rows were stored, and names a missing required one', () => {
    expect(completeRows([{ patientId: 'p', studyId: 's', a: 1 }], variables)).toEqual({
      rows: [{ patientId: 'p', studyId: 's', a: 1, b: null }],
    });
    expect(completeRows([{ patientId: 'p', studyId: 's', b: 1 }], variables)).toEqual({
      missing: ['patient p (study s): a'],
    });
  });
});
