/**
 * Appeals (申诉, issue 12, migration 023): an agent appeals a confirmed finding of one of their calls, once,
 * with a reason, within `WEB_APPEAL_DAYS` days of the confirmation; a supervisor upholds or overturns it.
 *
 * Every step is appended to the finding's decision history (review_decisions): the appeal and an upheld
 * outcome as comments, an overturn as a `dismissed` decision (reason 申诉改判) recorded with
 * {@link recordDecisions}, so the finding stops deducting, the call's reviewed score and status are derived
 * again, and the statistics count the finding as dismissed.
 */
import type { Pool } from '../infra/database.js';
import type { Report } from '../domain/report.js';
import type { User } from './accounts.js';
import { recordDecisions, type CallView } from './review-data.js';

/** An appeal as the pages show it. */
export interface Appeal {
  id: number;
  findingId: number;
  recordingId: string;
  callId: string;
  agentId: string | null;
  ruleId: string;
  phraseId: string | null;
  text: string;
  appellant: string;
  reason: string;
  createdAt: Date;
  status: 'pending' | 'upheld' | 'overturned';
  decidedBy: string | null;
  decisionNote: string | null;
  decidedAt: Date | null;
}

/** Why an appeal cannot be made (the page shows it). */
export type AppealRefusal = 'not_confirmed' | 'already_appealed' | 'too_late' | 'not_in_call';

/** Chinese messages of the refusals. */
export const APPEAL_REFUSALS: Record<AppealRefusal, string> = {
  not_confirmed: '只能对已确认的发现申诉。',
  already_appealed: '每条发现只能申诉一次。',
  too_late: '已超过申诉期限。',
  not_in_call: '该发现不属于此通话。',
};

/** The reason an overturned finding is dismissed with. */
export const OVERTURN_REASON = '申诉改判';

/**
 * Whether the agent may still appeal `finding` of `call` now: confirmed, not appealed, confirmed at most
 * `windowDays` days ago (its latest confirming decision).
 *
 * @returns undefined when allowed, else why not
 */
export function appealRefusal(call: CallView, findingId: number, appealed: Set<number>, windowDays: number, now = new Date()): AppealRefusal | undefined {
  const finding = call.findings.find((f) => f.id === findingId);
  if (!finding) return 'not_in_call';
  if (finding.current !== 'confirmed') return 'not_confirmed';
  if (appealed.has(findingId)) return 'already_appealed';
  const confirmedAt = [...finding.decisions].reverse().find((d) => d.decision === 'confirmed')!.decidedAt;
  if (now.getTime() - confirmedAt.getTime() > windowDays * 86_400_000) return 'too_late';
  return undefined;
}

const SELECT = `SELECT a.*, r.call_id, r.agent_id, f.rule_id, f.phrase_id, f.text
  FROM appeals a JOIN reports r ON r.recording_id = a.recording_id JOIN findings f ON f.id = a.finding_id`;

function toAppeal(r: Record<string, any>): Appeal {
  return {
    id: Number(r.id), findingId: Number(r.finding_id), recordingId: r.recording_id, callId: r.call_id, agentId: r.agent_id, ruleId: r.rule_id,
    phraseId: r.phrase_id, text: r.text, appellant: r.appellant, reason: r.reason, createdAt: r.created_at, status: r.status,
    decidedBy: r.decided_by, decisionNote: r.decision_note, decidedAt: r.decided_at,
  };
}

/** The appeals of a call, by finding id. */
export async function appealsOfCall(db: Pool, recordingId: string): Promise<Map<number, Appeal>> {
  const { rows } = await db.query(`${SELECT} WHERE a.recording_id = $1`, [recordingId]);
  return new Map(rows.map((r) => [Number(r.finding_id), toAppeal(r)]));
}

