// Recompute benchmark: how long the statistics of a review take at 130 and at 100,000 patients, as pure
// computation and as the whole use case against the embedded store (dynalite on LevelDB, one server process,
// loopback HTTP), and how much memory a process needs for it.
//
//   npx tsx bench/recompute.bench.ts [--sizes 130,100000] [--runs 3]
//
// Patients are drawn from the synthetic IESM cohort's distribution: whole cohort rows resampled (so every
// cross-field rule still holds) with a fresh id, the age moved by up to 5 years and the OS and LC times scaled by
// one factor in [0.8, 1.2] (LC stays <= OS), dealt to studies of about 2.5 patients (51 studies at 130, as in
// the review; at most 2,000). A fixed seed makes every run draw the same patients.
//
// Each size runs in its own child process (peak RSS is per process). Figures printed per size:
// - computeStatisticsSnapshot: one warm-up, then the median and min of --runs runs, and the median time of
//   its parts (Tables I-III, each Kaplan-Meier summary);
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
import { patientRowsToCsv } from '../shared/domain/extraction/export-rows.ts';
import type { PatientRow } from '../shared/domain/extraction/patient-row.ts';
import { computeStatisticsSnapshot, kmSummary } from '../shared/domain/stats/snapshot.ts';
import { buildTables, IESM_TABLES } from '../shared/domain/stats/tables.ts';
import { loadSyntheticCohort } from '../test/unit/extraction/reference-fixtures.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '130,100000' },
    size: { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const REVIEW = 'bench';

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
    const age =
      base.age_years === null
        ? null
        : Math.min(95, Math.max(18, base.age_years + Math.round(next() * 10 - 5)));
    const os = base.os_months === null ? null : Math.max(0.1, round1(base.os_months * factor));
    let lc = base.lc_months === null ? null : Math.max(0.1, round1(base.lc_months * factor));
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

  // Pure computation.
  const input = {
    reviewId: REVIEW,
    version: 1,
    rows,
    includedStudies: studies,
    generatedAt: new Date().toISOString(),
  };
  computeStatisticsSnapshot(input);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timed(() => computeStatisticsSnapshot(input))).ms);
  print(
    `computeStatisticsSnapshot: median ${ms(median(times))}, min ${ms(Math.min(...times))} (${RUNS} runs after a warm-up)`,
  );
  // Where that time goes: the tables and each Kaplan-Meier summary alone (the rest is sorting the rows by
  // patient id and counting patients per study).
  const part = async (work: () => unknown) => {
    const partTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) partTimes.push((await timed(work)).ms);
    return ms(median(partTimes));
  };
  print(
    `  of which (medians): buildTables ${await part(() => buildTables(IESM_TABLES, rows))}, kmSummary OS ${await part(() => kmSummary(rows, 'os_months', 'os_event'))}, LC ${await part(() => kmSummary(rows, 'lc_months', 'lc_event'))}, follow-up ${await part(() => kmSummary(rows, 'os_months', 'os_event', { reverse: true }))}`,
  );

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
    const csv = patientRowsToCsv(rows);
    const imported = await timed(() =>
      importPatientRows(
        { reviewId: REVIEW, text: csv, format: 'csv', origin: 'bench.csv' },
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

    const changed = { ...rows[0]!, sex: rows[0]!.sex === 'male' ? ('female' as const) : ('male' as const) };
    await evidence.putPatientRows(REVIEW, [
      { row: changed, origin: 'bench', importedAt: clock().toISOString() },
    ]);
    const v2 = await timed(() => recomputeStatistics({ reviewId: REVIEW }, { evidence, clock }));
    print(
      `recomputeStatistics after one changed row (read, compute, diff, store v${v2.value.version}): ${ms(v2.ms)}`,
    );
    const same = await timed(() => recomputeStatistics({ reviewId: REVIEW }, { evidence, clock }));
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

if (values.size) {
  await benchSize(Number(values.size));
} else {
  print(
    `recompute benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
  );
  for (const size of values.sizes.split(',').map(Number)) {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--size', String(size), '--runs', String(RUNS)],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) process.exitCode = 1;
  }
}
