// How every Lambda function is bundled: ONE set of esbuild options, read by the CDK construct
// (infra/constructs/service-function.ts, through NodejsFunction's local esbuild) and by the bundle benchmark
// (bench/bundle.bench.ts, through esbuild's API), so the figures the benchmark prints are those of what deploys.
//
// This module imports nothing from aws-cdk-lib: the benchmark loads it without the CDK.
//
// Why each option:
// - ESM (index.mjs): the handlers and shared/ are ES modules (import.meta.dirname, top-level imports); Lambda's
//   Node runtimes load .mjs natively.
// - The require banner: some bundled dependencies are CommonJS and require() Node built-ins; in an ES module
//   `require` does not exist, so the bundle defines one with createRequire.
// - target follows the Lambda runtime (LAMBDA_NODE_MAJOR), so esbuild never down-levels what the runtime has.
// - minify + tree shaking: smaller bundles load faster at cold start (bench/bundle.bench.ts measures it).
// - Source maps as a separate file without sources content: stack traces name the TypeScript lines
//   (NODE_OPTIONS=--enable-source-maps) while the .mjs that Node parses at cold start stays small.
// - The AWS SDK v3 stays out of the bundle: every Lambda Node.js runtime ships it (/var/runtime/node_modules),
//   so bundling it would only add ~0.5 MB per function. The cost is that the runtime's SDK version, not the
//   lock file's, runs in AWS; the store uses only long-stable DynamoDB operations.
// - mainFields module first: ESM builds of dependencies tree-shake better.
// - Two aliases keep the search bundle under 1 MB (bench/bundle.bench.ts): `undici` resolves to a slim entry
//   with just Agent and request (infra/shims/undici-request.cjs: -220 KiB), and `yaml` to a stub, because the
//   protocols are converted to JSON when the asset is built (infra/bundle-assets.mjs: -110 KiB per function).
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The Node.js major version of the Lambda runtime (infra/constructs/service-function.ts maps it to CDK's). */
export const LAMBDA_NODE_MAJOR = 24;

/** The repository root (where package-lock.json, functions/ and protocols/ are). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** Bare-module patterns left out of every bundle (the Lambda runtime provides them). */
export const EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*'];

/** Defines `require` inside an ES module bundle for the CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __lrCreateRequire } from 'node:module'; const require = __lrCreateRequire(import.meta.url);";

/** The esbuild settings shared by the CDK construct and the benchmark. */
export const sharedBundleOptions = {
  format: 'esm',
  platform: 'node',
  target: `node${LAMBDA_NODE_MAJOR}`,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: EXTERNAL_MODULES,
  alias: {
    undici: join(PROJECT_ROOT, 'infra', 'shims', 'undici-request.cjs'),
    yaml: join(PROJECT_ROOT, 'infra', 'shims', 'yaml-not-bundled.mjs'),
  } as Readonly<Record<string, string>>,
  /** NodejsFunction names an ESM bundle index.mjs; Lambda's handler string is then "index.handler". */
  outFile: 'index.mjs',
} as const;

/**
 * The same settings as esbuild API options (the benchmark builds with these; NodejsFunction passes the same
 * values as CLI flags: --bundle --platform --format --target --minify --sourcemap --sources-content=false
 * --external --banner:js --main-fields, and --alias through esbuildArgs).
 */
export function esbuildOptions(name: string, outdir: string): BuildOptions {
  const o = sharedBundleOptions;
  return {
    entryPoints: [functionEntry(name)],
    bundle: true,
    outfile: join(outdir, o.outFile),
    platform: o.platform,
    format: o.format,
    target: o.target,
    minify: o.minify,
    sourcemap: o.sourcemap,
    sourcesContent: o.sourcesContent,
    external: [...o.external],
    alias: { ...o.alias },
    banner: { js: o.banner },
    mainFields: [...o.mainFields],
    logLevel: 'warning',
    metafile: true,
  };
}

/**
 * Directories copied next to a function's bundle, relative to the project root and kept at the same relative
 * path inside the asset (so `protocols/` lands at /var/task/protocols).
 */
export type BundledDirectory = 'protocols' | 'web/screening';

export interface FunctionBundle {
  /** The folder under functions/ and the function's name everywhere (construct id, log group, alarms). */
  name: string;
  /** Directories the function reads at run time. */
  copy: readonly BundledDirectory[];
}

/**
 * Every function that deploys, by folder. A folder under functions/ that holds a handler.ts must be listed here
 * (test/infra checks it), so a new function cannot be forgotten by the stack or the benchmark.
 */
export const FUNCTION_BUNDLES: readonly FunctionBundle[] = [
  { name: 'search-review', copy: ['protocols'] },
  { name: 'screening-api', copy: ['protocols', 'web/screening'] },
  { name: 'recompute-stats', copy: ['protocols'] },
  { name: 'publish-report', copy: ['protocols'] },
  { name: 'send-digest', copy: ['protocols'] },
  { name: 'watch-retractions', copy: ['protocols'] },
];

/** Where the bundled directory is inside the Lambda asset, e.g. /var/task/protocols. */
export function lambdaPath(directory: BundledDirectory): string {
  return `/var/task/${directory}`;
}

/** The handler entry file of a function folder. */
export function functionEntry(name: string): string {
  return join(PROJECT_ROOT, 'functions', name, 'handler.ts');
}

export function functionBundle(name: string): FunctionBundle {
  const bundle = FUNCTION_BUNDLES.find((candidate) => candidate.name === name);
  if (!bundle) throw new Error(`no bundle settings for function "${name}" in infra/bundling.ts`);
  return bundle;
}

/** Where each bundled directory comes from; `protocolsDir` is the deployment's (the schedules' source too). */
export function assetDirectories(
  bundle: FunctionBundle,
  options: { protocolsDir?: string } = {},
): { dest: BundledDirectory; source: string }[] {
  return bundle.copy.map((dest) => ({
    dest,
    source:
      dest === 'protocols'
        ? (options.protocolsDir ?? join(PROJECT_ROOT, 'protocols'))
        : join(PROJECT_ROOT, dest),
  }));
}

/**
 * The shell command that puts a function's run-time directories into its asset (infra/bundle-assets.mjs: copies,
 * converting protocol YAML to JSON). NodejsFunction's afterBundling hook runs it; so does the benchmark.
 */
export function bundleAssetsCommand(
  directories: readonly { dest: string; source: string }[],
  toRoot: string,
): string {
  const script = join(PROJECT_ROOT, 'infra', 'bundle-assets.mjs');
  const args = ['node', script, toRoot, ...directories.map(({ dest, source }) => `${dest}=${source}`)];
  return args.map((arg) => JSON.stringify(arg)).join(' ');
}
