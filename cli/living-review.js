#!/usr/bin/env node
// Launcher for the `living-review` command. It runs the bundled CLI (dist/cli, which `npm install` builds
// through the `prepare` script: cli/bundle/build.ts) while the bundle is current, which starts in a fraction of
// the time; otherwise (no bundle, or a source changed since it was built) it runs the TypeScript sources
// through tsx, so what runs is always what the sources say. LIVING_REVIEW_FROM_SOURCES=1 forces the sources.
import { join } from 'node:path';
import { bundleState } from './bundle/bundle-state.mjs';

const root = join(import.meta.dirname, '..');
const state = process.env.LIVING_REVIEW_FROM_SOURCES
  ? 'forced'
  : bundleState(root, join(root, 'dist', 'cli'));
if (state === 'current') {
  if (process.env.LIVING_REVIEW_DEBUG) process.setSourceMapsEnabled(true);
  await import('../dist/cli/living-review.mjs');
} else {
  if (state === 'stale' && process.stderr.isTTY) {
    process.stderr.write(
      'living-review: the sources changed since dist/cli was built: running them through tsx (slower); `npm run build:cli` rebuilds it\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('./from-sources.ts');
}
