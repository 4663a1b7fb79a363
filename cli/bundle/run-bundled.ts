// The bundled CLI's entry (dist/cli/living-review.mjs, built by cli/bundle/build.ts): picks the one bundle the
// command line needs and runs it with a V8 code cache.
//
// Each command module is its own CommonJS bundle holding the command-line code, every command's spec and that
// module's commands, so a command loads only its own code; `--help`, a command's `--help` and an unknown
// command load the help bundle (the specs and no command code). CommonJS, because Node 20 can keep V8's
// compiled code between processes only for a script (vm.Script cachedData; `module.enableCompileCache`, which
// covers ES modules, came with Node 22.1): compiling the bundle's code was a third of a store command's start.
//
// The cache is only ever a shortcut: a cache file is named after the bundle's file (whose name carries a hash of
// its content), the Node version and the architecture, and holds a SHA-256 of its data; V8 itself rejects data
// from another V8 or other flags. Data that is missing, truncated, corrupt or rejected is ignored, and fresh data
// is written when the command exits (temp file, then rename); a cache directory that cannot be written (a
// read-only install) only means compiling every time. Nothing about the cache can change what a command does.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
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

const HASH_BYTES = 32;
/** What Node wraps a CommonJS module in; the build writes the command bundles already wrapped (build.ts). */
export const CJS_WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

/** The bundle that handles `argv` (the arguments after `living-review`). */
export function bundleFor(argv: readonly string[], map: BundleMap): string {
  const [name, ...rest] = argv;
  if (name === undefined || !Object.hasOwn(map.commands, name)) return map.help;
  return rest.includes('--help') || rest.includes('-h') ? map.help : map.commands[name]!;
}

/** The cache file of the bundle `file` in `cacheDir`, for this Node and architecture. */
export function codeCacheFile(file: string, cacheDir: string): string {
  return join(cacheDir, `${basename(file)}.node-${process.version}-${process.arch}.v8`);
}

/** The cached data in `path` if it is whole (its hash matches), else undefined. */
function readCodeCache(path: string): Buffer | undefined {
  let stored: Buffer;
  try {
    stored = readFileSync(path);
  } catch {
    return undefined;
  }
  if (stored.length <= HASH_BYTES) return undefined;
  const data = stored.subarray(HASH_BYTES);
  const hash = createHash('sha256').update(data).digest();
  return hash.equals(stored.subarray(0, HASH_BYTES)) ? data : undefined;
}

/** Writes the data whole (temp file, rename) or not at all; a failure only costs the next start its time. */
function writeCodeCache(path: string, data: Buffer): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, Buffer.concat([createHash('sha256').update(data).digest(), data]), { flag: 'wx' });
    renameSync(temp, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

/**
 * Runs the CommonJS file `file` in this process as Node would run it, with V8's compiled code from `cacheDir`
 * when a whole, accepted cache is there; otherwise compiles it and, when the process exits (`atExit`), writes
 * the cache for the next start. `ascii`: the build found the file to be plain ASCII. Returns whether the cache
 * was used.
 */
export function runWithCodeCache(
  file: string,
  cacheDir: string,
  atExit: (write: () => void) => void = (write) => process.once('exit', write),
  ascii = false,
): boolean {
  // A bundle the build found to be ASCII is read as Latin-1 (the same text): Node 20 decodes UTF-8 at about
  // half the speed (~10 ms more for a store command's bundle), and a single other character makes V8 hold the
  // whole source as a two-byte string, slower to compile and to check against the cache.
  const source = readFileSync(file, ascii ? 'latin1' : 'utf8');
  const cacheFile = codeCacheFile(file, cacheDir);
  const cachedData = readCodeCache(cacheFile);
  // A file the build wrapped is compiled as it is: wrapping it here would copy the whole source once more.
  const wrapped = source.startsWith(CJS_WRAPPER);
  const script = new Script(wrapped ? source : `${CJS_WRAPPER}${source}\n})`, {
    filename: file,
    columnOffset: wrapped ? 0 : -CJS_WRAPPER.length,
    cachedData,
  });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  // At exit the cache holds every function the command compiled, not only the top level.
  if (!used) atExit(() => writeCodeCache(cacheFile, script.createCachedData()));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return used;
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
