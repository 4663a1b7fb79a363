#!/usr/bin/env node
// Launcher for the `living-review` command: the CLI is TypeScript, run through tsx's loader so that the
// same sources serve the CLI, the tests and the Lambda bundles (no separate build step).
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 that releases after January 2027 will need Node 22. The lockfile pins a release
// that supports Node 20, and the README says so; repeating it on every command only buries the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./main.ts');
