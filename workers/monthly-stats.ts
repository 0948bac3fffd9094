/**
 * The monthly statistics run: a BullMQ job scheduler on the `stats` queue fires at STATS_CRON in STATS_TZ
 * (default 03:00 on the 1st, Asia/Shanghai) and asks for the statistics of the month before. Each month
 * is built by one job with a deterministic id, however often the schedule fires or workers start; a
 * rebuild after late reviews is `callqa stats --month yyyy-mm`, which overwrites the month's files with
 * the same names.
 */
import type { Config } from '../infra/config.js';
import { formatMonth, previousMonth } from '../pipeline/stats/month.js';
import { dateInZone } from './nightly.js';
import type { Queues } from './queues.js';

/** Id of the one monthly job scheduler; upserting it again keeps one. */
export const STATS_SCHEDULER_ID = 'monthly-stats';

/** Job id of a month's statistics build: `stats-month-2026-11`. */
export function statsJobId(month: string): string {
  return `stats-month-${month}`;
}

/** The month (`yyyy-mm`) a monthly run fired at `firedAt` builds: the month before, in STATS_TZ. */
export function statsTargetMonth(firedAt: Date, config: Config): string {
  return formatMonth(previousMonth(dateInZone(firedAt, config.stats.timeZone)));
}

/** Creates or updates the monthly job scheduler (idempotent: one scheduler however many workers call it). */
export async function installStatsSchedule(queues: Queues, config: Config): Promise<void> {
  await queues.stats.upsertJobScheduler(
    STATS_SCHEDULER_ID,
    { pattern: config.stats.cron, tz: config.stats.timeZone },
    { name: 'monthly', data: { monthly: true } },
  );
}
