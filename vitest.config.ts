import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Integration tests start real servers (dynalite, loopback E-utilities); forks keep them isolated.
    pool: 'forks',
    // Store servers started by the CLI the tests spawn idle out after 30 s, as before the CLI's own 5 minutes
    // (cli/context.ts): the suite starts hundreds, and each test stops its own only when it knows of it.
    env: { LIVING_REVIEW_STORE_IDLE_MS: '30000' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
