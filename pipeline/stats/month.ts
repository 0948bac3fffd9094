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

/**
 * Parses `yyyy-mm` (e.g. `2026-11`).
 *
 * @throws {Error} when the text is not a month between 2000-01 and 2999-12
 */
export function parseMonth(text: string): Month {
  const m = /^(2\d{3})-(0[1-9]|1[0-2])$/.exec(text.trim());
  if (!m) throw new Error(`a month is yyyy-mm (e.g. 2026-11), got "${text}"`);
  return { year: Number(m[1]), month: Number(m[2]) };
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
