/** The nightly run: which night a firing scans, and one scheduler and one scan per date on real Redis. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../infra/config.js';
import { dateInZone, installNightlySchedule, nightlyTarget, previousDay, renderPrefixTemplate } from '../../workers/nightly.js';
import { handlers } from '../../workers/handlers.js';
import { closeQueues, openQueues, type Queues } from '../../workers/queues.js';
import type { Services } from '../../infra/services.js';
import { deleteQueueKeys, TEST_REDIS_URL } from '../support/integration.js';

describe('nightly target', () => {
  const config = loadConfig({ NIGHTLY_PREFIX_TEMPLATE: '录音/{yyyy}-{mm}-{dd}/' });

  it('scans the previous day in Asia/Shanghai when fired at 01:00 there', () => {
    // 2026-11-29 01:00 +08:00 is 2026-11-28 17:00 UTC.
    expect(nightlyTarget(new Date('2026-11-28T17:00:00Z'), config)).toEqual({ date: '2026-11-28', prefix: '录音/2026-11-28/' });
  });
  it('crosses month and year boundaries', () => {
    expect(nightlyTarget(new Date('2026-12-01T01:00:00+08:00'), config).date).toBe('2026-11-30');
    expect(nightlyTarget(new Date('2027-01-01T01:00:00+08:00'), config).date).toBe('2026-12-31');
    expect(previousDay({ year: 2028, month: 3, day: 1 })).toEqual({ year: 2028, month: 2, day: 29 });
  });
  it('uses the configured time zone, not the machine one', () => {
    const instant = new Date('2026-11-28T20:00:00Z');
    expect(dateInZone(instant, 'Asia/Shanghai')).toEqual({ year: 2026, month: 11, day: 29 });
    expect(dateInZone(instant, 'America/New_York')).toEqual({ year: 2026, month: 11, day: 28 });
  });
  it('fills the key template', () => {
    expect(renderPrefixTemplate('{yyyy}/{mm}/{dd}/', { year: 2026, month: 2, day: 3 })).toBe('2026/02/03/');
  });
});

describe('nightly scheduler on Redis', () => {
  let config: Config;
  let redis: Redis;
  let queues: Queues;

  beforeAll(() => {
    config = loadConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `callqa-test-nightly-${process.pid}` });
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queues = openQueues(redis, config);
  });
  afterAll(async () => {
    await closeQueues(queues);
    redis.disconnect();
    await deleteQueueKeys(TEST_REDIS_URL, config.queuePrefix);
  });

  it('several workers starting at once install one scheduler with one next run', async () => {
    await Promise.all([1, 2, 3, 4].map(() => installNightlySchedule(queues, config)));
    const schedulers = await queues.scan.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'nightly-scan', pattern: '0 1 * * *', tz: 'Asia/Shanghai' });
    expect(await queues.scan.getDelayedCount()).toBe(1);
    const [next] = await queues.scan.getDelayed();
    const fireAt = new Date(next!.timestamp + (next!.opts.delay ?? 0));
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' }).format(fireAt)).toBe(
      '01:00',
    );
  });

  it('a nightly firing handled twice yields one scan job for the date', async () => {
    const deps = { services: { config } as Services, queues };
    const firedAt = new Date('2026-11-28T17:00:00Z');
    await handlers.scan(deps, { nightly: true }, { firedAt });
    await handlers.scan(deps, { nightly: true }, { firedAt });
    const waiting = await queues.scan.getWaiting();
    const scans = waiting.filter((j) => j.name === 'scan');
    expect(scans).toHaveLength(1);
    expect(scans[0]!.data).toEqual({ bucket: 'recordings', prefix: '2026/11/28/', nightlyFor: '2026-11-28' });
  });
});
