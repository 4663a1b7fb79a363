// The faster paths of the statistics snapshot (issue #5's 100,000-patient goal) against the straightforward
// code they replaced, kept here as the reference: per-row level counting without an array per row, the
// Kaplan-Meier table from sorted typed arrays, the time fix on a sorted typed array, approx's constant
// search in one pass, and the snapshot's KM summary from the table and band alone. Results must be the same
// values, -0 and NaN included (toEqual tells -0 from 0).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoricalSummary, levelsOf } from '../../../shared/domain/stats/categorical.ts';
import { kaplanMeier } from '../../../shared/domain/stats/kaplan-meier.ts';
import { kaplanMeierByGroup } from '../../../shared/domain/stats/kaplan-meier-by-group.ts';
import { kaplanMeierQuantile } from '../../../shared/domain/stats/km-quantile.ts';
import type { KaplanMeierTable, SurvivalObservation } from '../../../shared/domain/stats/survival-curve.ts';
import { summariseSurvival } from '../../../shared/domain/stats/survival-summary.ts';
import { TIMEFIX_TOLERANCE, timefix } from '../../../shared/domain/stats/timefix.ts';

// ---------------------------------------------------------------------------------------------------------
// The straightforward versions

function straightLevelsOf(value: unknown, field: string): string[] | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return [value ? 'yes' : 'no'];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' && Number.isFinite(value)) return [String(value)];
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => straightLevelsOf(item, field) ?? []))];
  throw new TypeError(`categoricalSummary cannot summarise ${field} = ${JSON.stringify(value)}`);
}

/** Counts per level and unknowns, one array of levels per row. */
function straightCounts(
  rows: readonly object[],
  field: string,
): { counts: Map<string, number>; unknown: number } {
  const counts = new Map<string, number>();
  let unknown = 0;
  rows.forEach((row, index) => {
    if (!(field in row)) throw new RangeError(`categoricalSummary: row ${index + 1} has no field "${field}"`);
    const values = straightLevelsOf((row as Record<string, unknown>)[field], field);
    if (values === null) {
      unknown += 1;
      return;
    }
    for (const level of values) counts.set(level, (counts.get(level) ?? 0) + 1);
  });
  return { counts, unknown };
}

function straightTimefix(times: readonly number[]): number[] {
  const distinct = [...new Set(times.filter((time) => Number.isFinite(time)))].sort((a, b) => a - b);
  if (distinct.length < 2) return [...times];
  let absoluteSum = 0;
  for (const time of distinct) absoluteSum += Math.abs(time);
  const meanAbsolute = absoluteSum / distinct.length;
  const replacement = new Map<number, number>();
  let runStart = distinct[0]!;
  replacement.set(runStart, runStart);
  for (let i = 1; i < distinct.length; i++) {
    const difference = distinct[i]! - distinct[i - 1]!;
    const tied = difference <= TIMEFIX_TOLERANCE || difference / meanAbsolute <= TIMEFIX_TOLERANCE;
    if (!tied) runStart = distinct[i]!;
    replacement.set(distinct[i]!, runStart);
  }
  return times.map((time) => replacement.get(time) ?? time);
}

/** The KM table from an index array sorted by time (n, events, S, Greenwood, Nelson-Aalen). */
function straightTable(times: readonly number[], events: readonly (0 | 1)[]): KaplanMeierTable {
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  const table: KaplanMeierTable = {
    time: [],
    n_risk: [],
    n_event: [],
    n_censor: [],
    surv: [],
    std_err: [],
    se_surv: [],
    cumhaz: [],
    std_chaz: [],
  };
  let atRisk = times.length;
  let surv = 1;
  let greenwood = 0;
  let cumhaz = 0;
  let chazVariance = 0;
  for (let start = 0; start < order.length; ) {
    const time = times[order[start]!]!;
    let end = start;
    let deaths = 0;
    while (end < order.length && times[order[end]!] === time) deaths += events[order[end++]!]!;
    const leaving = end - start;
    if (deaths > 0) {
      surv = surv * ((atRisk - deaths) / atRisk);
      greenwood += deaths / (atRisk * (atRisk - deaths));
      cumhaz += deaths / atRisk;
      chazVariance += deaths / (atRisk * atRisk);
    }
    const stdErr = Math.sqrt(greenwood);
    table.time.push(time);
    table.n_risk.push(atRisk);
    table.n_event.push(deaths);
    table.n_censor.push(leaving - deaths);
    table.surv.push(surv);
    table.std_err.push(stdErr);
    table.se_surv.push(surv * stdErr);
    table.cumhaz.push(cumhaz);
    table.std_chaz.push(Math.sqrt(chazVariance));
    atRisk -= leaving;
    start = end;
  }
  return table;
}

