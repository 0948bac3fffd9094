/**
 * Benchmark of the monthly statistics: fills a scratch database (default `callqa_stats_bench`, dropped and
 * created again) with a month of generated calls (default 100,000 in November 2026, Asia/Shanghai, spread
 * over 30 days, 200 agents on 12 lines, eight rules per call, 20% flagged with findings and review
 * decisions) and as many in the month before (the change figures read it), then times the aggregation
 * (`computeMonthlyStats`: every SQL query of both months and the confirmed-violations list) and the
 * rendering of all outputs (workbook, HTML with charts, CSV, JSON), a few runs each.
 *
 * Run: compile with tsc (`npm run build`) and `node dist/scripts/bench-stats.js [calls] [runs]`, or
 * `npx tsx scripts/bench-stats.ts` when tsx is available. BENCH_DATABASE_URL overrides the database.
 * A measurement, not a test: it prints milliseconds and exits 0.
 */
import { dropDatabase, openDatabase, type Pool } from '../infra/db/pool.js';
import { analyzeTables, countGeneratedRows, insertSyntheticMonth } from '../infra/db/synthetic-calls.js';
import { computeMonthlyStats } from '../pipeline/stats/aggregate.js';
import { renderStatsFiles } from '../pipeline/stats/build.js';
import { parseMonth, previousMonth, monthBounds, type Month } from '../pipeline/stats/month.js';
import { maskText } from '../domain/privacy.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/callqa_stats_bench';
const TZ = 'Asia/Shanghai';
const CALLS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);
const MONTH = parseMonth('2026-11');

async function recreate(url: string): Promise<Pool> {
  await dropDatabase(url);
  return openDatabase(url);
}

/** Inserts `n` calls of `month` with ids prefixed `tag` (infra/db/synthetic-calls.ts). */
async function fillMonth(db: Pool, month: Month, tag: string, n: number): Promise<void> {
  await insertSyntheticMonth(db, tag, n, monthBounds(month).startLocal, TZ);
}

async function time<T>(what: string, runs: number, fn: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    result = await fn();
    ms.push(performance.now() - started);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  process.stdout.write(
    `${what}: ${ms.map((m) => m.toFixed(0)).join(' / ')} ms (median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms)\n`,
  );
  return result!;
}

const db = await recreate(DATABASE_URL);
try {
  const fillStarted = performance.now();
  await fillMonth(db, MONTH, 'n', CALLS);
  await fillMonth(db, previousMonth(MONTH), 'o', CALLS);
  await analyzeTables(db);
  const counts = await countGeneratedRows(db);
  process.stdout.write(
    `generated ${CALLS} calls in 2026-11 and ${CALLS} in 2026-10 (${counts.findings} findings, ${counts.decisions} decisions) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`,
  );
  const stats = await time(`aggregate 2026-11 (${CALLS} calls, with 2026-10 for the changes)`, RUNS, () =>
    computeMonthlyStats(db, MONTH, TZ, maskText),
  );
  process.stdout.write(
    `  calls ${stats.centre.calls}, flagged ${stats.centre.flagged}, confirmed findings ${stats.centre.confirmedFindings}, agents ${stats.byAgent.length}, lines ${stats.byLine.length}, confirmed violations listed ${stats.confirmedViolations.length}\n`,
  );
  const files = await time('render workbook + HTML + CSV + JSON', RUNS, () => renderStatsFiles(stats, MONTH));
  process.stdout.write(`  ${files.map((f) => `${f.name} ${(f.body.length / 1024).toFixed(0)} KiB`).join(', ')}\n`);
} finally {
  await db.end();
}
