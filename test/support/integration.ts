/**
 * Integration-test environment: real Redis and PostgreSQL (provided by the machine), a real local S3
 * server (s3rver) in a temp folder, unique queue prefix and buckets per test file so runs never see each
 * other's data, and the real whisper.cpp binary with a real (empty) test model.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../infra/config.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { startLocalS3, type LocalS3 } from '../../infra/local-s3.js';
import { ensureWhisperBinary, hasSharedModel, makeTestModel, sharedTestModel } from '../transcribe/helpers.js';

const execFileAsync = promisify(execFile);

/** Database the integration tests use (created on first use). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/callqa_test';
/**
 * A database URL on the same server as {@link TEST_DATABASE_URL}, named `callqa_<purpose>_<random hex>`, so
 * test files (and test runs of other checkouts on the same server) never share a database.
 */
export function testDatabaseUrl(purpose: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/callqa_${purpose}_${randomBytes(3).toString('hex')}`;
  return url.toString();
}
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A running test environment. */
export interface TestEnv {
  config: Config;
  /** The variables `config` was made from, to hand to a child `callqa` process. */
  env: Record<string, string>;
  s3: LocalS3;
  /** The environment's temp folder: the local S3 server's files in `s3/`, the work folder in `work/`. */
  dir: string;
  log: Logger;
  modelPath: string;
  cleanup(): Promise<void>;
}

/**
 * Starts an environment. The model is ../shared's whisper.cpp test model when present, else the one
 * scripts/make-test-model.mjs writes; it is copied under a unique name so `pgrep -f` finds only this
 * test's whisper processes.
 *
 * @param opts.s3Seed a local S3 folder (as s3rver keeps it, e.g. {@link TestEnv.dir}`/s3` of an earlier
 *   environment) copied in before the server starts, so its buckets and objects are there from the start
 */
export async function startTestEnv(extra: Record<string, string> = {}, opts: { s3Seed?: string } = {}): Promise<TestEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-it-'));
  const suffix = randomBytes(4).toString('hex');
  if (opts.s3Seed) await cp(opts.s3Seed, path.join(dir, 's3'), { recursive: true });
  const s3 = await startLocalS3(path.join(dir, 's3'));
  await mkdir(path.join(dir, 'work'));
  const binary = await ensureWhisperBinary();
  const modelPath = path.join(dir, `test-model-${suffix}.bin`);
  if (hasSharedModel) await copyFile(sharedTestModel, modelPath);
  else await makeTestModel(modelPath);
  const env: Record<string, string> = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `callqa-test-${suffix}`,
    S3_ENDPOINT: s3.connection.endpoint,
    S3_ACCESS_KEY: s3.connection.accessKey,
    S3_SECRET_KEY: s3.connection.secretKey,
    S3_RECORDINGS_BUCKET: `rec-${suffix}`,
    S3_RESULTS_BUCKET: `res-${suffix}`,
    DATABASE_URL: TEST_DATABASE_URL,
    WHISPER_BIN: binary,
    WHISPER_MODEL: modelPath,
    WHISPER_THREADS: '2',
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '200',
    WORK_DIR: path.join(dir, 'work'),
    LOG_LEVEL: 'warn',
    ...extra,
  };
  const config = loadConfig(env);
  return {
    config,
    env,
    s3,
    dir,
    log: createLogger(env.LOG_LEVEL),
    modelPath,
    async cleanup() {
      await deleteQueueKeys(config.redisUrl, config.queuePrefix);
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Removes every Redis key under a queue prefix. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The command line as users run it (it loads dist/, which test/support/build.ts compiles at the start of a run). */
export const CALLQA_BIN = path.resolve(import.meta.dirname, '../../bin/callqa.js');

/** Output of one `callqa` run. `code` is the exit code (0 on success). */
export interface CallqaRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `callqa` with arguments (no shell) and extra environment variables. */
export async function runCallqa(args: string[], env: Record<string, string> = {}): Promise<CallqaRun> {
  try {
    const r = await execFileAsync(process.execPath, [CALLQA_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Process ids whose command line contains `needle` (`pgrep -f`); empty when none. */
export function pgrep(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Throws a clear error when the TypeScript build is missing (the integration project's global set-up, test/support/build.ts, makes it). */
export function assertBuilt(): void {
  if (!existsSync(path.resolve(import.meta.dirname, '../../dist/cli/callqa.js'))) {
    throw new Error('dist/ is missing: run the test through vitest.config.ts (its integration project builds dist/) or `npm run build`');
  }
}
