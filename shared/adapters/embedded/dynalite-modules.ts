// Where the store server's dynalite and LevelDB packages come from. From the TypeScript sources: node_modules.
// In the bundled CLI: one CommonJS bundle of all of them (dynalite-<hash>.cjs, written by cli/bundle/build.ts
// beside the server's own bundle), run with a V8 code cache as the command bundles are. Requiring them from
// node_modules resolved and compiled some 85 files at every server start: about half the CPU a server spent
// before it could answer, which the first command of a session waits for. The bundle holds exactly the
// packages named here, so the patches (dynalite-patches.ts) reach the copies dynalite runs on; a module
// required that is not named here is an error, not a second copy.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleDirectory } from '../node-entry.ts';
import { requireWithCodeCache } from '../process/code-cache.ts';
import { DYNALITE_BUNDLE } from './dynalite-bundle.ts';

/** The packages the store server requires, and which the bundle holds. */
export const DYNALITE_MODULES = [
  'dynalite',
  'dynalite/db',
  'dynalite/db/conditionParser',
  'dynalite/db/updateParser',
  'dynalite/db/projectionParser',
  'abstract-level',
  'classic-level',
] as const;
export type DynaliteModule = (typeof DYNALITE_MODULES)[number];

export interface DynaliteLoader {
  require(name: DynaliteModule): unknown;
  /** Where the packages came from, for the server's log: "node_modules" or the bundle's file name. */
  from: string;
}

/** The packages, from the bundle beside the running code when there is one, else from node_modules. */
export function dynaliteLoader(): DynaliteLoader {
  const dir = bundleDirectory(import.meta.url);
  if (DYNALITE_BUNDLE === null || dir === null) {
    const require = createRequire(import.meta.url);
    return { require: (name) => require(name), from: 'node_modules' };
  }
  const { exports, used } = requireWithCodeCache(
    join(dir, DYNALITE_BUNDLE.file),
    join(dir, 'cache', 'v8'),
    undefined,
    DYNALITE_BUNDLE.ascii,
  );
  return {
    require: exports as (name: DynaliteModule) => unknown,
    from: `${DYNALITE_BUNDLE.file} (code cache ${used ? 'used' : 'written at exit'})`,
  };
}
