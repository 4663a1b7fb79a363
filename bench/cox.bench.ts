// Cox regression benchmark: one stratified Cox fit (fitCox) over a large pooled IPD set, the size issue #14 sets
// a goal for: 100,000 rows, 5 covariates, 20 strata, under 2 s.
//
//   npx tsx bench/cox.bench.ts [--rows 100000] [--strata 20] [--runs 3]
//
// Rows are drawn with a fixed seed: per stratum (a "study") its own baseline hazard; covariates age (numeric),
// nodes (count), marker (skewed numeric), treated (0/1) and size (text, three levels: two terms), so 5 covariates
// and 6 coefficients; event times exponential given the covariates, in whole days (many ties), censored at a
// uniform follow-up, and 1% of ages missing (complete-case selection is part of the work).
//
// Printed: one warm-up fit, then the median and min wall time of --runs fits with Efron ties and with Breslow
// ties and their median CPU time (user + system, which other processes on the machine disturb less), the
// iterations, the share spent building the design (validation, factor coding, timefix, sorting) vs iterating,
// the coefficients (the true values are printed next to them, as a sanity check), and peak RSS. Asserts nothing.
import { resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';
import { seededRandom } from '../cli/demo/seeded-random.ts';
import { type CoxOptions, fitCox } from '../shared/domain/stats/cox.ts';
import { coxDesign } from '../shared/domain/stats/cox-design.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    strata: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
  },
});
const ROWS = Number(values.rows);
const STRATA = Number(values.strata);
const RUNS = Math.max(1, Number(values.runs));

const print = (line = '') => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(0)} ms`;
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

const TRUE_EFFECTS = {
  age: 0.01,
  nodes: 0.06,
  marker: -0.002,
  treated: -0.25,
  sizele20: -0.4,
  sizegt50: 0.3,
};

function syntheticRows(count: number, strata: number) {
  const next = seededRandom(20261207);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const baseline = Array.from({ length: strata }, () => 0.0002 * (0.5 + next()));
  return Array.from({ length: count }, (_, i) => {
    const stratum = i % strata;
    const age = Math.round(55 + 10 * normal());
    const nodes = Math.floor(-Math.log(1 - next()) * 3);
    const marker = Math.round(Math.exp(3 + 1.2 * normal()));
    const treated = next() < 0.5 ? 1 : 0;
    const u = next();
    const size = u < 0.4 ? 'le20' : u < 0.85 ? '20to50' : 'gt50';
    const lp =
      TRUE_EFFECTS.age * (age - 55) +
      TRUE_EFFECTS.nodes * nodes +
      TRUE_EFFECTS.marker * marker +
      TRUE_EFFECTS.treated * treated +
      (size === 'le20' ? TRUE_EFFECTS.sizele20 : size === 'gt50' ? TRUE_EFFECTS.sizegt50 : 0);
    const eventDay = -Math.log(1 - next()) / (baseline[stratum]! * Math.exp(lp));
    const followUp = 365 + next() * 3650;
    return {
      study: `study-${String(stratum + 1).padStart(2, '0')}`,
      days: Math.max(1, Math.ceil(Math.min(eventDay, followUp))),
      event: eventDay <= followUp ? 1 : 0,
      age: next() < 0.01 ? null : age,
      nodes,
      marker,
      treated,
      size,
    };
  });
}

function timed(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** CPU time (user + system) of `work`: less disturbed than wall time when other processes share the cores. */
function cpuTimed(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const rows = syntheticRows(ROWS, STRATA);
const options: CoxOptions = {
  time: 'days',
  event: 'event',
  covariates: ['age', 'nodes', 'marker', 'treated', 'size'],
  strata: 'study',
};
print(`--- ${ROWS.toLocaleString('en-US')} rows, 5 covariates (6 terms), ${STRATA} strata ---`);

for (const ties of ['efron', 'breslow'] as const) {
  const fit = fitCox(rows, { ...options, ties }); // warm-up
  const times = Array.from({ length: RUNS }, () => timed(() => fitCox(rows, { ...options, ties })));
  const cpu = Array.from({ length: RUNS }, () => cpuTimed(() => fitCox(rows, { ...options, ties })));
  const design = median(Array.from({ length: RUNS }, () => timed(() => coxDesign(rows, options))));
  print(
    `fitCox (${ties}): median ${ms(median(times))}, min ${ms(Math.min(...times))} (${RUNS} runs after a warm-up), ` +
      `CPU median ${ms(median(cpu))}; ` +
      `${fit.iterations} iterations; building the design ${ms(design)} of it`,
  );
  if (ties === 'efron') {
    const distinctTimes = new Set(rows.map((row) => `${row.study}/${row.days}`)).size;
    print(
      `  n = ${fit.n} (${fit.notUsed.rows} left out), events = ${fit.events}, ${distinctTimes} distinct (stratum, day) times; ` +
        `warnings: ${fit.warnings.map((warning) => warning.code).join(', ') || 'none'}`,
    );
    print(
      `  coefficients (true): ${fit.terms
        .map(
          (term) =>
            `${term.term} ${term.coef!.toFixed(4)} (${TRUE_EFFECTS[term.term as keyof typeof TRUE_EFFECTS]})`,
        )
        .join(', ')}`,
    );
  }
}
print(`peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