/** approx(method = "constant") by sorting the pairs and averaging the indices of tied values. */
function straightApproxIndex(xs: readonly (number | null)[], v: number): number | null {
  const pairs: { x: number; index: number }[] = [];
  xs.forEach((x, i) => {
    if (x !== null && !Number.isNaN(x)) pairs.push({ x, index: i + 1 });
  });
  pairs.sort((a, b) => a.x - b.x);
  const points: { x: number; index: number }[] = [];
  for (let start = 0; start < pairs.length; ) {
    let end = start;
    let indexSum = 0;
    while (end < pairs.length && pairs[end]!.x === pairs[start]!.x) indexSum += pairs[end++]!.index;
    points.push({ x: pairs[start]!.x, index: indexSum / (end - start) });
    start = end;
  }
  if (points.length === 0) return null;
  if (v < points[0]!.x || v > points[points.length - 1]!.x) return null;
  for (const point of points) if (point.x >= v) return point.index;
  return null;
}

function straightFindQuantile(x: readonly number[], y: readonly (number | null)[], p: number): number | null {
  const present = y.filter((value): value is number => value !== null);
  if (present.length === 0 || Math.max(...present) < p) return null;
  const lastX = x[x.length - 1]!;
  const keptX: number[] = [];
  const keptY: (number | null)[] = [];
  const seen = new Set<number | null>();
  y.forEach((value, i) => {
    if (seen.has(value)) return;
    seen.add(value);
    keptX.push(x[i]!);
    keptY.push(value);
  });
  const at = (index: number | null): number | null => (index === null ? null : keptX[Math.trunc(index) - 1]!);
  const shifted = (shift: number) => keptY.map((v) => (v === null ? null : v + shift));
  const above = at(straightApproxIndex(shifted(TIMEFIX_TOLERANCE), p));
  const below = at(straightApproxIndex(shifted(-TIMEFIX_TOLERANCE), p));
  let quantile = above === null || below === null ? null : (above + below) / 2;
  if (p === 0) quantile = keptX[0]!;
  const last = keptY[keptY.length - 1];
  if (last !== null && last !== undefined && Math.abs(p - last) < TIMEFIX_TOLERANCE) {
    quantile = above === null ? null : (above + lastX) / 2;
  }
  return quantile;
}

function straightQuantile(
  time: readonly number[],
  surv: readonly number[],
  lower: readonly (number | null)[],
  upper: readonly (number | null)[],
  p: number,
  startTime = 0,
) {
  const x = [startTime, ...time];
  const complement = (band: readonly (number | null)[]): (number | null)[] => [
    0,
    ...band.map((value) => (value === null || Number.isNaN(value) ? null : 1 - value)),
  ];
  return {
    quantile: straightFindQuantile(x, complement(surv), p),
    lower: straightFindQuantile(x, complement(lower), p),
    upper: straightFindQuantile(x, complement(upper), p),
  };
}

/** What a call throws (its class and message), or its result. */
function outcome<T>(work: () => T): { value: T } | { error: string } {
  try {
    return { value: work() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** Times with ties, near-ties (0.1 + 0.2 vs 0.3), -0 beside 0, negatives, and continuous values. */
const time = fc.oneof(
  fc.integer({ min: -4, max: 40 }).map((t) => t / 2),
  fc.constantFrom(0, -0, 0.1 + 0.2, 0.3, 1e-9, -1e-9, 5 + 1e-12),
  fc.double({ min: -50, max: 50, noNaN: true }),
);
const observations = fc.array(fc.record({ time, event: fc.constantFrom<0 | 1>(0, 1) }), {
  minLength: 1,
  maxLength: 80,
});

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom('lung', 'brain', 'liver', 'yes', 'no', '0', ''),
  fc.constantFrom(0, -0, 1, 1.5, 2, 10),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 5 }),
  fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxLength: 4 }),
);

