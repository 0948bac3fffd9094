/**
 * The review workspace's queries: the review queue (filters, keyset paging), one call with its findings
 * and decision history, recording a decision (append-only) and deriving the call's review status and
 * reviewed score from the decisions, and assigning calls to officers.
 */
import type { Pool } from '../infra/database.js';
import type { Report } from '../domain/report.js';
import { rescoreReport } from '../rules/analyze/score.js';
import { rulesetOfVersion } from '../rules/ruleset-store.js';
import type { User } from './accounts.js';

/** Review status filter values; `flagged` = any of pending, confirmed, dismissed; `` = every call. */
export const STATUS_FILTERS = ['', 'flagged', 'pending', 'confirmed', 'dismissed', 'none'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** Chinese names of the review statuses. */
export const REVIEW_STATUS_NAMES: Record<string, string> = { pending: '待复核', confirmed: '已确认', dismissed: '已驳回', none: '无需复核' };

/** Queue filters as they come from the query string (already validated). */
export interface QueueFilter {
  /** yyyy-mm-dd, Asia/Shanghai, inclusive. */
  from?: string;
  to?: string;
  agent?: string;
  line?: string;
  /** A rule id (failed rule) or a banned-phrase id B01…B15. */
  rule?: string;
  status?: StatusFilter;
  minScore?: number;
  maxScore?: number;
  /** Text that must occur in the transcript. */
  q?: string;
  /** `me`, `none`, or a user name (supervisors). */
  assigned?: string;
}

/** The position after the last row of a page: (flagged, call time, recording id). */
export interface QueueCursor {
  flagged: boolean;
  time: string;
  id: string;
}

/** What the queue and the call page both show of a call. `callTime`: start, else analysis time; seconds. */
export interface CallSummary {
  recordingId: string;
  callId: string;
  agentId: string | null;
  line: string | null;
  callTime: Date;
  durationSec: number;
  score: number;
  reviewedScore: number | null;
  reviewStatus: string;
  /** Drawn for sampling (抽检): not flagged by the rules, in the queue for a whole-call review. */
  sampled: boolean;
}

/** The call-summary fields of a `reports` row joined with its call time (`call_time`). */
function toCallSummary(r: Record<string, any>): CallSummary {
  return {
    recordingId: r.recording_id,
    callId: r.call_id,
    agentId: r.agent_id,
    line: r.line,
    callTime: r.call_time,
    durationSec: r.duration_sec,
    score: r.score,
    reviewedScore: r.reviewed_score,
    reviewStatus: r.review_status,
    sampled: r.sampled ?? false,
  };
}

/** One row of the queue. */
export interface QueueRow extends CallSummary {
  bannedPhrases: string[];
  failedRules: string[];
  assignedTo: string | null;
}

/** A page of the queue. */
export interface QueuePage {
  rows: QueueRow[];
  next?: QueueCursor;
  /** Matching calls, counted up to {@link COUNT_CAP} (`capped` when there are more). */
  total: number;
  capped: boolean;
}

export const PAGE_SIZE = 50;
export const COUNT_CAP = 10_000;

/** Encodes a cursor for a query string. */
export function encodeCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify([c.flagged ? 1 : 0, c.time, c.id])).toString('base64url');
}

/**
 * Decodes a cursor; undefined when malformed. The time must be exactly what {@link encodeCursor} writes (an
 * ISO 8601 UTC instant `yyyy-mm-ddThh:mm:ss.sssZ`, years 1000–2999, that `Date` reads back unchanged), so
 * PostgreSQL never sees a time JavaScript accepts and it rejects (`"1"`, `2026-02-30`).
 */
export function decodeCursor(s: string): QueueCursor | undefined {
  try {
    const [f, time, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [number, string, string];
    const exactTime = typeof time === 'string' && /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) && !Number.isNaN(Date.parse(time)) && new Date(time).toISOString() === time;
    if ((f !== 0 && f !== 1) || !exactTime || typeof id !== 'string' || !/^[0-9a-f]{40}$/.test(id)) return undefined;
    return { flagged: f === 1, time, id };
  } catch {
    return undefined;
  }
}

