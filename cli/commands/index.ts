import type { Command } from '../command.ts';

/** Every sub-command, in the order `living-review --help` lists them. */
export const commands: Command[] = [];
