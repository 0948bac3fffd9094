/**
 * PostgreSQL: the connection pool, schema migrations (infra/migrations/NNN_name.sql, applied once each
 * in order inside a transaction) and the queries the pipeline runs on recordings and report summaries.
 */
import pg from 'pg';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from './paths.js';

export type Pool = pg.Pool;

/**
 * Where a recording stands. `reported` and `failed` are terminal; `superseded`: a failed version whose
 * object has since been replaced (a newer version has its own row).
 */
export type RecordingStatus = 'queued' | 'preparing' | 'transcribing' | 'analyzing' | 'reported' | 'failed' | 'superseded';

/** A row of `recordings`. */
export interface RecordingRow {
  id: string;
  bucket: string;
  objectKey: string;
  etag: string;
  sizeBytes: number;
  callId: string | null;
  status: RecordingStatus;
  failedStage: string | null;
  reasonCode: string | null;
  reason: string | null;
  updatedAt: Date;
}

const MIGRATIONS_DIR = path.join(projectRoot, 'infra', 'migrations');

/** The database named in `databaseUrl` and a (not yet connected) client on the server's `postgres` database. */
function maintenanceClient(databaseUrl: string): { url: URL; name: string; client: pg.Client } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return { url, name, client: new pg.Client({ connectionString: admin.toString() }) };
}

/**
 * Drops the database named in `databaseUrl`, closing other connections to it (tests and benchmarks that
 * start from an empty database). A database that does not exist is fine.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { name, client } = maintenanceClient(databaseUrl);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Creates the database named in `databaseUrl` when it does not exist, connecting to the server's
 * `postgres` database to do so.
 *
 * @throws {Error} when the server cannot be reached (message without the password)
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { url, name, client } = maintenanceClient(databaseUrl);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${url.hostname}:${url.port || 5432}: ${(error as Error).message}`);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (error) {
        // 42P04: created by another process meanwhile.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies the migrations not yet applied. Safe to run from several processes at once (advisory lock).
 *
 * @returns the versions applied now
 */
