// Builds the bundled CLI into dist/cli, so that `living-review` starts in a fraction of the time tsx takes to
// compile the TypeScript sources at every start. `npm install` and `npm ci` run it (the `prepare` script);
// `npm run build:cli` runs it by hand. The launcher (cli/living-review.js) uses the bundle only while it is
// current: build-info.json records every source file that went into it (path, mtime, size), and one changed or
// missing source sends the launcher back to the sources through tsx, so what runs is what the sources say.
//
// Why it is built on install and not committed: a committed bundle goes stale with every change to the
// sources and turns every merge into a conflict over generated code; building took 8-41 s on the shared 2-core
// machines (load average 4-8), and esbuild is already installed for the Lambda bundles.
//
// What the bundle holds:
// - living-review.mjs: the entry (cli/bundle/run-bundled.ts and which bundle serves which command). It runs one
//   CommonJS bundle through vm.Script with a V8 code cache (dist/cli/cache/v8), since Node 20 keeps compiled
//   code between processes only for scripts, not ES modules.
// - command-<module>-<hash>.cjs: one whole bundle per command module: the command-line code, every command's
//   spec (for help and argument errors) and that module's commands, so a command loads its own code only.
//   CommonJS cannot share chunks, so shared code (the AWS SDK, zod) is in every bundle that needs it: ~34 MB on
//   disk for ~0.1 s less CPU at every start (measured). Dynamic imports become lazily evaluated requires.
// - help-<hash>.cjs: the specs and the command-line code without any command: `--help`, a command's `--help`
//   and an unknown command load nothing else.
// - store-server.mjs and parse-pubmed-worker.mjs (ES modules, with their chunk-*.mjs): the code the CLI starts
//   in another process or worker thread, found beside the running bundle by shared/adapters/node-entry.ts
//   (NODE_ENTRIES below).
// - dynalite-<hash>.cjs: dynalite and its LevelDB packages (shared/adapters/embedded/dynalite-modules.ts names
//   them) as one CommonJS bundle, which the store server runs with a V8 code cache instead of requiring ~85
//   files from node_modules at every start. The native LevelDB binding stays in node_modules (classic-level's
//   prebuilds, loaded by node-gyp-build from there).
//
// Files the sources find beside themselves (the protocols, the screening page, the demo's recorded records)
// stay where they are: in the bundle, `import.meta.dirname` and `import.meta.filename` keep naming the source
// file's place (relative to the bundle, so a moved clone still works), while `import.meta.url` names the bundle
// file that runs (in a CommonJS bundle, from its __filename), which node-entry.ts relies on.
//
// The esbuild settings follow the Lambda bundles' (infra/bundling.ts) where they apply (ESM, the require
// banner, module-first main fields, separate source maps without sources); they differ where the CLI runs
// elsewhere: the target is the local Node (engines: >=20.19), the AWS SDK is bundled (no runtime provides it
// here), undici and yaml are the real packages (the CLI reads YAML protocols), identifiers are not minified
// (names stay readable in stack traces), zod's messages in other languages than English are left out, and
// dynalite is bundled on its own (above).
import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { ESM_REQUIRE_BANNER, PROJECT_ROOT } from '../../infra/bundling.ts';
import { DYNALITE_MODULES } from '../../shared/adapters/embedded/dynalite-modules.ts';
import { CJS_WRAPPER } from '../../shared/adapters/process/code-cache.ts';
import type { Command, CommandSpec } from '../command.ts';
import type { BundleMap } from './run-bundled.ts';

/** Where the launcher looks for the bundle. */
export const CLI_DIST = join(PROJECT_ROOT, 'dist', 'cli');

/** Code run in another process or worker thread; bundled as <basename>.mjs (shared/adapters/node-entry.ts). */
export const NODE_ENTRIES: readonly string[] = [
  'shared/adapters/embedded/store-server.ts',
  'shared/adapters/pubmed/parse-pubmed-worker.ts',
];

