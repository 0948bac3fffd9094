/**
 * The `reports` table and what is written with it: a scored call's summary row, its `findings` rows and its
 * `transcript_texts` row (the review queue's search), written in one transaction with the recording marked
 * `reported`; and the reads of reports that are not the review workspace's (rescoring, report keys, counts).
 */
import type { Pool } from './pool.js';
import { reviewStatusOnScoring, type ReviewStatus } from '../../domain/review-status.js';
import { withTransaction } from './transaction.js';

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
  findings: {
    ruleId: string;
    ordinal: number;
    phraseId?: string;
    start: number;
    end: number;
    speaker: string;
    text: string;
    confidence?: number;
    needsReview?: boolean;
  }[];
  /** The transcript's utterances joined by newlines, stored in `transcript_texts` for the review queue's search. */
  transcriptText?: string;
}

/**
 * Writes (or replaces) a call's summary row and its findings, and marks its recording `reported`, in one
 * transaction. The review status follows {@link reviewStatusOnScoring}: a flagged call starts `pending`, a
 * call already reviewed keeps its status (the recording's and the report's rows are locked first, so a
 * reviewer's decision or a second write of the same call waits). Finding rows are keyed by (recording,
 * ruleset version, rule, ordinal), so re-writing the same report keeps their ids and the decisions that
 * point at them.
 */
export async function saveReportSummary(pool: Pool, s: ReportSummary): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM recordings WHERE id = $1 FOR UPDATE', [s.recordingId]);
    const { rows: previous } = await client.query<{ review_status: ReviewStatus }>(
      'SELECT review_status FROM reports WHERE recording_id = $1 FOR UPDATE',
      [s.recordingId],
    );
    await client.query(
      `INSERT INTO reports (recording_id, call_id, agent_id, started_at, duration_sec, score, flagged, ruleset_version,
                            rule_statuses, banned_phrases, transcript_kind, report_key, analyzed_at, line, review_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (recording_id) DO UPDATE SET
         call_id = EXCLUDED.call_id, agent_id = EXCLUDED.agent_id, started_at = EXCLUDED.started_at,
         duration_sec = EXCLUDED.duration_sec, score = EXCLUDED.score, flagged = EXCLUDED.flagged,
         ruleset_version = EXCLUDED.ruleset_version, rule_statuses = EXCLUDED.rule_statuses,
         banned_phrases = EXCLUDED.banned_phrases, transcript_kind = EXCLUDED.transcript_kind,
         report_key = EXCLUDED.report_key, analyzed_at = EXCLUDED.analyzed_at, line = EXCLUDED.line,
         review_status = EXCLUDED.review_status`,
      [
        s.recordingId,
        s.callId,
        s.agentId ?? null,
        s.startedAt ?? null,
        s.durationSec,
        s.score,
        s.flagged,
        s.rulesetVersion,
        JSON.stringify(s.ruleStatuses),
        s.bannedPhrases,
        s.transcriptKind ?? null,
        s.reportKey,
        s.analyzedAt,
        s.line ?? null,
        reviewStatusOnScoring(previous[0]?.review_status, s.flagged),
      ],
    );
    for (const f of s.findings) {
      await client.query(
        `INSERT INTO findings (recording_id, ruleset_version, rule_id, ordinal, phrase_id, start_sec, end_sec, speaker, text, confidence, needs_review)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (recording_id, ruleset_version, rule_id, ordinal) DO UPDATE SET
           phrase_id = EXCLUDED.phrase_id, start_sec = EXCLUDED.start_sec, end_sec = EXCLUDED.end_sec, speaker = EXCLUDED.speaker,
           text = EXCLUDED.text, confidence = EXCLUDED.confidence, needs_review = EXCLUDED.needs_review`,
        [
          s.recordingId,
          s.rulesetVersion,
          f.ruleId,
          f.ordinal,
          f.phraseId ?? null,
          f.start,
          f.end,
          f.speaker,
          f.text,
          f.confidence ?? null,
          f.needsReview ?? false,
        ],
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
  });
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
  const { rows } = await pool.query<{
    recording_id: string;
    bucket: string;
    object_key: string;
    etag: string;
    size_bytes: string;
    call_id: string;
    line: string | null;
  }>(
    `SELECT r.recording_id, rec.bucket, rec.object_key, rec.etag, rec.size_bytes, r.call_id, r.line
     FROM reports r JOIN recordings rec ON rec.id = r.recording_id
     WHERE COALESCE(r.started_at, r.analyzed_at) >= $1 AND COALESCE(r.started_at, r.analyzed_at) < $2
     ORDER BY COALESCE(r.started_at, r.analyzed_at), r.recording_id`,
    [from, to],
  );
  return rows.map((r) => ({
    recordingId: r.recording_id,
    bucket: r.bucket,
    objectKey: r.object_key,
    etag: r.etag,
    sizeBytes: Number(r.size_bytes),
    callId: r.call_id,
    line: r.line,
  }));
}

/** Where the report of a call is stored (its `report_key`), or undefined without a report. */
export async function reportKeyOf(db: Pool, recordingId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ report_key: string }>('SELECT report_key FROM reports WHERE recording_id = $1', [recordingId]);
  return rows[0]?.report_key;
}

/** Number of scored calls per review status (statuses without calls are left out): the web server's metrics. */
export async function countReportsByReviewStatus(db: Pool): Promise<Partial<Record<ReviewStatus, number>>> {
  const { rows } = await db.query<{ review_status: ReviewStatus; n: number }>(
    'SELECT review_status, count(*)::int AS n FROM reports GROUP BY review_status',
  );
  return Object.fromEntries(rows.map((r) => [r.review_status, r.n]));
}
