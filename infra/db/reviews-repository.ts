/**
 * The review workspace's tables (migrations 002, 003, 005): the review queue (filters, keyset paging), one
 * call with its findings and decision history, decisions on findings (`review_decisions`, append-only) and
 * on whole calls (`call_reviews`), with the call's review status derived by domain/review-status.ts, and
 * assignments of calls to officers (`assignments`, `assignment_log`).
 */
import type { User } from '../../domain/user.js';
import {
  latestVerdict,
  reviewStatusOfCallDecision,
  reviewStatusOfFindings,
  type ReviewDecisionKind,
  type ReviewStatus,
} from '../../domain/review-status.js';
import type { Pool } from './pool.js';
import { withTransaction, type Queryable } from './transaction.js';

/** Review status filter values; `flagged` = any of pending, confirmed, dismissed; `` = every call. */
export const STATUS_FILTERS = ['', 'flagged', 'pending', 'confirmed', 'dismissed', 'none'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

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

/** The position after the last row of a page: (flagged, call time as ISO 8601 UTC, recording id). */
export interface QueueCursor {
  flagged: boolean;
  time: string;
  id: string;
}

/** What the queue and the call page both show of a call. `callTime`: start, else analysis time; `durationSec` in seconds. */
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

/**
 * The call-summary columns of a `reports` row with its call time (`call_time`), as PostgreSQL returns them
 * (`real` and `smallint` as numbers, `timestamptz` as Dates).
 */
interface CallSummaryRow {
  recording_id: string;
  call_id: string;
  agent_id: string | null;
  line: string | null;
  call_time: Date;
  duration_sec: number;
  score: number;
  reviewed_score: number | null;
  review_status: ReviewStatus;
  sampled: boolean;
}

/** The call-summary fields of a `reports` row joined with its call time (`call_time`). */
function toCallSummary(r: CallSummaryRow): CallSummary {
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
    sampled: r.sampled,
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

/** Rows per queue page. */
export const PAGE_SIZE = 50;
/** The queue counts matching calls up to this many. */
export const COUNT_CAP = 10_000;

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
  if (f.q)
    where.push(
      `EXISTS (SELECT 1 FROM transcript_texts t WHERE t.recording_id = r.recording_id AND t.body LIKE ${p(`%${likeEscape(f.q)}%`)})`,
    );
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
  const orderBy = flagConstant
    ? `${timeExpr} DESC, r.recording_id DESC`
    : `(r.review_status <> 'none') DESC, ${timeExpr} DESC, r.recording_id DESC`;
  const from = `FROM reports r LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id`;
  const { rows } = await db.query<
    CallSummaryRow & { banned_phrases: string[]; rule_statuses: Record<string, string>; assigned_to: string | null }
  >(
    `SELECT r.recording_id, r.call_id, r.agent_id, r.line, ${timeExpr} AS call_time, r.duration_sec, r.score,
            r.reviewed_score, r.review_status, r.sampled, r.banned_phrases, r.rule_statuses, au.display_name AS assigned_to
     ${from} ${where}${keyset}
     ORDER BY ${orderBy}
     LIMIT ${PAGE_SIZE + 1}`,
    params,
  );
  const { rows: counted } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 ${from} ${where} LIMIT ${COUNT_CAP + 1}) x`,
    countParams,
  );
  const more = rows.length > PAGE_SIZE;
  const page = rows.slice(0, PAGE_SIZE).map((r): QueueRow => ({
    ...toCallSummary(r),
    bannedPhrases: r.banned_phrases,
    failedRules: Object.entries(r.rule_statuses)
      .filter(([, s]) => s === 'fail')
      .map(([id]) => id),
    assignedTo: r.assigned_to,
  }));
  const last = page[page.length - 1];
  const n = counted[0]?.n ?? 0;
  return {
    rows: page,
    next: more && last ? { flagged: last.reviewStatus !== 'none', time: last.callTime.toISOString(), id: last.recordingId } : undefined,
    total: Math.min(n, COUNT_CAP),
    capped: n > COUNT_CAP,
  };
}

/**
 * The cursor of the row at `offset` (0-based) of the unfiltered queue order (flagged first, newest first), or
 * undefined past the end: where scripts/bench-web-queue.ts starts a deep page.
 */
export async function queueCursorAt(db: Pool, offset: number): Promise<QueueCursor | undefined> {
  const { rows } = await db.query<{ flagged: boolean; t: Date; recording_id: string }>(
    `SELECT review_status <> 'none' AS flagged, coalesce(started_at, analyzed_at) AS t, recording_id FROM reports
     ORDER BY (review_status <> 'none') DESC, coalesce(started_at, analyzed_at) DESC, recording_id DESC OFFSET $1 LIMIT 1`,
    [offset],
  );
  const r = rows[0];
  return r ? { flagged: r.flagged, time: r.t.toISOString(), id: r.recording_id } : undefined;
}

/** Distinct agents and lines, for the filter lists. */
export async function filterChoices(db: Pool): Promise<{ agents: string[]; lines: string[] }> {
  // Loose index scans over the (agent_id, …) and (line, …) indexes: fast on large tables.
  const distinct = async (col: 'agent_id' | 'line') => {
    const { rows } = await db.query<{ v: string }>(
      `WITH RECURSIVE t AS (
         (SELECT ${col} AS v FROM reports WHERE ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${col} FROM reports WHERE ${col} > t.v ORDER BY ${col} LIMIT 1) FROM t WHERE t.v IS NOT NULL
       ) SELECT v FROM t WHERE v IS NOT NULL LIMIT 500`,
    );
    return rows.map((r) => r.v);
  };
  return { agents: await distinct('agent_id'), lines: await distinct('line') };
}

/** A call's row as the call page starts from: its summary, recording, report and assignment. */
export interface CallRecord extends CallSummary {
  bucket: string;
  objectKey: string;
  flagged: boolean;
  rulesetVersion: string;
  reportKey: string;
  assignedUserId: number | null;
  assignedTo: string | null;
}

/** A `findings` row of the call's current ruleset version. `start`, `end`: seconds into the recording. */
export interface FindingRecord {
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
}

/** A decision on a finding (`review_decisions`) or, with `findingId` 0, on the whole call (`call_reviews`). */
export interface DecisionRecord {
  id: number;
  findingId: number;
  decision: ReviewDecisionKind;
  reason: string | null;
  comment: string | null;
  /** User name of who decided. */
  reviewer: string;
  decidedAt: Date;
}

/** Everything stored about one call for its page (web/review-data.ts loadCall shapes it). */
export interface CallRecords {
  call: CallRecord;
  /** In call order (start, rule, ordinal). */
  findings: FindingRecord[];
  /** Decisions on the findings (every ruleset version of the call), oldest first. */
  decisions: DecisionRecord[];
  /** Decisions on the whole call, oldest first. */
  callDecisions: DecisionRecord[];
  /** Display name of each reviewer of those decisions who has an account, by user name. */
  reviewerNames: Map<string, string>;
}

/** A `review_decisions` or `call_reviews` row as PostgreSQL returns it (`bigint` id as a string). */
interface DecisionRow {
  id: string;
  decision: ReviewDecisionKind;
  reason: string | null;
  comment: string | null;
  reviewer: string;
  decided_at: Date;
}

/** A `findings` row as PostgreSQL returns it (`bigint` id as a string, `real` and `smallint` as numbers). */
interface FindingRow {
  id: string;
  rule_id: string;
  ordinal: number;
  phrase_id: string | null;
  start_sec: number;
  end_sec: number;
  speaker: string;
  text: string;
  confidence: number | null;
  needs_review: boolean;
}

function toDecision(d: DecisionRow, findingId: number): DecisionRecord {
  return {
    id: Number(d.id),
    findingId,
    decision: d.decision,
    reason: d.reason,
    comment: d.comment,
    reviewer: d.reviewer,
    decidedAt: d.decided_at,
  };
}

/** Reads a call with its findings and decisions; undefined when there is no report for this recording id. */
export async function loadCallRecords(db: Pool, recordingId: string): Promise<CallRecords | undefined> {
  const { rows } = await db.query<
    CallSummaryRow & {
      ruleset_version: string;
      flagged: boolean;
      report_key: string;
      bucket: string;
      object_key: string;
      assigned_user_id: number | null;
      assigned_to: string | null;
    }
  >(
    `SELECT r.*, coalesce(r.started_at, r.analyzed_at) AS call_time, rec.bucket, rec.object_key, a.user_id AS assigned_user_id, au.display_name AS assigned_to
     FROM reports r JOIN recordings rec ON rec.id = r.recording_id
     LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id
     WHERE r.recording_id = $1`,
    [recordingId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const { rows: frows } = await db.query<FindingRow>(
    'SELECT * FROM findings WHERE recording_id = $1 AND ruleset_version = $2 ORDER BY start_sec, rule_id, ordinal',
    [recordingId, r.ruleset_version],
  );
  const { rows: drows } = await db.query<DecisionRow & { finding_id: string }>(
    'SELECT d.* FROM review_decisions d JOIN findings f ON f.id = d.finding_id WHERE f.recording_id = $1 ORDER BY d.decided_at, d.id',
    [recordingId],
  );
  const { rows: crows } = await db.query<DecisionRow>('SELECT * FROM call_reviews WHERE recording_id = $1 ORDER BY decided_at, id', [
    recordingId,
  ]);
  const { rows: people } = await db.query<{ username: string; display_name: string }>(
    'SELECT username, display_name FROM users WHERE username = ANY($1::text[])',
    [[...new Set([...drows, ...crows].map((d) => d.reviewer))]],
  );
  return {
    call: {
      ...toCallSummary(r),
      bucket: r.bucket,
      objectKey: r.object_key,
      flagged: r.flagged,
      rulesetVersion: r.ruleset_version,
      reportKey: r.report_key,
      assignedUserId: r.assigned_user_id,
      assignedTo: r.assigned_to,
    },
    findings: frows.map((f) => ({
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
    })),
    decisions: drows.map((d) => toDecision(d, Number(d.finding_id))),
    callDecisions: crows.map((d) => toDecision(d, 0)),
    reviewerNames: new Map(people.map((p) => [p.username, p.display_name])),
  };
}

/** A decision to record. */
export interface NewDecision {
  recordingId: string;
  findingId: number;
  decision: ReviewDecisionKind;
  reason?: string;
  comment?: string;
  reviewer: string;
}

/**
 * Tells whether a finding of the call, by rule id and ordinal, is dismissed; the scorer of
 * {@link recordFindingDecisions} leaves those out.
 */
export type DismissedTest = (ruleId: string, ordinal: number) => boolean;

/**
 * Appends decisions on findings of one call, all or none (one transaction; the report row is locked, so two
 * officers deciding at once both count), and stores the call's review status
 * ({@link reviewStatusOfFindings} of each finding's {@link latestVerdict}) and reviewed score.
 *
 * @param decisions decisions on findings of `recordingId`'s current report, appended in this order
 * @param score the reviewed score (0–100) of the call given which findings are dismissed (rules/analyze.ts rescoreReport)
 * @returns the new status and reviewed score
 * @throws {Error} `finding_not_in_call` when a finding does not belong to the recording's current report
 */
export async function recordFindingDecisions(
  db: Pool,
  recordingId: string,
  decisions: Omit<NewDecision, 'recordingId'>[],
  score: (dismissed: DismissedTest) => number,
): Promise<{ reviewStatus: ReviewStatus; reviewedScore: number }> {
  return withTransaction(db, async (client) => {
    const { rows: rep } = await client.query<{ review_status: ReviewStatus; ruleset_version: string }>(
      'SELECT review_status, ruleset_version FROM reports WHERE recording_id = $1 FOR UPDATE',
      [recordingId],
    );
    if (!rep[0]) throw new Error('finding_not_in_call');
    const { review_status: current, ruleset_version: version } = rep[0];
    const { rows: own } = await client.query<{ id: string }>('SELECT id FROM findings WHERE recording_id = $1 AND ruleset_version = $2', [
      recordingId,
      version,
    ]);
    const ownIds = new Set(own.map((r) => Number(r.id)));
    if (decisions.some((d) => !ownIds.has(d.findingId))) throw new Error('finding_not_in_call');
    for (const d of decisions) {
      await client.query('INSERT INTO review_decisions (finding_id, decision, reason, comment, reviewer) VALUES ($1, $2, $3, $4, $5)', [
        d.findingId,
        d.decision,
        d.reason || null,
        d.comment || null,
        d.reviewer,
      ]);
    }
    const { rows: history } = await client.query<{ id: string; rule_id: string; ordinal: number; decision: ReviewDecisionKind | null }>(
      `SELECT f.id, f.rule_id, f.ordinal, d.decision
       FROM findings f LEFT JOIN review_decisions d ON d.finding_id = f.id
       WHERE f.recording_id = $1 AND f.ruleset_version = $2 ORDER BY f.id, d.decided_at, d.id`,
      [recordingId, version],
    );
    const byFinding = new Map<string, { key: string; decisions: { decision: ReviewDecisionKind }[] }>();
    for (const h of history) {
      const entry = byFinding.get(h.id) ?? { key: `${h.rule_id}#${h.ordinal}`, decisions: [] };
      byFinding.set(h.id, entry);
      if (h.decision) entry.decisions.push({ decision: h.decision });
    }
    const verdicts = [...byFinding.values()].map((f) => ({ key: f.key, verdict: latestVerdict(f.decisions) }));
    const dismissed = new Set(verdicts.filter((v) => v.verdict === 'dismissed').map((v) => v.key));
    const reviewedScore = score((ruleId, ordinal) => dismissed.has(`${ruleId}#${ordinal}`));
    const reviewStatus = reviewStatusOfFindings(
      current,
      verdicts.map((v) => v.verdict),
    );
    await client.query('UPDATE reports SET review_status = $2, reviewed_score = $3 WHERE recording_id = $1', [
      recordingId,
      reviewStatus,
      reviewedScore,
    ]);
    return { reviewStatus, reviewedScore };
  });
}

