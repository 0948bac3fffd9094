import { defineConfig } from 'vitest/config';

/**
 * Test files of the `unit` project: pure functions over files of the repository, no services (Redis,
 * PostgreSQL, S3), no ffmpeg/whisper.cpp/VAD or other child processes; they run in parallel and take seconds.
 * Every other test file belongs to `integration`, so a new file runs there until it is listed here.
 */
const UNIT = [
  'test/architecture/**/*.test.ts',
  'test/domain/**/*.test.ts',
  'test/eval/**/*.test.ts',
  'test/rules/**/*.test.ts',
  'test/text/**/*.test.ts',
  'test/audio/builders.test.ts',
  'test/infra/agent-directory.test.ts',
  'test/infra/config.test.ts',
  'test/infra/dependencies.test.ts',
  'test/pipeline/report-audio.test.ts',
  'test/stats/csv.test.ts',
  'test/transcribe/engines.test.ts',
  'test/transcribe/merge.test.ts',
  'test/transcribe/roles.test.ts',
  'test/web/rescore-and-range.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          // Integration tests share one Redis, one PostgreSQL and the local S3 server: run files one after another.
          fileParallelism: false,
          // They run the command line as users do (bin/callqa.js → dist/): build dist/ from the sources first.
          // Then name (and at the end remove) the web tests' prepared database: built once per run, copied per file.
          globalSetup: ['test/support/build.ts', 'test/global-setup.ts'],
          // After the unit files, so that they do not compete for the cores with timing-sensitive ones.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
