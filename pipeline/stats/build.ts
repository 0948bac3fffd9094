/**
 * Builds a month's statistics and writes every output to the results bucket under `stats/<yyyy-mm>/`
 * (and, on request, into a local folder): the workbook, the HTML report, one CSV per table and the
 * figures as JSON. Running it again for the same month and the same data writes the same bytes, so the
 * scheduled run and an on-demand rebuild after late reviews simply overwrite the month's files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from '../../infra/db/pool.js';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { maskText } from '../../domain/privacy.js';
import { computeMonthlyStats, type MonthlyStats } from './aggregate.js';
import { tableToCsv } from './csv.js';
import { renderStatsHtml } from './html.js';
import { formatMonth, nextMonth, type Month } from './month.js';
import { statsFileNames, statsTables } from './tables.js';
import { renderWorkbook } from './workbook.js';

/** One output file: its name inside the month's folder, content type and bytes. */
export interface StatsFile {
  name: string;
  contentType: string;
  body: Buffer;
}

/** Folder of a month's outputs in the results bucket: `stats/2026-11/`. */
export function statsPrefix(month: Month): string {
  return `stats/${formatMonth(month)}/`;
}

/**
 * The month's output files, in the order of statsFileNames: `callqa-stats-<month>.xlsx`,
 * `report-<month>.html`, `stats.json`, then `csv/<table>.csv` for each table (TABLE_IDS).
 */
export async function renderStatsFiles(stats: MonthlyStats, month: Month): Promise<StatsFile[]> {
  const tables = statsTables(stats);
  const fixedDate = new Date(Date.UTC(nextMonth(month).year, nextMonth(month).month - 1, 1));
  const [xlsxName, htmlName, jsonName] = statsFileNames(formatMonth(month));
  return [
    {
      name: xlsxName!,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await renderWorkbook(tables, fixedDate, `服务规范质检月报 ${formatMonth(month)}`),
    },
    { name: htmlName!, contentType: 'text/html; charset=utf-8', body: Buffer.from(renderStatsHtml(stats, tables), 'utf8') },
    { name: jsonName!, contentType: 'application/json; charset=utf-8', body: Buffer.from(`${JSON.stringify(stats, null, 2)}\n`, 'utf8') },
    ...tables.map((t) => ({ name: `csv/${t.id}.csv`, contentType: 'text/csv; charset=utf-8', body: Buffer.from(tableToCsv(t), 'utf8') })),
  ];
}

/** What a build produced. */
export interface StatsBuildResult {
  stats: MonthlyStats;
  /** Object keys written in the results bucket. */
  keys: string[];
  /** Local files written (with `outDir`). */
  localFiles: string[];
}

/**
 * Computes a month's statistics from PostgreSQL and writes the outputs.
 *
 * @param deps.timeZone IANA zone of the calendar month (STATS_TZ)
 * @param outDir also write the files here (created when missing), keeping the `csv/` sub-folder
 * @throws {Error} when the database or object storage fails
 */
export async function buildMonthlyStats(
  deps: { db: Pool; storage: ObjectStorage; resultsBucket: string; timeZone: string },
  month: Month,
  outDir?: string,
): Promise<StatsBuildResult> {
  const stats = await computeMonthlyStats(deps.db, month, deps.timeZone, maskText);
  const files = await renderStatsFiles(stats, month);
  const keys: string[] = [];
  for (const file of files) {
    const key = `${statsPrefix(month)}${file.name}`;
    await deps.storage.client.putObject(deps.resultsBucket, key, file.body, file.body.length, { 'Content-Type': file.contentType });
    keys.push(key);
  }
  const localFiles: string[] = [];
  if (outDir) {
    for (const file of files) {
      const target = path.join(outDir, ...file.name.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.body);
      localFiles.push(target);
    }
  }
  return { stats, keys, localFiles };
}