/** Files that shape the bundle besides the sources esbuild reads. */
const BUILD_INPUTS = ['package-lock.json', 'cli/bundle/build.ts', 'infra/bundling.ts'];

const COMMANDS_DIR = join(PROJECT_ROOT, 'cli', 'commands');

export interface BuildInfo {
  builtAt: string;
  /** Project-relative path (with /) -> [mtimeMs, size] when the bundle was built. */
  inputs: Record<string, [number, number]>;
}

export interface CliBuild {
  outdir: string;
  /** Bytes per output file (source maps left out). */
  outputs: Record<string, number>;
  commands: number;
  inputs: number;
  metafile: Metafile;
  /** Which bundle serves which command. */
  map: BundleMap;
}

/** Each command's spec and where its code is: the module under cli/commands/ and the export's name. */
export async function commandModules(): Promise<{ spec: CommandSpec; module: string; exportName: string }[]> {
  const { commands } = (await import('../commands/index.ts')) as { commands: Command[] };
  const found = new Map<Command, { module: string; exportName: string }>();
  for (const file of readdirSync(COMMANDS_DIR).sort()) {
    if (!file.endsWith('.ts') || file === 'index.ts') continue;
    const exports = (await import(pathToFileURL(join(COMMANDS_DIR, file)).href)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(exports)) {
      if (commands.includes(value as Command)) found.set(value as Command, { module: file, exportName });
    }
  }
  return commands.map((command) => {
    const where = found.get(command);
    if (!where) {
      throw new Error(
        `command "${command.name}" is not exported by a module in cli/commands/: the bundle loads each command from its module`,
      );
    }
    const { run: _run, ...spec } = command;
    return { spec, ...where };
  });
}

type CommandModule = Awaited<ReturnType<typeof commandModules>>[number];

/**
 * A command bundle's entry: every spec as data (help and argument errors read them), and the commands of one
 * module (`module`; none for the help bundle).
 */
function commandEntry(commands: readonly CommandModule[], module: string | null): string {
  const own = commands.filter((c) => c.module === module);
  return [
    "import { runCli } from './main.ts';",
    ...own.map(
      ({ module: file, exportName }) =>
        `import { ${exportName} } from ${JSON.stringify(`./commands/${file}`)};`,
    ),
    `const specs = ${JSON.stringify(commands.map((c) => c.spec))};`,
    `const loaded = { ${own.map(({ spec, exportName }) => `${JSON.stringify(spec.name)}: ${exportName}`).join(', ')} };`,
    'runCli({ specs, load: async (name) => { const command = loaded[name]; if (!command) throw new Error("no command " + name + " in this bundle"); return command; } });',
    '',
  ].join('\n');
}

/** The entry run by `node dist/cli/living-review.mjs`: which bundle serves which command. */
function launcherEntry(map: BundleMap): string {
  return [
    "import { runBundledCli } from './bundle/run-bundled.ts';",
    `await runBundledCli(import.meta.url, ${JSON.stringify(map)});`,
    '',
  ].join('\n');
}

/**
 * The generated entries (`living-review:NAME`), import.meta.dirname / filename pointing at the sources, and
 * (`dynalite`) the name of the dynalite bundle written into embedded/dynalite-bundle.ts.
 */
