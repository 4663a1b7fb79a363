// A store command's store server, started by the bundled CLI's entry before it loads the command's bundle, so
// that the server starts on another core while the command loads (shared/adapters/embedded/server-start.ts
// says when it starts one and how the command takes it over). Loaded only for store commands (CommandSpec.store).
import { parseArgs } from 'node:util';
import { startServerEarly } from '../../shared/adapters/embedded/server-start.ts';
import { cliStoreIdleMs, dataDirectory } from '../store-directory.ts';
import type { StoreCommandSpec } from './run-bundled.ts';

/**
 * Parses `args` as the command will (main.ts) and starts the server of its data directory when that holds a
 * store no server serves; arguments the command will refuse, or `--aws-table`, start nothing.
 */
export function startStoreEarly(args: readonly string[], spec: StoreCommandSpec): boolean {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: spec.options,
      allowPositionals: spec.positionals,
      strict: true,
    }));
  } catch {
    return false;
  }
  if (values['aws-table'] !== undefined) return false;
  return startServerEarly(dataDirectory(values), cliStoreIdleMs());
}
