// Tables I-III from the synthetic cohort must reproduce iesm-expected-tables.json (computed by R), entry by
// entry: every categorical row (count, denominator, percent, percent text) and every median with its range.
import { describe, expect, it } from 'vitest';
import {
  buildTables,
  type CategoricalRow,
  type ContinuousRow,
  renderTables,
  type TableRow,
  tableRows,
} from '../../../shared/domain/stats/tables.ts';
import { iesmPlan } from '../../support/protocols.ts';
import { loadSyntheticCohort, readReferenceJson } from '../extraction/reference-fixtures.ts';

interface ExpectedCategorical {
  section: string;
  variable: string;
  level: string;
  count: number;
  denominator: number;
  percent: number;
  percent_text: string;
  published_count?: number;
}

interface ExpectedContinuous {
  section: string;
  variable: string;
  n: number;
  median: number;
  min: number;
  max: number;
  published: { median: number; min: number; max: number };
}

interface ExpectedTables {
  n: number;
  categorical: ExpectedCategorical[];
  continuous: ExpectedContinuous[];
}

const expected = readReferenceJson<ExpectedTables>('iesm-expected-tables.json');
const cohort = loadSyntheticCohort();
const iesmTables = (rows: readonly object[]) => buildTables('iesm', iesmPlan().tables, rows);
const tables = iesmTables(cohort);
const rows: TableRow[] = tableRows(tables).map(({ row }) => row);

/**
 * The expected file names variables in prose where R derived them ("synchronous (months_primary_to_iesm ==
 * 0)", "time to local recurrence, months (the 4 recurrences)"); this maps each name to the patient-row field
 * and the subset the IESM table definition uses for it.
 */
function fieldOf(expectedVariable: string): { variable: string; subset: string | null } {
  if (expectedVariable.startsWith('time to local recurrence')) {
    return { variable: 'lc_months', subset: 'local_recurrence=yes' };
  }
  if (expectedVariable.startsWith('radiotherapy_dose_gy')) {
    return { variable: 'radiotherapy_dose_gy', subset: 'adjuvant_radiotherapy=yes' };
  }
  if (expectedVariable === 'systemic_metastasis_sites') {
    return { variable: expectedVariable, subset: 'systemic_metastases=yes' };
  }
  const [field] = expectedVariable.split(' ');
  return { variable: field!, subset: null };
}

const subsetText = (row: CategoricalRow | ContinuousRow) =>
  row.subset ? `${row.subset.variable}=${row.subset.level}` : null;

describe('Tables I-III from the synthetic cohort match iesm-expected-tables.json', () => {
  it('covers the whole cohort', () => {
    expect(tables.patients).toBe(expected.n);
    expect(tables.syntheticPatients).toBe(expected.n);
    expect(rows.find((row) => row.kind === 'count')?.text).toBe(String(expected.n));
  });

  describe('categorical rows', () => {
    for (const entry of expected.categorical) {
      it(`${entry.variable} = ${entry.level} (${entry.section})`, () => {
        const { variable, subset } = fieldOf(entry.variable);
        const matches = rows.filter(
          (row): row is CategoricalRow =>
            row.kind === 'categorical' &&
            row.variable === variable &&
            row.level === entry.level &&
            subsetText(row) === subset,
        );
        expect(matches, `one table row for ${variable} = ${entry.level}`).toHaveLength(1);
        const row = matches[0]!;
        expect(
          {
            count: row.count,
            denominator: row.denominator,
            percent: row.percent,
            percentText: row.percentText,
          },
          `${variable} = ${entry.level}`,
        ).toEqual({
          count: entry.count,
          denominator: entry.denominator,
          percent: entry.percent,
          percentText: entry.percent_text,
        });
        expect(row.text).toBe(`${entry.count}/${entry.denominator} (${entry.percent_text}%)`);
        if (entry.published_count !== undefined) expect(row.count).toBe(entry.published_count);
      });
    }
  });

  describe('medians with ranges', () => {
    for (const entry of expected.continuous) {
      it(`${entry.variable} (${entry.section})`, () => {
        const { variable, subset } = fieldOf(entry.variable);
        const matches = rows.filter(
          (row): row is ContinuousRow =>
            row.kind === 'continuous' && row.variable === variable && subsetText(row) === subset,
        );
        expect(matches, `one median row for ${variable}`).toHaveLength(1);
        const row = matches[0]!;
        expect({ n: row.n, median: row.median, min: row.min, max: row.max }, variable).toEqual({
          n: entry.n,
          median: entry.median,
          min: entry.min,
          max: entry.max,
        });
        expect({ median: row.median, min: row.min, max: row.max }).toEqual(entry.published);
        expect(row.text).toBe(`${entry.median} (${entry.min}–${entry.max})`);
      });
    }
  });

  it('has no categorical or median row the expected file does not check', () => {
    const checked = new Set([
      ...expected.categorical.map((entry) => {
        const { variable, subset } = fieldOf(entry.variable);
        return `${variable}=${entry.level}|${subset}`;
      }),
      ...expected.continuous.map((entry) => {
        const { variable, subset } = fieldOf(entry.variable);
        return `median(${variable})|${subset}`;
      }),
    ]);
    const built = rows.flatMap((row) => {
      if (row.kind === 'categorical') return [`${row.variable}=${row.level}|${subsetText(row)}`];
      if (row.kind === 'continuous') return [`median(${row.variable})|${subsetText(row)}`];
      return [];
    });
    expect(new Set(built)).toEqual(checked);
    expect(built).toHaveLength(checked.size);
  });

  it('gives the same tables whatever the order of the rows', () => {
    const reversed = iesmTables([...cohort].reverse());
    expect(reversed).toEqual(tables);
  });
});

describe('Function: renderTables', () => {
  it('renders Markdown with sections, labels and n/N (%) cells, and flags synthetic data', () => {
    const md = renderTables(tables, 'md');
    expect(md).toMatch(/^> \*\*Synthetic data:\*\* 130 of 130 patients are invented/);
    expect(md).toContain('### Table I. ');
    expect(md).toContain('### Table II. ');
    expect(md).toContain('### Table III. ');
    const sensory = rows.find(
      (row) => row.kind === 'categorical' && row.variable === 'symptom_sensory_deficit',
    )!;
    expect(md).toContain(`| ${'\u00a0'.repeat(2)}Sensory deficits | ${sensory.text} |`);
    expect(md).toContain('| **Presenting symptoms** | |');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('renders CSV with one line per table row and every number', () => {
    const csv = renderTables(tables, 'csv');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'table,section,label,kind,variable,level,subset,count,denominator,unknown,percent,n,median,min,max,text',
    );
    expect(lines).toHaveLength(rows.length + 1);
    const cauda = rows.find(
      (row): row is CategoricalRow => row.kind === 'categorical' && row.variable === 'cauda_equina_syndrome',
    )!;
    expect(lines).toContain(
      `II,Acute cauda equina syndrome,Acute cauda equina syndrome,categorical,cauda_equina_syndrome,yes,,${cauda.count},${cauda.denominator},${cauda.unknown},${cauda.percent},,,,,${cauda.text}`,
    );
  });

  it('renders JSON that parses back to the structured tables', () => {
    expect(JSON.parse(renderTables(tables, 'json'))).toEqual(tables);
  });
});
