/**
 * Calendar months of the monthly statistics: parsing `yyyy-mm`, the month before, and the month's
 * boundaries as local wall-clock times (the database turns them into instants in the configured time zone,
 * so a call at 2026-11-30 23:30 +08:00 belongs to November in Asia/Shanghai).
 */

/** A calendar month. `month` 1–12. */
export interface Month {
  year: number;
  month: number;
}

/** The first month statistics can be built for. */
export const FIRST_MONTH: Month = { year: 2000, month: 1 };

/** The last month {@link parseMonth} accepts unless told otherwise. */
export const LAST_MONTH: Month = { year: 2099, month: 12 };

/** Orders months: negative when `a` is before `b`, 0 when equal. */
export function compareMonths(a: Month, b: Month): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}

/**
 * Parses `yyyy-mm` (e.g. `2026-11`) exactly: nothing is trimmed.
 *
 * @param latest the last month allowed (default {@link LAST_MONTH}; `callqa stats` passes the current month)
 * @throws {Error} `a month is yyyy-mm …` when the text is not of that form (month 01–12), or
 *   `month … is outside the allowed range 2000-01 to …` when it is before {@link FIRST_MONTH} or after `latest`
 */
export function parseMonth(text: string, latest: Month = LAST_MONTH): Month {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (!m) throw new Error(`a month is yyyy-mm with a month 01–12 (e.g. 2026-11), got ${JSON.stringify(text)}`);
  const month = { year: Number(m[1]), month: Number(m[2]) };
  if (compareMonths(month, FIRST_MONTH) < 0 || compareMonths(month, latest) > 0) {
    throw new Error(`month ${text} is outside the allowed range ${formatMonth(FIRST_MONTH)} to ${formatMonth(latest)}`);
  }
  return month;
}

/** `yyyy-mm`. */
export function formatMonth(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

/** The month before `m` (December of the previous year before January). */
export function previousMonth(m: Month): Month {
  return m.month === 1 ? { year: m.year - 1, month: 12 } : { year: m.year, month: m.month - 1 };
}

/** The month after `m`. */
export function nextMonth(m: Month): Month {
  return m.month === 12 ? { year: m.year + 1, month: 1 } : { year: m.year, month: m.month + 1 };
}

/** Number of days in `m` (28–31). */
export function daysInMonth(m: Month): number {
  return new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
}

/**
 * The month as a half-open range of local wall-clock times, `[start, end)`, each `yyyy-mm-01 00:00:00`;
 * the SQL queries read them `AT TIME ZONE` the statistics' time zone.
 */
export function monthBounds(m: Month): { startLocal: string; endLocal: string } {
  return { startLocal: `${formatMonth(m)}-01 00:00:00`, endLocal: `${formatMonth(nextMonth(m))}-01 00:00:00` };
}
