// How long `living-review` takes to start, next to Node itself: `node -e 0`, then the launcher
// (cli/living-review.js) running the bundled CLI (dist/cli) for `--help`, a command's `--help`, a command that
// computes (`km` on a 3-row file), and a command that reads the embedded store (`queue` over the demo's records,
// with the store server already running, as it is for a command following another); and `--help` from the
// TypeScript sources through tsx (LIVING_REVIEW_FROM_SOURCES=1), which every command paid before the bundle.
//
// Each figure is the median of RUNS fresh processes: wall time, and the CPU time the process used (user +
// system, from /proc/self/stat's children fields; Linux). Goal: every command starts in under 0.3 s (wall, on
// a quiet 2-core machine). The load average is printed: on a busy machine wall times stretch, CPU times less.
//
//   npx tsx bench/startup.bench.ts           (or: npm run bench -- startup)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleState } from '../cli/bundle/bundle-state.mjs';
import { buildCli, CLI_DIST } from '../cli/bundle/build.ts';
import { stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';

const RUNS = Number(process.env.STARTUP_BENCH_RUNS ?? 9);
const GOAL_S = 0.3;
const launcher = join(PROJECT_ROOT, 'cli', 'living-review.js');
const CLOCK_TICKS = 100;

/** CPU seconds used by this process's waited-for children so far (Linux: /proc/self/stat cutime + cstime). */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Case {
  label: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Counted against the goal (Node itself is the floor, not a command). */
  command: boolean;
}

function measure(c: Case): { wall: number; cpu: number | null } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpuBefore = childrenCpuSeconds();
    const started = performance.now();
    const result = spawnSync(process.execPath, c.args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...c.env },
      encoding: 'utf8',
    });
    walls.push((performance.now() - started) / 1000);
    const cpuAfter = childrenCpuSeconds();
    if (cpuBefore !== null && cpuAfter !== null) cpus.push(cpuAfter - cpuBefore);
    if (result.status !== 0) throw new Error(`${c.label} exited with ${result.status}: ${result.stderr}`);
  }
  return { wall: median(walls), cpu: cpus.length ? median(cpus) : null };
}

if (bundleState(PROJECT_ROOT, CLI_DIST) !== 'current') {
  process.stdout.write('dist/cli is missing or older than the sources: building it first\n');
  await buildCli();
}

const work = mkdtempSync(join(tmpdir(), 'lr-startup-'));
const rows = join(work, 'km.json');
writeFileSync(
  rows,
  JSON.stringify([
    { time: 1, event: 1 },
    { time: 3, event: 0 },
    { time: 5, event: 1 },
  ]),
);
const dataDir = join(work, 'data');
try {
  // The demo fills a store with its 4 recorded records and leaves the store server running for `queue`.
  const demo = spawnSync(process.execPath, [launcher, 'demo', '--data', dataDir], { encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);

  const cases: Case[] = [
    { label: 'node -e 0', args: ['-e', '0'], command: false },
    { label: 'living-review --help', args: [launcher, '--help'], command: true },
    { label: 'living-review queue --help', args: [launcher, 'queue', '--help'], command: true },
    { label: 'living-review km --input rows.json', args: [launcher, 'km', '--input', rows], command: true },
    {
      label: 'living-review queue --review iesm (store running)',
      args: [launcher, 'queue', '--review', 'iesm', '--data', dataDir],
      command: true,
    },
    {
      label: 'living-review --help, from the sources (tsx)',
      args: [launcher, '--help'],
      env: { LIVING_REVIEW_FROM_SOURCES: '1' },
      command: false,
    },
  ];
  process.stdout.write(
    `median of ${RUNS} runs each; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on this machine\n\n`,
  );
  const width = Math.max(...cases.map((c) => c.label.length));
  process.stdout.write(`${'command'.padEnd(width)}   wall s   CPU s\n`);
  let over = 0;
  for (const c of cases) {
    const { wall, cpu } = measure(c);
    const flag = c.command && wall > GOAL_S ? `  over the ${GOAL_S} s goal` : '';
    if (flag) over++;
    process.stdout.write(
      `${c.label.padEnd(width)}   ${wall.toFixed(3).padStart(6)}   ${cpu === null ? '   n/a' : cpu.toFixed(3).padStart(5)}${flag}\n`,
    );
  }
  process.stdout.write(
    over === 0
      ? `\nevery command started within ${GOAL_S} s\n`
      : `\n${over} command(s) over ${GOAL_S} s (on a loaded machine, compare the CPU column with node -e 0's)\n`,
  );
} finally {
  await stopEmbeddedServer(dataDir).catch(() => false);
  rmSync(work, { recursive: true, force: true });
}
