import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share one Redis, one PostgreSQL and the local S3 server: run files one after another.
    fileParallelism: false,
    // Names (and at the end removes) the web tests' prepared database: built once per run, copied per file.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
