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

/**
 * Inserts `n` calls of `month` with ids prefixed `tag`, spread evenly over its first 30 days. Every
 * figure comes from the call number i, so runs are repeatable.
 */
async function fillMonth(db: Pool, month: Month, tag: string, n: number): Promise<void> {
  const { startLocal } = monthBounds(month);
  await db.query(
    `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, call_id, status)
     SELECT $1 || i, 'rec', 'bench/' || $1 || i || '.wav', 'e', 1, $1 || i, 'reported' FROM generate_series(1, $2::int) i`,
    [tag, n],
  );
  await db.query(
    `INSERT INTO reports (recording_id, call_id, agent_id, started_at, duration_sec, score, flagged, ruleset_version, rule_statuses,
                          banned_phrases, transcript_kind, report_key, analyzed_at, line, review_status, reviewed_score)
     SELECT $1 || i, $1 || i, 'A' || lpad((i % 200)::text, 3, '0'),
            ($3::timestamp AT TIME ZONE $4::text) + make_interval(secs => (i - 1) * 2592000.0 / $2::int),
            60 + i % 400, 100 - (i * 37) % 61, i % 5 = 0, 'v1',
            jsonb_build_object(
              'opening_greeting', CASE WHEN i % 13 = 0 THEN 'fail' ELSE 'pass' END,
              'consent_before_hangup', CASE WHEN i % 11 = 0 THEN 'na' WHEN i % 7 = 0 THEN 'fail' ELSE 'pass' END,
              'banned_phrase', CASE WHEN i % 5 = 0 THEN 'fail' ELSE 'pass' END,
              'polite_language', CASE WHEN i % 17 = 0 THEN 'fail' ELSE 'pass' END,
              'phone_phrases', 'pass', 'mandarin', 'pass', 'no_argument', 'pass', 'first_contact', 'pass'),
            CASE WHEN i % 5 = 0 THEN ARRAY['B' || lpad(((i / 5) % 15 + 1)::text, 2, '0')] ELSE '{}' END,
            'sidecar', 'reports/' || $1 || i || '.report.json', now(), '热线' || (i % 12),
            CASE WHEN i % 5 <> 0 THEN 'none' WHEN i % 10 = 0 THEN 'confirmed' WHEN i % 15 = 0 THEN 'dismissed' ELSE 'pending' END,
            CASE WHEN i % 10 = 0 THEN 60 END
     FROM generate_series(1, $2::int) i`,
    [tag, n, startLocal, TZ],
  );
  // Flagged calls: one banned-phrase finding, and a consent finding when that rule failed.
  await db.query(
    `INSERT INTO findings (recording_id, ruleset_version, rule_id, ordinal, phrase_id, start_sec, end_sec, speaker, text)
     SELECT $1 || i, 'v1', 'banned_phrase', 0, 'B' || lpad(((i / 5) % 15 + 1)::text, 2, '0'), 30, 32, 'agent', '下班了，明天再来，电话13812345678'
     FROM generate_series(5, $2::int, 5) i
     UNION ALL
     SELECT $1 || i, 'v1', 'consent_before_hangup', 0, NULL, 170, 172, 'agent', '就这样吧'
     FROM generate_series(35, $2::int, 35) i`,
    [tag, n],
  );
  await db.query(
    `INSERT INTO review_decisions (finding_id, decision, reviewer, decided_at)
     SELECT f.id, r.review_status, 'officer1', r.started_at + interval '1 day'
     FROM findings f JOIN reports r ON r.recording_id = f.recording_id
     WHERE r.review_status IN ('confirmed', 'dismissed') AND starts_with(r.recording_id, $1)`,
    [tag],
  );
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
  await db.query('ANALYZE');
  const counts = await db.query<{ reports: number; findings: number; decisions: number }>(
    'SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM findings)::int AS findings, (SELECT count(*) FROM review_decisions)::int AS decisions',
  );
  process.stdout.write(
    `generated ${CALLS} calls in 2026-11 and ${CALLS} in 2026-10 (${counts.rows[0]!.findings} findings, ${counts.rows[0]!.decisions} decisions) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`,
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
