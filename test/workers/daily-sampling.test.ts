/**
 * The daily sampling draw (抽检) runs by itself: one job scheduler on real Redis, one draw job per day however
 * often it fires, and the draw on real PostgreSQL (the fixture month of test/stats) picks the day's unflagged
 * calls at the supervisors' rates once; `callqa sample --date` draws a day by hand.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../infra/config.js';
import { dropDatabase, openDatabase, type Pool } from '../../infra/db/pool.js';
import type { Services } from '../../infra/services.js';
import { setSamplingRate } from '../../infra/db/sampling-repository.js';
import { installSamplingSchedule, samplingJobId, samplingTargetDate } from '../../workers/daily-sampling.js';
import { handlers } from '../../workers/handlers.js';
import { closeQueues, openQueues, type Queues } from '../../workers/queues.js';
import { assertBuilt, deleteQueueKeys, runCallqa, testDatabaseUrl, TEST_REDIS_URL } from '../support/integration.js';
import { insertFixtureMonth, LINE_1 } from '../stats/month-fixture.js';

describe('daily sampling target', () => {
  const config = loadConfig({});
  it('draws the previous day in STATS_TZ (Asia/Shanghai by default), across month ends', () => {
    // 2026-11-29 07:00 +08:00 is 2026-11-28 23:00 UTC.
    expect(samplingTargetDate(new Date('2026-11-28T23:00:00Z'), config)).toBe('2026-11-28');
    expect(samplingTargetDate(new Date('2026-12-01T07:00:00+08:00'), config)).toBe('2026-11-30');
    expect(samplingTargetDate(new Date('2026-11-28T23:00:00Z'), loadConfig({ STATS_TZ: 'UTC' }))).toBe('2026-11-27');
  });
});

describe('daily sampling on Redis and PostgreSQL', () => {
  const dbUrl = testDatabaseUrl('sampling');
  let config: Config;
  let redis: Redis;
  let queues: Queues;
  let db: Pool;

  beforeAll(async () => {
    assertBuilt();
    config = loadConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `callqa-test-sampling-${process.pid}`, DATABASE_URL: dbUrl });
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queues = openQueues(redis, config);
    db = await openDatabase(dbUrl);
    await insertFixtureMonth(db);
    await setSamplingRate(db, 'line', LINE_1, 1, 'supervisor1');
  });
  afterAll(async () => {
    await closeQueues(queues);
    redis.disconnect();
    await deleteQueueKeys(TEST_REDIS_URL, config.queuePrefix);
    await db?.end();
    await dropDatabase(dbUrl);
  });

  const sampledOn = async () =>
    (await db.query("SELECT call_id, review_status FROM reports WHERE sampled AND call_id = ANY('{c1,c2}') ORDER BY call_id")).rows;

  it('several workers starting at once install one scheduler, firing at 07:00 in STATS_TZ', async () => {
    await Promise.all([1, 2, 3].map(() => installSamplingSchedule(queues, config)));
    const schedulers = await queues.stats.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'daily-sampling', pattern: '0 7 * * *', tz: 'Asia/Shanghai' });
    const [next] = await queues.stats.getDelayed();
    const fireAt = new Date(next!.timestamp + (next!.opts.delay ?? 0));
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' }).format(fireAt)).toBe(
      '07:00',
    );
  });

  it('a firing handled twice yields one draw for the day, and drawing the day again picks nobody twice', async () => {
    const deps = { services: { config, db } as unknown as Services, queues };
    const firedAt = new Date('2026-11-03T07:00:00+08:00');
    await handlers.stats(deps, { dailySample: true }, { firedAt });
    await handlers.stats(deps, { dailySample: true }, { firedAt });
    const draws = (await queues.stats.getWaiting()).filter((j) => j.name === 'sample');
    expect(draws).toHaveLength(1);
    expect(draws[0]!.id).toBe(samplingJobId('2026-11-02'));
    expect(draws[0]!.data).toEqual({ sampleDate: '2026-11-02' });

    // 2026-11-02 in LINE_1 at 100 %: c2 (unflagged, unreviewed) is drawn; c1 was sampled before.
    expect(await sampledOn()).toEqual([{ call_id: 'c1', review_status: 'dismissed' }]);
    expect(await handlers.stats(deps, draws[0]!.data, { firedAt })).toEqual({
      status: 'done',
      detail: { sampleDate: '2026-11-02', drawn: 1 },
    });
    expect(await sampledOn()).toEqual([
      { call_id: 'c1', review_status: 'dismissed' },
      { call_id: 'c2', review_status: 'pending' },
    ]);
    expect(await handlers.stats(deps, draws[0]!.data, { firedAt })).toEqual({
      status: 'done',
      detail: { sampleDate: '2026-11-02', drawn: 0 },
    });
  });

  it('callqa sample --date draws a day by hand and refuses a date that is not one', async () => {
    await db.query("UPDATE reports SET sampled = false, review_status = 'none' WHERE call_id = 'c2'");
    const env = { DATABASE_URL: dbUrl, REDIS_URL: TEST_REDIS_URL };
    const first = await runCallqa(['sample', '--date', '2026-11-02'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('2026-11-02: 1 calls drawn for sampling (Asia/Shanghai)\n');
    expect((await runCallqa(['sample', '--date', '2026-11-02'], env)).stdout).toContain('2026-11-02: 0 calls drawn');
    expect(await sampledOn()).toEqual([
      { call_id: 'c1', review_status: 'dismissed' },
      { call_id: 'c2', review_status: 'pending' },
    ]);
    const bad = await runCallqa(['sample', '--date', '2026-02-30'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--date must be a calendar date yyyy-mm-dd, got "2026-02-30"');
  });
});
