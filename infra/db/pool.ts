/**
 * The PostgreSQL connection pool: creating the database when missing, opening the pool (with the schema
 * migrated, infra/db/migrations.ts) and a liveness ping. The repositories beside this module hold every query.
 */
import pg from 'pg';
import { migrate } from './migrations.js';

export type Pool = pg.Pool;

/** The database named in `databaseUrl` and a (not yet connected) client on the server's `postgres` database. */
function maintenanceClient(databaseUrl: string): { url: URL; name: string; client: pg.Client } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return { url, name, client: new pg.Client({ connectionString: admin.toString() }) };
}

/**
 * Drops the database named in `databaseUrl`, closing other connections to it (tests and benchmarks that
 * start from an empty database). A database that does not exist is fine.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { name, client } = maintenanceClient(databaseUrl);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Creates the database named in `databaseUrl` when it does not exist, connecting to the server's
 * `postgres` database to do so.
 *
 * @throws {Error} when the server cannot be reached (message without the password)
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { url, name, client } = maintenanceClient(databaseUrl);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${url.hostname}:${url.port || 5432}: ${(error as Error).message}`);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (error) {
        // 42P04: created by another process meanwhile.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Opens a pool on `databaseUrl`, creating the database and applying migrations first.
 *
 * The pool and each of its clients have an error handler: a connection that the server closes (PostgreSQL
 * stopped, restarted or failed over), idle or checked out, is reported to `onIdleError` instead of ending
 * the process with an unhandled `'error'` event; the next query opens a new connection.
 *
 * @param onIdleError told of each such error (default: ignored, the next query reports trouble)
 * @throws {Error} when PostgreSQL cannot be reached or a migration fails
 */
export async function openDatabase(databaseUrl: string, onIdleError: (error: Error) => void = () => undefined): Promise<Pool> {
  await ensureDatabase(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 10_000 });
  pool.on('error', onIdleError);
  // A client checked out for a transaction (withTransaction, migrate) that loses its connection between two
  // queries emits 'error' too; without a listener that would end the process. The next query on it fails and
  // the caller's error handling (retry, outage pause) takes over.
  pool.on('connect', (client) => client.on('error', onIdleError));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/**
 * Asks PostgreSQL whether it answers (`SELECT 1`): the workers' dependency check and the web server's
 * `/healthz`.
 *
 * @throws the connection or query error when it does not
 */
export async function pingDatabase(db: Pool): Promise<void> {
  await db.query('SELECT 1');
}
