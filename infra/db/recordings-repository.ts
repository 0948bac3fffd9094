/**
 * The `recordings` table: one row per recording version (bucket + key + ETag), its pipeline status moving
 * only forward (STATUS_RANK), the reasons of failures, and what `callqa status`, the reconciler and the
 * operations page list.
 */
import type { Pool } from './pool.js';

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
  /** The file name before `callqa process` uploaded it under a content key; null for objects listed under their own names. */
  originalName: string | null;
  updatedAt: Date;
}

/** Identity and size of a recording object, as listed. */
export interface RecordingIdentity {
  id: string;
  bucket: string;
  objectKey: string;
  etag: string;
  sizeBytes: number;
  /** The file name before upload under a content key (`callqa process`), when there was one. */
  originalName?: string;
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
 * Inserts a `queued` row for each recording version that has none (existing rows are left as they are, but
 * take the file name given when they had none)
 * and supersedes failed older versions of the new ones' objects. The first half of the one idempotent
 * enqueue step (workers/enqueue.ts): the caller then adds the prepare job of every row still `queued`.
 *
 * @returns the ids inserted now, and the status of every given id
 */
export async function insertQueuedRecordings(
  pool: Pool,
  recs: RecordingIdentity[],
): Promise<{ inserted: Set<string>; status: Map<string, RecordingStatus> }> {
  if (!recs.length) return { inserted: new Set(), status: new Map() };
  // A row that exists keeps everything, except that it learns its file name when it had none (a row written
  // before recordings had original_name, or by a scan): `xmax = 0` tells a row inserted now from one updated.
  const { rows } = await pool.query<{ id: string; inserted: boolean }>(
    `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, original_name, status)
     SELECT * , 'queued' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
     ON CONFLICT (id) DO UPDATE SET original_name = EXCLUDED.original_name
       WHERE recordings.original_name IS NULL AND EXCLUDED.original_name IS NOT NULL
     RETURNING id, (xmax = 0) AS inserted`,
    [
      recs.map((r) => r.id),
      recs.map((r) => r.bucket),
      recs.map((r) => r.objectKey),
      recs.map((r) => r.etag),
      recs.map((r) => r.sizeBytes),
      recs.map((r) => r.originalName ?? null),
    ],
  );
  const inserted = new Set(rows.filter((r) => r.inserted).map((r) => r.id));
  for (const r of recs) if (inserted.has(r.id)) await supersedeFailedVersions(pool, r);
  const status = new Map(
    (
      await getRecordings(
        pool,
        recs.map((r) => r.id),
      )
    ).map((r) => [r.id, r.status]),
  );
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
 * Order of the statuses: a recording only moves forward (migration 009). A stage that runs again late (e.g. after
 * a Redis outage longer than its job lock, when the next stage already finished) leaves the row where it is.
 * Only `callqa retry`, `process` and the reconciler put a row back to `queued`, on purpose
 * ({@link resetRecordingToQueued}).
 */
export const STATUS_RANK: Record<RecordingStatus, number> = {
  queued: 0,
  preparing: 1,
  transcribing: 2,
  analyzing: 3,
  reported: 9,
  failed: 9,
  superseded: 9,
};

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
export async function listOpenRecordings(
  pool: Pool,
  bucket: string | undefined,
  olderThanMs: number,
  limit = 500,
): Promise<OpenRecordingRow[]> {
  const { rows } = await pool.query<RecordingTableRow & { age_sec: number }>(
    `SELECT *, EXTRACT(EPOCH FROM (now() - updated_at))::float8 AS age_sec FROM recordings
     WHERE ($1::text IS NULL OR bucket = $1) AND status IN ('queued', 'preparing', 'transcribing', 'analyzing')
       AND updated_at < now() - make_interval(secs => $2::float8 / 1000)
     ORDER BY updated_at LIMIT $3`,
    [bucket ?? null, olderThanMs, limit],
  );
  return rows.map((r) => ({ ...toRecordingRow(r), ageSec: r.age_sec, requeueCount: r.requeue_count }));
}

/**
 * The reconciler's compare-and-set: puts an open recording back to `queued` and counts the requeue, only
 * when it has not changed since it was read (same status and `updated_at`, compared to the millisecond as
 * JavaScript dates hold it), so a stage that moved it on in between wins.
 *
 * @returns the new requeue count, or undefined when the row had changed
 */
export async function requeueStaleRecording(
  pool: Pool,
  row: Pick<RecordingRow, 'id' | 'status' | 'updatedAt'>,
): Promise<number | undefined> {
  const r = await pool.query<{ requeue_count: number }>(
    `UPDATE recordings SET status = 'queued', requeue_count = requeue_count + 1, updated_at = now()
     WHERE id = $1 AND status = $2 AND date_trunc('milliseconds', updated_at) = $3 RETURNING requeue_count`,
    [row.id, row.status, row.updatedAt],
  );
  return r.rows[0]?.requeue_count;
}

/** A `recordings` row as PostgreSQL returns it (`SELECT *`; `bigint` size as a string, `timestamptz` as a Date). */
interface RecordingTableRow {
  id: string;
  bucket: string;
  object_key: string;
  etag: string;
  size_bytes: string;
  call_id: string | null;
  status: RecordingStatus;
  failed_stage: string | null;
  reason_code: string | null;
  reason: string | null;
  original_name: string | null;
  created_at: Date;
  updated_at: Date;
  requeue_count: number;
}

function toRecordingRow(r: RecordingTableRow): RecordingRow {
  return {
    id: r.id,
    bucket: r.bucket,
    objectKey: r.object_key,
    etag: r.etag,
    sizeBytes: Number(r.size_bytes),
    callId: r.call_id,
    status: r.status,
    failedStage: r.failed_stage,
    reasonCode: r.reason_code,
    reason: r.reason,
    originalName: r.original_name,
    updatedAt: r.updated_at,
  };
}

/** Failed recordings, newest first, optionally only those in `bucket` whose key starts with `prefix`, or the one with `id`. */
export async function listFailedRecordings(
  pool: Pool,
  options: { bucket?: string; prefix?: string; id?: string; limit?: number } = {},
): Promise<RecordingRow[]> {
  const { rows } = await pool.query<RecordingTableRow>(
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
  const { rows } = await pool.query<{ bucket: string; n: string }>(
    "SELECT bucket, count(*) AS n FROM recordings WHERE status = 'failed' GROUP BY bucket ORDER BY bucket",
  );
  return rows.map((r) => ({ bucket: r.bucket, failed: Number(r.n) }));
}

/** The rows for the given recording ids (missing ids are left out). */
export async function getRecordings(pool: Pool, ids: string[]): Promise<RecordingRow[]> {
  const { rows } = await pool.query<RecordingTableRow>('SELECT * FROM recordings WHERE id = ANY($1::text[])', [ids]);
  return rows.map(toRecordingRow);
}

/** Number of recordings per status, in one bucket or (without `bucket`) in all. */
export async function countRecordingsByStatus(pool: Pool, bucket?: string): Promise<Record<RecordingStatus, number>> {
  const counts: Record<RecordingStatus, number> = {
    queued: 0,
    preparing: 0,
    transcribing: 0,
    analyzing: 0,
    reported: 0,
    failed: 0,
    superseded: 0,
  };
  const { rows } = await pool.query<{ status: RecordingStatus; n: string }>(
    'SELECT status, count(*) AS n FROM recordings WHERE ($1::text IS NULL OR bucket = $1) GROUP BY status',
    [bucket ?? null],
  );
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** What became of one object of a bucket: its versions not superseded, those reported, and their report rows. */
export interface ObjectOutcome {
  objectKey: string;
  live: number;
  reported: number;
  reports: number;
}

/**
 * Per object key of `bucket`: how many of its versions are live (not superseded), how many are reported,
 * and how many report rows they have (the fault trial's check: 1, 1 and 1 for every key).
 */
export async function objectOutcomes(pool: Pool, bucket: string): Promise<ObjectOutcome[]> {
  const { rows } = await pool.query<{ object_key: string; live: number; reported: number; reports: number }>(
    `SELECT object_key, count(*) FILTER (WHERE status <> 'superseded')::int AS live, count(*) FILTER (WHERE status = 'reported')::int AS reported,
            (SELECT count(*) FROM reports p JOIN recordings r2 ON r2.id = p.recording_id WHERE r2.object_key = r.object_key AND r2.bucket = r.bucket)::int AS reports
     FROM recordings r WHERE bucket = $1 GROUP BY bucket, object_key`,
    [bucket],
  );
  return rows.map((r) => ({ objectKey: r.object_key, live: r.live, reported: r.reported, reports: r.reports }));
}
