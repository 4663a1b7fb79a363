// Code this process starts in another Node process or worker thread: the embedded store's server, the PubMed
// parse workers. Run from the TypeScript sources (development, tests, benchmarks), such an entry is the .ts file
// beside its caller, which Node loads through tsx; run from the bundled CLI (dist/cli, built by
// cli/bundle/build.ts, which lists these entries), it is its own plain-JavaScript bundle beside the running one.
// The caller's import.meta.url tells which: in the bundle it is the bundle's URL, never a .ts file.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface NodeEntry {
  /** The file to run. */
  file: string;
  /** Node options that make it runnable: tsx's loader for a TypeScript source, none for a bundle. */
  execArgv: string[];
  /** A TypeScript source: a worker thread must install tsx itself (workers do not inherit loader hooks). */
  typescript: boolean;
}

/** The entry `name` (e.g. "store-server") beside the module whose import.meta.url is `callerUrl`. */
export function nodeEntry(callerUrl: string, name: string): NodeEntry {
  const typescript = callerUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`./${name}.${typescript ? 'ts' : 'mjs'}`, callerUrl));
  if (!typescript) return { file, execArgv: [], typescript };
  // tsx's loader, resolved from the caller so the entry starts whatever the working directory is.
  const tsx = pathToFileURL(createRequire(callerUrl).resolve('tsx')).href;
  return { file, execArgv: ['--import', tsx], typescript };
}

/**
 * The folder of the running bundle when the module whose import.meta.url is `callerUrl` runs bundled (dist/cli);
 * null when it runs from its TypeScript source.
 */
export function bundleDirectory(callerUrl: string): string | null {
  return callerUrl.endsWith('.ts') ? null : fileURLToPath(new URL('.', callerUrl));
}
