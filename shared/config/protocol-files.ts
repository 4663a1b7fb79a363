// Where protocol files are and the cache of validated protocols, without the YAML parser and the protocol
// schema: the bundled CLI reads a cached protocol with this module alone, and loads load-protocols.ts (the
// parser and the validation) only when a file is not in the cache (cli/context.ts).
//
// The cache keeps each validated protocol as JSON under the hash of the file's text: parsing the YAML and
// validating it cost a cold process about 0.3-0.4 s of CPU per command (the yaml parser and zod warming up),
// reading the JSON about 1 ms. Only valid protocols are kept, under the hash of exactly the text (and format)
// they came from, and only when JSON gives back exactly what validation returned; the directory goes with the
// bundle, so a rebuilt CLI (other schema code) starts from an empty cache. Nothing about the cache can change
// what a protocol says.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Protocol } from '../domain/protocol/protocol.ts';

const extensions = new Set(['.yaml', '.yml', '.json']);

/** The protocol files in a directory, by name. */
export function protocolFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => extensions.has(extname(name)))
    .sort();
}

/** The directory the shipped protocols live in (overridable with LIVING_REVIEW_PROTOCOLS). */
export function defaultProtocolDirectory(): string {
  return resolve(process.env.LIVING_REVIEW_PROTOCOLS ?? join(import.meta.dirname, '..', '..', 'protocols'));
}

/** The cache file for this text in this format: the format is part of the key (JSON text is YAML too). */
export function cacheEntry(cacheDir: string, text: string, origin: string): string {
  const format = extname(origin) === '.json' ? 'json' : 'yaml';
  return join(cacheDir, `${createHash('sha256').update(`${format}\0${text}`).digest('hex')}.json`);
}

/** The protocol cached in `entry`, or undefined when there is none (or it cannot be read). */
export function readCachedProtocol(entry: string): Protocol | undefined {
  try {
    return JSON.parse(readFileSync(entry, 'utf8')) as Protocol;
  } catch {
    return undefined;
  }
}

/** Writes the entry whole (temp file, rename) if JSON round-trips it exactly; a failure only costs speed. */
export function keepProtocol(entry: string, protocol: Protocol): void {
  const json = JSON.stringify(protocol);
  if (!isDeepStrictEqual(JSON.parse(json), protocol)) return;
  const temp = `${entry}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(entry), { recursive: true });
    writeFileSync(temp, json, { flag: 'wx' });
    renameSync(temp, entry);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written (the cache directory could not be made).
    }
  }
}

/**
 * The protocols in `paths` when every one is in the cache and their ids are unique; otherwise null, and the
 * caller loads them with load-protocols.ts, which validates what is not cached and names every problem.
 */
export function cachedProtocols(paths: readonly string[], cacheDir: string): Protocol[] | null {
  const protocols: Protocol[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null;
    }
    const protocol = readCachedProtocol(cacheEntry(cacheDir, text, path));
    if (protocol === undefined) return null;
    protocols.push(protocol);
  }
  return new Set(protocols.map((p) => p.id)).size === protocols.length ? protocols : null;
}