/**
 * Appends a decision on a whole call (for flagged or drawn calls without findings) and stores its review
 * status ({@link reviewStatusOfCallDecision} of the latest verdict). The score is not changed (no finding
 * deducted): the reviewed score is the automatic one.
 *
 * @throws {Error} `call_not_flagged` when the call is not in review; `call_has_findings` when it has findings (decide on those instead)
 */
export async function recordCallDecision(db: Pool, d: Omit<NewDecision, 'findingId'>): Promise<{ reviewStatus: ReviewStatus }> {
  return withTransaction(db, async (client) => {
    const { rows: rep } = await client.query<{ review_status: ReviewStatus; ruleset_version: string }>(
      'SELECT review_status, ruleset_version, score FROM reports WHERE recording_id = $1 FOR UPDATE',
      [d.recordingId],
    );
    const report = rep[0];
    if (!report || report.review_status === 'none') throw new Error('call_not_flagged');
    const { rows: f } = await client.query('SELECT 1 FROM findings WHERE recording_id = $1 AND ruleset_version = $2 LIMIT 1', [
      d.recordingId,
      report.ruleset_version,
    ]);
    if (f.length) throw new Error('call_has_findings');
    await client.query('INSERT INTO call_reviews (recording_id, decision, reason, comment, reviewer) VALUES ($1, $2, $3, $4, $5)', [
      d.recordingId,
      d.decision,
      d.reason || null,
      d.comment || null,
      d.reviewer,
    ]);
    const { rows: history } = await client.query<{ decision: ReviewDecisionKind }>(
      'SELECT decision FROM call_reviews WHERE recording_id = $1 ORDER BY decided_at, id',
      [d.recordingId],
    );
    const reviewStatus = reviewStatusOfCallDecision(latestVerdict(history));
    await client.query('UPDATE reports SET review_status = $2, reviewed_score = score WHERE recording_id = $1', [
      d.recordingId,
      reviewStatus,
    ]);
    return { reviewStatus };
  });
}

