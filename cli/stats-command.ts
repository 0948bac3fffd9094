/**
 * `callqa stats [--month yyyy-mm] [--out DIR]`: builds a month's compliance statistics now (on demand,
 * e.g. after late reviews) and writes them to the results bucket under `stats/<month>/`, replacing that
 * month's files; with `--out`, also into DIR. Without `--month`: the month before the current one in
 * STATS_TZ, as the monthly schedule would build.
 */
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { openServices } from '../infra/services.js';
import { buildMonthlyStats, statsPrefix } from '../pipeline/stats/build.js';
import { formatValue } from '../pipeline/stats/tables.js';
import { nextMonth, parseMonth } from '../pipeline/stats/month.js';
import { statsTargetMonth } from '../workers/monthly-stats.js';

/**
 * Runs the command and prints the headline figures and where the files went.
 *
 * @throws {Error} for a malformed month or one outside 2000-01 … the current month (`parseMonth`), or when PostgreSQL / object storage cannot be reached
 */
export async function statsCommand(config: Config, log: Logger, opts: { month?: string; out?: string; now?: Date }): Promise<void> {
  // A month that has not started yet has no calls: allowed up to the current month in STATS_TZ.
  const previous = statsTargetMonth(opts.now ?? new Date(), config);
  const month = parseMonth(opts.month ?? previous, nextMonth(parseMonth(previous)));
  const services = await openServices(config, log, { allowLocalS3: !config.s3.endpoint });
  try {
    const result = await buildMonthlyStats(
      { db: services.db, storage: services.storage, resultsBucket: config.s3.resultsBucket, timeZone: config.stats.timeZone },
      month,
      opts.out,
    );
    const { stats } = result;
    const lines = [`月度质检统计 ${stats.month}（${stats.timeZone}），对比 ${stats.previousMonth}`];
    for (const h of stats.headline) {
      lines.push(
        `  ${h.label}: ${formatValue(h.value, h.kind)}（上月 ${formatValue(h.previous, h.kind)}，变化 ${formatValue(h.change, h.kind, true)}）`,
      );
    }
    lines.push(`written to ${config.s3.resultsBucket}/${statsPrefix(month)}: ${result.keys.length} files`);
    for (const file of result.localFiles) lines.push(`  ${file}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await services.close();
  }
}
