// The screening page's files (web/screening/: plain HTML, CSS and JavaScript, no build step), read once and
// served by the same API as the data. On AWS the function bundle carries the folder (see
// functions/screening-api/handler.ts); LIVING_REVIEW_WEB_DIR points elsewhere when needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignInConfig } from './sign-in.ts';

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

const SIGN_IN_META = '<meta name="living-review-sign-in" content="" />';

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * name -> asset, e.g. "screening.js". With `signIn`, index.html's sign-in meta element carries it (JSON), and
 * the page signs reviewers in through Cognito (sign-in.ts); without, it asks for a token.
 */
export function loadScreeningAssets(
  directory: string = findWebDirectory(),
  signIn: SignInConfig | null = null,
): ReadonlyMap<string, StaticAsset> {
  return new Map(
    Object.entries(FILES).map(([name, contentType]) => {
      let body = readFileSync(join(directory, name), 'utf8');
      if (name === 'index.html') {
        if (!body.includes(SIGN_IN_META)) throw new Error(`${directory}/index.html has no ${SIGN_IN_META}`);
        if (signIn) {
          body = body.replace(
            SIGN_IN_META,
            `<meta name="living-review-sign-in" content="${escapeAttribute(JSON.stringify(signIn))}" />`,
          );
        }
      }
      return [name, { contentType, body }];
    }),
  );
}
