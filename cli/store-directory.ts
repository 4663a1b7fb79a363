// Which data directory a command's store lives in, and how long a store server a command starts stays up: read
// by the commands (cli/context.ts) and by the bundled CLI's entry, which starts a store command's server while
// the command loads (cli/bundle/run-bundled.ts); so this module imports nothing of the store itself.
import { resolve } from 'node:path';

/** `--data DIR`, else LIVING_REVIEW_DATA, else `.data/` in the working directory. */
export function dataDirectory(values: Record<string, unknown>): string {
  const flag = typeof values.data === 'string' ? values.data : undefined;
  return resolve(flag ?? process.env.LIVING_REVIEW_DATA ?? '.data');
}

/**
 * How long a store server a command starts waits for the next request before it exits: 5 minutes, so the
 * commands of a session find it running (a command that has to start one takes about a second longer);
 * LIVING_REVIEW_STORE_IDLE_MS sets another period (undefined here: the server reads the variable itself).
 */
export const CLI_STORE_IDLE_MS = 300_000;

export function cliStoreIdleMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return env.LIVING_REVIEW_STORE_IDLE_MS === undefined ? CLI_STORE_IDLE_MS : undefined;
}
