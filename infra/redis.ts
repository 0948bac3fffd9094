/** Redis connections for BullMQ. */
import { Redis } from 'ioredis';

/**
 * Opens a Redis connection suitable for BullMQ workers and queues: `maxRetriesPerRequest: null` (BullMQ
 * requires it for blocking commands) and a bounded reconnect back-off.
 *
 * @param url e.g. `redis://127.0.0.1:6379`
 */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
}

/**
 * Checks that Redis answers within `timeoutMs`, for commands that should fail fast with a clear reason
 * instead of waiting forever.
 *
 * @throws {Error} `cannot reach Redis at host:port: …`
 */
export async function assertRedisReachable(url: string, timeoutMs = 3_000): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  probe.on('error', () => undefined);
  const where = (() => {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  })();
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(`cannot reach Redis at ${where}: ${(error as Error).message}`);
  } finally {
    probe.disconnect();
  }
}
