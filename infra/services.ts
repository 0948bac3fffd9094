/**
 * The outside services a command needs (object storage, PostgreSQL, Redis, logger), opened once from the
 * configuration and closed together.
 */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { openDatabase, type Pool } from './db/pool.js';
import type { Logger } from './logger.js';
import { startLocalS3, type LocalS3 } from './local-s3.js';
import { ObjectStorage, storageConnectionFromConfig } from './object-storage.js';
import { assertRedisReachable, createRedis } from './redis.js';
import { retryUntilAvailable } from './dependencies.js';

/** Opened services. */
export interface Services {
  config: Config;
  log: Logger;
  storage: ObjectStorage;
  db: Pool;
  redis: Redis;
  /** Set when a local S3 server was started because no endpoint is configured. */
  localS3?: LocalS3;
  close(): Promise<void>;
}

/**
 * Opens object storage, PostgreSQL (creating the database and applying migrations) and Redis.
 *
 * @param options.allowLocalS3 when no S3_ENDPOINT is configured, start a local S3 server in `S3_LOCAL_DIR`
 *   (demo, `process`) instead of failing
 * @param options.waitForDependencies wait (logging `waiting for <service>` with a growing back-off) until
 *   each service answers instead of failing (`callqa worker`: a worker may start before the database or
 *   Redis is up); `signal` ends the wait
 * @throws {Error} naming the service that cannot be reached (without `waitForDependencies`)
 */
export async function openServices(
  config: Config,
  log: Logger,
  options: { allowLocalS3: boolean; waitForDependencies?: boolean; signal?: AbortSignal },
): Promise<Services> {
  const wait = <T>(what: string, attempt: () => Promise<T>): Promise<T> =>
    options.waitForDependencies
      ? retryUntilAvailable(what, attempt, { log, firstDelayMs: config.dependencyRetryMs, signal: options.signal })
      : attempt();
  await wait('Redis', () => assertRedisReachable(config.redisUrl));
  let localS3: LocalS3 | undefined;
  let storage: ObjectStorage;
  if (config.s3.endpoint) {
    storage = new ObjectStorage(storageConnectionFromConfig(config));
  } else if (options.allowLocalS3) {
    localS3 = await startLocalS3(config.s3.localDir);
    log.info(
      { endpoint: localS3.connection.endpoint, directory: config.s3.localDir },
      'S3_ENDPOINT not set: started a local S3 server (s3rver)',
    );
    storage = new ObjectStorage(localS3.connection);
  } else {
    throw new Error(
      'S3_ENDPOINT is not set: this command needs the object storage (MinIO/S3) with the recordings; set S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (see README, Configuration)',
    );
  }
  try {
    await wait('object storage', async () => {
      try {
        await storage.ensureBuckets([config.s3.recordingsBucket, config.s3.resultsBucket]);
      } catch (error) {
        throw new Error(`cannot reach object storage at ${storage.connection.endpoint}: ${(error as Error).message}`);
      }
    });
  } catch (error) {
    await localS3?.close();
    throw error;
  }
  let db: Pool;
  try {
    db = await wait('PostgreSQL', () =>
      openDatabase(config.databaseUrl, (error) =>
        log.warn({ err: error.message }, 'PostgreSQL connection lost (idle); the next query reconnects'),
      ),
    );
  } catch (error) {
    await localS3?.close();
    throw error;
  }
  const redis = createRedis(config.redisUrl);
  redis.on('error', (error) => log.warn({ err: error.message }, 'Redis connection error'));
  return {
    config,
    log,
    storage,
    db,
    redis,
    localS3,
    async close() {
      redis.disconnect();
      await db.end();
      await localS3?.close();
    },
  };
}
