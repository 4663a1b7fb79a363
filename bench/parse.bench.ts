// Benchmark "Parse" (issue #2 §9): parsePubmedFile on generated PubMed XML of ~50 MB and ~100 MB, against
// Python's stdlib ElementTree iterparse (bench/parse_pubmed_iterparse.py) extracting the same fields from the
// same files. Every measurement runs in a fresh child process, so peak RSS (getrusage maxRSS) is that of the
// parse alone. Prints figures only; the goals (>= half Python's MB/s, peak RSS < 200 MB and flat in the file
// size) are reported, not asserted.
// Wall-clock figures on a shared machine swing with its load; the CPU-second column is steadier.
// Usage: npx tsx bench/parse.bench.ts [--runs N] [--mb 50]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePubmedFile } from '../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { generatePubmedXml } from './support/generate-pubmed-xml.ts';

interface Measurement {
  records: number;
  seconds: number;
  /** CPU time (user + system, all threads): what the parse costs when the machine is shared. */
  cpuSeconds: number;
  maxRssMb: number;
}

const ROOT = join(import.meta.dirname, '..');

/** Child mode: parse one file and report records, time and peak RSS as JSON on stdout. */
async function child(path: string, workers: number): Promise<void> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let records = 0;
  for await (const item of parsePubmedFile(path, { workers })) if ('citation' in item) records++;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const measurement: Measurement = {
    records,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    // resourceUsage().maxRSS is in kilobytes.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

function runNode(path: string, workers: number): Measurement {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', path, '--workers', String(workers)],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`node parse failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Measurement;
}

function runPython(path: string): Measurement {
  const result = spawnSync('python3', [join(import.meta.dirname, 'parse_pubmed_iterparse.py'), path], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`python parse failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Row {
  label: string;
  megabytes: number;
  records: number;
  seconds: number;
  mbPerSecond: number;
  mbPerCpuSecond: number;
  recordsPerSecond: number;
  maxRssMb: number;
}

/** Median time and median peak RSS of `runs` runs (the machine may be shared: medians resist outliers). */
function measure(label: string, path: string, runs: number, run: () => Measurement): Row {
  const measurements = Array.from({ length: runs }, run);
  const megabytes = statSync(path).size / 1e6;
  const seconds = median(measurements.map((m) => m.seconds));
  return {
    label,
    megabytes,
    records: measurements[0]!.records,
    seconds,
    mbPerSecond: megabytes / seconds,
    mbPerCpuSecond: megabytes / median(measurements.map((m) => m.cpuSeconds)),
    recordsPerSecond: measurements[0]!.records / seconds,
    maxRssMb: median(measurements.map((m) => m.maxRssMb)),
  };
}

function print(rows: Row[]): void {
  const header = [
    'implementation',
    'file MB',
    'records',
    's',
    'MB/s',
    'MB/CPU-s',
    'records/s',
    'peak RSS MB',
  ];
  const lines = rows.map((r) => [
    r.label,
    r.megabytes.toFixed(1),
    String(r.records),
    r.seconds.toFixed(2),
    r.mbPerSecond.toFixed(1),
    r.mbPerCpuSecond.toFixed(1),
    r.recordsPerSecond.toFixed(0),
    r.maxRssMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) {
    console.log(
      line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, mb: { type: 'string', default: '50' } },
  });
  const runs = Number(values.runs);
  const megabytes = Number(values.mb);
  const dir = mkdtempSync(join(tmpdir(), 'parse-bench-'));
  try {
    const small = await generatePubmedXml(join(dir, 'pubmed-1x.xml'), megabytes);
    const large = await generatePubmedXml(join(dir, 'pubmed-2x.xml'), megabytes * 2);
    console.log(
      `generated ${small.records} records (${(small.bytes / 1e6).toFixed(0)} MB) and ${large.records} records ` +
        `(${(large.bytes / 1e6).toFixed(0)} MB) from the NCBI fixtures; median of ${runs} runs, each in a fresh process\n`,
    );
    const rows: Row[] = [];
    for (const file of [small, large]) {
      rows.push(measure('node parsePubmedFile', file.path, runs, () => runNode(file.path, 0)));
      rows.push(measure('python iterparse', file.path, runs, () => runPython(file.path)));
    }
    rows.push(measure('node, 2 worker threads', small.path, 1, () => runNode(small.path, 2)));
    print(rows);

    const [nodeSmall, pythonSmall, nodeLarge] = rows;
    const ratio = nodeSmall!.mbPerSecond / pythonSmall!.mbPerSecond;
    const cpuRatio = nodeSmall!.mbPerCpuSecond / pythonSmall!.mbPerCpuSecond;
    console.log(
      `\nthroughput: node ${nodeSmall!.mbPerSecond.toFixed(1)} MB/s = ${(ratio * 100).toFixed(0)}% of python's ` +
        `${pythonSmall!.mbPerSecond.toFixed(1)} MB/s (${(cpuRatio * 100).toFixed(0)}% per CPU-second); ` +
        `goal >= 50%: ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
    const peak = Math.max(nodeSmall!.maxRssMb, nodeLarge!.maxRssMb);
    console.log(
      `memory: node peak RSS ${nodeSmall!.maxRssMb.toFixed(0)} MB at ${nodeSmall!.megabytes.toFixed(0)} MB, ` +
        `${nodeLarge!.maxRssMb.toFixed(0)} MB at ${nodeLarge!.megabytes.toFixed(0)} MB ` +
        `(goal < 200 MB and flat: ${peak < 200 ? 'met' : 'NOT met'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) {
  const workersAt = process.argv.indexOf('--workers');
  await child(process.argv[childAt + 1]!, workersAt === -1 ? 0 : Number(process.argv[workersAt + 1]));
} else {
  await main();
}
