// The protocol's Cox models in the statistics snapshot: how variables enter (yes-no as the factor no/yes, event
// variables as 0/1, categorical against R's default or a declared reference), complete cases with the number
// left out, a model that cannot be fitted kept as an error, and what changed between two snapshots.
import { describe, expect, it } from 'vitest';
import type { AnalysisPlan } from '../../../shared/domain/protocol/analysis.ts';
import type { CoxModel } from '../../../shared/domain/protocol/models.ts';
import type { VariableDefinition } from '../../../shared/domain/protocol/variables.ts';
import { fitCox } from '../../../shared/domain/stats/cox.ts';
import type { CoxModelError, CoxModelFit } from '../../../shared/domain/stats/cox-models.ts';
import { describeChanges } from '../../../shared/domain/stats/describe-changes.ts';
import { computeStatisticsSnapshot, diffSnapshots } from '../../../shared/domain/stats/snapshot.ts';
import { renderStatistics } from '../../../shared/domain/stats/statistics-output.ts';

const variables = [
  { name: 't', type: 'number', unit: 'months', required: true },
  { name: 'e', type: 'event', required: true },
  { name: 'arm', type: 'yes-no', required: true },
  {
    name: 'size',
    type: 'categorical',
    required: true,
    levels: [
      { value: 'small', label: 'Small' },
      { value: 'big', label: 'Big' },
      { value: 'huge', label: 'Huge' },
    ],
  },
  { name: 'age', type: 'integer', required: true },
] as VariableDefinition[];

function plan(models: Partial<CoxModel>[]): AnalysisPlan {
  return {
    reviewId: 'r',
    variables,
    tables: [],
    survival: {
      confType: 'log',
      endpoints: [{ id: 'os', label: 'Overall survival', time: 't', event: 'e', followUp: false }],
      comparisons: [],
      models: models.map((m, i) => ({
        id: `m${i}`,
        label: `Model ${i}`,
        endpoint: 'os',
        covariates: [{ variable: 'arm', reference: null }],
        ties: 'efron',
        ...m,
      })),
    },
  };
}

interface Row {
  patientId: string;
  studyId: string;
  t: number | null;
  e: 0 | 1 | null;
  arm: boolean | null;
  size: string | null;
  age: number | null;
}

/** Deterministic rows: two studies, arm "yes" living `armEffect` times longer. */
function cohort(count: number, armEffect: number, prefix = 'p'): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const arm = i % 2 === 0;
    const size = ['small', 'big', 'huge'][i % 3]!;
    const base = 5 + ((i * 37) % 23) + (size === 'huge' ? -3 : 0);
    return {
      patientId: `${prefix}${i}`,
      studyId: i % 4 < 2 ? 's1' : 's2',
      t: arm ? base * armEffect : base,
      e: i % 5 === 0 ? 0 : 1,
      arm,
      size,
      age: 40 + ((i * 13) % 30),
    };
  });
}

const snapshotOf = (p: AnalysisPlan, rows: Row[], version = 1) =>
  computeStatisticsSnapshot({
    plan: p,
    version,
    rows,
    includedStudies: ['s1', 's2'],
    generatedAt: `2026-01-0${version}T00:00:00.000Z`,
  });

