import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoricalSummary, percentOf } from '../../../shared/domain/stats/categorical.ts';
import { continuousSummary } from '../../../shared/domain/stats/continuous-summary.ts';
import { median, range } from '../../../shared/domain/stats/median.ts';
import { quantile } from '../../../shared/domain/stats/quantile.ts';
import {
  buildTables,
  type TableDefinition,
  tableDefinitionSchema,
  tableRows,
} from '../../../shared/domain/stats/tables.ts';
import { loadSyntheticCohort } from '../extraction/reference-fixtures.ts';

const cohort = loadSyntheticCohort();

describe('Function: percentOf', () => {
  // An independent oracle: ECMA-402 rounding of the decimal value, half to even. For denominators below 2000
  // every exact 1-dp tie (x.x5) is a double exactly, so this is also what R's round() and sprintf give.
  const halfEven = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    roundingMode: 'halfEven',
    useGrouping: false,
  });

  it('rounds 100 × count / denominator to one decimal, ties to even, for every count of every denominator up to 300', () => {
    let ties = 0;
    for (let denominator = 1; denominator <= 300; denominator += 1) {
      for (let count = 0; count <= denominator; count += 1) {
        const { percent, percentText } = percentOf(count, denominator);
        const oracle = halfEven.format((100 * count) / denominator);
        if (percentText !== oracle)
          expect(`${count}/${denominator}: ${percentText}`).toBe(`${count}/${denominator}: ${oracle}`);
        expect(percent).toBe(Number(oracle));
        if (((1000 * count) % denominator) * 2 === denominator) ties += 1;
      }
    }
    // The range holds exact ties (e.g. 1/16), so the tie rule was exercised.
    expect(ties).toBeGreaterThan(0);
  });

  it('gives NA for a zero denominator and refuses non-integers', () => {
    expect(percentOf(0, 0)).toEqual({ percent: null, percentText: 'NA' });
    expect(() => percentOf(1.5, 3)).toThrow(RangeError);
    expect(() => percentOf(-1, 3)).toThrow(RangeError);
  });
});

describe('Function: categoricalSummary', () => {
  it('leaves unknowns out of the denominator and reports them', () => {
    const summary = categoricalSummary(cohort, 'cauda_equina_syndrome', ['yes', 'no']);
    const unknown = cohort.filter((row) => row.cauda_equina_syndrome === null).length;
    const yes = cohort.filter((row) => row.cauda_equina_syndrome === true).length;
    expect(unknown).toBeGreaterThan(0);
    expect(summary.unknown).toBe(unknown);
    expect(summary.denominator).toBe(cohort.length - unknown);
    expect(summary.levels[0]).toMatchObject({
      level: 'yes',
      count: yes,
      denominator: cohort.length - unknown,
    });
    expect(summary.levels[0]!.count + summary.levels[1]!.count).toBe(summary.denominator);
  });

  it('uses a different denominator for each variable', () => {
    const denominators = ['symptom_motor_deficit', 'diagnostic_ct', 'adjuvant_radiotherapy'].map((field) => {
      const known = new Set(
        cohort.filter((row) => row[field as 'diagnostic_ct'] !== null).map((r) => r.patientId),
      );
      return { field, summary: categoricalSummary(cohort, field), known };
    });
    for (const { summary, known } of denominators) expect(summary.denominator).toBe(known.size);
    // Same number known, different patients: a shared complete-case denominator would be wrong.
    expect(denominators[0]!.known).not.toEqual(denominators[1]!.known);
  });

  it('counts a patient once under each level of a multi-valued variable and once in the denominator', () => {
    const summary = categoricalSummary(cohort, 'location');
    const total = summary.levels.reduce((sum, level) => sum + level.count, 0);
    const listed = cohort.reduce((sum, row) => sum + ((row.location as string[] | null)?.length ?? 0), 0);
    expect(total).toBe(listed);
    expect(total).toBeGreaterThan(summary.denominator);
    expect(summary.denominator).toBe(cohort.filter((row) => row.location !== null).length);
    const twoRows = [{ sites: ['liver', 'liver'] }, { sites: [] }];
    expect(categoricalSummary(twoRows, 'sites').levels).toEqual([
      { level: 'liver', count: 1, denominator: 2, percent: 50, percentText: '50.0' },
    ]);
  });

  it('lists observed levels yes before no, then by count, and only the requested levels when given', () => {
    const rows = [{ v: 'b' }, { v: 'a' }, { v: 'b' }, { v: 'c' }, { v: null }];
    expect(categoricalSummary(rows, 'v').levels.map((level) => level.level)).toEqual(['b', 'a', 'c']);
    expect(
      categoricalSummary([{ f: false }, { f: false }, { f: true }], 'f').levels.map((l) => l.level),
    ).toEqual(['yes', 'no']);
    const only = categoricalSummary(rows, 'v', ['c', 'z']);
    expect(only.levels.map((level) => [level.level, level.count, level.denominator])).toEqual([
      ['c', 1, 4],
      ['z', 0, 4],
    ]);
  });

  it('refuses a field a row does not have, rather than calling it unknown', () => {
    expect(() => categoricalSummary([{ a: 1 }, { b: 2 }], 'a')).toThrow(
      'categoricalSummary: row 2 has no field "a"',
    );
    expect(() => categoricalSummary([{ a: { x: 1 } }], 'a')).toThrow(TypeError);
  });
});

