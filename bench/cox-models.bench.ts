// Cox models in the statistics snapshot: what the breast-ipd protocol's two declared models (hormone therapy
// alone, and adjusted for age, nodes and tumour size; both stratified by study) add to a recompute of a large
// pooled IPD set.
//
//   npx tsx bench/cox-models.bench.ts [--rows 100000] [--studies 20] [--runs 3]
//
// Rows carry every breast-ipd variable, drawn with a fixed seed (per study its own baseline hazard; about 2% of
// nodes not reported, so complete-case selection is part of the work). Printed: the median and min wall time of
// --runs computations (after one warm-up) of fitCoxModels alone, and of computeStatisticsSnapshot with the
// models and without them (the protocol's models removed), the difference being what the models cost a
// recompute; the fitted hazard ratios as a sanity check; peak RSS. Asserts nothing.
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';
import { seededRandom } from '../cli/demo/seeded-random.ts';
import { loadProtocolFile } from '../shared/config/load-protocols.ts';
import { analysisPlanOf } from '../shared/domain/protocol/plan.ts';
import { columnsOf } from '../shared/domain/stats/columns.ts';
import { type CoxModelFit, fitCoxModels } from '../shared/domain/stats/cox-models.ts';
import { computeStatisticsSnapshot } from '../shared/domain/stats/snapshot.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    studies: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
  },
});
const ROWS = Number(values.rows);
const STUDIES = Number(values.studies);
const RUNS = Math.max(1, Number(values.runs));
const print = (line = '') => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(0)} ms`;
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

const protocol = loadProtocolFile(join(import.meta.dirname, '..', 'protocols', 'breast-ipd.yaml'));
const plan = analysisPlanOf(protocol);
const withoutModels = { ...plan, survival: { ...plan.survival, models: [] } };

const random = seededRandom(14);
const studies = Array.from({ length: STUDIES }, (_, s) => `study-${String(s).padStart(2, '0')}`);
const baseline = studies.map(() => 0.01 + random() * 0.02);
const rows = Array.from({ length: ROWS }, (_, i) => {
  const s = i % STUDIES;
  const age = 30 + Math.floor(random() * 55);
  const nodes = Math.floor(-Math.log(1 - random()) * 4);
  const size = ['le20', '20to50', 'gt50'][Math.floor(random() * 3)]!;
  const hormone = random() < 0.3;
  const risk = Math.exp(
    0.005 * age + 0.07 * nodes + (size === 'gt50' ? 0.27 : size === 'le20' ? -0.4 : 0) - (hormone ? 0.15 : 0),
  );
  const eventTime = -Math.log(1 - random()) / (baseline[s]! * risk);
  const followUp = 12 + random() * 120;
  const rfs = Math.max(0.5, Math.round(Math.min(eventTime, followUp) * 10) / 10);
  return {
    patientId: `p${i}`,
    studyId: studies[s]!,
    age_years: age,
    menopausal_status: age > 50 ? 'post' : 'pre',
    tumour_size: size,
    grade: String(1 + Math.floor(random() * 3)),
    positive_nodes: random() < 0.02 ? null : nodes,
    pgr_fmol: Math.round(random() * 500),
    er_fmol: Math.round(random() * 500),
    hormone_therapy: hormone,
    chemotherapy: random() < 0.2,
    rfs_months: rfs,
    rfs_event: eventTime <= followUp ? 1 : 0,
    os_months: rfs + Math.round(random() * 20),
    os_event: 0,
  };
});

function time(run: () => unknown): { median: number; min: number } {
  run();
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return { median: median(times), min: Math.min(...times) };
}

const snapshotOf = (p: typeof plan) =>
  computeStatisticsSnapshot({ plan: p, version: 1, rows, includedStudies: studies, generatedAt: 'bench' });

print(
  `${ROWS.toLocaleString('en')} rows, ${STUDIES} studies, ${plan.survival.models.length} models, ${RUNS} runs`,
);
const models = time(() => fitCoxModels(plan, columnsOf(rows)));
print(`fitCoxModels (both models): median ${ms(models.median)}, min ${ms(models.min)}`);
const full = time(() => snapshotOf(plan));
const bare = time(() => snapshotOf(withoutModels));
print(`computeStatisticsSnapshot with models: median ${ms(full.median)}, min ${ms(full.min)}`);
print(`computeStatisticsSnapshot without models: median ${ms(bare.median)}, min ${ms(bare.min)}`);
print(`models add about ${ms(full.median - bare.median)} to a recompute`);
for (const [id, model] of Object.entries(fitCoxModels(plan, columnsOf(rows)))) {
  const fit = model as CoxModelFit;
  print(
    `${id}: n ${fit.n} (${fit.notUsed.rows} left out), ${fit.events} events; ` +
      fit.terms.map((t) => `${t.term} HR ${t.hr?.toFixed(3)}`).join(', '),
  );
}
print(`peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
