// Whether the bundled CLI in `dist` is current: every file it was built from (build-info.json, written by
// cli/bundle/build.ts) still has the modification time and size it had then. Plain JavaScript, because the
// launcher (cli/living-review.js) asks before any TypeScript loader exists; a few hundred stat calls, ~2 ms.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** 'current', 'missing' (no bundle) or 'stale' (a source changed, appeared or went since it was built). */
export function bundleState(root, dist) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(dist, 'build-info.json'), 'utf8'));
  } catch {
    return 'missing';
  }
  // Plain concatenation, not join: the paths are project-relative with '/', and normalising a few hundred
  // of them showed in the start-up profile.
  const prefix = `${root}/`;
  for (const [path, [mtimeMs, size]] of Object.entries(info.inputs)) {
    const stat = statSync(prefix + path, { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs !== mtimeMs || stat.size !== size) return 'stale';
  }
  return 'current';
}