/** Escapes LIKE wildcards. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE clause for a filter and viewer; adds parameters to `params`. */
function whereClause(f: QueueFilter, viewer: User, assignmentOn: boolean, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  const time = 'coalesce(r.started_at, r.analyzed_at)';
  if (f.from) where.push(`${time} >= (${p(f.from)}::date)::timestamp AT TIME ZONE 'Asia/Shanghai'`);
  if (f.to) where.push(`${time} < ((${p(f.to)}::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')`);
  if (f.agent) where.push(`r.agent_id = ${p(f.agent)}`);
  if (f.line) where.push(`r.line = ${p(f.line)}`);
  if (f.rule) {
    if (/^B\d{2}$/.test(f.rule)) where.push(`r.banned_phrases @> ARRAY[${p(f.rule)}]::text[]`);
    else where.push(`r.rule_statuses ->> ${p(f.rule)} = 'fail'`);
  }
  if (f.status === 'flagged') where.push(`r.review_status <> 'none'`);
  else if (f.status) where.push(`r.review_status = ${p(f.status)}`);
  if (f.minScore !== undefined) where.push(`coalesce(r.reviewed_score, r.score) >= ${p(f.minScore)}`);
  if (f.maxScore !== undefined) where.push(`coalesce(r.reviewed_score, r.score) <= ${p(f.maxScore)}`);
  if (f.q) where.push(`EXISTS (SELECT 1 FROM transcript_texts t WHERE t.recording_id = r.recording_id AND t.body LIKE ${p(`%${likeEscape(f.q)}%`)})`);
  if (f.assigned === 'me') where.push(`a.user_id = ${p(viewer.id)}`);
  else if (f.assigned === 'none') where.push('a.user_id IS NULL');
  else if (f.assigned) where.push(`au.username = ${p(f.assigned)}`);
  if (assignmentOn && viewer.role === 'officer') where.push(`(a.user_id IS NULL OR a.user_id = ${p(viewer.id)})`);
  // Agents see their own calls only.
  if (viewer.role === 'agent') where.push(`r.agent_id = ${p(viewer.agentId ?? '')}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/**
 * One page of the review queue: flagged calls first, then newest first; keyset paging (no OFFSET), so a
 * page costs the same on page 1 and page 2,000.
 */
export async function queuePage(db: Pool, f: QueueFilter, viewer: User, assignmentOn: boolean, after?: QueueCursor): Promise<QueuePage> {
  const params: unknown[] = [];
  const where = whereClause(f, viewer, assignmentOn, params);
  const countParams = [...params];
  // With one review status (or all flagged) the first sort key is constant: leave it out, so the
  // (review_status, call time, id) index serves the order directly.
  const flagConstant = f.status !== undefined && f.status !== '';
  const timeExpr = 'coalesce(r.started_at, r.analyzed_at)';
  let keyset = '';
  if (after) {
    if (flagConstant) {
      params.push(after.time, after.id);
      const n = params.length;
      keyset = `${where ? ' AND' : 'WHERE'} (${timeExpr}, r.recording_id) < ($${n - 1}::timestamptz, $${n}::text)`;
    } else {
      params.push(after.flagged, after.time, after.id);
      const n = params.length;
      keyset = `${where ? ' AND' : 'WHERE'} ((r.review_status <> 'none'), ${timeExpr}, r.recording_id) < ($${n - 2}::boolean, $${n - 1}::timestamptz, $${n}::text)`;
    }
  }
  const orderBy = flagConstant ? `${timeExpr} DESC, r.recording_id DESC` : `(r.review_status <> 'none') DESC, ${timeExpr} DESC, r.recording_id DESC`;
  const from = `FROM reports r LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id`;
  const { rows } = await db.query(
    `SELECT r.recording_id, r.call_id, r.agent_id, r.line, ${timeExpr} AS call_time, r.duration_sec, r.score,
            r.reviewed_score, r.review_status, r.sampled, r.banned_phrases, r.rule_statuses, au.display_name AS assigned_to
     ${from} ${where}${keyset}
     ORDER BY ${orderBy}
     LIMIT ${PAGE_SIZE + 1}`,
    params,
  );
  const { rows: counted } = await db.query(`SELECT count(*)::int AS n FROM (SELECT 1 ${from} ${where} LIMIT ${COUNT_CAP + 1}) x`, countParams);
  const more = rows.length > PAGE_SIZE;
  const page = rows.slice(0, PAGE_SIZE).map(
    (r): QueueRow => ({
      ...toCallSummary(r),
      bannedPhrases: r.banned_phrases,
      failedRules: Object.entries(r.rule_statuses as Record<string, string>).filter(([, s]) => s === 'fail').map(([id]) => id),
      assignedTo: r.assigned_to,
    }),
  );
  const last = page[page.length - 1];
  const n = counted[0].n as number;
  return {
    rows: page,
    next: more && last ? { flagged: last.reviewStatus !== 'none', time: last.callTime.toISOString(), id: last.recordingId } : undefined,
    total: Math.min(n, COUNT_CAP),
    capped: n > COUNT_CAP,
  };
}

/** Distinct agents and lines, for the filter lists. */
export async function filterChoices(db: Pool): Promise<{ agents: string[]; lines: string[] }> {
  // Loose index scans over the (agent_id, …) and (line, …) indexes: fast on large tables.
  const distinct = async (col: 'agent_id' | 'line') => {
    const { rows } = await db.query(
      `WITH RECURSIVE t AS (
         (SELECT ${col} AS v FROM reports WHERE ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${col} FROM reports WHERE ${col} > t.v ORDER BY ${col} LIMIT 1) FROM t WHERE t.v IS NOT NULL
       ) SELECT v FROM t WHERE v IS NOT NULL LIMIT 500`,
    );
    return rows.map((r) => r.v as string);
  };
  return { agents: await distinct('agent_id'), lines: await distinct('line') };
}

/** A finding row with its decisions, newest last. */
export interface FindingView {
  id: number;
  ruleId: string;
  ordinal: number;
  phraseId: string | null;
  start: number;
  end: number;
  speaker: string;
  text: string;
  confidence: number | null;
  needsReview: boolean;
  decisions: DecisionView[];
  /** The latest confirm/dismiss decision, if any (comments do not change it). */
  current?: 'confirmed' | 'dismissed';
}

export interface DecisionView {
  id: number;
  findingId: number;
  decision: 'confirmed' | 'dismissed' | 'comment';
  reason: string | null;
  comment: string | null;
  /** User name of who decided. */
  reviewer: string;
  /** How the history shows them: display name and user name, e.g. `王芳（wangfang）`. */
  reviewerLabel: string;
  decidedAt: Date;
}

/** A call as the call page needs it (without the report and transcript documents). */
export interface CallView extends CallSummary {
  bucket: string;
  objectKey: string;
  flagged: boolean;
  rulesetVersion: string;
  reportKey: string;
  assignedUserId: number | null;
  assignedTo: string | null;
  findings: FindingView[];
  /** Decisions on the call as a whole (calls flagged without findings), oldest first; `findingId` is 0. */
  callDecisions: DecisionView[];
}

/** Loads a call; undefined when there is no report for this recording id. */
export async function loadCall(db: Pool, recordingId: string): Promise<CallView | undefined> {
  const { rows } = await db.query(
    `SELECT r.*, coalesce(r.started_at, r.analyzed_at) AS call_time, rec.bucket, rec.object_key, a.user_id AS assigned_user_id, au.display_name AS assigned_to
     FROM reports r JOIN recordings rec ON rec.id = r.recording_id
     LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id
     WHERE r.recording_id = $1`,
    [recordingId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const { rows: frows } = await db.query(
    'SELECT * FROM findings WHERE recording_id = $1 AND ruleset_version = $2 ORDER BY start_sec, rule_id, ordinal',
    [recordingId, r.ruleset_version],
  );
  const { rows: drows } = await db.query(
    'SELECT d.* FROM review_decisions d JOIN findings f ON f.id = d.finding_id WHERE f.recording_id = $1 ORDER BY d.decided_at, d.id',
    [recordingId],
  );
  const { rows: crows } = await db.query('SELECT * FROM call_reviews WHERE recording_id = $1 ORDER BY decided_at, id', [recordingId]);
  const { rows: people } = await db.query<{ username: string; display_name: string }>('SELECT username, display_name FROM users WHERE username = ANY($1::text[])', [
    [...new Set([...drows, ...crows].map((d) => d.reviewer as string))],
  ]);
  const displayName = new Map(people.map((p) => [p.username, p.display_name]));
  const labelOf = (username: string) => (displayName.has(username) ? `${displayName.get(username)}（${username}）` : username);
  const callDecisions: DecisionView[] = crows.map((d) => ({
    id: Number(d.id),
    findingId: 0,
    decision: d.decision,
    reason: d.reason,
    comment: d.comment,
    reviewer: d.reviewer,
    reviewerLabel: labelOf(d.reviewer),
    decidedAt: d.decided_at,
  }));
  const decisions: DecisionView[] = drows.map((d) => ({
    id: Number(d.id),
    findingId: Number(d.finding_id),
    decision: d.decision,
    reason: d.reason,
    comment: d.comment,
    reviewer: d.reviewer,
    reviewerLabel: labelOf(d.reviewer),
    decidedAt: d.decided_at,
  }));
  const findings: FindingView[] = frows.map((f) => {
    const own = decisions.filter((d) => d.findingId === Number(f.id));
    const current = [...own].reverse().find((d) => d.decision !== 'comment')?.decision as FindingView['current'];
    return {
      id: Number(f.id),
      ruleId: f.rule_id,
      ordinal: f.ordinal,
      phraseId: f.phrase_id,
      start: f.start_sec,
      end: f.end_sec,
      speaker: f.speaker,
      text: f.text,
      confidence: f.confidence,
      needsReview: f.needs_review,
      decisions: own,
      current,
    };
  });
  return {
    ...toCallSummary(r),
    bucket: r.bucket,
    objectKey: r.object_key,
    flagged: r.flagged,
    rulesetVersion: r.ruleset_version,
    reportKey: r.report_key,
    assignedUserId: r.assigned_user_id,
    assignedTo: r.assigned_to,
    findings,
    callDecisions,
  };
}

/**
 * May this user open this call? Agents: only their own calls. Officers: not calls assigned to someone else
 * (when assignment is on).
 */
export function mayOpenCall(user: User, call: Pick<CallView, 'assignedUserId' | 'agentId'>, assignmentOn: boolean): boolean {
  if (user.role === 'agent') return !!user.agentId && call.agentId === user.agentId;
  if (user.role !== 'officer' || !assignmentOn) return true;
  return call.assignedUserId === null || call.assignedUserId === user.id;
}

/** A decision to record. */
export interface NewDecision {
  recordingId: string;
  findingId: number;
  decision: 'confirmed' | 'dismissed' | 'comment';
  reason?: string;
  comment?: string;
  reviewer: string;
}

/**
 * Appends a decision and derives the call's review status and reviewed score; see {@link recordDecisions}.
 *
 * @throws {Error} `finding_not_in_call` when the finding does not belong to the recording's current report
 */
export async function recordDecision(db: Pool, d: NewDecision, report: Report): Promise<{ reviewStatus: string; reviewedScore: number }> {
  return recordDecisions(db, d.recordingId, [d], report);
}

/**
 * Appends decisions on findings of one call (all or none: one transaction) and derives the call's review
 * status and reviewed score from all its decisions (the report row is locked, so two officers deciding at
 * once both count).
 *
 * - review status: `pending` while a finding has no confirm/dismiss decision; then `confirmed` when any
 *   finding's latest decision confirms it, else `dismissed`. Calls that were never flagged keep `none`.
 * - reviewed score: {@link rescoreReport} without the findings whose latest decision is `dismissed`, with the
 *   ruleset of the report's version (`rulesetOfVersion`).
 *
 * @param decisions decisions on findings of `recordingId`, appended in this order
 * @returns the new status and reviewed score
 * @throws {Error} `finding_not_in_call` when a finding does not belong to the recording's current report
 */
export async function recordDecisions(
  db: Pool,
  recordingId: string,
  decisions: Omit<NewDecision, 'recordingId'>[],
  report: Report,
): Promise<{ reviewStatus: string; reviewedScore: number }> {
  // The ruleset that scored the report (shipped file or a version saved with /rules), for its deductions.
  const ruleset = await rulesetOfVersion(db, report.rulesetVersion);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows: rep } = await client.query('SELECT review_status, ruleset_version FROM reports WHERE recording_id = $1 FOR UPDATE', [recordingId]);
    if (!rep.length) throw new Error('finding_not_in_call');
    const { rows: own } = await client.query('SELECT id FROM findings WHERE recording_id = $1 AND ruleset_version = $2', [recordingId, rep[0].ruleset_version]);
    const ownIds = new Set(own.map((r) => Number(r.id)));
    if (decisions.some((d) => !ownIds.has(d.findingId))) throw new Error('finding_not_in_call');
    for (const d of decisions) {
      await client.query('INSERT INTO review_decisions (finding_id, decision, reason, comment, reviewer) VALUES ($1, $2, $3, $4, $5)', [
        d.findingId, d.decision, d.reason || null, d.comment || null, d.reviewer,
      ]);
    }
    const { rows: latest } = await client.query(
      `SELECT f.rule_id, f.ordinal,
              (SELECT d.decision FROM review_decisions d WHERE d.finding_id = f.id AND d.decision <> 'comment' ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) AS current
       FROM findings f WHERE f.recording_id = $1 AND f.ruleset_version = $2`,
      [recordingId, rep[0].ruleset_version],
    );
    const dismissed = new Set(latest.filter((l) => l.current === 'dismissed').map((l) => `${l.rule_id}#${l.ordinal}`));
    const reviewedScore = rescoreReport(report, (ruleId, ordinal) => dismissed.has(`${ruleId}#${ordinal}`), ruleset);
    let reviewStatus = rep[0].review_status as string;
    if (reviewStatus !== 'none') {
      if (latest.some((l) => !l.current)) reviewStatus = 'pending';
      else reviewStatus = latest.some((l) => l.current === 'confirmed') ? 'confirmed' : 'dismissed';
    }
    await client.query('UPDATE reports SET review_status = $2, reviewed_score = $3 WHERE recording_id = $1', [recordingId, reviewStatus, reviewedScore]);
    await client.query('COMMIT');
    return { reviewStatus, reviewedScore };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Appends a decision on a whole call (for flagged calls without findings) and derives its review status:
 * the latest confirm/dismiss decision, else `pending`. The score is not changed (no finding deducted).
 *
 * @throws {Error} `call_has_findings` when the call has findings (decide on those instead) or is not flagged
 */
export async function recordCallDecision(db: Pool, d: Omit<NewDecision, 'findingId'>): Promise<{ reviewStatus: string }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows: rep } = await client.query('SELECT review_status, ruleset_version, score FROM reports WHERE recording_id = $1 FOR UPDATE', [d.recordingId]);
    if (!rep.length || rep[0].review_status === 'none') throw new Error('call_not_flagged');
    const { rows: f } = await client.query('SELECT 1 FROM findings WHERE recording_id = $1 AND ruleset_version = $2 LIMIT 1', [d.recordingId, rep[0].ruleset_version]);
    if (f.length) throw new Error('call_has_findings');
    await client.query('INSERT INTO call_reviews (recording_id, decision, reason, comment, reviewer) VALUES ($1, $2, $3, $4, $5)', [
      d.recordingId, d.decision, d.reason || null, d.comment || null, d.reviewer,
    ]);
    const { rows: latest } = await client.query(
      `SELECT decision FROM call_reviews WHERE recording_id = $1 AND decision <> 'comment' ORDER BY decided_at DESC, id DESC LIMIT 1`,
      [d.recordingId],
    );
    const reviewStatus = (latest[0]?.decision as string | undefined) ?? 'pending';
    await client.query('UPDATE reports SET review_status = $2, reviewed_score = score WHERE recording_id = $1', [d.recordingId, reviewStatus]);
    await client.query('COMMIT');
    return { reviewStatus };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Assigns calls to one user (or removes their assignment with `userId` null); logged in assignment_log. */
export async function assignCalls(db: Pool, recordingIds: string[], userId: number | null, by: string): Promise<number> {
  if (!recordingIds.length) return 0;
  if (userId === null) {
    const { rowCount } = await db.query('DELETE FROM assignments WHERE recording_id = ANY($1::text[])', [recordingIds]);
  await db.query('INSERT INTO assignment_log (recording_id, user_id, assigned_by) SELECT unnest($1::text[]), NULL, $2', [recordingIds, by]);
    return rowCount ?? 0;
  }
  const { rowCount } = await db.query(
    `INSERT INTO assignments (recording_id, user_id, assigned_by)
     SELECT id, $2, $3 FROM unnest($1::text[]) AS id WHERE EXISTS (SELECT 1 FROM reports WHERE recording_id = id)
     ON CONFLICT (recording_id) DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, assigned_at = now()`,
    [recordingIds, userId, by],
  );
  await db.query('INSERT INTO assignment_log (recording_id, user_id, assigned_by) SELECT unnest($1::text[]), $2, $3', [recordingIds, userId, by]);
  return rowCount ?? 0;
}

/**
 * Shares the unassigned pending calls that match `filter` evenly among `userIds` (round robin, starting
 * with whoever has the fewest open assignments), at most `limit` calls.
 *
 * @returns calls assigned per user id
 */
export async function assignEvenly(db: Pool, filter: QueueFilter, userIds: number[], by: string, viewer: User, limit = 5000): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (!userIds.length) return counts;
  const params: unknown[] = [];
  const where = whereClause({ ...filter, status: 'pending', assigned: 'none' }, viewer, false, params);
  const { rows } = await db.query(
    `SELECT r.recording_id FROM reports r LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id
     ${where} ORDER BY coalesce(r.started_at, r.analyzed_at) DESC, r.recording_id DESC LIMIT ${Math.max(1, Math.min(limit, 50_000))}`,
    params,
  );
  const { rows: load } = await db.query(
    `SELECT u.id, count(a.recording_id) FILTER (WHERE r.review_status = 'pending')::int AS open
     FROM unnest($1::int[]) AS u(id) LEFT JOIN assignments a ON a.user_id = u.id LEFT JOIN reports r ON r.recording_id = a.recording_id
     GROUP BY u.id ORDER BY open, u.id`,
    [userIds],
  );
  const order = load.map((l) => l.id as number);
  const buckets = new Map<number, string[]>(order.map((id) => [id, []]));
  rows.forEach((r, i) => buckets.get(order[i % order.length]!)!.push(r.recording_id));
  for (const [id, ids] of buckets) {
    counts.set(id, await assignCalls(db, ids, id, by));
  }
  return counts;
}
