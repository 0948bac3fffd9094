/**
 * The daily sampling draw (抽检): a BullMQ job scheduler on the `stats` queue fires at SAMPLING_CRON in
 * STATS_TZ (default 07:00, after the night's recordings have been scanned at 01:00 and analysed) and draws
 * the previous day's sample (infra/db/sampling-repository.ts `drawSample`: the supervisors' rates per line or agent,
 * unflagged calls only). Each day is drawn by one job with a deterministic id however often the schedule
 * fires or workers start, and the draw itself never picks a call twice, so drawing a day again (the button
 * on /settings/sampling, or `callqa sample --date yyyy-mm-dd`) only adds calls analysed since.
 */
import type { Config } from '../infra/config.js';
import { dateInZone, formatDate, previousDay } from './nightly.js';
import type { Queues } from './queues.js';

/** Id of the one daily sampling job scheduler; upserting it again keeps one. */
export const SAMPLING_SCHEDULER_ID = 'daily-sampling';

/** Job id of a day's sampling draw: `sample-day-2026-11-28`. */
export function samplingJobId(date: string): string {
  return `sample-day-${date}`;
}

/** The day (`yyyy-mm-dd`) a daily run fired at `firedAt` draws: the day before, in STATS_TZ. */
export function samplingTargetDate(firedAt: Date, config: Config): string {
  return formatDate(previousDay(dateInZone(firedAt, config.stats.timeZone)));
}

/** Creates or updates the daily sampling job scheduler (idempotent: one scheduler however many workers call it). */
export async function installSamplingSchedule(queues: Queues, config: Config): Promise<void> {
  await queues.stats.upsertJobScheduler(
    SAMPLING_SCHEDULER_ID,
    { pattern: config.sampling.cron, tz: config.stats.timeZone },
    { name: 'daily-sampling', data: { dailySample: true } },
  );
}
