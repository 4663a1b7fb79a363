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
    // `npm test` measures coverage of shared/ (the domain, use cases and adapters) and fails under the floor.
    coverage: {
      provider: 'v8',
      include: ['shared/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // The floor, a little under what the suite reached when it was set (2026-12-07: statements 91.7%,
      // branches 83.1%, functions 93.9%, lines 93.2%). Raise it as tests are added; never lower it to pass.
      thresholds: { statements: 90, branches: 81, functions: 92, lines: 91 },
    },
  },
});