describe('Function: continuousSummary', () => {
  it('takes the median and range over the reported values and counts the unknowns', () => {
    const summary = continuousSummary(cohort, 'radiotherapy_dose_gy');
    const doses = cohort.flatMap((row) =>
      row.radiotherapy_dose_gy === null ? [] : [row.radiotherapy_dose_gy as number],
    );
    expect(summary).toEqual({
      field: 'radiotherapy_dose_gy',
      n: doses.length,
      unknown: cohort.length - doses.length,
      median: median(doses),
      ...range(doses),
      // The quartiles from the same sort, as R's quantile(type = 7) gives them.
      q1: quantile(doses, 0.25),
      q3: quantile(doses, 0.75),
    });
  });

  it('gives nulls when nothing is reported, and refuses non-numbers', () => {
    expect(continuousSummary([{ t: null }, { t: null }], 't')).toEqual({
      field: 't',
      n: 0,
      unknown: 2,
      median: null,
      min: null,
      max: null,
      q1: null,
      q3: null,
    });
    expect(() => continuousSummary([{ t: '3' }], 't')).toThrow('continuousSummary: row 1 has t = "3"');
    expect(() => continuousSummary([{}], 't')).toThrow('continuousSummary: row 1 has no field "t"');
  });

  it('agrees with median() and range() on any sample with gaps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null })),
        (values) => {
          const known = values.filter((value): value is number => value !== null);
          const summary = continuousSummary(
            values.map((t) => ({ t })),
            't',
          );
          expect(summary.n).toBe(known.length);
          expect(summary.unknown).toBe(values.length - known.length);
          expect(summary.median).toBe(known.length === 0 ? null : median(known));
        },
      ),
    );
  });
});

describe('Function: buildTables (another review, its own definition)', () => {
  const definition: TableDefinition[] = [
    {
      id: '1',
      title: 'Baseline',
      sections: [
        {
          title: 'Patients',
          rows: [
            { kind: 'count', label: 'Patients' },
            {
              kind: 'median-range',
              variable: 'age',
              label: 'Age',
              subset: { variable: 'arm', level: 'a' },
            },
            { kind: 'levels', variable: 'grade', levels: 'observed' },
            { kind: 'level', variable: 'smoker', level: 'yes', label: 'Smoker' },
          ],
        },
      ],
    },
  ].map((table) => tableDefinitionSchema.parse(table));
  const rows = [
    { arm: 'a', age: 50, grade: 'II', smoker: true },
    { arm: 'a', age: 70, grade: 'I', smoker: null },
    { arm: 'b', age: 99, grade: 'II', smoker: false },
  ];

  it('builds the rows the definition names, with subsets and observed levels', () => {
    const built = tableRows(buildTables('other-review', definition, rows)).map(({ row }) => [
      row.key,
      row.label,
      row.text,
    ]);
    expect(built).toEqual([
      ['patients', 'Patients', '3'],
      ['median(age)|arm=a', 'Age', `${median([50, 70])} (50–70)`],
      ['grade=II', 'II', '2/3 (66.7%)'],
      ['grade=I', 'I', '1/3 (33.3%)'],
      ['smoker=yes', 'Smoker', '1/2 (50.0%)'],
    ]);
  });

  it('rejects a malformed definition and a row listed twice', () => {
    expect(() => tableDefinitionSchema.parse({ id: 'x', title: 't', sections: [] })).toThrow();
    const twice: TableDefinition[] = [
      {
        id: 'T',
        title: 't',
        sections: [
          {
            title: 's',
            rows: [
              { kind: 'level', variable: 'arm', level: 'a', label: 'A' },
              { kind: 'level', variable: 'arm', level: 'a', label: 'A again' },
            ],
          },
        ],
      },
    ].map((table) => tableDefinitionSchema.parse(table));
    expect(() => buildTables('x', twice, rows)).toThrow('table T has the row arm=a twice');
  });
});
