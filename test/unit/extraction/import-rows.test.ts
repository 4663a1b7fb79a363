import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from '../../../shared/domain/extraction/csv.ts';
import { patientRowsToCsv } from '../../../shared/domain/extraction/export-rows.ts';
import {
  parseCell,
  parsePatientRowsCsv,
  parsePatientRowsJson,
} from '../../../shared/domain/extraction/import-rows.ts';
import { InputError } from '../../../shared/errors.ts';
import { iesmSchema } from '../../support/protocols.ts';
import {
  loadSyntheticCohort,
  rawSyntheticCohort,
  readReferenceText,
  SYNTHETIC_STUDY_ID,
} from './reference-fixtures.ts';

const cohort = loadSyntheticCohort();
const schema = iesmSchema();
const column = (name: string) => schema.byName.get(name)!;
const columnList = `patientId, studyId, synthetic and: ${schema.variables.map((v) => v.name).join(', ')}`;

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** The first `count` cohort patients as CSV cells (header first), to be edited cell by cell. */
function csvCells(count: number): string[][] {
  return parseCsv(patientRowsToCsv(cohort.slice(0, count), schema), 'x.csv').map((record) => record.cells);
}

function setCell(cells: string[][], row: number, column: string, value: string): void {
  const index = cells[0]!.indexOf(column);
  if (index < 0) throw new Error(`no column ${column}`);
  cells[row]![index] = value;
}

describe('Function: parsePatientRowsJson', () => {
  it('imports the synthetic cohort: id becomes patientId, the placeholder study is assigned', () => {
    const raw = rawSyntheticCohort();
    expect(cohort).toHaveLength(raw.length);
    expect(cohort.map((row) => row.patientId)).toEqual(raw.map((record) => record.id));
    expect(new Set(cohort.map((row) => row.studyId))).toEqual(new Set([SYNTHETIC_STUDY_ID]));
    expect(cohort.every((row) => row.synthetic === true)).toBe(true);
  });

  it('keeps a study id the file gives', () => {
    const records = rawSyntheticCohort().slice(0, 2);
    records[0]!.studyId = 'c0123456789abcdef0123';
    const rows = parsePatientRowsJson(JSON.stringify(records), 'p.json', schema, { defaultStudyId: 'other' });
    expect(rows.map((row) => row.studyId)).toEqual(['c0123456789abcdef0123', 'other']);
  });

  it('requires a study id when no default is given', () => {
    const error = errorOf(() =>
      parsePatientRowsJson(JSON.stringify(rawSyntheticCohort().slice(0, 1)), 'p.json', schema),
    );
    expect(error.message).toContain('p.json row 1, field studyId: missing: expected a study id');
  });

  it('throws one error listing every problem, naming row and field, and imports nothing', () => {
    const records = rawSyntheticCohort().slice(0, 12);
    records[1]!.os_months = 'six';
    records[3]!.adjuvant_radiotherapy = false;
    records[3]!.radiotherapy_dose_gy = 30;
    delete records[6]!.sex;
    records[8]!.id = records[0]!.id;
    records[10]!.colour = 'blue';
    const error = errorOf(() =>
      parsePatientRowsJson(JSON.stringify(records), 'patients.json', schema, { defaultStudyId: 's' }),
    );
    expect(error).toBeInstanceOf(InputError);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('patients.json: 5 problems; no patient rows were imported');
    expect(lines.slice(1)).toEqual([
      '  patients.json row 2, field os_months: expected a number of months ≥ 0 and ≤ 600, or null',
      '  patients.json row 4, field adjuvant_radiotherapy: a dose needs adjuvant_radiotherapy = yes (adjuvant_radiotherapy is no)',
      '  patients.json row 7, field sex: missing (use null for "not reported")',
      `  patients.json row 11, field colour: not a variable of this review (the columns are ${columnList})`,
      `  patients.json row 9, field patientId: patient id "${records[0]!.id}" is also row 1`,
    ]);
  });

  it('rejects text that is not JSON, not an array, or holds non-objects', () => {
    expect(errorOf(() => parsePatientRowsJson('[{', 'p.json', schema)).message).toMatch(
      /^p\.json: not valid JSON: /,
    );
    expect(errorOf(() => parsePatientRowsJson('{"rows": []}', 'p.json', schema)).message).toBe(
      'p.json: expected an array of patient rows',
    );
    expect(errorOf(() => parsePatientRowsJson('[1]', 'p.json', schema)).message).toContain(
      'p.json row 1: expected an object',
    );
  });

  it('returns no rows for an empty array', () => {
    expect(parsePatientRowsJson('[]', 'p.json', schema)).toEqual([]);
  });
});