function cliPlugin(
  outdir: string,
  entries: Record<string, string>,
  dynalite?: { file: string; ascii: boolean },
): Plugin {
  return {
    name: 'living-review-cli',
    setup(build) {
      if (dynalite) {
        build.onLoad({ filter: /[\\/]shared[\\/]adapters[\\/]embedded[\\/]dynalite-bundle\.ts$/ }, () => ({
          contents: `export const DYNALITE_BUNDLE = ${JSON.stringify(dynalite)};`,
          loader: 'ts',
        }));
      }
      build.onResolve({ filter: /^living-review:/ }, (args) => ({ path: args.path, namespace: 'lr' }));
      build.onLoad({ filter: /.*/, namespace: 'lr' }, (args) => ({
        contents: entries[args.path],
        loader: 'ts',
        resolveDir: join(PROJECT_ROOT, 'cli'),
      }));
      // zod's namespace re-exports its error messages in 40-odd languages (`z.locales`), ~290 KiB that every
      // command parsed at start (~25 ms of CPU measured); the CLI uses only English, zod's default.
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        args.importer.includes(`${sep}node_modules${sep}zod${sep}`)
          ? {
              path: join(dirname(args.importer), '..', 'locales', 'english-only.js'),
              namespace: 'zod-locales',
            }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
        contents: "export { default as en } from './en.js';",
        resolveDir: dirname(args.path),
        loader: 'js',
      }));
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const place = (target: string) =>
          `__lrJoin(import.meta.dirname, ${JSON.stringify(relative(outdir, target).split(sep).join('/'))})`;
        return {
          contents: text
            .replace(/\bimport\.meta\.dirname\b/g, place(dirname(args.path)))
            .replace(/\bimport\.meta\.filename\b/g, place(args.path)),
          loader: 'ts',
        };
      });
    },
  };
}

/** What every bundle of the build shares (the dynalite bundle too): files go to `writeTo`. */
function baseOptions(writeTo: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    outdir: writeTo,
    platform: 'node',
    target: 'node20.19',
    // Identifiers are not minified, so classes and functions keep their names (error names in stack traces)
    // without esbuild's keepNames, whose __name() call per function cost ~0.05 s of every start (measured).
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'warning',
  };
}

/** The options every part of the bundle shares; paths inside are computed for `outdir`, files go to `writeTo`. */
function sharedOptions(
  outdir: string,
  entries: Record<string, string>,
  writeTo: string,
  dynalite?: { file: string; ascii: boolean },
): BuildOptions {
  return {
    ...baseOptions(writeTo),
    external: ['dynalite'],
    plugins: [cliPlugin(outdir, entries, dynalite)],
  };
}

/**
 * The commands: one CommonJS bundle per command module (`command-<module>-<hash>.cjs`) and the help bundle
 * (`help-<hash>.cjs`), each whole (no chunks shared between them: a CommonJS build cannot split), so that
 * run-bundled.ts can keep each one's compiled code in a V8 code cache. The hash in the name is of the content,
 * which keys the cache.
 */
export function commandBuildOptions(
  outdir: string,
  commands: readonly CommandModule[],
  writeTo: string = outdir,
): BuildOptions {
  const modules = [...new Set(commands.map((c) => c.module))];
  const entries: Record<string, string> = { 'living-review:help': commandEntry(commands, null) };
  for (const module of modules) entries[`living-review:command:${module}`] = commandEntry(commands, module);
  return {
    ...sharedOptions(outdir, entries, writeTo),
    entryPoints: {
      help: 'living-review:help',
      ...Object.fromEntries(
        modules.map((module) => [`command-${basename(module, '.ts')}`, `living-review:command:${module}`]),
      ),
    },
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // Dynamic imports become requires: a script run through vm.Script has no module loader for import().
    supported: { 'dynamic-import': false },
    // What ES modules read from import.meta, from what a CommonJS module has (run-bundled.ts passes them).
    define: {
      'import.meta.url': '__lrImportMetaUrl',
      'import.meta.dirname': '__dirname',
      'import.meta.filename': '__filename',
    },
    // Written already wrapped as Node wraps a CommonJS module: run-bundled.ts compiles the file as it is read.
    banner: {
      js: `${CJS_WRAPPER}var __lrJoin = require('node:path').join, __lrImportMetaUrl = require('node:url').pathToFileURL(__filename).href;`,
    },
    footer: { js: '})' },
  };
}

/** The entry (living-review.mjs) and the code run in another process or thread (NODE_ENTRIES), as ES modules. */
export function launcherBuildOptions(
  outdir: string,
  map: BundleMap,
  writeTo: string = outdir,
  dynalite?: { file: string; ascii: boolean },
): BuildOptions {
  return {
    ...sharedOptions(outdir, { 'living-review:entry': launcherEntry(map) }, writeTo, dynalite),
    entryPoints: {
      'living-review': 'living-review:entry',
      ...Object.fromEntries(NODE_ENTRIES.map((path) => [basename(path, '.ts'), join(PROJECT_ROOT, path)])),
    },
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    format: 'esm',
    banner: { js: `${ESM_REQUIRE_BANNER} import { join as __lrJoin } from 'node:path';` },
  };
}