/**
 * Appends a comment to a finding's decision history (it changes no status): appeals filed and upheld.
 *
 * @param db the pool, or a client inside {@link withTransaction} to append as part of a larger write
 */
export async function appendFindingComment(db: Queryable, findingId: number, comment: string, reviewer: string): Promise<void> {
  await db.query("INSERT INTO review_decisions (finding_id, decision, comment, reviewer) VALUES ($1, 'comment', $2, $3)", [
    findingId,
    comment,
    reviewer,
  ]);
}

/** Assigns calls to one user (or removes their assignment with `userId` null); logged in assignment_log. @returns calls (un)assigned */
export async function assignCalls(db: Pool, recordingIds: string[], userId: number | null, by: string): Promise<number> {
  if (!recordingIds.length) return 0;
  if (userId === null) {
    const { rowCount } = await db.query('DELETE FROM assignments WHERE recording_id = ANY($1::text[])', [recordingIds]);
    await db.query('INSERT INTO assignment_log (recording_id, user_id, assigned_by) SELECT unnest($1::text[]), NULL, $2', [
      recordingIds,
      by,
    ]);
    return rowCount ?? 0;
  }
  const { rowCount } = await db.query(
    `INSERT INTO assignments (recording_id, user_id, assigned_by)
     SELECT id, $2, $3 FROM unnest($1::text[]) AS id WHERE EXISTS (SELECT 1 FROM reports WHERE recording_id = id)
     ON CONFLICT (recording_id) DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, assigned_at = now()`,
    [recordingIds, userId, by],
  );
  await db.query('INSERT INTO assignment_log (recording_id, user_id, assigned_by) SELECT unnest($1::text[]), $2, $3', [
    recordingIds,
    userId,
    by,
  ]);
  return rowCount ?? 0;
}

