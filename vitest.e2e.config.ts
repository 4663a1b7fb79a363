// Browser tests: real headless Chromium (Debian's `chromium` package at /usr/bin/chromium, or CHROMIUM_PATH)
// driven by playwright-core. Run with `npm run test:e2e`; screenshots land in test-artifacts/ (gitignored).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
