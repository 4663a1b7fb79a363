// A `living-review` sub-command run in this process, with the option values main.ts would have parsed: its exit
// code and what it wrote to stdout and stderr. Errors it throws propagate (main.ts would print them in one line).
import type { Command } from '../../cli/command.ts';
import type { CliResult } from './cli-binary.ts';

export async function runCommandInProcess(
  command: Command,
  values: Record<string, string>,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await command.run(
    { values, positionals: [] },
    {
      out: (text) => {
        stdout += `${text}\n`;
      },
      err: (text) => {
        stderr += `${text}\n`;
      },
      interactive: false,
    },
  );
  return { code: code ?? 0, stdout, stderr };
}
