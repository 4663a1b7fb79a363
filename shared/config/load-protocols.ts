// Reads protocol files (YAML or JSON) and validates them. This is the edge: an invalid file fails with an
// error naming the file and every bad field, and nothing runs.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Protocol, protocolSchema } from '../domain/protocol/protocol.ts';
import { ProtocolError } from '../errors.ts';

const extensions = new Set(['.yaml', '.yml', '.json']);

/** One line per problem, each naming the field by its path; an unknown field is named itself. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .flatMap((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(
          (key) => `  ${[...path, key].join('.')}: unknown field (not part of the protocol format: a typo?)`,
        );
      }
      return [`  ${path.length > 0 ? path.join('.') : '(top level)'}: ${issue.message}`];
    })
    .join('\n');
}

/** Validates protocol text; `origin` names the file in errors. */
export function parseProtocol(text: string, origin: string): Protocol {
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

export function loadProtocolFile(path: string): Protocol {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProtocolError(
      `${path}: cannot read protocol file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  return parseProtocol(text, path);
}

/** Every protocol in a directory; ids must be unique across files. */
export function loadProtocolDirectory(directory: string): Protocol[] {
  const files = readdirSync(directory)
    .filter((name) => extensions.has(extname(name)))
    .sort();
  const protocols = files.map((name) => loadProtocolFile(join(directory, name)));
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