export async function migrate(pool: Pool): Promise<number[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(727001)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`);
      }
      applied.push(version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => undefined);
    client.release();
  }
  return applied;
}

/**
 * Opens a pool on `databaseUrl`, creating the database and applying migrations first.
 *
 * The pool and each of its clients have an error handler: a connection that the server closes (PostgreSQL
 * stopped, restarted or failed over), idle or checked out, is reported to `onIdleError` instead of ending
 * the process with an unhandled `'error'` event; the next query opens a new connection.
 *
 * @param onIdleError told of each such error (default: ignored, the next query reports trouble)
 * @throws {Error} when PostgreSQL cannot be reached or a migration fails
 */
export async function openDatabase(databaseUrl: string, onIdleError: (error: Error) => void = () => undefined): Promise<Pool> {
  await ensureDatabase(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 10_000 });
  pool.on('error', onIdleError);
  // A client checked out for a transaction (saveReportSummary, migrate) that loses its connection between two
  // queries emits 'error' too; without a listener that would end the process. The next query on it fails and
  // the caller's error handling (retry, outage pause) takes over.
  pool.on('connect', (client) => client.on('error', onIdleError));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/** Identity and size of a recording object, as listed. */
export interface RecordingIdentity {
  id: string;
  bucket: string;
  objectKey: string;
  etag: string;
  sizeBytes: number;
}

/**
 * Records that a recording was queued. An existing row keeps its status unless it had failed, which a
 * re-enqueue (retry) resets to `queued`. Failed older versions of the same object become `superseded`.
 */
export async function upsertQueuedRecording(pool: Pool, r: RecordingIdentity): Promise<void> {
  await pool.query(
    `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, status)
     VALUES ($1, $2, $3, $4, $5, 'queued')
     ON CONFLICT (id) DO UPDATE SET
       status = CASE WHEN recordings.status = 'failed' THEN 'queued' ELSE recordings.status END,
       failed_stage = CASE WHEN recordings.status = 'failed' THEN NULL ELSE recordings.failed_stage END,
       reason_code = CASE WHEN recordings.status = 'failed' THEN NULL ELSE recordings.reason_code END,
       reason = CASE WHEN recordings.status = 'failed' THEN NULL ELSE recordings.reason END,
       updated_at = now()`,
    [r.id, r.bucket, r.objectKey, r.etag, r.sizeBytes],
  );
  await supersedeFailedVersions(pool, r);
}

/** Marks failed older versions of the object of `r` (other ids, same bucket and key) `superseded`. */
async function supersedeFailedVersions(pool: Pool, r: RecordingIdentity): Promise<void> {
  await pool.query(
    `UPDATE recordings SET status = 'superseded', updated_at = now()
     WHERE bucket = $1 AND object_key = $2 AND id <> $3 AND status = 'failed'`,
    [r.bucket, r.objectKey, r.id],
  );
}

/**
 * Inserts a `queued` row for each recording version that has none (existing rows are left as they are)
 * and supersedes failed older versions of the new ones' objects. The first half of the one idempotent
 * enqueue step (workers/enqueue.ts): the caller then adds the prepare job of every row still `queued`.
 *
 * @returns the ids inserted now, and the status of every given id
 */
export async function insertQueuedRecordings(pool: Pool, recs: RecordingIdentity[]): Promise<{ inserted: Set<string>; status: Map<string, RecordingStatus> }> {
  if (!recs.length) return { inserted: new Set(), status: new Map() };
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, status)
     SELECT * , 'queued' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [recs.map((r) => r.id), recs.map((r) => r.bucket), recs.map((r) => r.objectKey), recs.map((r) => r.etag), recs.map((r) => r.sizeBytes)],
  );
  const inserted = new Set(rows.map((r) => r.id));
  for (const r of recs) if (inserted.has(r.id)) await supersedeFailedVersions(pool, r);
  const status = new Map((await getRecordings(pool, recs.map((r) => r.id))).map((r) => [r.id, r.status]));
  return { inserted, status };
}

/**
 * Puts a recording back to `queued` whatever its status (for work that must run again, e.g. a run that
 * was interrupted, or a report that is missing from storage).
 */
export async function resetRecordingToQueued(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `UPDATE recordings SET status = 'queued', failed_stage = NULL, reason_code = NULL, reason = NULL, updated_at = now() WHERE id = $1`,
    [id],
  );
}

/**
 * Order of the statuses: a recording only moves forward (issue 10). A stage that runs again late (e.g. after
 * a Redis outage longer than its job lock, when the next stage already finished) leaves the row where it is.
 * Only `callqa retry`, `process` and the reconciler put a row back to `queued`, on purpose
 * ({@link resetRecordingToQueued}).
 */
export const STATUS_RANK: Record<RecordingStatus, number> = { queued: 0, preparing: 1, transcribing: 2, analyzing: 3, reported: 9, failed: 9, superseded: 9 };

/** SQL expression: the rank of the status column (see {@link STATUS_RANK}). */
const RANK_SQL = `CASE recordings.status WHEN 'queued' THEN 0 WHEN 'preparing' THEN 1 WHEN 'transcribing' THEN 2 WHEN 'analyzing' THEN 3 ELSE 9 END`;

/**
 * Moves a recording forward to a non-terminal stage status (or keeps it at the same one), and stores its
 * call id once known. A row already further on, or terminal, is left unchanged.
 *
 * @returns true when the row was at or before `status` (so the stage's work is current)
 */
export async function setRecordingStage(pool: Pool, id: string, status: RecordingStatus, callId?: string): Promise<boolean> {
  const r = await pool.query(
    `UPDATE recordings SET status = $2, call_id = COALESCE($3, call_id), failed_stage = NULL, reason_code = NULL, reason = NULL, updated_at = now()
     WHERE id = $1 AND ${RANK_SQL} <= $4`,
    [id, status, callId ?? null, STATUS_RANK[status]],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Marks a recording failed with the stage and reason an operator sees in `callqa status`. A recording
 * already reported (or superseded) stays so: a late failure of a stage that ran twice changes nothing.
 */
export async function markRecordingFailed(pool: Pool, id: string, stage: string, reasonCode: string, reason: string): Promise<void> {
  await pool.query(
    `UPDATE recordings SET status = 'failed', failed_stage = $2, reason_code = $3, reason = $4, updated_at = now()
     WHERE id = $1 AND status NOT IN ('reported', 'superseded')`,
    [id, stage, reasonCode, reason.slice(0, 2000)],
  );
}

/**
 * Marks one version `superseded` (its object was replaced before it was downloaded; the new version has
 * its own row), unless it is already terminal.
 */
export async function markRecordingSuperseded(pool: Pool, id: string, reason: string): Promise<void> {
  await pool.query(
    `UPDATE recordings SET status = 'superseded', reason = $2, updated_at = now()
     WHERE id = $1 AND status NOT IN ('reported', 'failed', 'superseded')`,
    [id, reason.slice(0, 2000)],
  );
}

/** A recording that is not terminal, with how long it has been in its status. `ageSec` in seconds. */
export interface OpenRecordingRow extends RecordingRow {
  ageSec: number;
  requeueCount: number;
}

/**
 * Recordings of `bucket` (every bucket when undefined) that have not been terminal for `olderThanMs` milliseconds (no status change in
 * that time), oldest first: what `callqa status` lists as stuck, and what the reconciler looks at.
 */
export async function listOpenRecordings(pool: Pool, bucket: string | undefined, olderThanMs: number, limit = 500): Promise<OpenRecordingRow[]> {
  const { rows } = await pool.query(
    `SELECT *, EXTRACT(EPOCH FROM (now() - updated_at))::float8 AS age_sec FROM recordings
     WHERE ($1::text IS NULL OR bucket = $1) AND status IN ('queued', 'preparing', 'transcribing', 'analyzing')
       AND updated_at < now() - make_interval(secs => $2::float8 / 1000)
     ORDER BY updated_at LIMIT $3`,
    [bucket ?? null, olderThanMs, limit],
  );
  return rows.map((r) => ({ ...toRecordingRow(r), ageSec: Number(r.age_sec), requeueCount: Number(r.requeue_count) }));
}

/**
 * The reconciler's compare-and-set: puts an open recording back to `queued` and counts the requeue, only
 * when it has not changed since it was read (same status and `updated_at`, compared to the millisecond as
 * JavaScript dates hold it), so a stage that moved it on in between wins.
 *
 * @returns the new requeue count, or undefined when the row had changed
 */
export async function requeueStaleRecording(pool: Pool, row: Pick<RecordingRow, 'id' | 'status' | 'updatedAt'>): Promise<number | undefined> {
  const r = await pool.query<{ requeue_count: number }>(
    `UPDATE recordings SET status = 'queued', requeue_count = requeue_count + 1, updated_at = now()
     WHERE id = $1 AND status = $2 AND date_trunc('milliseconds', updated_at) = $3 RETURNING requeue_count`,
    [row.id, row.status, row.updatedAt],
  );
  return r.rows[0]?.requeue_count;
}

/** Summary of a scored call, as stored in `reports`. */
export interface ReportSummary {
  recordingId: string;
  callId: string;
  agentId?: string;
  startedAt?: string;
  durationSec: number;
  score: number;
  flagged: boolean;
  rulesetVersion: string;
  ruleStatuses: Record<string, string>;
  bannedPhrases: string[];
  transcriptKind?: string;
  reportKey: string;
  analyzedAt: string;
  /** Phone line / department from the call metadata. */
  line?: string;
  /** The report's findings, per rule in report order; stored as rows in `findings`. */
  findings: { ruleId: string; ordinal: number; phraseId?: string; start: number; end: number; speaker: string; text: string; confidence?: number; needsReview?: boolean }[];
  /** The transcript's utterances joined by newlines, stored in `transcript_texts` for the review queue's search. */
  transcriptText?: string;
}

/**
 * Writes (or replaces) a call's summary row and its findings, and marks its recording `reported`, in one
 * transaction. A flagged call starts as review status `pending`; a call already reviewed keeps its status.
 * Finding rows are keyed by (recording, ruleset version, rule, ordinal), so re-writing the same report
 * keeps their ids and the decisions that point at them.
 */
export async function saveReportSummary(pool: Pool, s: ReportSummary): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO reports (recording_id, call_id, agent_id, started_at, duration_sec, score, flagged, ruleset_version,
                            rule_statuses, banned_phrases, transcript_kind, report_key, analyzed_at, line, review_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, CASE WHEN $7 THEN 'pending' ELSE 'none' END)
       ON CONFLICT (recording_id) DO UPDATE SET
         call_id = EXCLUDED.call_id, agent_id = EXCLUDED.agent_id, started_at = EXCLUDED.started_at,
         duration_sec = EXCLUDED.duration_sec, score = EXCLUDED.score, flagged = EXCLUDED.flagged,
         ruleset_version = EXCLUDED.ruleset_version, rule_statuses = EXCLUDED.rule_statuses,
         banned_phrases = EXCLUDED.banned_phrases, transcript_kind = EXCLUDED.transcript_kind,
         report_key = EXCLUDED.report_key, analyzed_at = EXCLUDED.analyzed_at, line = EXCLUDED.line,
         review_status = CASE WHEN reports.review_status IN ('confirmed', 'dismissed') THEN reports.review_status
                              ELSE EXCLUDED.review_status END`,
      [
        s.recordingId, s.callId, s.agentId ?? null, s.startedAt ?? null, s.durationSec, s.score, s.flagged,
        s.rulesetVersion, JSON.stringify(s.ruleStatuses), s.bannedPhrases, s.transcriptKind ?? null, s.reportKey, s.analyzedAt,
        s.line ?? null,
      ],
    );
    for (const f of s.findings) {
      await client.query(
        `INSERT INTO findings (recording_id, ruleset_version, rule_id, ordinal, phrase_id, start_sec, end_sec, speaker, text, confidence, needs_review)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (recording_id, ruleset_version, rule_id, ordinal) DO UPDATE SET
           phrase_id = EXCLUDED.phrase_id, start_sec = EXCLUDED.start_sec, end_sec = EXCLUDED.end_sec, speaker = EXCLUDED.speaker,
           text = EXCLUDED.text, confidence = EXCLUDED.confidence, needs_review = EXCLUDED.needs_review`,
        [s.recordingId, s.rulesetVersion, f.ruleId, f.ordinal, f.phraseId ?? null, f.start, f.end, f.speaker, f.text, f.confidence ?? null, f.needsReview ?? false],
      );
    }
    // A re-analysis with the same ruleset version that finds less (e.g. after the centre names changed)
    // drops the rows it no longer has, unless a reviewer already decided on them (history is kept).
    await client.query(
      `DELETE FROM findings f
       WHERE f.recording_id = $1 AND f.ruleset_version = $2
         AND (f.rule_id, f.ordinal) NOT IN (SELECT * FROM unnest($3::text[], $4::smallint[]))
         AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.finding_id = f.id)`,
      [s.recordingId, s.rulesetVersion, s.findings.map((f) => f.ruleId), s.findings.map((f) => f.ordinal)],
    );
    if (s.transcriptText !== undefined) {
      await client.query(
        `INSERT INTO transcript_texts (recording_id, body) VALUES ($1, $2)
         ON CONFLICT (recording_id) DO UPDATE SET body = EXCLUDED.body`,
        [s.recordingId, s.transcriptText],
      );
    }
    await client.query(
      `UPDATE recordings SET status = 'reported', call_id = $2, failed_stage = NULL, reason_code = NULL, reason = NULL, updated_at = now() WHERE id = $1`,
      [s.recordingId, s.callId],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

function toRecordingRow(r: Record<string, unknown>): RecordingRow {
  return {
    id: r.id as string,
    bucket: r.bucket as string,
    objectKey: r.object_key as string,
    etag: r.etag as string,
    sizeBytes: Number(r.size_bytes),
    callId: (r.call_id as string | null) ?? null,
    status: r.status as RecordingStatus,
    failedStage: (r.failed_stage as string | null) ?? null,
    reasonCode: (r.reason_code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

/** Failed recordings, newest first, optionally only those in `bucket` whose key starts with `prefix`, or the one with `id`. */
export async function listFailedRecordings(
  pool: Pool,
  options: { bucket?: string; prefix?: string; id?: string; limit?: number } = {},
): Promise<RecordingRow[]> {
  const { rows } = await pool.query(
    `SELECT * FROM recordings
     WHERE status = 'failed' AND ($1::text IS NULL OR bucket = $1) AND ($2::text IS NULL OR starts_with(object_key, $2))
       AND ($3::text IS NULL OR id = $3)
     ORDER BY updated_at DESC LIMIT $4`,
    [options.bucket ?? null, options.prefix ?? null, options.id ?? null, options.limit ?? 1000],
  );
  return rows.map(toRecordingRow);
}

/** Failed recordings per bucket, every bucket that has any (the operations page's bucket list). */
export async function failedCountsByBucket(pool: Pool): Promise<{ bucket: string; failed: number }[]> {
  const { rows } = await pool.query<{ bucket: string; n: string }>("SELECT bucket, count(*) AS n FROM recordings WHERE status = 'failed' GROUP BY bucket ORDER BY bucket");
  return rows.map((r) => ({ bucket: r.bucket, failed: Number(r.n) }));
}

/** The rows for the given recording ids (missing ids are left out). */
export async function getRecordings(pool: Pool, ids: string[]): Promise<RecordingRow[]> {
  const { rows } = await pool.query('SELECT * FROM recordings WHERE id = ANY($1::text[])', [ids]);
  return rows.map(toRecordingRow);
}

/** Number of recordings per status, in one bucket or (without `bucket`) in all. */
export async function countRecordingsByStatus(pool: Pool, bucket?: string): Promise<Record<RecordingStatus, number>> {
  const counts: Record<RecordingStatus, number> = { queued: 0, preparing: 0, transcribing: 0, analyzing: 0, reported: 0, failed: 0, superseded: 0 };
  const { rows } = await pool.query<{ status: RecordingStatus; n: string }>(
    'SELECT status, count(*) AS n FROM recordings WHERE ($1::text IS NULL OR bucket = $1) GROUP BY status',
    [bucket ?? null],
  );
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** A stored report to score again (`callqa rescore`): the recording version it is about and its metadata line. */
export interface RescoreTarget {
  recordingId: string;
  bucket: string;
  objectKey: string;
  etag: string;
  sizeBytes: number;
  callId: string;
  line: string | null;
}

/**
 * Reports whose call started in `[from, to)` — or, for reports without `started_at`, whose analysis time
 * is in that range — oldest first, with their recording's identity.
 */
export async function listReportsForRescore(pool: Pool, from: Date, to: Date): Promise<RescoreTarget[]> {
  const { rows } = await pool.query(
    `SELECT r.recording_id, rec.bucket, rec.object_key, rec.etag, rec.size_bytes, r.call_id, r.line
     FROM reports r JOIN recordings rec ON rec.id = r.recording_id
     WHERE COALESCE(r.started_at, r.analyzed_at) >= $1 AND COALESCE(r.started_at, r.analyzed_at) < $2
     ORDER BY COALESCE(r.started_at, r.analyzed_at), r.recording_id`,
    [from, to],
  );
  return rows.map((r) => ({
    recordingId: r.recording_id as string,
    bucket: r.bucket as string,
    objectKey: r.object_key as string,
    etag: r.etag as string,
    sizeBytes: Number(r.size_bytes),
    callId: r.call_id as string,
    line: (r.line as string | null) ?? null,
  }));
}
