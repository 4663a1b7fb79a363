// What importing a large export costs in memory and disk, as a user runs it: `living-review import FILE
// --source embase` on a generated Ovid-style RIS file into an empty embedded store, the real CLI in its own
// process and the store server in its own.
//
//   npx tsx bench/import-footprint.bench.ts [--records 20000] [--data DIR]
//
// Prints: the file's size; the CLI's and the store server's peak resident memory (VmHWM, read from /proc
// while they run); the wall time and records/s; the data directory's size when the import ends, the live data
// (the same directory after LevelDB compacts it completely), and their ratio; how many LevelDB table files it
// holds. Asserts nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../cli/demo/seeded-random.ts';
import { stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { readLock } from '../shared/adapters/embedded/store-lock.ts';
import { fmt, load, print, pseudoWord } from './support/store-bench.ts';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '20000' }, data: { type: 'string' } },
});
const RECORDS = Number(values.records);
const REPO = join(import.meta.dirname, '..');

// --------------------------------------------------------------------------------------------- the file

const WORDS = (
  'patients outcomes cancer metastases spinal surgery cohort analysis risk treatment survival children ' +
  'adults therapy clinical effect radiotherapy tumour cord compression imaging resection intradural ' +
  'extramedullary lung breast renal melanoma prognosis randomised trial systematic review meta mortality ' +
  'quality life pain neurological deficit decompression stereotactic radiosurgery chemotherapy immunotherapy'
).split(' ');
function word(random: () => number): string {
  if (random() < 0.6) return WORDS[Math.floor(random() * WORDS.length)]!;
  return pseudoWord(random);
}

function sentence(random: () => number, words: number): string {
  const text = Array.from({ length: words }, () => word(random)).join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

function risRecord(n: number): string {
  const random = seededRandom(n * 7919 + 17);
  const lines = ['TY  - JOUR', 'DB  - Embase', `AN  - ${2_000_000_000 + n}`];
  lines.push(`T1  - ${sentence(random, 8 + Math.floor(random() * 10)).slice(0, -1)}`);
  for (let a = 0; a < 3 + Math.floor(random() * 8); a++) {
    const family = word(random);
    lines.push(
      `A1  - ${family[0]!.toUpperCase()}${family.slice(1)} ${String.fromCharCode(65 + Math.floor(random() * 26))}.`,
    );
  }
  lines.push(`Y1  - ${2000 + Math.floor(random() * 25)}//`);
  lines.push(`JF  - Journal of ${word(random)} ${word(random)}`);
  lines.push(`VL  - ${1 + Math.floor(random() * 150)}`, `IS  - ${1 + Math.floor(random() * 12)}`);
  const page = 1 + Math.floor(random() * 900);
  lines.push(`SP  - ${page}`, `EP  - ${page + 5 + Math.floor(random() * 10)}`);
  lines.push(`M3  - Article`, 'LA  - English');
  const abstract = Array.from({ length: 8 + Math.floor(random() * 8) }, () => sentence(random, 12)).join(' ');
  lines.push(`N2  - ${abstract}`);
  for (let k = 0; k < 8; k++) lines.push(`KW  - ${word(random)} ${word(random)}`);
  if (random() < 0.6) lines.push(`DO  - https://dx.doi.org/10.5555/bench.${n}`);
  lines.push('ER  - ', '');
  return lines.join('\r\n');
}

// ----------------------------------------------------------------------------------------- measuring

/** Peak resident memory of a process (kB), null when it is gone. */
function peakKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const peak = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return peak === undefined ? null : Number(peak);
  } catch {
    return null;
  }
}

function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? du(path) : statSync(path).size;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const workDir = mkdtempSync(join(tmpdir(), 'lr-bench-footprint-'));
const file = join(workDir, 'embase.ris');
const dataDir = values.data ?? join(workDir, 'data');
writeFileSync(file, Array.from({ length: RECORDS }, (_, n) => risRecord(n)).join('\r\n'));

print(
  '# Import footprint: `living-review import` of a generated Ovid-style RIS file into an empty embedded store',
);
print(`node ${process.version}, ${cpus().length} CPUs; load average at start: ${load()}`);
print(`file: ${fmt(RECORDS)} records, ${mb(statSync(file).size)}`);

const started = performance.now();
let cliPeak = 0;
let serverPeak = 0;
let serverPid: number | null = null;
const child = execFile(
  process.execPath,
  [
    join(REPO, 'cli/living-review.js'),
    'import',
    file,
    '--review',
    'iesm',
    '--source',
    'embase',
    '--data',
    dataDir,
  ],
  { cwd: REPO, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LIVING_REVIEW_STORE_IDLE_MS: '600000' } },
);
let stdout = '';
let stderr = '';
child.stdout?.on('data', (chunk) => {
  stdout += chunk;
});
child.stderr?.on('data', (chunk) => {
  stderr += chunk;
});
const poll = setInterval(() => {
  if (child.pid) cliPeak = Math.max(cliPeak, peakKb(child.pid) ?? 0);
  if (serverPid === null) {
    void readLock(dataDir).then((lock) => {
      if (lock && lock !== 'unreadable' && lock.state === 'ready') serverPid = lock.pid;
    });
  } else serverPeak = Math.max(serverPeak, peakKb(serverPid) ?? 0);
}, 100);
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
clearInterval(poll);
const wallMs = performance.now() - started;
if (serverPid) serverPeak = Math.max(serverPeak, peakKb(serverPid) ?? 0);
if (code !== 0) {
  print(`import failed (exit ${code}):\n${stderr.slice(-2000)}`);
  process.exit(1);
}
print(`import: ${stdout.trim().split('\n').at(-1)}`);
print(`  wall time ${(wallMs / 1000).toFixed(1)} s, ${fmt((RECORDS / wallMs) * 1000)} records/s`);
print(`  peak resident memory: CLI ${fmt(cliPeak / 1024)} MiB, store server ${fmt(serverPeak / 1024)} MiB`);

const leveldb = join(dataDir, 'dynamodb');
const tables = () => readdirSync(leveldb).filter((name) => name.endsWith('.ldb')).length;
const atEnd = du(leveldb);
const tablesAtEnd = tables();
await stopEmbeddedServer(dataDir);
// The live data: the same LevelDB compacted completely (what remains is only what is still referenced).
const { ClassicLevel } = createRequire(import.meta.url)('classic-level') as {
  ClassicLevel: new (
    path: string,
  ) => { open(): Promise<void>; compactRange(a: string, b: string): Promise<void>; close(): Promise<void> };
};
const db = new ClassicLevel(leveldb);
await db.open();
await db.compactRange('\u0000', '\uffff');
await db.close();
const live = du(leveldb);
print(
  `  data directory at the end of the import: ${mb(atEnd)} (${tablesAtEnd} table files); live data (compacted): ${mb(live)}; ratio ${(atEnd / live).toFixed(2)}`,
);
print(`load average at end: ${load()}`);
if (!values.data) rmSync(workDir, { recursive: true, force: true });
