// The shape every `living-review` sub-command has. Commands live one per file in cli/commands/ and are listed
// in cli/commands/index.ts.
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandOutput {
  /** Results (JSON, tables): what a pipe receives. */
  out(text: string): void;
  /** Progress and warnings: shown to a person, never mixed into results. */
  err(text: string): void;
  /** True when stderr is a terminal, so progress lines may be drawn. */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** More than the summary for --help: what the options and inputs are, field by field. */
  help?: string;
  options: OptionSpec;
  /** Allow positional arguments (files). */
  positionals?: boolean;
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

export class UsageError extends Error {
  override name = 'UsageError';
}
