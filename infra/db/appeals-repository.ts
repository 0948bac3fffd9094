/**
 * Appeals (申诉, migration 023): an agent's appeal of a confirmed finding, one per finding, and its outcome.
 * Each step is also appended to the finding's decision history (infra/db/reviews-repository.ts); the rules
 * of who may appeal when, and what an outcome does, are web/appeals-data.ts.
 */
import type { User } from '../../domain/user.js';
import type { Pool } from './pool.js';
import { appendFindingComment } from './reviews-repository.js';
import { withTransaction } from './transaction.js';

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

const SELECT = `SELECT a.*, r.call_id, r.agent_id, f.rule_id, f.phrase_id, f.text
  FROM appeals a JOIN reports r ON r.recording_id = a.recording_id JOIN findings f ON f.id = a.finding_id`;

/** A row of {@link SELECT} as PostgreSQL returns it (`bigint` ids as strings, `timestamptz` as Dates). */
interface AppealRow {
  id: string;
  finding_id: string;
  recording_id: string;
  appellant: string;
  reason: string;
  created_at: Date;
  status: Appeal['status'];
  decided_by: string | null;
  decision_note: string | null;
  decided_at: Date | null;
  call_id: string;
  agent_id: string | null;
  rule_id: string;
  phrase_id: string | null;
  text: string;
}

function toAppeal(r: AppealRow): Appeal {
  return {
    id: Number(r.id),
    findingId: Number(r.finding_id),
    recordingId: r.recording_id,
    callId: r.call_id,
    agentId: r.agent_id,
    ruleId: r.rule_id,
    phraseId: r.phrase_id,
    text: r.text,
    appellant: r.appellant,
    reason: r.reason,
    createdAt: r.created_at,
    status: r.status,
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    decidedAt: r.decided_at,
  };
}

/** The appeals of a call, by finding id. */
export async function appealsOfCall(db: Pool, recordingId: string): Promise<Map<number, Appeal>> {
  const { rows } = await db.query<AppealRow>(`${SELECT} WHERE a.recording_id = $1`, [recordingId]);
  return new Map(rows.map((r) => [Number(r.finding_id), toAppeal(r)]));
}

/** Appeals for the appeals page: an agent's own, or (supervisors, admins) every one; pending first, newest first. */
export async function listAppeals(db: Pool, viewer: User, limit = 500): Promise<Appeal[]> {
  const own = viewer.role === 'agent';
  const { rows } = await db.query<AppealRow>(
    `${SELECT} ${own ? 'WHERE r.agent_id = $2' : ''} ORDER BY (a.status = 'pending') DESC, a.created_at DESC LIMIT $1`,
    own ? [limit, viewer.agentId ?? ''] : [limit],
  );
  return rows.map(toAppeal);
}

/** One appeal by id, or undefined. */
export async function getAppeal(db: Pool, appealId: number): Promise<Appeal | undefined> {
  const { rows } = await db.query<AppealRow>(`${SELECT} WHERE a.id = $1`, [appealId]);
  return rows[0] ? toAppeal(rows[0]) : undefined;
}

/** Number of pending appeals (shown to supervisors). */
export async function countPendingAppeals(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM appeals WHERE status = 'pending'");
  return rows[0]?.n ?? 0;
}

/**
 * Files an appeal and appends it to the finding's history (a comment by the agent), in one transaction. The
 * caller checks web/appeals-data.ts appealRefusal first; the UNIQUE finding id makes a second appeal fail
 * even under a race.
 *
 * @returns the appeal's id
 * @throws {Error} `already_appealed` when the finding has an appeal
 */
export async function fileAppeal(
  db: Pool,
  a: { recordingId: string; findingId: number; appellant: string; reason: string },
): Promise<number> {
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO appeals (finding_id, recording_id, appellant, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (finding_id) DO NOTHING RETURNING id',
      [a.findingId, a.recordingId, a.appellant, a.reason],
    );
    if (!rows[0]) throw new Error('already_appealed');
    await appendFindingComment(client, a.findingId, `坐席申诉：${a.reason}`, a.appellant);
    return Number(rows[0].id);
  });
}

/** The recording id of a pending appeal, or undefined when it is decided already or does not exist. */
export async function pendingAppealRecording(db: Pool, appealId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ recording_id: string }>("SELECT recording_id FROM appeals WHERE id = $1 AND status = 'pending'", [
    appealId,
  ]);
  return rows[0]?.recording_id;
}

/**
 * Records the outcome of a pending appeal (who, when, the note; an empty note is stored as none).
 *
 * @returns the appeal's finding and recording, or undefined when it was not pending (decided meanwhile)
 */
export async function markAppealDecided(
  db: Pool,
  appealId: number,
  d: { outcome: 'upheld' | 'overturned'; note: string; by: string },
): Promise<{ findingId: number; recordingId: string } | undefined> {
  const { rows } = await db.query<{ finding_id: string; recording_id: string }>(
    `UPDATE appeals SET status = $2, decided_by = $3, decision_note = $4, decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING finding_id, recording_id`,
    [appealId, d.outcome, d.by, d.note || null],
  );
  return rows[0] ? { findingId: Number(rows[0].finding_id), recordingId: rows[0].recording_id } : undefined;
}
