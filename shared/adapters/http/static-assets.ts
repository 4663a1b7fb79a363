// The screening page's files (web/screening/: plain HTML, CSS and JavaScript, no build step), read once and
// served by the same API as the data. On AWS the function bundle carries the folder (see
// functions/screening-api/handler.ts); LIVING_REVIEW_WEB_DIR points elsewhere when needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticAsset {
  contentType: string;
  body: string;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'screening.css': 'text/css; charset=utf-8',
  'screening.js': 'text/javascript; charset=utf-8',
  'appraisal.css': 'text/css; charset=utf-8',
  'appraisal.js': 'text/javascript; charset=utf-8',
};

/** The names /assets/{file} may ask for (the files above other than the page). */
export const ASSET_FILE_NAME = /^[a-z][a-z-]*\.(css|js)$/;

/** The first of `candidates` holding the page (the default: web/screening/ of this repository). */
export function findWebDirectory(candidates: readonly (string | undefined)[] = []): string {
  const all = [
    ...candidates,
    process.env.LIVING_REVIEW_WEB_DIR,
    join(import.meta.dirname, '..', '..', '..', 'web', 'screening'),
  ];
  const found = all.find(
    (dir): dir is string => typeof dir === 'string' && existsSync(join(dir, 'index.html')),
  );
  if (!found) throw new Error(`the screening page is missing (looked in ${all.filter(Boolean).join(', ')})`);
  return found;
}

/** name -> asset, e.g. "screening.js". */
export function loadScreeningAssets(
  directory: string = findWebDirectory(),
): ReadonlyMap<string, StaticAsset> {
  return new Map(
    Object.entries(FILES).map(([name, contentType]) => [
      name,
      { contentType, body: readFileSync(join(directory, name), 'utf8') },
    ]),
  );
}
