// The bundled CLI's entry (dist/cli/living-review.mjs, built by cli/bundle/build.ts): picks the one bundle the
// command line needs and runs it with a V8 code cache.
//
// Each command module is its own CommonJS bundle holding the command-line code, every command's spec and that
// module's commands, so a command loads only its own code; `--help`, a command's `--help` and an unknown
// command load the help bundle (the specs and no command code). CommonJS, because Node 20 can keep V8's
// compiled code between processes only for a script (vm.Script cachedData; `module.enableCompileCache`, which
// covers ES modules, came with Node 22.1): compiling the bundle's code was a third of a store command's start.
// shared/adapters/process/code-cache.ts keeps the cache.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '../../shared/adapters/process/code-cache.ts';
import type { OptionSpec } from '../command.ts';

/** Which bundle runs which command: file names beside the entry. */
export interface BundleMap {
  /** Command name -> the bundle of its module. */
  commands: Record<string, string>;
  /** The specs and the command-line code, no command: help, and unknown commands. */
  help: string;
  /** The bundles that are plain ASCII (most: see build.ts), which are read as Latin-1. */
  ascii?: string[];
  /** Command name -> how to read its arguments, for the commands that open the embedded store (early-store.ts). */
  store?: Record<string, StoreCommandSpec>;
}

/** What the entry needs of a store command to find its data directory: its options, as the command reads them. */
export interface StoreCommandSpec {
  options: OptionSpec;
  positionals: boolean;
}

/** The bundle that handles `argv` (the arguments after `living-review`). */
export function bundleFor(argv: readonly string[], map: BundleMap): string {
  const [name, ...rest] = argv;
  if (name === undefined || !Object.hasOwn(map.commands, name)) return map.help;
  return rest.includes('--help') || rest.includes('-h') ? map.help : map.commands[name]!;
}

/**
 * Runs the bundle for this process's command line; `entryUrl` is the entry's import.meta.url. For a command
 * that opens the embedded store, its store's server is started first when none runs (early-store.ts).
 * LIVING_REVIEW_TIMING=1 prints to stderr the CPU time the process had used once the bundle was loaded
 * (Node's start, the entry, compiling or reading the cache, and evaluating the bundle), for bench/startup.
 */
export async function runBundledCli(entryUrl: string, map: BundleMap): Promise<void> {
  const dir = dirname(fileURLToPath(entryUrl));
  const argv = process.argv.slice(2);
  const bundle = bundleFor(argv, map);
  const store = bundle === map.help || argv[0] === undefined ? undefined : map.store?.[argv[0]];
  if (store !== undefined) {
    const { startStoreEarly } = await import('./early-store.ts');
    await startStoreEarly(argv.slice(1), store);
  }
  const used = runWithCodeCache(
    join(dir, bundle),
    join(dir, 'cache', 'v8'),
    undefined,
    map.ascii?.includes(bundle) ?? false,
  );
  if (process.env.LIVING_REVIEW_TIMING) {
    const { user, system } = process.cpuUsage();
    process.stderr.write(
      `living-review timing: loaded after ${((user + system) / 1e6).toFixed(3)} s CPU (code cache ${used ? 'used' : 'written at exit'})\n`,
    );
  }
}
