/**
 * The nightly run: a BullMQ job scheduler fires at the configured cron time in the configured time zone
 * (default 01:00 Asia/Shanghai) and asks for a scan of the previous day's prefix.
 */
import type { Queues } from './queues.js';
import type { Config } from '../infra/config.js';

/** Id of the one nightly job scheduler; upserting it again (any number of workers) keeps one. */
export const NIGHTLY_SCHEDULER_ID = 'nightly-scan';

/** A calendar date. Month 1–12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date of `instant` in `timeZone`. */
export function dateInZone(instant: Date, timeZone: string): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The day before `date` (calendar arithmetic, no time zone involved). */
export function previousDay(date: CalendarDate): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day - 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `yyyy-mm-dd`. */
export function formatDate(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/**
 * Fills a key template: `{yyyy}`, `{mm}`, `{dd}` (zero-padded). `{yyyy}/{mm}/{dd}/` → `2026/11/28/`.
 */
export function renderPrefixTemplate(template: string, date: CalendarDate): string {
  return template
    .replaceAll('{yyyy}', String(date.year))
    .replaceAll('{mm}', String(date.month).padStart(2, '0'))
    .replaceAll('{dd}', String(date.day).padStart(2, '0'));
}

/**
 * The date and prefix a nightly run fired at `firedAt` scans: the previous day in the configured zone.
 */
export function nightlyTarget(firedAt: Date, config: Config): { date: string; prefix: string } {
  const day = previousDay(dateInZone(firedAt, config.nightly.timeZone));
  return { date: formatDate(day), prefix: renderPrefixTemplate(config.nightly.prefixTemplate, day) };
}

/** Creates or updates the nightly job scheduler (idempotent: one scheduler however many workers call it). */
export async function installNightlySchedule(queues: Queues, config: Config): Promise<void> {
  await queues.scan.upsertJobScheduler(
    NIGHTLY_SCHEDULER_ID,
    { pattern: config.nightly.cron, tz: config.nightly.timeZone },
    { name: 'nightly', data: { nightly: true } },
  );
}
