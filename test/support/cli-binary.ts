// The `living-review` binary as a user runs it: a child process, and its exit code, stdout and stderr.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const binary = join(import.meta.dirname, '../../cli/living-review.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `living-review ...args` under `env` (the whole environment; this process's by default), with `stdin` piped to
 * it when given (then closed, as a pipe ends).
 */
export async function runLivingReview(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  stdin?: string,
): Promise<CliResult> {
  try {
    const pending = run(process.execPath, [binary, ...args], { env, timeout: 60_000 });
    if (stdin !== undefined) pending.child.stdin?.end(stdin);
    const { stdout, stderr } = await pending;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `living-review ...args` started in the background (to kill it mid-run); its output is not kept. */
export function startLivingReview(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  return spawn(process.execPath, [binary, ...args], { env, stdio: 'ignore' });
}