/**
 * dynalite and its LevelDB packages as one CommonJS bundle (`dynalite-<hash>.cjs`, written wrapped like the
 * command bundles), whose exports are a require of the packages DYNALITE_MODULES names. Two of dynalite's
 * files are read with a change that keeps what they do:
 * - dynalite/index.js requires each action and its validation by a name built at run time (`'./actions/' +
 *   action`); esbuild bundles every file of those folders for such a require, keyed by file name, so the
 *   name is given its `.js`;
 * - classic-level/binding.js loads LevelDB's native binary through node-gyp-build from its own folder
 *   (`__dirname`); in the bundle that folder is named from the bundle's place (relative, so a moved clone
 *   still works), and node-gyp-build is required from node_modules.
 */
export function dynaliteBuildOptions(outdir: string, writeTo: string = outdir): BuildOptions {
  const classicLevel = dirname(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('classic-level'));
  const entry = [
    `const load = { ${DYNALITE_MODULES.map((name) => `${JSON.stringify(name)}: () => require(${JSON.stringify(name)})`).join(', ')} };`,
    'module.exports = (name) => {',
    "  if (!Object.hasOwn(load, name)) throw new Error(name + ' is not in the dynalite bundle: add it to DYNALITE_MODULES (shared/adapters/embedded/dynalite-modules.ts)');",
    '  return load[name]();',
    '};',
    '',
  ].join('\n');
  const plugin: Plugin = {
    name: 'living-review-dynalite',
    setup(build) {
      build.onResolve({ filter: /^living-review:dynalite$/ }, (args) => ({
        path: args.path,
        namespace: 'lr',
      }));
      build.onLoad({ filter: /.*/, namespace: 'lr' }, () => ({
        contents: entry,
        loader: 'js',
        resolveDir: PROJECT_ROOT,
      }));
      build.onLoad({ filter: /[\\/]node_modules[\\/]dynalite[\\/]index\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const named = text
          .replace("require('./actions/' + action)", "require('./actions/' + action + '.js')")
          .replace("require('./validations/' + action)", "require('./validations/' + action + '.js')");
        if ((named.match(/\+ '\.js'\)/g) ?? []).length !== 2)
          throw new Error(
            `${args.path} no longer requires its actions as the bundle expects: see dynaliteBuildOptions`,
          );
        return { contents: named, loader: 'js' };
      });
      build.onLoad({ filter: /[\\/]node_modules[\\/]classic-level[\\/]binding\.js$/ }, () => ({
        contents: `module.exports = require('node-gyp-build')(require('node:path').join(__dirname, ${JSON.stringify(relative(outdir, classicLevel).split(sep).join('/'))}));`,
        loader: 'js',
      }));
    },
  };
  return {
    ...baseOptions(writeTo),
    external: ['node-gyp-build'],
    plugins: [plugin],
    entryPoints: { dynalite: 'living-review:dynalite' },
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    banner: { js: CJS_WRAPPER },
    footer: { js: '})' },
  };
}

/** Which command bundle the build wrote (into `writtenTo`) for each command, from the build's metafile. */
function bundleMap(commands: readonly CommandModule[], metafile: Metafile, writtenTo: string): BundleMap {
  const written = new Map<string, string>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (output.entryPoint?.startsWith('lr:')) written.set(output.entryPoint.slice(3), basename(path));
  }
  const file = (id: string) => {
    const name = written.get(id);
    if (!name) throw new Error(`esbuild wrote no bundle for ${id}`);
    return name;
  };
  return {
    help: file('living-review:help'),
    commands: Object.fromEntries(
      commands.map((c) => [c.spec.name, file(`living-review:command:${c.module}`)]),
    ),
    // esbuild escapes every other character outside regular expressions and licence comments; run-bundled.ts
    // reads these as Latin-1, which is quicker than decoding UTF-8 (regular expressions in the sources spell
    // such characters as \u escapes for that reason).
    ascii: [...written.values()].filter((name) => isAscii(readFileSync(join(writtenTo, name)))).sort(),
    store: Object.fromEntries(
      commands
        .filter((c) => c.spec.store)
        .map((c) => [c.spec.name, { options: c.spec.options, positionals: c.spec.positionals ?? false }]),
    ),
  };
}

