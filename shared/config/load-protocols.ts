// Reads protocol files (YAML or JSON) and validates them. This is the edge: an invalid file fails with an
// error naming the file and every bad field, and nothing runs.
//
// A cache directory (the bundled CLI passes one inside its bundle, cli/context.ts) keeps each validated
// protocol as JSON under the hash of the file's text (shared/config/protocol-files.ts says how and why).
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Protocol, protocolSchema } from '../domain/protocol/protocol.ts';
import { issueLines } from '../domain/zod-issues.ts';
import { ProtocolError } from '../errors.ts';
import { cacheEntry, keepProtocol, protocolFiles, readCachedProtocol } from './protocol-files.ts';

export { defaultProtocolDirectory } from './protocol-files.ts';

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
  const entry = options.cacheDir === undefined ? undefined : cacheEntry(options.cacheDir, text, origin);
  const cached = entry === undefined ? undefined : readCachedProtocol(entry);
  if (cached !== undefined) return cached;
  const protocol = validateProtocol(text, origin);
  if (entry !== undefined) keepProtocol(entry, protocol);
  return protocol;
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
  const files = protocolFiles(directory);
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
