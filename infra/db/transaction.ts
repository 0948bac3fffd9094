/**
 * The one transaction helper: every multi-statement write of the repositories (infra/db/*-repository.ts) and
 * the migration runner goes through {@link withTransaction}.
 */
import type pg from 'pg';
import type { Pool } from './pool.js';

/** A client checked out of the pool inside a transaction; repositories' helpers that join a transaction take it. */
export type TransactionClient = pg.PoolClient;

/** Either the pool (one statement, its own transaction) or a client inside {@link withTransaction}. */
export type Queryable = Pool | TransactionClient;

/**
 * Runs `fn` on one pooled client inside `BEGIN … COMMIT`. When `fn` throws (or COMMIT fails), the
 * transaction is rolled back and the error is thrown again; when the ROLLBACK itself fails (the connection
 * is gone), the client is discarded instead of going back to the pool, and `fn`'s error is still the one
 * thrown. The client is released in every case.
 *
 * @returns what `fn` returns
 * @throws whatever `fn`, BEGIN or COMMIT throws (e.g. a PostgreSQL error, or an outage the worker pauses on)
 */
export async function withTransaction<T>(pool: Pool, fn: (client: TransactionClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
