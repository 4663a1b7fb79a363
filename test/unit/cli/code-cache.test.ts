// The bundled CLI's V8 code cache (shared/adapters/process/code-cache.ts): a script runs the same whether its cache is
// missing, whole, corrupt, truncated, from other code or unwritable; a cache that was not used is written
// whole at exit, and the next run uses it.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleFor } from '../../../cli/bundle/run-bundled.ts';
import { codeCacheFile, runWithCodeCache } from '../../../shared/adapters/process/code-cache.ts';

interface Ran {
  filename: string;
  dirname: string;
  answer: number;
  requires: boolean;
}

const runs = (): Ran[] => ((globalThis as { __codeCacheRuns?: Ran[] }).__codeCacheRuns ??= []);

/** A CommonJS script that records what it was given, with some functions worth caching. */
function script(answer: number): string {
  return [
    "const { basename } = require('node:path');",
    'function square(x) { return x * x; }',
    'const table = Array.from({ length: 50 }, (_, i) => square(i));',
    `globalThis.__codeCacheRuns.push({ filename: __filename, dirname: __dirname, answer: ${answer} + table.length - 50,`,
    "  requires: basename(__filename).endsWith('.cjs') && module.exports === exports });",
    '',
  ].join('\n');
}

let dir: string;
let file: string;
let cacheDir: string;

/** Runs the script, returning whether the cache was used and the writers it left for exit. */
function run(): { used: boolean; writers: (() => void)[] } {
  const writers: (() => void)[] = [];
  const used = runWithCodeCache(file, cacheDir, (write) => writers.push(write));
  return { used, writers };
}

/** The cache file holds data and the SHA-256 of that data before it. */
function isWhole(path: string): boolean {
  const stored = readFileSync(path);
  return (
    stored.length > 32 &&
    createHash('sha256').update(stored.subarray(32)).digest().equals(stored.subarray(0, 32))
  );
}

/** Runs the script as a process would: the writers left for exit run at its end. */
function runToExit(): boolean {
  const { used, writers } = run();
  for (const write of writers) write();
  return used;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  file = join(dir, 'command-demo-ABCDEFGH.cjs');
  cacheDir = join(dir, 'cache', 'v8');
  writeFileSync(file, script(42));
  runs().length = 0;
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the code cache', () => {
  it('is written at exit when missing, then used; the script runs the same both times', () => {
    const first = run();
    expect(first.used).toBe(false);
    expect(first.writers).toHaveLength(1);
    expect(() => readFileSync(codeCacheFile(file, cacheDir))).toThrow(/ENOENT/);
    first.writers[0]!();
    expect(isWhole(codeCacheFile(file, cacheDir))).toBe(true);

    const second = run();
    expect(second).toEqual({ used: true, writers: [] });
    expect(runs()).toEqual([
      { filename: file, dirname: dir, answer: 42, requires: true },
      { filename: file, dirname: dir, answer: 42, requires: true },
    ]);
  });

  it('is named for the bundle, the Node version and the architecture', () => {
    expect(codeCacheFile(file, cacheDir)).toBe(
      join(cacheDir, `command-demo-ABCDEFGH.cjs.node-${process.version}-${process.arch}.v8`),
    );
  });

  it('ignores corrupt, truncated or empty data, runs the script, and rewrites the cache whole', () => {
    expect(runToExit()).toBe(false);
    const path = codeCacheFile(file, cacheDir);
    const whole = readFileSync(path);
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 10]! ^= 0xff;
    for (const bad of [
      flipped,
      whole.subarray(0, whole.length - 100),
      whole.subarray(0, 20),
      Buffer.alloc(0),
    ]) {
      writeFileSync(path, bad);
      expect(runToExit()).toBe(false);
      expect(isWhole(path)).toBe(true);
      expect(runToExit()).toBe(true);
    }
    expect(runs().map((r) => r.answer)).toEqual(Array(9).fill(42));
  });

  it("ignores another script's data (V8 rejects it) and replaces it", () => {
    expect(runToExit()).toBe(false);
    const path = codeCacheFile(file, cacheDir);
    const other = readFileSync(path);
    // Other code under this name: the bundle's own name carries a hash of its content, so this only happens
    // by hand; V8 rejects data compiled from a source of another length.
    writeFileSync(file, `${script(7)}// other code\n`);
    writeFileSync(path, other);
    expect(runToExit()).toBe(false);
    expect(readFileSync(path)).not.toEqual(other);
    expect(isWhole(path)).toBe(true);
    expect(runToExit()).toBe(true);
    expect(runs().map((r) => r.answer)).toEqual([42, 7, 7]);
  });

  it('leaves a cache directory that cannot be written alone, and the script still runs', () => {
    // A file where the directory should be: making it and writing into it fail (as in a read-only install;
    // file modes do not stop root, who runs the tests here).
    writeFileSync(join(dir, 'cache'), 'not a directory');
    expect(runToExit()).toBe(false);
    expect(runToExit()).toBe(false);
    expect(readFileSync(join(dir, 'cache'), 'utf8')).toBe('not a directory');
    expect(runs().map((r) => r.answer)).toEqual([42, 42]);
  });
});

describe('which bundle runs a command line', () => {
  const map = { help: 'help-1.cjs', commands: { status: 'command-status-2.cjs', km: 'command-km-3.cjs' } };

  it("runs a command's own bundle, and the help bundle for help and unknown commands", () => {
    expect(bundleFor(['status', '--review', 'iesm'], map)).toBe('command-status-2.cjs');
    expect(bundleFor(['km'], map)).toBe('command-km-3.cjs');
    expect(bundleFor([], map)).toBe('help-1.cjs');
    expect(bundleFor(['--help'], map)).toBe('help-1.cjs');
    expect(bundleFor(['status', '--help'], map)).toBe('help-1.cjs');
    expect(bundleFor(['status', '-h'], map)).toBe('help-1.cjs');
    expect(bundleFor(['no-such-command'], map)).toBe('help-1.cjs');
    expect(bundleFor(['toString'], map)).toBe('help-1.cjs');
  });
});
