// Per-reviewer bearer tokens for the local server. Generated on first start into <dataDir>/tokens.json
// (mode 0600: only the owner reads it) and printed once; `--tokens FILE` uses a file made elsewhere instead.
// File shape: { "<reviewerId>": "<token>", ... }. A token is 32 random bytes, base64url, prefixed "lr_".
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../shared/errors.ts';

const tokenFileSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
  z.string().min(20, 'a token must have at least 20 characters'),
);

export type TokenTable = Record<string, string>;

export function newToken(): string {
  return `lr_${randomBytes(32).toString('base64url')}`;
}

export function readTokenFile(path: string): TokenTable {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the token file (${(error as Error).message})`);
  }
  const parsed = tokenFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(
      `${path}: expected {"<reviewer id>": "<token>"}: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

function writeTokenFile(path: string, tokens: TokenTable): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * The tokens in `path`, with one generated for each of `reviewerIds` that has none (the file is created if
 * missing). `created` lists the reviewers whose token is new: the caller prints those, once.
 */
export function ensureTokens(
  path: string,
  reviewerIds: readonly string[],
): { tokens: TokenTable; created: string[] } {
  const tokens = existsSync(path) ? readTokenFile(path) : {};
  const created = reviewerIds.filter((id) => !tokens[id]);
  for (const id of created) tokens[id] = newToken();
  if (created.length > 0 || !existsSync(path)) writeTokenFile(path, tokens);
  else chmodSync(path, 0o600);
  return { tokens, created };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A lookup from a presented token to its reviewer, comparing digests in constant time. */
export function tokenVerifier(tokens: TokenTable): (presented: string) => string | null {
  const entries = Object.entries(tokens).map(([reviewerId, token]) => ({
    reviewerId,
    digest: digest(token),
  }));
  return (presented) => {
    const candidate = digest(presented);
    let found: string | null = null;
    for (const entry of entries) if (timingSafeEqual(entry.digest, candidate)) found = entry.reviewerId;
    return found;
  };
}
