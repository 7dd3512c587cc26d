import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'collectors/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // chDB binds one data directory per process; forks keep each test file in its own process.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
