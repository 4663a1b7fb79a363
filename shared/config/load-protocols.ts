// Reads protocol files (YAML or JSON) and validates them. This is the edge: an invalid file fails with an
// error naming the file and every bad field, and nothing runs.
//
// A cache directory (the bundled CLI passes one inside its bundle, cli/context.ts) keeps each validated
// protocol as JSON under the hash of the file's text: parsing the YAML and validating it cost a cold process
// about 0.3-0.4 s of CPU per command (the yaml parser and zod warming up), reading the JSON about 1 ms. Only
// valid protocols are kept, under the hash of exactly the text (and format) they came from, and only when
// JSON gives back exactly what validation returned; the directory goes with the bundle, so a rebuilt CLI (other
// schema code) starts from an empty cache. Nothing about the cache can change what a protocol says.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Protocol, protocolSchema } from '../domain/protocol/protocol.ts';
import { issueLines } from '../domain/zod-issues.ts';
import { ProtocolError } from '../errors.ts';

const extensions = new Set(['.yaml', '.yml', '.json']);

/** One line per problem, each naming the field by its path; an unknown field is named itself. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issueLines(issues, {
    root: '(top level)',
    eachUnknownKey: 'unknown field (not part of the protocol format: a typo?)',
  })
    .map((line) => `  ${line}`)
    .join('\n');
}

export interface ProtocolLoadOptions {
  /** Where validated protocols are kept between processes (see the header); none: always validate. */
  cacheDir?: string;
}

/** Validates protocol text; `origin` names the file in errors. */
export function parseProtocol(text: string, origin: string, options: ProtocolLoadOptions = {}): Protocol {
  const cached = options.cacheDir === undefined ? undefined : cacheEntry(options.cacheDir, text, origin);
  if (cached !== undefined) {
    try {
      return JSON.parse(readFileSync(cached, 'utf8')) as Protocol;
    } catch {
      // Not cached yet (or unreadable): validate, below.
    }
  }
  const protocol = validateProtocol(text, origin);
  if (cached !== undefined) keep(cached, protocol);
  return protocol;
}

/** The cache file for this text in this format: the format is part of the key (JSON text is YAML too). */
function cacheEntry(cacheDir: string, text: string, origin: string): string {
  const format = extname(origin) === '.json' ? 'json' : 'yaml';
  return join(cacheDir, `${createHash('sha256').update(`${format}\0${text}`).digest('hex')}.json`);
}

/** Writes the entry whole (temp file, rename) if JSON round-trips it exactly; a failure only costs speed. */
function keep(path: string, protocol: Protocol): void {
  const json = JSON.stringify(protocol);
  if (!isDeepStrictEqual(JSON.parse(json), protocol)) return;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, json, { flag: 'wx' });
    renameSync(temp, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written (the cache directory could not be made).
    }
  }
}

function validateProtocol(text: string, origin: string): Protocol {
  let data: unknown;
  try {
    data = extname(origin) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ProtocolError(
      `${origin}: not valid ${extname(origin) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  const result = protocolSchema.safeParse(data);
  if (!result.success) {
    throw new ProtocolError(`${origin}: invalid protocol\n${describeIssues(result.error.issues)}`);
  }
  return result.data;
}

export function loadProtocolFile(path: string, options: ProtocolLoadOptions = {}): Protocol {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProtocolError(
      `${path}: cannot read protocol file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  return parseProtocol(text, path, options);
}

/** Every protocol in a directory; ids must be unique across files. */
export function loadProtocolDirectory(directory: string, options: ProtocolLoadOptions = {}): Protocol[] {
  const files = readdirSync(directory)
    .filter((name) => extensions.has(extname(name)))
    .sort();
  const protocols = files.map((name) => loadProtocolFile(join(directory, name), options));
  const seen = new Map<string, string>();
  protocols.forEach((protocol, index) => {
    const file = files[index]!;
    const other = seen.get(protocol.id);
    if (other)
      throw new ProtocolError(
        `${join(directory, file)}: review id "${protocol.id}" is also used by ${other}`,
      );
    seen.set(protocol.id, join(directory, file));
  });
  return protocols;
}

/** The directory the shipped protocols live in (overridable with LIVING_REVIEW_PROTOCOLS). */
export function defaultProtocolDirectory(): string {
  return resolve(process.env.LIVING_REVIEW_PROTOCOLS ?? join(import.meta.dirname, '..', '..', 'protocols'));
}
