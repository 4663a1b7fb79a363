// The shape every `living-review` sub-command has. Commands live one per file in cli/commands/ and are listed
// in cli/commands/index.ts.
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandOutput {
  /** Results (JSON, tables): what a pipe receives. */
  out(text: string): void;
  /** Progress and warnings: shown to a person, never mixed into results. */
  err(text: string): void;
  /** True when stderr is a terminal outside CI, so progress lines may be drawn (cli/progress.ts). */
  interactive: boolean;
}

/** What the command line knows of a command before loading it: enough for help and for parsing arguments. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** More for `living-review <command> --help`: layouts of inputs and outputs, defaults worth knowing. */
  help?: string;
  options: OptionSpec;
  /** Allow positional arguments (files). */
  positionals?: boolean;
  /**
   * Opens the embedded store of `--data` (cli/store-directory.ts) unless `--aws-table` names a deployed table:
   * the bundled CLI starts that store's server while the command's code loads (cli/bundle/run-bundled.ts).
   */
  store?: boolean;
}

export interface Command extends CommandSpec {
  run(
    args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
    io: CommandOutput,
  ): Promise<number | undefined>;
}

/** Reads a string option, or throws a usage error naming it. */
export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
}

export function optionalString(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `--format`: how a command prints its results. One convention for every command: `text`, what a person reads
 * (each command's default), and `json`, what a program reads; some add their own (`csv`, `ris`, `jsonl`).
 * Names an issue made a contract stay accepted beside them (`queue --format table`, `stats --format md`).
 */
export function formatOption(defaultFormat = 'text'): OptionSpec {
  return { format: { type: 'string', default: defaultFormat } };
}

/** The `--format` value among `formats` (aliases map a contract's name to the convention's), or a usage error. */
export function readFormat<F extends string>(
  values: Record<string, unknown>,
  formats: readonly F[],
  aliases: Readonly<Record<string, F>> = {},
): F {
  const value = values.format ?? formats[0];
  if (typeof value === 'string') {
    if ((formats as readonly string[]).includes(value)) return value as F;
    if (Object.hasOwn(aliases, value)) return aliases[value]!;
  }
  const names = [...formats, ...Object.keys(aliases)];
  throw new UsageError(
    `--format must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, not "${String(value)}"`,
  );
}

export class UsageError extends Error {
  override name = 'UsageError';
}
