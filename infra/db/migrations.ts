/**
 * Schema migrations: infra/migrations/NNN_name.sql, applied once each, in order, each inside its own
 * transaction ({@link withTransaction}), recorded in `schema_migrations`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import type { Pool } from './pool.js';
import { withTransaction } from './transaction.js';

const MIGRATIONS_DIR = path.join(projectRoot, 'infra', 'migrations');

/** The advisory lock key that makes concurrent migrators wait for each other. */
const MIGRATION_LOCK = 727001;

/**
 * Applies the migrations not yet applied. Safe to run from several processes at once: one client holds an
 * advisory lock while each migration runs in a transaction of its own.
 *
 * @returns the versions applied now
 * @throws {Error} `migration NNN_name.sql failed: …` when a migration's SQL fails (that migration is rolled back)
 */
export async function migrate(pool: Pool): Promise<number[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  const lock = await pool.connect();
  const applied: number[] = [];
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await lock.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await lock.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      try {
        await withTransaction(pool, async (client) => {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
        });
      } catch (error) {
        throw new Error(`migration ${file} failed: ${(error as Error).message}`);
      }
      applied.push(version);
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lock.release();
  }
  return applied;
}
