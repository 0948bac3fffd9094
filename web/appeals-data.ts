/**
 * Appeals (申诉, issue 12, migration 023): an agent appeals a confirmed finding of one of their calls, once,
 * with a reason, within `WEB_APPEAL_DAYS` days of the confirmation; a supervisor upholds or overturns it.
 *
 * The appeals are stored by infra/db/appeals-repository.ts. Every step is appended to the finding's decision
 * history (review_decisions): the appeal and an upheld
 * outcome as comments, an overturn as a `dismissed` decision (reason 申诉改判) recorded with
 * {@link recordDecisions}, so the finding stops deducting, the call's reviewed score and status are derived
 * again, and the statistics count the finding as dismissed.
 */
import type { Pool } from '../infra/db/pool.js';
import type { Report } from '../domain/report.js';
import { markAppealDecided, pendingAppealRecording } from '../infra/db/appeals-repository.js';
import { appendFindingComment } from '../infra/db/reviews-repository.js';
import { recordDecisions, type CallView } from './review-data.js';

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
export function appealRefusal(
  call: CallView,
  findingId: number,
  appealed: Set<number>,
  windowDays: number,
  now = new Date(),
): AppealRefusal | undefined {
  const finding = call.findings.find((f) => f.id === findingId);
  if (!finding) return 'not_in_call';
  if (finding.current !== 'confirmed') return 'not_confirmed';
  if (appealed.has(findingId)) return 'already_appealed';
  const confirmedAt = [...finding.decisions].reverse().find((d) => d.decision === 'confirmed')!.decidedAt;
  if (now.getTime() - confirmedAt.getTime() > windowDays * 86_400_000) return 'too_late';
  return undefined;
}

/**
 * Decides a pending appeal. Upheld: a comment in the finding's history. Overturned: the finding is dismissed
 * (reason {@link OVERTURN_REASON}, the note as comment) through {@link recordDecisions}.
 *
 * @returns false when the appeal is not pending (decided already, or no such appeal)
 */
export async function decideAppeal(
  db: Pool,
  appealId: number,
  d: { outcome: 'upheld' | 'overturned'; note: string; by: string },
  report: (recordingId: string) => Promise<Report | undefined>,
): Promise<boolean> {
  const recordingId = await pendingAppealRecording(db, appealId);
  if (!recordingId) return false;
  // The report first, so an overturn never leaves an appeal decided without its dismissal.
  const doc = d.outcome === 'overturned' ? await report(recordingId) : undefined;
  if (d.outcome === 'overturned' && !doc) throw new Error('report_missing');
  const row = await markAppealDecided(db, appealId, d);
  if (!row) return false;
  const { findingId } = row;
  if (doc) {
    await recordDecisions(
      db,
      row.recordingId,
      [{ findingId, decision: 'dismissed', reason: OVERTURN_REASON, comment: d.note || undefined, reviewer: d.by }],
      doc,
    );
  } else {
    await appendFindingComment(db, findingId, `申诉维持${d.note ? `：${d.note}` : ''}`, d.by);
  }
  return true;
}
