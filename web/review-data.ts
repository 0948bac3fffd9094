/**
 * The review workspace's view of calls over the reviews repository (infra/db/reviews-repository.ts): the
 * queue cursor as it travels in query strings, the call page's shape (each finding with its decision history
 * and current verdict, reviewers labelled by name), who may open a call, and recording decisions with the
 * reviewed score recomputed by the ruleset that scored the report.
 */
import type { Pool } from '../infra/db/pool.js';
import type { Report } from '../domain/report.js';
import { latestVerdict, type Verdict } from '../domain/review-status.js';
import type { User } from '../domain/user.js';
import { rescoreReport } from '../rules/analyze/score.js';
import { rulesetOfVersion } from '../infra/ruleset-store.js';
import {
  loadCallRecords,
  recordFindingDecisions,
  type CallRecord,
  type DecisionRecord,
  type FindingRecord,
  type NewDecision,
  type QueueCursor,
} from '../infra/db/reviews-repository.js';

/** Chinese names of the review statuses. */
export const REVIEW_STATUS_NAMES: Record<string, string> = {
  pending: '待复核',
  confirmed: '已确认',
  dismissed: '已驳回',
  none: '无需复核',
};

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
    const exactTime =
      typeof time === 'string' &&
      /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) &&
      !Number.isNaN(Date.parse(time)) &&
      new Date(time).toISOString() === time;
    if ((f !== 0 && f !== 1) || !exactTime || typeof id !== 'string' || !/^[0-9a-f]{40}$/.test(id)) return undefined;
    return { flagged: f === 1, time, id };
  } catch {
    return undefined;
  }
}

/** A decision as the history shows it. */
export interface DecisionView extends DecisionRecord {
  /** How the history shows the reviewer: display name and user name, e.g. `王芳（wangfang）`. */
  reviewerLabel: string;
}

/** A finding with its decisions, newest last. */
export interface FindingView extends FindingRecord {
  decisions: DecisionView[];
  /** The latest confirm/dismiss decision, if any (comments do not change it). */
  current?: Verdict;
}

/** A call as the call page needs it (without the report and transcript documents). */
export interface CallView extends CallRecord {
  findings: FindingView[];
  /** Decisions on the call as a whole (calls flagged without findings), oldest first; `findingId` is 0. */
  callDecisions: DecisionView[];
}

/** Loads a call for its page; undefined when there is no report for this recording id. */
export async function loadCall(db: Pool, recordingId: string): Promise<CallView | undefined> {
  const stored = await loadCallRecords(db, recordingId);
  if (!stored) return undefined;
  const labelOf = (username: string) =>
    stored.reviewerNames.has(username) ? `${stored.reviewerNames.get(username)}（${username}）` : username;
  const view = (d: DecisionRecord): DecisionView => ({ ...d, reviewerLabel: labelOf(d.reviewer) });
  const decisions = stored.decisions.map(view);
  const findings: FindingView[] = stored.findings.map((f) => {
    const own = decisions.filter((d) => d.findingId === f.id);
    return { ...f, decisions: own, current: latestVerdict(own) };
  });
  return { ...stored.call, findings, callDecisions: stored.callDecisions.map(view) };
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

/**
 * Appends a decision and derives the call's review status and reviewed score; see {@link recordDecisions}.
 *
 * @throws {Error} `finding_not_in_call` when the finding does not belong to the recording's current report
 */
export async function recordDecision(db: Pool, d: NewDecision, report: Report): Promise<{ reviewStatus: string; reviewedScore: number }> {
  return recordDecisions(db, d.recordingId, [d], report);
}

/**
 * Appends decisions on findings of one call, all or none ({@link recordFindingDecisions}: the review status
 * follows domain/review-status.ts), with the reviewed score = {@link rescoreReport} without the findings
 * whose latest decision is `dismissed`, with the ruleset of the report's version (`rulesetOfVersion`).
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
  return recordFindingDecisions(db, recordingId, decisions, (dismissed) => rescoreReport(report, dismissed, ruleset));
}
