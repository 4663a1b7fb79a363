// Recompute benchmark: how long the statistics of a review take at 130 and at 100,000 patients, as pure
// computation and as the whole use case against the embedded store (dynalite on LevelDB, one server process,
// loopback HTTP), and how much memory a process needs for it.
//
//   npx tsx bench/recompute.bench.ts [--sizes 130,100000] [--runs 3] [--wide-only]
//
// Two reviews, each from its protocol:
// - IESM (protocols/iesm.yaml: 38 variables, Tables I-III, 2 endpoints, 4 comparisons). Patients are drawn from
//   the synthetic IESM cohort's distribution: whole cohort rows resampled (so every cross-field rule still holds)
//   with a fresh id, the age moved by up to 5 years and the OS and LC times scaled by one factor in [0.8, 1.2]
//   (LC stays <= OS), dealt to studies of about 2.5 patients (51 studies at 130; at most 2,000).
// - "wide": a protocol of 40 declared variables of every type (12 numbers, 4 integers, 10 categorical, 3
//   multi-valued, 8 yes/no, 2 events, a date), a table of 24 rows over them, 2 endpoints and 4 comparisons, with
//   random values (about 5% not reported). Pure computation only: the goal is 100,000 such rows in 1 s.
// A fixed seed makes every run draw the same patients.
//
// Each size runs in its own child process (peak RSS is per process). Figures printed per size:
// - computeStatisticsSnapshot: one warm-up, then the median and min of --runs runs, and the median time of
//   its parts (variable summaries, tables, survival: endpoints, comparisons, log-rank);
// - import: importPatientRows of the CSV (parse + validate every row, check studies, BatchWriteItem, recompute);
// - listPatientRows alone (Query pages, zod validation of every row);
// - recompute after one changed row (read, compute, diff, gzip, store v2), and with nothing changed;
// - the stored snapshot's size (JSON, gzip, items);
// - peak RSS (resourceUsage().maxRSS).
// Asserts nothing; the goal for the pure computation at 100,000 patients is under 1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../cli/demo/seeded-random.ts';
import { DynamoEvidenceStore } from '../shared/adapters/dynamodb/evidence-store.ts';
import { openEmbeddedStore, stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { importPatientRows } from '../shared/app/import-patient-rows.ts';
import { recomputeStatistics } from '../shared/app/recompute-statistics.ts';
import { loadProtocolFile } from '../shared/config/load-protocols.ts';
import { patientRowsToCsv } from '../shared/domain/extraction/export-rows.ts';
import { type PatientRow, rowSchemaOf } from '../shared/domain/extraction/patient-row.ts';
import type { AnalysisPlan } from '../shared/domain/protocol/analysis.ts';
import { analysisPlanOf } from '../shared/domain/protocol/plan.ts';
import { protocolSchema } from '../shared/domain/protocol/protocol.ts';
import { computeStatisticsSnapshot } from '../shared/domain/stats/snapshot.ts';
import { summariseSurvival } from '../shared/domain/stats/survival-summary.ts';
import { buildTables } from '../shared/domain/stats/tables.ts';
import { summariseVariables } from '../shared/domain/stats/variable-summary.ts';
import { loadSyntheticCohort } from '../test/unit/extraction/reference-fixtures.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '130,100000' },
    size: { type: 'string' },
    review: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'wide-only': { type: 'boolean' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const REVIEW = 'bench';
const IESM = { ...loadProtocolFile(join(import.meta.dirname, '..', 'protocols', 'iesm.yaml')), id: REVIEW };

const print = (line = '') => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

const round1 = (value: number) => Math.round(value * 10) / 10;

export function syntheticPatients(count: number, seed = 20240607): { rows: PatientRow[]; studies: string[] } {
  const cohort = loadSyntheticCohort();
  const next = seededRandom(seed);
  const studyCount = Math.min(2000, Math.max(1, Math.round(count / 2.55)));
  const studies = Array.from({ length: studyCount }, (_, i) => `s${String(i + 1).padStart(5, '0')}`);
  const rows = Array.from({ length: count }, (_, i): PatientRow => {
    const base = cohort[Math.floor(next() * cohort.length)]!;
    const factor = 0.8 + next() * 0.4;
    const baseAge = base.age_years as number | null;
    const baseOs = base.os_months as number | null;
    const baseLc = base.lc_months as number | null;
    const age = baseAge === null ? null : Math.min(95, Math.max(18, baseAge + Math.round(next() * 10 - 5)));
    const os = baseOs === null ? null : Math.max(0.1, round1(baseOs * factor));
    let lc = baseLc === null ? null : Math.max(0.1, round1(baseLc * factor));
    if (lc !== null && os !== null && lc > os) lc = os;
    return {
      ...base,
      patientId: `P${String(i + 1).padStart(6, '0')}`,
      studyId: studies[i % studyCount]!,
      age_years: age,
      os_months: os,
      lc_months: lc,
    };
  });
  return { rows, studies };
}

/** The "wide" review: 40 variables of every type, a table over them, 2 endpoints, 4 comparisons. */
export function wideReview(
  count: number,
  seed = 4040,
): { plan: AnalysisPlan; rows: PatientRow[]; studies: string[] } {
  const variables: Record<string, unknown>[] = [];
  for (let i = 1; i <= 12; i++) variables.push({ name: `n${i}`, type: 'number', unit: 'mg', min: 0 });
  for (let i = 1; i <= 4; i++) variables.push({ name: `i${i}`, type: 'integer', min: 0 });
  for (let i = 1; i <= 10; i++)
    variables.push({ name: `c${i}`, type: 'categorical', levels: ['a', 'b', 'c', 'd', 'e'] });
  for (let i = 1; i <= 3; i++)
    variables.push({ name: `m${i}`, type: 'multi-categorical', levels: ['x', 'y', 'z', 'w'] });
  for (let i = 1; i <= 8; i++) variables.push({ name: `y${i}`, type: 'yes-no' });
  variables.push({ name: 't1', type: 'number', unit: 'months', min: 0 }, { name: 'e1', type: 'event' });
  variables.push({ name: 'd1', type: 'date' });
  variables.splice(0, 2); // 40 in all, two of the numbers make room for the second endpoint's time and event
  variables.push({ name: 't2', type: 'number', unit: 'months', min: 0 }, { name: 'e2', type: 'event' });
  const row = (kind: string, variable: string, extra: Record<string, unknown> = {}) =>
    kind === 'levels' ? { kind, variable, ...extra } : { kind, variable, label: variable, ...extra };
  const protocol = protocolSchema.parse({
    ...IESM,
    extraction: { variables, rules: [{ must: { variable: 't2', atMost: 't1' } }] },
    tables: [
      {
        id: 'W',
        title: 'Wide',
        sections: [
          {
            title: 'All',
            rows: [
              { kind: 'count', label: 'Patients' },
              ...['n3', 'n4', 'n5', 'n6', 'i1', 'i2'].map((v) => row('median-range', v, { iqr: true })),
              ...['c1', 'c2', 'c3', 'c4', 'c5', 'm1', 'm2'].map((v) =>
                row('levels', v, { levels: 'observed' }),
              ),
              ...['y1', 'y2', 'y3', 'y4', 'y5'].map((v) => row('level', v, { level: 'yes' })),
              ...['c6', 'c7'].map((v) =>
                row('level', v, { level: 'a', subset: { variable: 'y1', level: 'yes' } }),
              ),
              row('median-range', 'n7', { subset: { variable: 'c1', level: 'b' } }),
              row('levels', 'm3', { levels: 'observed', levelsFrom: { variable: 'y2', level: 'no' } }),
            ],
          },
        ],
      },
    ],
    survival: {
      endpoints: [
        { id: 'e_one', label: 'Endpoint one', time: 't1', event: 'e1', followUp: true },
        { id: 'e_two', label: 'Endpoint two', time: 't2', event: 'e2' },
      ],
      comparisons: [
        { id: 'one_by_c1', endpoint: 'e_one', by: 'c1' },
        { id: 'one_by_y1', endpoint: 'e_one', by: 'y1' },
        { id: 'two_by_c2', endpoint: 'e_two', by: 'c2' },
        { id: 'one_by_study', endpoint: 'e_one', by: 'studyId' },
      ],
    },
    updateTriggers: [],
  });
  const plan = analysisPlanOf(protocol);
  if (plan.variables.length !== 40) throw new Error(`the wide review has ${plan.variables.length} variables`);
  const next = seededRandom(seed);
  const studyCount = Math.min(20, Math.max(1, Math.round(count / 2.55)));
  const studies = Array.from({ length: studyCount }, (_, i) => `w${String(i + 1).padStart(3, '0')}`);
  const missing = () => next() < 0.05;
  const rows = Array.from({ length: count }, (_, i): PatientRow => {
    const values: Record<string, unknown> = {
      patientId: `W${String(i + 1).padStart(6, '0')}`,
      studyId: studies[i % studyCount]!,
    };
    for (const variable of plan.variables) {
      if (missing() && !variable.name.startsWith('t') && !variable.name.startsWith('e')) {
        values[variable.name] = null;
        continue;
      }
      switch (variable.type) {
        case 'number':
          values[variable.name] = round1(next() * 200);
          break;
        case 'integer':
          values[variable.name] = Math.floor(next() * 30);
          break;
        case 'categorical':
          values[variable.name] = 'abcde'[Math.floor(next() * 5)]!;
          break;
        case 'multi-categorical':
          values[variable.name] = ['x', 'y', 'z', 'w'].filter(() => next() < 0.4);
          break;
        case 'yes-no':
          values[variable.name] = next() < 0.5;
          break;
        case 'event':
          values[variable.name] = next() < 0.6 ? 1 : 0;
          break;
        case 'date':
          values[variable.name] =
            `20${String(10 + Math.floor(next() * 15))}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 9)}`;
          break;
        default:
          values[variable.name] = 'note';
      }
    }
    values.t2 = Math.min(values.t2 as number, values.t1 as number);
    return values as PatientRow;
  });
  // The rows are what an import would accept: checked here once, so the bench never times nonsense.
  const schema = rowSchemaOf(protocol.extraction!);
  if (schema.variables.length !== 40) throw new Error('schema');
  return { plan, rows, studies };
}

async function benchPure(label: string, plan: AnalysisPlan, rows: PatientRow[], studies: string[]) {
  const input = { plan, version: 1, rows, includedStudies: studies, generatedAt: new Date().toISOString() };
  computeStatisticsSnapshot(input);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timed(() => computeStatisticsSnapshot(input))).ms);
  print(
    `${label} computeStatisticsSnapshot: median ${ms(median(times))}, min ${ms(Math.min(...times))} (${RUNS} runs after a warm-up)`,
  );
  const part = async (work: () => unknown) => {
    const partTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) partTimes.push((await timed(work)).ms);
    return ms(median(partTimes));
  };
  print(
    `  of which (medians): ${plan.variables.length} variable summaries ${await part(() => summariseVariables(rows, plan.variables))}, tables ${await part(() => buildTables(plan.reviewId, plan.tables, rows))}, survival (${plan.survival.endpoints.length} endpoints, ${plan.survival.comparisons.length} comparisons) ${await part(() => summariseSurvival(rows, plan))}`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

async function benchSize(size: number): Promise<void> {
  const { rows, studies } = syntheticPatients(size);
  print(
    `--- ${size.toLocaleString('en-US')} patients in ${studies.length.toLocaleString('en-US')} studies ---`,
  );

  // Pure computation, for both reviews.
  await benchPure('IESM', analysisPlanOf(IESM), rows, studies);
  const wide = wideReview(size);
  await benchPure('wide (40 variables)', wide.plan, wide.rows, wide.studies);
  if (values['wide-only']) return;

  // The use cases on the embedded store.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-recompute-'));
  const embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 60_000 });
  try {
    const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
    const clock = () => new Date();
    for (const citationId of studies) {
      await evidence.includeStudy({
        reviewId: REVIEW,
        citationId,
        includedAt: clock().toISOString(),
        includedBy: 'bench',
        source: 'manual',
        title: `Study ${citationId}`,
        pmid: null,
        doi: null,
        year: 2024,
        retracted: false,
        retractedAt: null,
        withdrawn: null,
      });
    }
    const csv = patientRowsToCsv(rows, rowSchemaOf(IESM.extraction!));
    const imported = await timed(() =>
      importPatientRows(
        { protocol: IESM, text: csv, format: 'csv', origin: 'bench.csv' },
        { evidence, clock },
      ),
    );
    print(
      `importPatientRows (${mb(csv.length)} CSV: parse, validate, write, recompute v1): ${ms(imported.ms)} (${Math.round((size / imported.ms) * 1000).toLocaleString('en-US')} rows/s)`,
    );
    const listed = await timed(() => evidence.listPatientRows(REVIEW));
    print(
      `listPatientRows (Query pages + zod): ${ms(listed.ms)} for ${listed.value.length.toLocaleString('en-US')} rows`,
    );

    const changed = { ...rows[0]!, sex: rows[0]!.sex === 'male' ? 'female' : 'male' };
    await evidence.putPatientRows(REVIEW, [
      { row: changed, origin: 'bench', importedAt: clock().toISOString() },
    ]);
    const v2 = await timed(() => recomputeStatistics({ protocol: IESM }, { evidence, clock }));
    print(
      `recomputeStatistics after one changed row (read, compute, diff, store v${v2.value.version}): ${ms(v2.ms)}`,
    );
    const same = await timed(() => recomputeStatistics({ protocol: IESM }, { evidence, clock }));
    print(
      `recomputeStatistics with nothing changed (read, compute, compare): ${ms(same.ms)} (changed: ${same.value.changed})`,
    );

    const stored = await evidence.getSnapshot(REVIEW, v2.value.version);
    const v1 = await evidence.getSnapshot(REVIEW, 1);
    for (const [name, snapshot] of [
      ['v1 (no diff)', v1],
      ['v2 (with diff)', stored],
    ] as const) {
      if (!snapshot) continue;
      print(
        `stored snapshot ${name}: ${kb(snapshot.storage.jsonBytes)} JSON -> ${kb(snapshot.storage.storedBytes)} gzip in ${snapshot.storage.items} item${snapshot.storage.items === 1 ? '' : 's'}`,
      );
    }
  } finally {
    await embedded.close();
    await stopEmbeddedServer(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
  print(
    `peak RSS of this process: ${mb(process.resourceUsage().maxRSS * 1024)} (the dynalite server is a separate process)`,
  );
}

if (values.size && import.meta.filename === process.argv[1]) {
  await benchSize(Number(values.size));
} else if (import.meta.filename === process.argv[1]) {
  print(
    `recompute benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
  );
  for (const size of values.sizes.split(',').map(Number)) {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        import.meta.filename,
        '--size',
        String(size),
        '--runs',
        String(RUNS),
        ...(values['wide-only'] ? ['--wide-only'] : []),
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) process.exitCode = 1;
  }
}
