// `living-review`: the local runner. It wires the same use cases the Lambdas run to the embedded store and
// prints results; every failure ends with a non-zero exit and one line saying why.
import { parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors.ts';
import { type CommandOutput, UsageError } from './command.ts';
import { commands } from './commands/index.ts';
import { terminalText } from './format.ts';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: living-review <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "living-review <command> --help shows a command's options.",
  ].join('\n');
}

export async function main(argv: string[], io: CommandOutput): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`living-review: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: living-review ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    const args = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    return (await command.run(args as Parameters<typeof command.run>[0], io)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`living-review ${name}: ${errorMessage(error)}\nusage: living-review ${command.usage}`);
      return 2;
    }
    io.err(`living-review ${name}: ${errorMessage(error)}`);
    if (process.env.LIVING_REVIEW_DEBUG) io.err(String((error as Error).stack));
    return 1;
  }
}

// A reader that stops early (`| head`) closes the pipe; that ends the output, it is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Every line printed passes terminalText: record text (titles, queries, error messages quoting input) can
// hold control characters that would act on the reader's terminal.
const io: CommandOutput = {
  out: (text) => process.stdout.write(`${terminalText(text)}\n`),
  err: (text) => process.stderr.write(`${terminalText(text)}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

process.exitCode = await main(process.argv.slice(2), io);