/**
 * Shares the unassigned pending calls that match `filter` evenly among `userIds` (round robin, starting
 * with whoever has the fewest open assignments), at most `limit` calls.
 *
 * @returns calls assigned per user id
 */
export async function assignEvenly(
  db: Pool,
  filter: QueueFilter,
  userIds: number[],
  by: string,
  viewer: User,
  limit = 5000,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (!userIds.length) return counts;
  const params: unknown[] = [];
  const where = whereClause({ ...filter, status: 'pending', assigned: 'none' }, viewer, false, params);
  const { rows } = await db.query<{ recording_id: string }>(
    `SELECT r.recording_id FROM reports r LEFT JOIN assignments a ON a.recording_id = r.recording_id LEFT JOIN users au ON au.id = a.user_id
     ${where} ORDER BY coalesce(r.started_at, r.analyzed_at) DESC, r.recording_id DESC LIMIT ${Math.max(1, Math.min(limit, 50_000))}`,
    params,
  );
  const { rows: load } = await db.query<{ id: number; open: number }>(
    `SELECT u.id, count(a.recording_id) FILTER (WHERE r.review_status = 'pending')::int AS open
     FROM unnest($1::int[]) AS u(id) LEFT JOIN assignments a ON a.user_id = u.id LEFT JOIN reports r ON r.recording_id = a.recording_id
     GROUP BY u.id ORDER BY open, u.id`,
    [userIds],
  );
  const order = load.map((l) => l.id);
  const buckets = new Map<number, string[]>(order.map((id) => [id, []]));
  rows.forEach((r, i) => buckets.get(order[i % order.length]!)!.push(r.recording_id));
  for (const [id, ids] of buckets) {
    counts.set(id, await assignCalls(db, ids, id, by));
  }
  return counts;
}
