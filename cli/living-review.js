#!/usr/bin/env node
// Launcher for the `living-review` command: the CLI is TypeScript, run through tsx's loader so that the
// same sources serve the CLI, the tests and the Lambda bundles (no separate build step).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
