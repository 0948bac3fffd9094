/**
 * The outside services a command needs (object storage, PostgreSQL, Redis, logger), opened once from the
 * configuration and closed together.
 */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { openDatabase, type Pool } from './database.js';
import type { Logger } from './logger.js';
import { startLocalS3, type LocalS3 } from './local-s3.js';
import { ObjectStorage, storageConnectionFromConfig } from './object-storage.js';
import { assertRedisReachable, createRedis } from './redis.js';

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
 * @param allowLocalS3 when no S3_ENDPOINT is configured, start a local S3 server in `S3_LOCAL_DIR`
 *   (demo, `process`) instead of failing
 * @throws {Error} naming the service that cannot be reached
 */
export async function openServices(config: Config, log: Logger, options: { allowLocalS3: boolean }): Promise<Services> {
  await assertRedisReachable(config.redisUrl);
  let localS3: LocalS3 | undefined;
  let storage: ObjectStorage;
  if (config.s3.endpoint) {
    storage = new ObjectStorage(storageConnectionFromConfig(config));
  } else if (options.allowLocalS3) {
    localS3 = await startLocalS3(config.s3.localDir);
    log.info({ endpoint: localS3.connection.endpoint, directory: config.s3.localDir }, 'S3_ENDPOINT not set: started a local S3 server (s3rver)');
    storage = new ObjectStorage(localS3.connection);
  } else {
    throw new Error('S3_ENDPOINT is not set: this command needs the object storage (MinIO/S3) with the recordings; set S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (see README, Configuration)');
  }
  try {
    await storage.ensureBuckets([config.s3.recordingsBucket, config.s3.resultsBucket]);
  } catch (error) {
    await localS3?.close();
    throw new Error(`cannot reach object storage at ${storage.connection.endpoint}: ${(error as Error).message}`);
  }
  let db: Pool;
  try {
    db = await openDatabase(config.databaseUrl);
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