/** 1 - value + or - the tolerance lands exactly on p for these: approx's "v equal to an x" case. */
const onTheTolerance = [0.25, 0.5, 0.75].flatMap((p) => [
  1 - (p - TIMEFIX_TOLERANCE),
  1 - (p + TIMEFIX_TOLERANCE),
]);
const band = fc.oneof(
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constantFrom(0, 0.25, 0.5, 0.75, 1, 0.5 + 1e-12, ...onTheTolerance),
  fc.double({ min: 0, max: 1, noNaN: true }),
);
const probability = fc.oneof(
  fc.constantFrom(0, 0.25, 0.5, 0.75, 1),
  fc.double({ min: 0, max: 1, noNaN: true }),
);

// ---------------------------------------------------------------------------------------------------------

describe('faster paths give what the straightforward code gives', () => {
  it('levelsOf: distinct levels of an array in first-seen order, nested arrays flattened, nulls skipped', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => levelsOf(v, 'v'))).toEqual(outcome(() => straightLevelsOf(v, 'v')));
      }),
    );
  });

  it('categoricalSummary: counts, unknowns and observed levels per row without an array per row', () => {
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 40 }),
        fc.option(fc.array(fc.string(), { maxLength: 4 })),
        (values, levels) => {
          const rows = values.map((v) => ({ v }));
          const summary = categoricalSummary(rows, 'v', levels ?? undefined);
          const { counts, unknown } = straightCounts(rows, 'v');
          expect(summary.unknown).toBe(unknown);
          expect(summary.denominator).toBe(rows.length - unknown);
          for (const level of summary.levels) expect(level.count).toBe(counts.get(level.level) ?? 0);
          if (!levels) expect(summary.levels.map((l) => l.level).sort()).toEqual([...counts.keys()].sort());
        },
      ),
    );
  });

  it('categoricalSummary: the same errors for a missing field and for a value it cannot summarise', () => {
    for (const bad of [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      {},
      ['lung', undefined],
      [[Number.NaN]],
    ]) {
      const rows = [{ v: 'lung' }, { v: bad }];
      expect(outcome(() => categoricalSummary(rows, 'v'))).toEqual(outcome(() => straightCounts(rows, 'v')));
    }
    const missing = [{ v: true }, { w: true }];
    expect(outcome(() => categoricalSummary(missing, 'v'))).toEqual(
      outcome(() => straightCounts(missing, 'v')),
    );
  });

  it('timefix: the same times, a -0 included', () => {
    const extra = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    fc.assert(
      fc.property(fc.array(fc.oneof(time, extra), { maxLength: 60 }), (times) => {
        expect(timefix(times)).toEqual(straightTimefix(times));
      }),
    );
    for (const times of [
      [0, -0],
      [-0, 0],
      [-0, 1],
      [1, -0, 0],
      [-1e-10, -0, 0, 2],
      [0.1 + 0.2, 0.3, -0],
    ]) {
      expect(timefix(times)).toEqual(straightTimefix(times));
    }
  });

  it('kaplanMeier: the same table from sorted typed arrays of times as from sorting the subjects', () => {
    fc.assert(
      fc.property(observations, fc.boolean(), (subjects, fix) => {
        const times = subjects.map((s) => s.time);
        const expected = straightTable(
          fix ? straightTimefix(times) : times,
          subjects.map((s) => s.event),
        );
        expect(kaplanMeier(subjects, { timefix: fix }).table).toEqual(expected);
      }),
    );
    for (const times of [
      [0, -0],
      [-0, 0, 1],
      [2, -0, 0, -0],
    ]) {
      const subjects = times.map((t, i): SurvivalObservation => ({ time: t, event: (i % 2) as 0 | 1 }));
      const expected = straightTable(
        times,
        subjects.map((s) => s.event),
      );
      expect(kaplanMeier(subjects, { timefix: false }).table).toEqual(expected);
    }
  });

  it('kaplanMeierQuantile: the same quantiles and limits on fitted curves', () => {
    fc.assert(
      fc.property(
        observations,
        fc.constantFrom<'log' | 'log-log'>('log', 'log-log'),
        probability,
        (subjects, confType, p) => {
          const { table, lower, upper } = kaplanMeier(subjects, { confType });
          const startTime = Math.min(0, table.time[0]!);
          expect(kaplanMeierQuantile(table.time, table.surv, lower, upper, p, startTime)).toEqual(
            straightQuantile(table.time, table.surv, lower, upper, p, startTime),
          );
        },
      ),
    );
  });

  it('kaplanMeierQuantile: the same on arbitrary bands (NA, NaN, plateaus at p, not monotone)', () => {
    const curve = fc
      .array(fc.record({ surv: band, lower: band, upper: band }), { minLength: 1, maxLength: 30 })
      .map((rows) => {
        const surv = rows.map((r) => r.surv ?? 0).map((s) => (Number.isNaN(s) ? 0.5 : s));
        surv.sort((a, b) => b - a);
        return {
          time: rows.map((_, i) => i + 1),
          surv,
          lower: rows.map((r) => r.lower),
          upper: rows.map((r) => r.upper),
        };
      });
    fc.assert(
      fc.property(curve, probability, ({ time: t, surv, lower, upper }, p) => {
        expect(kaplanMeierQuantile(t, surv, lower, upper, p)).toEqual(
          straightQuantile(t, surv, lower, upper, p),
        );
      }),
    );
  });

  it("summariseSurvival: kaplanMeier's printed median, n and events, with the unknowns counted", () => {
    const row = fc.record({
      os_months: fc.option(time.map(Math.abs)),
      os_event: fc.option(fc.constantFrom<0 | 1>(0, 1)),
    });
    const plan = {
      variables: [],
      survival: {
        confType: 'log' as const,
        endpoints: [{ id: 'e', label: 'E', time: 'os_months', event: 'os_event', followUp: true }],
        comparisons: [],
        models: [],
      },
    };
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const summary = summariseSurvival(rows, plan);
        for (const reverse of [false, true]) {
          const subjects = rows.flatMap((r) =>
            r.os_months === null || r.os_event === null
              ? []
              : [{ time: r.os_months, event: (reverse ? 1 - r.os_event : r.os_event) as 0 | 1 }],
          );
          const got = reverse ? summary.followUp.e! : summary.curves.e!.groups[0]!;
          if (!reverse) expect(summary.curves.e!.notReported).toBe(rows.length - subjects.length);
          if (subjects.length === 0) {
            expect(got).toEqual({ group: null, n: 0, events: 0, median: null, lower: null, upper: null });
            continue;
          }
          const curve = kaplanMeier(subjects);
          expect(got).toEqual({
            group: null,
            n: curve.n,
            events: curve.events,
            median: curve.median_print.median,
            lower: curve.median_print.lcl,
            upper: curve.median_print.ucl,
          });
        }
      }),
    );
  });
});

describe('more subjects than a spread of arguments allows', () => {
  // Math.max(...values) and Math.min(0, ...times) overflow the stack at some 120,000 arguments.
  const many = Array.from({ length: 150_000 }, (_, i) => ({
    time: 1 + i / 1000,
    event: (i % 3 === 0 ? 1 : 0) as 0 | 1,
    group: i % 2 === 0 ? 'a' : 'b',
  }));

  it('kaplanMeier with 150,000 distinct times gives its quantiles', () => {
    const fit = kaplanMeier(many);
    expect(fit.table.time).toHaveLength(150_000);
    expect(fit.quantile_50.quantile).toBeTypeOf('number');
  });

  it('kaplanMeierByGroup with 150,000 subjects starts at 0', () => {
    const curves = kaplanMeierByGroup(many);
    expect(curves.map((curve) => curve.strata)).toEqual(['a', 'b']);
    expect(curves[0]!.rmean_common.rmean).toBeGreaterThan(1);
  });
});