/** The dynalite bundle the build wrote into `writtenTo`: its file name, and whether it is plain ASCII. */
function dynaliteBundleOf(metafile: Metafile, writtenTo: string): { file: string; ascii: boolean } {
  const [path] = Object.keys(metafile.outputs).filter((out) => out.endsWith('.cjs'));
  if (!path) throw new Error('esbuild wrote no dynalite bundle');
  const file = basename(path);
  return { file, ascii: isAscii(readFileSync(join(writtenTo, file))) };
}

function buildInfo(metafile: Metafile): BuildInfo {
  const sources = Object.keys(metafile.inputs)
    .filter((path) => !path.includes('node_modules/') && !path.startsWith('lr:'))
    .map((path) => path.split(sep).join('/'));
  const inputs: BuildInfo['inputs'] = {};
  for (const path of [...new Set([...sources, ...BUILD_INPUTS])].sort()) {
    const stat = statSync(join(PROJECT_ROOT, path));
    inputs[path] = [stat.mtimeMs, stat.size];
  }
  return { builtAt: new Date().toISOString(), inputs };
}

/**
 * Builds the CLI into `outdir` (default dist/cli), replacing what was there only once the whole build
 * succeeded, so a CLI starting meanwhile finds the old bundle or the new one, never half of one.
 */
export async function buildCli(outdir: string = CLI_DIST): Promise<CliBuild> {
  const { build } = await import('esbuild');
  const commands = await commandModules();
  const staging = `${outdir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const dynaliteBuild = await build(dynaliteBuildOptions(outdir, staging));
    const commandBuild = await build(commandBuildOptions(outdir, commands, staging));
    const map = bundleMap(commands, commandBuild.metafile!, staging);
    const launcherBuild = await build(
      launcherBuildOptions(outdir, map, staging, dynaliteBundleOf(dynaliteBuild.metafile!, staging)),
    );
    const builds = [dynaliteBuild, commandBuild, launcherBuild].map((b) => b.metafile!);
    const metafile: Metafile = {
      inputs: Object.assign({}, ...builds.map((m) => m.inputs)),
      outputs: Object.assign({}, ...builds.map((m) => m.outputs)),
    };
    writeFileSync(join(staging, 'build-info.json'), `${JSON.stringify(buildInfo(metafile), null, 1)}\n`);
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
    const outputs: Record<string, number> = {};
    for (const [path, output] of Object.entries(metafile.outputs)) {
      if (!path.endsWith('.map')) outputs[basename(path)] = output.bytes;
    }
    const inputs = Object.keys(metafile.inputs).length;
    return { outdir, outputs, commands: commands.length, inputs, metafile, map };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) {
  let esbuildMissing = false;
  try {
    await import('esbuild');
  } catch {
    esbuildMissing = true;
  }
  if (esbuildMissing) {
    // An install without dev dependencies: the launcher runs the sources through tsx instead.
    process.stderr.write(
      'living-review: esbuild is not installed; the CLI will run from its TypeScript sources\n',
    );
  } else {
    const started = performance.now();
    const built = await buildCli();
    const total = Object.values(built.outputs).reduce((sum, bytes) => sum + bytes, 0);
    process.stderr.write(
      `living-review: built ${relative(PROJECT_ROOT, built.outdir)} (${built.commands} commands, ${Object.keys(built.outputs).length} files, ${(total / 1024).toFixed(0)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }
}
