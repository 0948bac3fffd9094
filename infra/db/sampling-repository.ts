/**
 * Sampling (抽检, migration 022): the rates supervisors set per phone line or agent, drawing a
 * day's sample of the calls the rules did not flag into the review queue, and the "missed finding" entries
 * reviewers record on sampled calls.
 *
 * Drawing: a call of the day (its start time, else analysis time, in `timeZone`) that is not flagged, not in
 * review and not drawn before is drawn when a hash of its recording id, read as a number in [0, 1), is below
 * its rate (the agent's rate, else its line's, else 0): a fixed, reproducible Bernoulli draw, so each call
 * has the rate's chance and drawing the same day twice draws nobody twice. A drawn call gets `sampled` and
 * `review_status = 'pending'`; it is then reviewed like a flagged call without findings (a whole-call
 * decision, infra/db/reviews-repository.ts recordCallDecision) and its missed findings are appended here.
 */
import type { Pool } from './pool.js';

/** A sampling rate. `rate`: fraction 0–1 of the unflagged calls of a day. */
export interface SamplingRate {
  scope: 'line' | 'agent';
  key: string;
  rate: number;
  setBy: string;
  setAt: Date;
}

/** Every rate, lines first. */
export async function listSamplingRates(db: Pool): Promise<SamplingRate[]> {
  // numeric(6, 5) comes back as a string.
  const { rows } = await db.query<{ scope: SamplingRate['scope']; key: string; rate: string; set_by: string; set_at: Date }>(
    'SELECT scope, key, rate, set_by, set_at FROM sampling_rates ORDER BY scope DESC, key',
  );
  return rows.map((r) => ({ scope: r.scope, key: r.key, rate: Number(r.rate), setBy: r.set_by, setAt: r.set_at }));
}

/**
 * Sets (or replaces) the rate of a line or agent.
 *
 * @param rate fraction 0–1 (0 turns sampling off for it)
 * @throws {RangeError} for a rate outside 0–1 or an empty key
 */
export async function setSamplingRate(db: Pool, scope: 'line' | 'agent', key: string, rate: number, by: string): Promise<void> {
  if (!(rate >= 0 && rate <= 1) || !key) throw new RangeError('rate must be 0–1 and the line or agent must be named');
  await db.query(
    `INSERT INTO sampling_rates (scope, key, rate, set_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (scope, key) DO UPDATE SET rate = EXCLUDED.rate, set_by = EXCLUDED.set_by, set_at = now()`,
    [scope, key, rate, by],
  );
}

/**
 * Draws the sample of one local day (see the module comment).
 *
 * @param date `yyyy-mm-dd`, read in `timeZone`
 * @returns the recording ids drawn
 */
export async function drawSample(db: Pool, date: string, timeZone: string): Promise<string[]> {
  const { rows } = await db.query<{ recording_id: string }>(
    `WITH cand AS (
       SELECT r.recording_id, coalesce(a.rate, l.rate, 0) AS rate
       FROM reports r
       LEFT JOIN sampling_rates a ON a.scope = 'agent' AND a.key = r.agent_id
       LEFT JOIN sampling_rates l ON l.scope = 'line' AND l.key = r.line
       WHERE NOT r.flagged AND NOT r.sampled AND r.review_status = 'none'
         AND coalesce(r.started_at, r.analyzed_at) >= ($1::date)::timestamp AT TIME ZONE $2::text
         AND coalesce(r.started_at, r.analyzed_at) < ($1::date + 1)::timestamp AT TIME ZONE $2::text
     )
     UPDATE reports SET sampled = true, review_status = 'pending'
     FROM cand
     WHERE reports.recording_id = cand.recording_id
       AND ('x' || substr(md5(cand.recording_id || ':sample'), 1, 8))::bit(32)::bigint / 4294967296.0 < cand.rate
     RETURNING reports.recording_id`,
    [date, timeZone],
  );
  return rows.map((r) => r.recording_id).sort();
}

/** A problem the rules missed, recorded by a reviewer on a sampled call. `startSec`: seconds into the recording. */
export interface MissedFinding {
  id: number;
  ruleId: string;
  startSec: number;
  note: string;
  reviewer: string;
  createdAt: Date;
}

/**
 * Appends a missed finding to a sampled call.
 *
 * @throws {Error} `call_not_sampled` when the call was not drawn for sampling
 */
export async function addMissedFinding(
  db: Pool,
  recordingId: string,
  m: Pick<MissedFinding, 'ruleId' | 'startSec' | 'note' | 'reviewer'>,
): Promise<void> {
  const { rowCount } = await db.query(
    `INSERT INTO missed_findings (recording_id, rule_id, start_sec, note, reviewer)
     SELECT recording_id, $2, $3, $4, $5 FROM reports WHERE recording_id = $1 AND sampled`,
    [recordingId, m.ruleId, m.startSec, m.note, m.reviewer],
  );
  if (!rowCount) throw new Error('call_not_sampled');
}

/** The missed findings of a call, oldest first. */
export async function listMissedFindings(db: Pool, recordingId: string): Promise<MissedFinding[]> {
  const { rows } = await db.query<{ id: string; rule_id: string; start_sec: number; note: string; reviewer: string; created_at: Date }>(
    'SELECT * FROM missed_findings WHERE recording_id = $1 ORDER BY created_at, id',
    [recordingId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    ruleId: r.rule_id,
    startSec: r.start_sec,
    note: r.note,
    reviewer: r.reviewer,
    createdAt: r.created_at,
  }));
}
