// The bundled CLI (cli/bundle/build.ts) as `npm install` builds it, run as a user runs it: built into a folder
// of its own inside the project (where node_modules resolves, as for dist/cli), then every piece it starts or
// reads at run time is exercised from the bundle: the commands' help, the embedded store server (its own
// bundle, spawned), the demo's recorded records and the IESM protocol (files beside the sources), the
// screening page `serve` serves, and the PubMed parse worker (its own bundle, in a worker thread).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliBuild, NODE_ENTRIES } from '../../../cli/bundle/build.ts';
import { bundleState } from '../../../cli/bundle/bundle-state.mjs';
import type { CommandOutput } from '../../../cli/command.ts';
import { commands } from '../../../cli/commands/index.ts';
import { loadedCatalog, main } from '../../../cli/main.ts';
import { serverLogPath, stopEmbeddedServer } from '../../../shared/adapters/embedded/embedded-store.ts';
import { readLock } from '../../../shared/adapters/embedded/store-lock.ts';
import { codeCacheFile } from '../../../shared/adapters/process/code-cache.ts';
import { PubmedRecordSplitter } from '../../../shared/adapters/pubmed/xml-record-splitter.ts';
import { makeTempDataDir, REPO_ROOT, removeDataDir } from '../../support/store-fixtures.ts';

const run = promisify(execFile);
const outdir = join(REPO_ROOT, 'node_modules', '.cache', `cli-bundle-test-${process.pid}`);
let built: CliBuild;
const dataDirs: string[] = [];

beforeAll(async () => {
  built = await buildCli(outdir);
}, 120_000);

afterAll(async () => {
  for (const dir of dataDirs) await removeDataDir(dir);
  rmSync(outdir, { recursive: true, force: true });
});

