// Runs a CommonJS bundle with V8's compiled code kept between processes: the bundled CLI's command bundles
// (cli/bundle/run-bundled.ts) and the store server's bundle of dynalite and LevelDB (embedded/dynalite-modules.ts).
// CommonJS, because Node 20 can keep compiled code only for a script (vm.Script cachedData;
// `module.enableCompileCache`, which covers ES modules, came with Node 22.1).
//
// The cache is only ever a shortcut: a cache file is named after the bundle's file (whose name carries a hash of
// its content), the Node version and the architecture, and holds a SHA-256 of its data; V8 itself rejects data
// from another V8 or other flags. Data that is missing, truncated, corrupt or rejected is ignored, and fresh data
// is written when the process exits (temp file, then rename); a cache directory that cannot be written (a
// read-only install) only means compiling every time. Nothing about the cache can change what the code does.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

const HASH_BYTES = 32;
/** What Node wraps a CommonJS module in; the build writes the bundles already wrapped (cli/bundle/build.ts). */
export const CJS_WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

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
 * the cache for the next start. `ascii`: the build found the file to be plain ASCII. Returns the module's
 * exports and whether the cache was used.
 */
export function requireWithCodeCache(
  file: string,
  cacheDir: string,
  atExit: (write: () => void) => void = (write) => process.once('exit', write),
  ascii = false,
): { exports: unknown; used: boolean } {
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
  // At exit the cache holds every function the process compiled, not only the top level.
  if (!used) atExit(() => writeCodeCache(cacheFile, script.createCachedData()));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, used };
}

/** requireWithCodeCache for a file run for its effects (a command bundle): whether the cache was used. */
export function runWithCodeCache(
  file: string,
  cacheDir: string,
  atExit?: (write: () => void) => void,
  ascii = false,
): boolean {
  return requireWithCodeCache(file, cacheDir, atExit, ascii).used;
}