describe('Function: parsePatientRowsCsv', () => {
  it('reads what patientRowsToCsv writes back to the cohort, whatever the boolean spelling and line end', () => {
    for (const booleans of ['yes-no', 'true-false', '1-0'] as const) {
      for (const eol of ['\r\n', '\n'] as const) {
        const text = patientRowsToCsv(cohort, schema, { booleans, eol });
        expect(parsePatientRowsCsv(text, 'cohort.csv', schema)).toEqual(cohort);
      }
    }
  });

  it('reads null spellings, booleans and levels in any case, lists and quoted text', () => {
    const cells = csvCells(3);
    setCell(cells, 1, 'symptom_neck_pain', 'NA');
    setCell(cells, 1, 'cauda_equina_syndrome', ' Not Reported ');
    setCell(cells, 1, 'diagnostic_ct', 'TRUE');
    setCell(cells, 1, 'diagnostic_myelogram', '1');
    setCell(cells, 1, 'sex', 'Male');
    setCell(cells, 1, 'radiological_response', 'cr');
    setCell(cells, 1, 'location', 'Cervical; lumbar');
    setCell(cells, 1, 'primary_tumour_detail', 'lung, "adeno"\nsquamous part');
    setCell(cells, 2, 'systemic_metastasis_sites', 'NONE');
    setCell(cells, 2, 'systemic_metastases', 'no');
    setCell(cells, 2, 'age_years', ' 71.5 ');
    const rows = parsePatientRowsCsv(`\uFEFF${formatCsv(cells)}`, 'p.csv', schema);
    expect(rows[0]).toMatchObject({
      symptom_neck_pain: null,
      cauda_equina_syndrome: null,
      diagnostic_ct: true,
      diagnostic_myelogram: true,
      sex: 'male',
      radiological_response: 'CR',
      location: ['cervical', 'lumbar'],
      primary_tumour_detail: 'lung, "adeno"\nsquamous part',
    });
    expect(rows[1]).toMatchObject({
      systemic_metastasis_sites: [],
      systemic_metastases: false,
      age_years: 71.5,
    });
  });

  it('accepts a file without the optional synthetic column and assigns the default study', () => {
    const cells = csvCells(2).map((record) => record.filter((_, index) => index !== 1 && index !== 2));
    expect(cells[0]).not.toContain('synthetic');
    expect(cells[0]).not.toContain('studyId');
    const rows = parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema, {
      defaultStudyId: 'c00000000000000000001',
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.studyId).toBe('c00000000000000000001');
    expect('synthetic' in rows[0]!).toBe(false);
  });

  it('names the file line and the data row, which differ once a cell holds a line break', () => {
    const cells = csvCells(8);
    setCell(cells, 2, 'primary_tumour_detail', 'first line\nsecond line\nthird line');
    setCell(cells, 6, 'os_months', 'six');
    const error = errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'patients.csv', schema));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'patients.csv: 1 problem; no patient rows were imported\n' +
        '  patients.csv line 9 (row 6), column os_months: expected a number of months, found "six"',
    );
  });

  it('lists every problem of every row and imports nothing', () => {
    const cells = csvCells(6);
    setCell(cells, 1, 'age_years', '6,5');
    setCell(cells, 1, 'sex', 'M');
    setCell(cells, 2, 'location', 'lumbar;sacral');
    setCell(cells, 3, 'os_event', 'yes');
    setCell(cells, 4, 'symptom_none', 'maybe');
    setCell(cells, 5, 'status', 'alive');
    setCell(cells, 5, 'os_event', '1');
    cells[6]!.pop();
    const message = errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema)).message;
    expect(message.split('\n')).toEqual([
      'p.csv: 7 problems; no patient rows were imported',
      '  p.csv line 2 (row 1), column sex: expected one of male, female, found "M"',
      '  p.csv line 2 (row 1), column age_years: expected a number with a point as the decimal separator, found "6,5"',
      '  p.csv line 3 (row 2), column location: "sacral" is not one of cervical, thoracic, lumbar, thoracic-lumbar, lumbar-sacral, thoracic-lumbar-sacral (separate several with ";", write "none" for none)',
      '  p.csv line 4 (row 3), column os_event: expected 0 (censored) or 1 (event), found "yes"',
      '  p.csv line 5 (row 4), column symptom_none: expected yes/no, true/false or 1/0, found "maybe"',
      expect.stringMatching(
        /^ {2}p\.csv line 6 \(row 5\), column status: os_event 1 \(died\) contradicts status alive/,
      ),
      `  p.csv line 7 (row 6): expected ${cells[0]!.length} cells as in the header, found ${cells[0]!.length - 1}`,
    ]);
  });

  it('lists at most maxProblems problems and counts the rest', () => {
    const cells = csvCells(60);
    for (let row = 1; row <= 60; row += 1) setCell(cells, row, 'age_years', 'old');
    const lines = errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema)).message.split('\n');
    expect(lines[0]).toBe('p.csv: 60 problems; no patient rows were imported');
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines[50]).toBe(
      '  p.csv line 51 (row 50), column age_years: expected a number of years, found "old"',
    );
    expect(lines[51]).toBe('  ... and 10 more problems');
    const few = errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema, { maxProblems: 3 }));
    expect(few.message.split('\n')).toHaveLength(1 + 3 + 1);
  });

  it('rejects a duplicate patient id, naming both rows', () => {
    const cells = csvCells(4);
    setCell(cells, 4, 'patientId', cells[2]![0]!);
    expect(errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema)).message).toContain(
      `p.csv line 5 (row 4), column patientId: patient id "${cells[2]![0]}" is also line 3 (row 2)`,
    );
  });

  it('checks the header: unknown, duplicated and missing columns', () => {
    const cells = csvCells(1);
    setCell(cells, 0, 'sex', 'gender');
    setCell(cells, 0, 'age_years', 'os_months');
    const message = errorOf(() => parsePatientRowsCsv(formatCsv(cells), 'p.csv', schema)).message;
    expect(message).toContain(
      `p.csv line 1 (header), column gender: not a variable of this review (the columns are ${columnList})`,
    );
    expect(message).toContain('p.csv line 1 (header), column os_months: os_months has a second column');
    expect(message).toContain('p.csv line 1 (header), column sex: missing from the header');
    expect(message).toContain('p.csv line 1 (header), column age_years: missing from the header');
  });

  it('skips blank lines but keeps counting rows', () => {
    const cells = csvCells(2);
    const text = formatCsv([cells[0]!, cells[1]!, [''], cells[0]!.map(() => ''), cells[2]!]);
    const rows = parsePatientRowsCsv(text, 'p.csv', schema);
    expect(rows.map((row) => row.patientId)).toEqual([cells[1]![0], cells[2]![0]]);
  });

  it('explains a semicolon-separated file and an empty one', () => {
    expect(errorOf(() => parsePatientRowsCsv('patientId;studyId\n1;2\n', 'p.csv', schema)).message).toMatch(
      /^p\.csv line 1: the header has no commas but has semicolons/,
    );
    expect(errorOf(() => parsePatientRowsCsv('', 'p.csv', schema)).message).toBe(
      'p.csv: empty file (expected a header row)',
    );
  });

  it('imports a header-only file as no rows', () => {
    expect(parsePatientRowsCsv(`${csvCells(0)[0]!.join(',')}\n`, 'p.csv', schema)).toEqual([]);
  });

  it('imports the cohort file through JSON and CSV to the same rows', () => {
    const fromJson = parsePatientRowsJson(readReferenceText('iesm-synthetic-cohort.json'), 'c.json', schema, {
      defaultStudyId: SYNTHETIC_STUDY_ID,
    });
    expect(parsePatientRowsCsv(patientRowsToCsv(fromJson, schema), 'c.csv', schema)).toEqual(fromJson);
  });
});

describe('Function: parseCell', () => {
  it('reads every column kind', () => {
    expect(parseCell(column('os_months'), '1e1')).toEqual({ ok: true, value: 10 });
    expect(parseCell(column('os_months'), '.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseCell(column('os_months'), '12 months')).toMatchObject({ ok: false });
    expect(parseCell(column('symptom_none'), 'No')).toEqual({ ok: true, value: false });
    expect(parseCell(column('os_event'), '0')).toEqual({ ok: true, value: 0 });
    expect(parseCell(column('os_event'), 'false')).toMatchObject({ ok: false });
    expect(parseCell(column('location'), 'lumbar;')).toEqual({ ok: true, value: ['lumbar'] });
    expect(parseCell(column('location'), '')).toEqual({ ok: true, value: null });
  });
});
