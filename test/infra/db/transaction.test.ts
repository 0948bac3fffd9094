/** withTransaction, the one transaction helper, on the real test database. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Pool } from '../../../infra/db/pool.js';
import { withTransaction } from '../../../infra/db/transaction.js';
import { TEST_DATABASE_URL } from '../../support/integration.js';

describe('withTransaction', () => {
  let db: Pool;
  const table = `tx_test_${randomBytes(6).toString('hex')}`;
  const values = async () => (await db.query(`SELECT v FROM ${table} ORDER BY v`)).rows.map((r) => r.v as number);
  /** Every client is back in the pool (none checked out, none waiting). */
  const allReleased = () => ({ out: db.totalCount - db.idleCount, waiting: db.waitingCount });

  beforeAll(async () => {
    db = await openDatabase(TEST_DATABASE_URL);
    await db.query(`CREATE TABLE ${table} (v integer PRIMARY KEY)`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  });

  it('commits every statement of the function and returns its result', async () => {
    const result = await withTransaction(db, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES (1)`);
      await client.query(`INSERT INTO ${table} VALUES (2)`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await values()).toEqual([1, 2]);
    expect(allReleased()).toEqual({ out: 0, waiting: 0 });
  });

  it('rolls back everything when the function throws, and throws its error', async () => {
    const failure = new Error('stop here');
    await expect(
      withTransaction(db, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (3)`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    // A statement PostgreSQL refuses (duplicate key) rolls back the statements before it too.
    await expect(
      withTransaction(db, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (4)`);
        await client.query(`INSERT INTO ${table} VALUES (1)`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await values()).toEqual([1, 2]);
    expect(allReleased()).toEqual({ out: 0, waiting: 0 });
  });

  it('discards a client whose connection died inside the transaction, keeps the first error, and the pool goes on', async () => {
    const error = await withTransaction(db, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES (5)`);
      await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('57P01'); // admin_shutdown: the terminated backend's own error
    expect(allReleased()).toEqual({ out: 0, waiting: 0 });
    expect(await values()).toEqual([1, 2]);
  });
});
