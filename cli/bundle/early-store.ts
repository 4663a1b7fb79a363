// A store command's store server, started by the bundled CLI's entry before it loads the command's bundle, so
// that the server starts on another core while the command loads (shared/adapters/embedded/server-start.ts
// says when it starts one and how the command takes it over). Loaded only for store commands (CommandSpec.store).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliStoreIdleMs, dataDirectory } from '../store-directory.ts';
import type { StoreCommandSpec } from './run-bundled.ts';

/**
 * Parses `args` as the command will (main.ts) and starts the server of its data directory when that holds a
 * store no server serves; arguments the command will refuse, or `--aws-table`, start nothing. The starting
 * code (and the child_process, http and crypto modules it loads) is loaded only when a start is due, so a
 * command whose server runs pays a few stat calls.
 */
export async function startStoreEarly(args: readonly string[], spec: StoreCommandSpec): Promise<boolean> {
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
  const dataDir = dataDirectory(values);
  // What startServerEarly checks first (its store.secret, no store.lock), checked before loading it.
  if (!existsSync(join(dataDir, 'store.secret')) || existsSync(join(dataDir, 'store.lock'))) return false;
  const { startServerEarly } = await import('../../shared/adapters/embedded/server-start.ts');
  return startServerEarly(dataDir, cliStoreIdleMs());
}
