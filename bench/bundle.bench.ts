// Bundle size and cold import time of every Lambda function, bundled exactly as the CDK app bundles it
// (infra/bundling.ts holds the one set of esbuild options both use).
//
// For each function in FUNCTION_BUNDLES: esbuild builds functions/<name>/handler.ts into
// node_modules/.cache/bundle-bench/<name>/index.mjs (inside the project, so the bundle's one external, the AWS
// SDK, resolves from node_modules the way it resolves from /var/runtime/node_modules in Lambda). Then, RUNS times,
// a fresh `node` process (NODE_OPTIONS=--enable-source-maps, as deployed) imports the bundle and reports how long
// the import took until `handler` was a function; the process's whole wall time (Node's own start included) is
// printed beside it. Figures are medians (the fastest import is printed too: on a busy machine it is the
// better estimate of the bundle's own cost; the load average is printed with the table).
//
// The "external SDK alone" column imports the externals the bundle imports statically (at init); the SDK clients
// an adapter imports dynamically on first use (import('@aws-sdk/client-s3') in s3-publisher.ts, ...) are not part
// of init and are listed apart.
//
// Goals: <= 1 MB (1,048,576 bytes) per bundle, <= 300 ms to handler ready.
//
//   npx tsx bench/bundle.bench.ts            (or: npm run bench -- bundle)
//   npx tsx bench/bundle.bench.ts publish-report send-digest    (only these functions)
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  assetDirectories,
  bundleAssetsCommand,
  esbuildOptions,
  FUNCTION_BUNDLES,
  functionEntry,
  PROJECT_ROOT,
} from '../infra/bundling.ts';

const RUNS = Number(process.env.BUNDLE_BENCH_RUNS ?? 7);
const only = process.argv.slice(2);
const SIZE_GOAL = 1024 * 1024;
const INIT_GOAL_MS = 300;
const outRoot = join(PROJECT_ROOT, 'node_modules', '.cache', 'bundle-bench');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// The child: import the bundle, check the export, print the time it took. With "externals" it imports only the
// bundle's external modules (the AWS SDK clients the runtime provides): the share of the init no bundling
// option can change.
const CHILD = `
const [target, mode] = process.argv.slice(1);
const started = performance.now();
if (mode === 'externals') {
  for (const specifier of JSON.parse(target)) await import(specifier);
} else {
  const module = await import(target);
  if (typeof module.handler !== 'function') throw new Error('no handler export');
}
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));
`;

function timeImport(target: string, mode: 'bundle' | 'externals'): { importMs: number; wallMs: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, target, mode], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--enable-source-maps', AWS_REGION: 'us-east-1' },
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`importing ${target} failed:\n${child.stderr}`);
  return { importMs: (JSON.parse(child.stdout) as { importMs: number }).importMs, wallMs };
}

interface Row {
  name: string;
  bytes: number;
  mapBytes: number;
  assetBytes: number;
  topInputs: string;
  importMs: number;
  importMinMs: number;
  externalsMs: number;
  externals: string[];
  lazyExternals: string[];
  wallMs: number;
}

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size;
  }
  return total;
}

const rows: Row[] = [];
for (const bundleSettings of FUNCTION_BUNDLES) {
  const { name, copy } = bundleSettings;
  if (only.length > 0 && !only.includes(name)) continue;
  if (!existsSync(functionEntry(name))) {
    console.log(`${name}: functions/${name}/handler.ts not present, skipped`);
    continue;
  }
  const outdir = join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build(esbuildOptions(name, outdir));
  // The run-time directories too, by the same command the CDK hook runs: the asset as it deploys.
  if (copy.length > 0)
    execSync(bundleAssetsCommand(assetDirectories(bundleSettings), outdir), { stdio: 'inherit' });
  const bundle = join(outdir, 'index.mjs');
  const output = Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint);
  const byPackage = new Map<string, number>();
  for (const [file, info] of Object.entries(output?.inputs ?? {})) {
    const match = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = match ? match[1]! : (file.split('/')[0] ?? file);
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const topInputs = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)} KiB`)
    .join(', ');

  const externalImports = (output?.imports ?? []).filter((i) => i.external && !i.path.startsWith('node:'));
  const externals = [
    ...new Set(externalImports.filter((i) => i.kind !== 'dynamic-import').map((i) => i.path)),
  ].sort();
  const lazyExternals = [
    ...new Set(externalImports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)),
  ]
    .filter((path) => !externals.includes(path))
    .sort();
  const importTimes: number[] = [];
  const externalTimes: number[] = [];
  const wallTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const bundleRun = timeImport(pathToFileURL(bundle).href, 'bundle');
    importTimes.push(bundleRun.importMs);
    wallTimes.push(bundleRun.wallMs);
    externalTimes.push(timeImport(JSON.stringify(externals), 'externals').importMs);
  }
  rows.push({
    name,
    bytes: statSync(bundle).size,
    mapBytes: statSync(`${bundle}.map`).size,
    assetBytes: directorySize(outdir),
    topInputs,
    importMs: median(importTimes),
    importMinMs: Math.min(...importTimes),
    externalsMs: median(externalTimes),
    externals,
    lazyExternals,
    wallMs: median(wallTimes),
  });
}

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `\nLambda bundles (esbuild ${(await import('esbuild')).version}, options from infra/bundling.ts; median of ${RUNS} fresh processes, Node ${process.versions.node}, load average ${load})\n`,
);
console.log(
  '| function | index.mjs | goal 1 MB | .map | whole asset | import to handler ready (median / fastest) | goal 300 ms (median) | the external SDK alone | node process wall | largest inputs |',
);
console.log('|---|---:|---|---:|---:|---:|---|---:|---:|---|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.bytes.toLocaleString('en')} B (${(row.bytes / 1024).toFixed(0)} KiB) | ${row.bytes <= SIZE_GOAL ? 'met' : 'MISSED'} | ${(row.mapBytes / 1024).toFixed(0)} KiB | ${(row.assetBytes / 1024).toFixed(0)} KiB | ${row.importMs.toFixed(0)} / ${row.importMinMs.toFixed(0)} ms | ${row.importMs <= INIT_GOAL_MS ? 'met' : 'MISSED'} | ${row.externalsMs.toFixed(0)} ms | ${row.wallMs.toFixed(0)} ms | ${row.topInputs} |`,
  );
}
console.log('\nExternal (provided by the Lambda runtime, not bundled):');
for (const row of rows) {
  const lazy = row.lazyExternals.length > 0 ? `; on first use: ${row.lazyExternals.join(', ')}` : '';
  console.log(`  ${row.name}: ${row.externals.join(', ') || 'none'}${lazy}`);
}