/** Appeals for the appeals page: an agent's own, or (supervisors, admins) every one; pending first, newest first. */
export async function listAppeals(db: Pool, viewer: User, limit = 500): Promise<Appeal[]> {
  const own = viewer.role === 'agent';
  const { rows } = await db.query(
    `${SELECT} ${own ? 'WHERE r.agent_id = $2' : ''} ORDER BY (a.status = 'pending') DESC, a.created_at DESC LIMIT $1`,
    own ? [limit, viewer.agentId ?? ''] : [limit],
  );
  return rows.map(toAppeal);
}

/** One appeal by id, or undefined. */
export async function getAppeal(db: Pool, appealId: number): Promise<Appeal | undefined> {
  const { rows } = await db.query(`${SELECT} WHERE a.id = $1`, [appealId]);
  return rows[0] ? toAppeal(rows[0]) : undefined;
}

/** Where the report of a call is stored (its `report_key`), or undefined without a report. */
export async function reportKeyOf(db: Pool, recordingId: string): Promise<string | undefined> {
  const { rows } = await db.query('SELECT report_key FROM reports WHERE recording_id = $1', [recordingId]);
  return rows[0]?.report_key as string | undefined;
}

/** Number of pending appeals (shown to supervisors). */
export async function countPendingAppeals(db: Pool): Promise<number> {
  const { rows } = await db.query("SELECT count(*)::int AS n FROM appeals WHERE status = 'pending'");
  return rows[0].n as number;
}

/**
 * Files an appeal and appends it to the finding's history (a comment by the agent). The caller checks
 * {@link appealRefusal} first; the UNIQUE finding id makes a second appeal fail even under a race.
 *
 * @returns the appeal's id
 * @throws {Error} `already_appealed` when the finding has an appeal
 */
export async function fileAppeal(db: Pool, a: { recordingId: string; findingId: number; appellant: string; reason: string }): Promise<number> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO appeals (finding_id, recording_id, appellant, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (finding_id) DO NOTHING RETURNING id',
      [a.findingId, a.recordingId, a.appellant, a.reason],
    );
    if (!rows[0]) throw new Error('already_appealed');
    await client.query("INSERT INTO review_decisions (finding_id, decision, comment, reviewer) VALUES ($1, 'comment', $2, $3)", [
      a.findingId, `坐席申诉：${a.reason}`, a.appellant,
    ]);
    await client.query('COMMIT');
    return Number(rows[0].id);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Decides a pending appeal. Upheld: a comment in the finding's history. Overturned: the finding is dismissed
 * (reason {@link OVERTURN_REASON}, the note as comment) through {@link recordDecisions}.
 *
 * @returns false when the appeal is not pending (decided already, or no such appeal)
 */
export async function decideAppeal(db: Pool, appealId: number, d: { outcome: 'upheld' | 'overturned'; note: string; by: string }, report: (recordingId: string) => Promise<Report | undefined>): Promise<boolean> {
  const { rows: found } = await db.query("SELECT recording_id FROM appeals WHERE id = $1 AND status = 'pending'", [appealId]);
  if (!found[0]) return false;
  // The report first, so an overturn never leaves an appeal decided without its dismissal.
  const doc = d.outcome === 'overturned' ? await report(found[0].recording_id) : undefined;
  if (d.outcome === 'overturned' && !doc) throw new Error('report_missing');
  const { rows } = await db.query(
    `UPDATE appeals SET status = $2, decided_by = $3, decision_note = $4, decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING finding_id, recording_id`,
    [appealId, d.outcome, d.by, d.note || null],
  );
  const row = rows[0];
  if (!row) return false;
  const findingId = Number(row.finding_id);
  if (doc) {
    await recordDecisions(db, row.recording_id, [{ findingId, decision: 'dismissed', reason: OVERTURN_REASON, comment: d.note || undefined, reviewer: d.by }], doc);
  } else {
    await db.query("INSERT INTO review_decisions (finding_id, decision, comment, reviewer) VALUES ($1, 'comment', $2, $3)", [findingId, `申诉维持${d.note ? `：${d.note}` : ''}`, d.by]);
  }
  return true;
}