describe('Cox models in the statistics snapshot', () => {
  it('fits each declared model as fitCox fits the same rows written as R reads them', () => {
    const rows = cohort(60, 1.5);
    const p = plan([
      {
        covariates: [
          { variable: 'arm', reference: null },
          { variable: 'size', reference: null },
          { variable: 'age', reference: null },
          { variable: 'e', reference: null },
        ].slice(0, 3),
        strata: 'studyId',
      },
    ]);
    const model = snapshotOf(p, rows).cox!.m0 as CoxModelFit;
    const direct = fitCox(
      rows.map((r) => ({
        t: r.t,
        e: r.e,
        arm: r.arm ? 'yes' : 'no',
        size: r.size,
        age: r.age,
        study: r.studyId,
      })),
      { time: 't', event: 'e', covariates: ['arm', 'size', 'age'], strata: 'study' },
    );
    // yes-no enters as no/yes (R's names for a yes/no column), size against R's default "big".
    expect(model.terms.map((t) => t.term)).toEqual(['armyes', 'sizehuge', 'sizesmall', 'age']);
    expect(model.terms.map((t) => t.coef)).toEqual(direct.terms.map((t) => t.coef));
    expect(model.loglik).toEqual(direct.loglik);
    expect(model.factors).toEqual([
      { covariate: 'arm', reference: 'no', levels: ['no', 'yes'] },
      { covariate: 'size', reference: 'big', levels: ['big', 'huge', 'small'] },
    ]);
    expect(model.strata).toEqual({ variable: 'studyId', count: 2, withoutEvents: 0 });
    // Patients living longer with arm "yes": a hazard ratio below 1.
    expect(model.terms[0]!.hr!).toBeLessThan(1);
  });

  it('uses a declared reference level, and gives the same fit whatever the row order', () => {
    const rows = cohort(60, 1.5);
    const p = plan([{ covariates: [{ variable: 'size', reference: 'small' }] }]);
    const model = snapshotOf(p, rows).cox!.m0 as CoxModelFit;
    expect(model.terms.map((t) => t.term)).toEqual(['sizebig', 'sizehuge']);
    const reversed = snapshotOf(p, [...rows].reverse()).cox!.m0 as CoxModelFit;
    reversed.terms.forEach((term, i) => {
      expect(term.hr!).toBeCloseTo(model.terms[i]!.hr!, 12);
    });
  });

  it('uses complete cases and keeps the number left out, per variable', () => {
    const rows = cohort(60, 1.5);
    rows[3]!.arm = null;
    rows[7]!.t = null;
    rows[8]!.age = null;
    const p = plan([
      {
        covariates: [
          { variable: 'arm', reference: null },
          { variable: 'age', reference: null },
        ],
      },
    ]);
    const model = snapshotOf(p, rows).cox!.m0 as CoxModelFit;
    expect(model.n).toBe(57);
    expect(model.notUsed).toEqual({ rows: 3, byVariable: { t: 1, arm: 1, age: 1 } });
    expect(model.warnings[0]).toContain('3 rows left out for a missing value');
  });

  it('keeps a model that cannot be fitted as its error, and the rest of the snapshot', () => {
    const rows = cohort(20, 1.5).map((r) => ({ ...r, size: 'small' }));
    const p = plan([{ covariates: [{ variable: 'size', reference: null }] }, {}]);
    const snapshot = snapshotOf(p, rows);
    expect(snapshot.cox!.m0).toEqual({
      endpoint: 'os',
      error: expect.stringContaining('covariate "size" has one level ("small")'),
    });
    expect('terms' in snapshot.cox!.m1!).toBe(true);
    const json = JSON.parse(renderStatistics({ snapshot, diff: null, plan: p, changes: [] }, 'json'));
    expect(json.cox.m0).toEqual({
      error: (snapshot.cox!.m0 as CoxModelError).error,
      label: 'Model 0',
      endpoint: 'os',
    });
    expect(Object.keys(json.cox.m1).slice(0, 8)).toEqual([
      'n',
      'events',
      'terms',
      'loglik',
      'wald',
      'score',
      'lr',
      'df',
    ]);
  });

  it('has no cox key without declared models (older snapshots compare equal)', () => {
    expect('cox' in snapshotOf(plan([]), cohort(20, 1))).toBe(false);
  });

  it('the diff notes hazard ratios that moved, and "what changed" says so', () => {
    const p = plan([{ strata: 'studyId' }]);
    const before = snapshotOf(p, cohort(40, 0.6), 1);
    const after = snapshotOf(p, [...cohort(40, 0.6), ...cohort(200, 2, 'q')], 2);
    const diff = diffSnapshots(before, after);
    expect(diff.cox).toHaveLength(1);
    const change = diff.cox![0]!;
    expect(change.model).toBe('m0');
    expect(change.term).toBe('armyes');
    expect(change.before).toMatchObject({ n: 40 });
    expect(change.after).toMatchObject({ n: 240 });
    const line = describeChanges(diff, new Map(), new Map(), p).find((l) => l.startsWith('Cox model'));
    expect(line).toBe(
      'Cox model Model 0, armyes: HR 6.30 (2.23–17.8), p 0.000515, n = 40 → HR 0.273 (0.190–0.392), p < 0.0001, n = 240',
    );
    expect(diffSnapshots(after, after).cox).toEqual([]);
  });
});
