// `living-review`: the local runner. It wires the same use cases the Lambdas run to the embedded store and
// prints results; every failure ends with a non-zero exit and one line saying why.
//
// The command line is read from a catalog: every command's name, summary, usage and options, and a way to load
// the command itself. From the TypeScript sources the catalog holds the loaded commands (cli/from-sources.ts);
// the bundled CLI (cli/bundle/build.ts) runs one bundle per command module, carrying every spec as data, and a
// help bundle with no command at all, so `--help` and an unknown command never load the AWS SDK or the store.
import { parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors.ts';
import { type Command, type CommandOutput, type CommandSpec, UsageError } from './command.ts';
import { terminalText } from './format.ts';
import { clearProgressLine } from './progress.ts';

export interface CommandCatalog {
  /** Every command, in the order `living-review --help` lists them. */
  specs: readonly CommandSpec[];
  /** The command named `name` (one of the specs). */
  load(name: string): Promise<Command>;
}

/** The catalog of commands already loaded (the sources and the tests). */
export function loadedCatalog(commands: readonly Command[]): CommandCatalog {
  return {
    specs: commands,
    load: async (name) => {
      const command = commands.find((c) => c.name === name);
      if (!command) throw new Error(`no command "${name}"`);
      return command;
    },
  };
}

function help(specs: readonly CommandSpec[]): string {
  const width = Math.max(...specs.map((c) => c.name.length));
  return [
    'usage: living-review <command> [options]',
    '',
    ...specs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "living-review <command> --help shows a command's options.",
  ].join('\n');
}

/** A command's own help: its usage line, its summary and what it documents beyond them. */
export function commandHelp(spec: CommandSpec): string {
  return [`usage: living-review ${spec.usage}`, '', spec.summary, ...(spec.help ? ['', spec.help] : [])].join(
    '\n',
  );
}

export async function main(argv: string[], io: CommandOutput, catalog: CommandCatalog): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help(catalog.specs));
    return name ? 0 : 2;
  }
  const spec = catalog.specs.find((c) => c.name === name);
  if (!spec) {
    io.err(`living-review: unknown command "${name}"\n\n${help(catalog.specs)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(spec));
    return 0;
  }
  try {
    const args = parseArgs({
      args: rest,
      options: spec.options,
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
    const command = await catalog.load(name);
    return (await command.run(args as Parameters<Command['run']>[0], io)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`living-review ${name}: ${errorMessage(error)}\nusage: living-review ${spec.usage}`);
      return 2;
    }
    io.err(`living-review ${name}: ${errorMessage(error)}`);
    if (process.env.LIVING_REVIEW_DEBUG) io.err(String((error as Error).stack));
    return 1;
  }
}

/** Runs the command line of this process against `catalog` and sets its exit code. */
export async function runCli(catalog: CommandCatalog): Promise<void> {
  // The AWS SDK warns on Node 20 that releases after January 2027 will need Node 22 (when a client is made, so
  // setting this before any command runs is in time). The lockfile pins a release that supports Node 20, and the
  // README says so; repeating it on every command only buries the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // A reader that stops early (`| head`) closes the pipe; that ends the output, it is not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // Every line printed passes terminalText: record text (titles, queries, error messages quoting input) can
  // hold control characters that would act on the reader's terminal.
  const io: CommandOutput = {
    out: (text) => {
      clearProgressLine();
      process.stdout.write(`${terminalText(text)}\n`);
    },
    err: (text) => {
      clearProgressLine();
      process.stderr.write(`${terminalText(text)}\n`);
    },
    // Progress is for a person watching: not for a pipe, a log file or a CI job (which sets CI).
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
  };
  process.exitCode = await main(process.argv.slice(2), io, catalog);
}
