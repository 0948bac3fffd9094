/**
 * The outside systems every worker needs — PostgreSQL, Redis, object storage — and how the workers live
 * with them coming and going (issue 10): an error that looks like an outage is checked by asking each
 * system in turn; while one does not answer, the workers pause (a job caught by it is put back without
 * using one of its attempts) and resume once all answer again. Start-up waits in the same way.
 */
import type { Redis } from 'ioredis';
import { scalarText } from '../domain/json-input.js';
import { pingDatabase, type Pool } from './db/pool.js';
import type { Logger } from './logger.js';
import type { ObjectStorage } from './object-storage.js';

/** The names used in logs and messages. */
export type DependencyName = 'PostgreSQL' | 'Redis' | 'object storage';

/** Network error codes (Node.js, also inside the pg, ioredis and minio clients' errors). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
]);
/**
 * PostgreSQL SQLSTATEs of a server going away or refusing: class 08 (connection exception), 57P01–57P03
 * (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
 */
const PG_OUTAGE = /^(08...|57P0[123]|53300)$/;
/** S3 error codes and messages of a server that is there but not serving (HTTP 5xx). */
const S3_OUTAGE = /^(InternalError|ServiceUnavailable|SlowDown|RequestTimeout)$/;
const OUTAGE_MESSAGE =
  /Connection terminated|connection (is )?closed|timeout exceeded when trying to connect|Connection is closed|socket hang up|other side closed|Retryable HTTP status: 5\d\d|Reached the max retries per request limit/i;

/**
 * True when `error` (or its cause) looks like an outside system being unreachable or failing as a whole,
 * rather than something about the job's input.
 */
export function looksLikeOutage(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = scalarText((e as { code?: unknown }).code);
    if (NETWORK_CODES.has(code) || PG_OUTAGE.test(code) || S3_OUTAGE.test(code)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => looksLikeOutage(inner))) return true;
    if (OUTAGE_MESSAGE.test(scalarText((e as { message?: unknown }).message))) return true;
  }
  return false;
}

/** How to ask each system whether it answers. */
export interface DependencyChecks {
  db: Pool;
  redis: Redis;
  storage: ObjectStorage;
  /** A bucket that exists (asked with HEAD bucket). */
  bucket: string;
}

async function withTimeout<T>(what: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      what,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks PostgreSQL (`SELECT 1`), Redis (`PING`) and object storage (HEAD bucket), each within `timeoutMs`.
 *
 * @returns the systems that did not answer, with why; empty when all answer
 */
export async function checkDependencies(c: DependencyChecks, timeoutMs = 3_000): Promise<{ name: DependencyName; reason: string }[]> {
  const checks: [DependencyName, () => Promise<unknown>][] = [
    ['PostgreSQL', () => pingDatabase(c.db)],
    ['Redis', () => c.redis.ping()],
    ['object storage', () => c.storage.client.bucketExists(c.bucket)],
  ];
  const down: { name: DependencyName; reason: string }[] = [];
  await Promise.all(
    checks.map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
      } catch (error) {
        down.push({ name, reason: (error as Error).message || String((error as { code?: unknown }).code ?? error) });
      }
    }),
  );
  return down;
}

/**
 * Tries `attempt` until it succeeds, logging each failure as a wait for `what` with the back-off doubling
 * from `firstDelayMs` up to 30 s; gives up only when `signal` aborts.
 *
 * @throws the last error when `signal` aborts
 */
export async function retryUntilAvailable<T>(
  what: string,
  attempt: () => Promise<T>,
  o: { log: Logger; firstDelayMs: number; signal?: AbortSignal },
): Promise<T> {
  let delay = o.firstDelayMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (o.signal?.aborted) throw error;
      o.log.warn({ err: (error as Error).message, retryInMs: delay }, `waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          o.signal?.removeEventListener('abort', onAbort);
          resolve();
        }, delay);
        o.signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (o.signal?.aborted) throw error;
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
