// How long `living-review` takes to start, as a user runs it after `npm install` (the launcher
// cli/living-review.js running the bundled CLI in dist/cli), next to Node itself (`node -e 0`, the floor):
// - `--help`, a command's `--help`, and `km` on the synthetic IESM cohort (a command that computes and opens no
//   store);
// - `status`, `queue` and `runs` over the demo's store, warm (its store server already running, as for every
//   command after the first of a session) and cold (no server: the bundled CLI's entry starts one before it
//   loads the command, which is what the first command of a session pays);
// - `--help` from the TypeScript sources through tsx (LIVING_REVIEW_FROM_SOURCES=1), as every command started
//   before the bundle.
//
// Every run of a case is preceded by a run of `node -e 0`, so each row carries the floor measured at the same
// moment (other work on the machine stretches both alike). Figures are medians of RUNS fresh processes: wall
// time, and the CPU time (user + system) of the command's process (Linux: /proc/self/stat's children fields).
// A cold start also costs the store server it starts: "server CPU" is what the server had used by the time the
// command exited (/proc/PID/stat), beside the command's own. "load CPU" is the part of the command's CPU spent
// before its code was ready (Node's start, the entry, the code cache, evaluating the bundle), as the bundle
// itself reports it under LIVING_REVIEW_TIMING=1 (cli/bundle/run-bundled.ts); the rest is the command's work.
// The warm-up run of every case writes the bundles' V8 code caches (dist/cli/cache/v8), as a user's first
// command does. Goal: every command under 0.3 s wall on a quiet
// 2-core machine. The load average is printed before and after: under load wall times stretch, CPU times less.
//
//   npx tsx bench/startup.bench.ts           (or: npm run bench -- startup; STARTUP_BENCH_RUNS=N)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, CLI_DIST } from '../cli/bundle/build.ts';
import { bundleState } from '../cli/bundle/bundle-state.mjs';
import { PROJECT_ROOT } from '../infra/bundling.ts';
import { stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { readLock } from '../shared/adapters/embedded/store-lock.ts';

const RUNS = Number(process.env.STARTUP_BENCH_RUNS ?? 7);
const GOAL_S = 0.3;
const launcher = join(PROJECT_ROOT, 'cli', 'living-review.js');
const CLOCK_TICKS = 100;

/** [user + system of this process's waited-for children, of process `pid` itself] in seconds (Linux). */
function cpuSeconds(pid: number | 'self', children: boolean): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [user, system] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
    return (Number(user) + Number(system)) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Case {
  label: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Counted against the goal (the sources through tsx are shown for comparison only). */
  command: boolean;
  /** A store command measured cold: the data directory's server is stopped before every run. */
  cold?: string;
}

interface Run {
  wall: number;
  cpu: number | null;
  /** CPU seconds used once the bundle was loaded (LIVING_REVIEW_TIMING); null from the sources. */
  load: number | null;
}

function runOnce(args: string[], env?: NodeJS.ProcessEnv): Run {
  const cpuBefore = cpuSeconds('self', true);
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LIVING_REVIEW_TIMING: '1', ...env },
    encoding: 'utf8',
  });
  const wall = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds('self', true);
  if (result.status !== 0)
    throw new Error(`${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  const load = /living-review timing: loaded after ([\d.]+) s CPU/.exec(result.stderr);
  return {
    wall,
    cpu: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
    load: load ? Number(load[1]) : null,
  };
}

async function serverCpu(dataDir: string): Promise<number | null> {
  const lock = await readLock(dataDir);
  return lock === null || lock === 'unreadable' ? null : cpuSeconds(lock.pid, false);
}

async function measure(c: Case) {
  const runs: Run[] = [];
  const floors: Run[] = [];
  const servers: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (c.cold) await stopEmbeddedServer(c.cold);
    floors.push(runOnce(['-e', '0']));
    runs.push(runOnce(c.args, c.env));
    if (c.cold) {
      const cpu = await serverCpu(c.cold);
      if (cpu !== null) servers.push(cpu);
    }
  }
  const cpus = (list: Run[]) => list.flatMap((r) => (r.cpu === null ? [] : [r.cpu]));
  return {
    wall: median(runs.map((r) => r.wall))!,
    cpu: median(cpus(runs)),
    floorWall: median(floors.map((r) => r.wall))!,
    floorCpu: median(cpus(floors)),
    load: median(runs.flatMap((r) => (r.load === null ? [] : [r.load]))),
    serverCpu: median(servers),
  };
}

if (bundleState(PROJECT_ROOT, CLI_DIST) !== 'current') {
  process.stdout.write('dist/cli is missing or older than the sources: building it first\n');
  await buildCli();
}

const work = mkdtempSync(join(tmpdir(), 'lr-startup-'));
// `km` over the synthetic IESM cohort's overall survival, grouped by primary tumour (130 patients).
const cohort = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'test/fixtures/reference/iesm-synthetic-cohort.json'), 'utf8'),
) as { os_months: number | null; os_event: number | null; primary_tumour: string }[];
const rows = join(work, 'km.json');
writeFileSync(
  rows,
  JSON.stringify(
    cohort
      .filter((p) => p.os_months !== null && p.os_event !== null)
      .map((p) => ({ time: p.os_months, event: p.os_event, group: p.primary_tumour })),
  ),
);
const dataDir = join(work, 'data');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
try {
  // The demo fills a store with its 4 recorded records (and leaves its server running).
  const demo = spawnSync(process.execPath, [launcher, 'demo', '--data', dataDir], { encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);

  const store = (name: string) => [launcher, name, '--review', 'iesm', '--data', dataDir];
  const cases: Case[] = [
    { label: 'living-review --help', args: [launcher, '--help'], command: true },
    { label: 'living-review queue --help', args: [launcher, 'queue', '--help'], command: true },
    { label: 'living-review km (synthetic cohort)', args: [launcher, 'km', '--input', rows], command: true },
    ...['status', 'queue', 'runs'].map((name) => ({
      label: `living-review ${name} --review iesm, warm`,
      args: store(name),
      command: true,
    })),
    ...['status', 'queue', 'runs'].map((name) => ({
      label: `living-review ${name} --review iesm, cold`,
      args: store(name),
      command: true,
      cold: dataDir,
    })),
    {
      label: 'living-review --help, from the sources (tsx)',
      args: [launcher, '--help'],
      env: { LIVING_REVIEW_FROM_SOURCES: '1' },
      command: false,
    },
  ];
  // One run of each first, so every file the cases read is in the page cache.
  for (const c of cases) runOnce(c.args, c.env);
  process.stdout.write(
    `median of ${RUNS} runs each, every run after a run of node -e 0 (the floor); load average ${load()} (1, 5, 15 min) on ${process.platform}\n\n`,
  );
  const width = Math.max(...cases.map((c) => c.label.length));
  const s = (value: number | null) => (value === null ? '   n/a' : value.toFixed(3).padStart(6));
  process.stdout.write(
    `${'command'.padEnd(width)}   wall s   CPU s  load CPU s   node -e 0: wall s  CPU s   server CPU s\n`,
  );
  let over = 0;
  for (const c of cases) {
    const m = await measure(c);
    const flag = c.command && m.wall > GOAL_S ? `   over ${GOAL_S} s` : '';
    if (flag) over++;
    process.stdout.write(
      `${c.label.padEnd(width)}   ${s(m.wall)}   ${s(m.cpu)}      ${s(m.load)}             ${s(m.floorWall)}  ${s(m.floorCpu)}   ${c.cold ? s(m.serverCpu) : '     -'}${flag}\n`,
    );
  }
  process.stdout.write(`\nload average ${load()} at the end\n`);
  process.stdout.write(
    over === 0
      ? `every command started within ${GOAL_S} s\n`
      : `${over} case(s) over ${GOAL_S} s wall (on a loaded machine, compare with the floor beside each)\n`,
  );
} finally {
  await stopEmbeddedServer(dataDir).catch(() => false);
  rmSync(work, { recursive: true, force: true });
}