/** `node <bundle>/living-review.mjs ...args` (its entry, which runs the command's bundle). */
async function bundled(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(outdir, 'living-review.mjs'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** What the sources print for the same arguments, in this process. */
async function fromSources(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandOutput = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    interactive: false,
  };
  const code = await main(args, io, loadedCatalog(commands));
  return { code, stdout: out.map((t) => `${t}\n`).join(''), stderr: err.map((t) => `${t}\n`).join('') };
}

/** The inputs of `output` and of every chunk it imports statically (what loads before any dynamic import). */
function staticInputs(output: string): string[] {
  const outputs = built.metafile.outputs;
  const seen = new Set<string>();
  const inputs = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const file = outputs[path];
    if (!file) throw new Error(`no output ${path}`);
    for (const input of Object.keys(file.inputs)) inputs.add(input);
    for (const imported of file.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(output);
  return [...inputs];
}

describe('the bundled CLI', () => {
  it('prints the same help as the sources, for the command list and for every command', async () => {
    for (const args of [['--help'], ...commands.map((c) => [c.name, '--help']), ['no-such-command']]) {
      const [fromBundle, expected] = await Promise.all([bundled(args), fromSources(args)]);
      expect(fromBundle, args.join(' ')).toEqual(expected);
    }
    // 29 CLI processes one after another: on the shared 2-core machines under load each can take 2-3 s.
  }, 180_000);

  it('loads no command, store or SDK code for help, and only its own code for a command', () => {
    const outputs = built.metafile.outputs;
    const output = (file: string) => Object.keys(outputs).find((path) => path.endsWith(`/${file}`))!;
    // The entry picks a bundle and runs it with its code cache: nothing of the CLI's own.
    expect(
      staticInputs(output('living-review.mjs'))
        .filter((input) => !input.startsWith('lr:'))
        .sort(),
    ).toEqual(['cli/bundle/run-bundled.ts', 'shared/adapters/process/code-cache.ts']);
    const help = staticInputs(output(built.map.help));
    expect(help.some((input) => input.startsWith('cli/main.ts'))).toBe(true);
    expect(help.filter((input) => /cli\/commands\/|shared\/adapters\/|node_modules\//.test(input))).toEqual(
      [],
    );
    // Every command has a bundle of its own module; status's holds no other command and no HTTP client.
    expect(Object.keys(built.map.commands).sort()).toEqual(commands.map((c) => c.name).sort());
    const status = staticInputs(output(built.map.commands.status!));
    expect(status.filter((input) => input.startsWith('cli/commands/'))).toEqual(['cli/commands/status.ts']);
    expect(status.filter((input) => input.startsWith('node_modules/undici/'))).toEqual([]);
    // The help bundle and the store commands' bundles are plain ASCII, read as Latin-1 (run-bundled.ts).
    const ascii = ['status', 'queue', 'runs', 'screen'].map((name) => built.map.commands[name]!);
    expect(built.map.ascii).toEqual(expect.arrayContaining([built.map.help, ...ascii]));
    for (const file of built.map.ascii ?? []) {
      expect(
        readFileSync(join(outdir, file)).every((byte) => byte < 0x80),
        file,
      ).toBe(true);
    }
  });

  it('keeps a V8 code cache per bundle, and runs the same without it, with it, and with a corrupt one', async () => {
    const cacheDir = join(outdir, 'cache', 'v8');
    rmSync(cacheDir, { recursive: true, force: true });
    const dir = makeTempDataDir('bundle-km');
    dataDirs.push(dir);
    const cohort = JSON.parse(
      readFileSync(join(REPO_ROOT, 'test/fixtures/reference/iesm-synthetic-cohort.json'), 'utf8'),
    ) as { os_months: number | null; os_event: number | null; primary_tumour: string }[];
    const rows = cohort
      .filter((p) => p.os_months !== null && p.os_event !== null)
      .map((p) => ({ time: p.os_months, event: p.os_event, group: p.primary_tumour }));
    writeFileSync(join(dir, 'km.json'), JSON.stringify(rows));
    const args = ['km', '--input', join(dir, 'km.json')];
    const expected = await fromSources(args);
    expect(expected.code).toBe(0);
    expect(await bundled(args)).toEqual(expected);
    const cacheFile = codeCacheFile(join(outdir, built.map.commands.km!), cacheDir);
    const whole = readFileSync(cacheFile);
    expect(whole.length).toBeGreaterThan(32);
    expect(await bundled(args)).toEqual(expected);
    writeFileSync(cacheFile, Buffer.concat([whole.subarray(0, 32), Buffer.alloc(whole.length - 32, 7)]));
    expect(await bundled(args)).toEqual(expected);
    expect(readFileSync(cacheFile).subarray(32, 64)).not.toEqual(Buffer.alloc(32, 7));
    // A cache directory that cannot be made (a file in its place, as a read-only install would refuse it).
    rmSync(cacheDir, { recursive: true, force: true });
    writeFileSync(cacheDir, 'not a directory');
    try {
      expect(await bundled(args)).toEqual(expected);
    } finally {
      rmSync(cacheDir, { force: true });
    }
  });

  it("keeps zod's English messages and leaves out its other languages", async () => {
    const zodLocales = Object.keys(built.metafile.inputs).filter((input) =>
      input.startsWith('node_modules/zod/v4/locales/'),
    );
    expect(zodLocales.map((input) => input.split('/').pop())).toEqual(['en.js']);
    const dir = makeTempDataDir('bundle-protocol');
    dataDirs.push(dir);
    const file = join(dir, 'bad.yaml');
    const iesm = readFileSync(join(REPO_ROOT, 'protocols/iesm.yaml'), 'utf8');
    writeFileSync(file, `${iesm.replace(/^title: .*$/m, 'title: 42')}\nnoSuchField: 1\n`);
    const [fromBundle, expected] = await Promise.all([
      bundled(['protocol', 'check', file]),
      fromSources(['protocol', 'check', file]),
    ]);
    expect(expected.stderr).toMatch(/title: Invalid input: expected string/);
    expect(expected.stderr).toMatch(/noSuchField: unknown field/);
    expect(fromBundle).toEqual(expected);
  });

  it('runs the demo: the bundled store server, the recorded records and the IESM protocol', async () => {
    const dataDir = makeTempDataDir('bundle-demo');
    dataDirs.push(dataDir);
    const demo = await bundled(['demo', '--data', dataDir]);
    expect(demo.stderr).toMatch(/serving 16 recorded PubMed records/);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('found 4, fetched 4: 4 new (queued 4)');
    const lock = await readLock(dataDir);
    if (lock === null || lock === 'unreadable') throw new Error('no store lock after the demo');
    // The server the bundle started is the bundled one, not the TypeScript source through tsx.
    const commandLine = readFileSync(`/proc/${lock.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toContain(join(outdir, 'store-server.mjs'));
    expect(commandLine.some((arg) => arg.includes('tsx'))).toBe(false);
    // It ran dynalite from its own bundle, not from node_modules.
    expect(readFileSync(serverLogPath(dataDir), 'utf8')).toMatch(
      /serving .*dynalite from dynalite-\w+\.cjs /,
    );

    const queue = await bundled(['queue', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    expect(queue.code).toBe(0);
    expect(JSON.parse(queue.stdout)).toHaveLength(4);
    expect(await stopEmbeddedServer(dataDir)).toBe(true);

    // The next server (started early by the bundled entry, for a stopped store) finds that code cache, and
    // serves the store with its table already made sure of.
    const again = await bundled(['queue', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toHaveLength(4);
    expect(readFileSync(serverLogPath(dataDir), 'utf8')).toMatch(
      /serving .*dynalite from dynalite-\w+\.cjs \(code cache used\)/,
    );
    const relock = await readLock(dataDir);
    expect(relock !== null && relock !== 'unreadable' && relock.table).toBe('living-review');
    expect(await stopEmbeddedServer(dataDir)).toBe(true);
  });

  it('serves the screening page from web/screening', async () => {
    const dataDir = makeTempDataDir('bundle-serve');
    dataDirs.push(dataDir);
    const child: ChildProcess = spawn(
      process.execPath,
      [join(outdir, 'living-review.mjs'), 'serve', '--review', 'iesm', '--port', '0', '--data', dataDir],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
          if (found) resolve(found[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(readFileSync(join(REPO_ROOT, 'web/screening/index.html'), 'utf8'));
      const script = await fetch(`${url}/assets/screening.js`);
      expect(await script.text()).toBe(readFileSync(join(REPO_ROOT, 'web/screening/screening.js'), 'utf8'));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('parses PubMed XML in its bundled worker thread', async () => {
    const file = join(REPO_ROOT, 'test/fixtures/pubmed/efetch_pubmed_erratumin_2025.xml');
    const splitter = new PubmedRecordSplitter(file);
    const records = [...splitter.push(readFileSync(file)), ...splitter.end()];
    expect(records.length).toBeGreaterThan(0);
    const worker = new Worker(join(outdir, 'parse-pubmed-worker.mjs'));
    try {
      const response = await new Promise<{ id: number; items: { citation?: { pmid: string } }[] }>(
        (resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage({ id: 7, origin: file, records });
        },
      );
      expect(response.id).toBe(7);
      expect(response.items).toHaveLength(records.length);
      expect(response.items[0]!.citation?.pmid).toMatch(/^\d+$/);
    } finally {
      await worker.terminate();
    }
  });

  it('bundles every entry the sources start in another process or thread', () => {
    const calls = [
      ...readFileSync(join(REPO_ROOT, 'shared/adapters/embedded/server-start.ts'), 'utf8').matchAll(
        /nodeEntry\(import\.meta\.url, '([^']+)'\)/g,
      ),
      ...readFileSync(join(REPO_ROOT, 'shared/adapters/pubmed/parse-pubmed-file.ts'), 'utf8').matchAll(
        /nodeEntry\(import\.meta\.url, '([^']+)'\)/g,
      ),
    ].map((match) => match[1]);
    expect(calls).toEqual(['store-server', 'parse-pubmed-worker']);
    for (const name of calls) {
      expect(NODE_ENTRIES.some((path) => path.endsWith(`/${name}.ts`))).toBe(true);
      expect(existsSync(join(outdir, `${name}.mjs`))).toBe(true);
    }
  });
});

describe('the launcher', () => {
  it('takes the bundle only while every source it was built from is unchanged', () => {
    expect(bundleState(REPO_ROOT, outdir)).toBe('current');
    const info = JSON.parse(readFileSync(join(outdir, 'build-info.json'), 'utf8')) as {
      inputs: Record<string, [number, number]>;
    };
    expect(Object.keys(info.inputs)).toEqual(
      expect.arrayContaining(['cli/main.ts', 'cli/commands/km.ts', 'package-lock.json']),
    );
    const copy = join(outdir, 'tampered');
    mkdirSync(copy);
    const write = (inputs: Record<string, [number, number]>) =>
      writeFileSync(join(copy, 'build-info.json'), JSON.stringify({ inputs }));
    const [mtime, size] = info.inputs['cli/main.ts']!;
    write({ 'cli/main.ts': [mtime, size + 1] });
    expect(bundleState(REPO_ROOT, copy)).toBe('stale');
    write({ 'cli/main.ts': [mtime - 1000, size] });
    expect(bundleState(REPO_ROOT, copy)).toBe('stale');
    write({ 'cli/no-such-file.ts': [mtime, size] });
    expect(bundleState(REPO_ROOT, copy)).toBe('stale');
    write({ 'cli/main.ts': [mtime, size] });
    expect(bundleState(REPO_ROOT, copy)).toBe('current');
    expect(bundleState(REPO_ROOT, join(outdir, 'no-bundle-here'))).toBe('missing');
  });

  it('runs the sources through tsx when told to (LIVING_REVIEW_FROM_SOURCES)', async () => {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'cli/living-review.js'), '--help'], {
      env: { ...process.env, LIVING_REVIEW_FROM_SOURCES: '1' },
    });
    expect(stdout).toBe((await fromSources(['--help'])).stdout);
  });
});
