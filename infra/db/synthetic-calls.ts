/**
 * Synthetic calls for the benchmarks (scripts/bench-stats.ts, scripts/bench-web-queue.ts): rows generated in
 * SQL with `generate_series`, so that 100,000 calls load in seconds. Every value follows from the call number,
 * so runs repeat exactly. Never used by the product; it writes to whatever database it is given, so the
 * scripts give it a scratch database of their own.
 */
import type { Pool } from './pool.js';

/**
 * Inserts `n` reported calls with ids prefixed `tag`, spread evenly over the 30 days from `startLocal`
 * (a local date-time `YYYY-MM-DD HH:MM:SS` in `timeZone`): recordings, reports (every fifth flagged, a
 * tenth confirmed, some dismissed), their findings and review decisions.
 */
export async function insertSyntheticMonth(db: Pool, tag: string, n: number, startLocal: string, timeZone: string): Promise<void> {
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
    [tag, n, startLocal, timeZone],
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

/**
 * Inserts `calls` reported calls for the review queue spread over 90 days from 2026-09-01 (three in ten
 * flagged, one finding each), with a transcript text of 24 lines drawn from `phrases` for the search.
 */
export async function insertSyntheticQueue(db: Pool, calls: number, phrases: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, call_id, status)
     SELECT (md5('bench' || g) || lpad(to_hex(g), 8, '0')), 'recordings', to_char(timestamp '2026-09-01' + (g % 90) * interval '1 day', 'YYYY/MM/DD/') || 'call-' || g || '.wav',
            md5(g::text), 240000 + g % 100000, 'bench-' || g, 'reported'
     FROM generate_series(1, $1) g`,
    [calls],
  );
  await db.query(
    `INSERT INTO reports (recording_id, call_id, agent_id, started_at, duration_sec, score, flagged, ruleset_version, rule_statuses,
                          banned_phrases, transcript_kind, report_key, analyzed_at, line, review_status)
     SELECT (md5('bench' || g) || lpad(to_hex(g), 8, '0')), 'bench-' || g, 'A' || lpad((g % 40)::text, 3, '0'),
            timestamptz '2026-09-01 08:00+08' + (g % 90) * interval '1 day' + (g * 37 % 36000) * interval '1 second',
            60 + g % 600,
            CASE WHEN g % 10 < 3 THEN 40 + g % 45 ELSE 100 END,
            g % 10 < 3,
            'service-norms@1',
            jsonb_build_object('opening_greeting', CASE WHEN g % 10 = 0 THEN 'fail' ELSE 'pass' END,
                               'consent_before_hangup', CASE WHEN g % 10 = 1 THEN 'fail' ELSE 'pass' END,
                               'banned_phrase', CASE WHEN g % 10 = 2 THEN 'fail' ELSE 'pass' END,
                               'polite_language', 'pass'),
            CASE WHEN g % 10 = 2 THEN ARRAY['B' || lpad((1 + g % 15)::text, 2, '0')] ELSE '{}' END,
            'asr', 'reports/call-' || g || '.report.json', now(),
            (ARRAY['12345 政务热线', '婚姻登记', '社保', '公积金', '不动产登记', '户籍'])[1 + g % 6],
            CASE WHEN g % 10 >= 3 THEN 'none' WHEN g % 7 = 0 THEN 'confirmed' WHEN g % 7 = 1 THEN 'dismissed' ELSE 'pending' END
     FROM generate_series(1, $1) g`,
    [calls],
  );
  await db.query(
    `INSERT INTO findings (recording_id, ruleset_version, rule_id, ordinal, phrase_id, start_sec, end_sec, speaker, text, confidence)
     SELECT recording_id, ruleset_version, CASE WHEN banned_phrases = '{}' THEN 'opening_greeting' ELSE 'banned_phrase' END, 0,
            banned_phrases[1], 6.2, 8.8, 'agent', '不知道。你去问民政局。', 0.9
     FROM reports WHERE flagged`,
  );
  await db.query(
    `INSERT INTO transcript_texts (recording_id, body)
     SELECT (md5('bench' || g) || lpad(to_hex(g), 8, '0')),
            array_to_string(ARRAY(SELECT ($2::text[])[1 + (g * k) % 8] FROM generate_series(1, 24) k), E'\\n') || E'\\n通话编号' || g
     FROM generate_series(1, $1) g`,
    [calls, phrases],
  );
}

/** Refreshes the planner's statistics after a bulk load (`ANALYZE`). */
export async function analyzeTables(db: Pool): Promise<void> {
  await db.query('ANALYZE');
}

/** How many reports, findings and review decisions the database holds. */
export async function countGeneratedRows(db: Pool): Promise<{ reports: number; findings: number; decisions: number }> {
  const { rows } = await db.query<{ reports: number; findings: number; decisions: number }>(
    'SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM findings)::int AS findings, (SELECT count(*) FROM review_decisions)::int AS decisions',
  );
  return rows[0] ?? { reports: 0, findings: 0, decisions: 0 };
}
