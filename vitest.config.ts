import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Engine and server tests load real models and start real servers: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time: most wait on servers, PostgreSQL, Chromium or child processes, so two share the 2-core CI
    // machine well (measured: 7.5 min for the suite against ~14 one file at a time). Each file makes its own
    // databases, buckets, directories and ports.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
