/**
 * How a call's review status (`reports.review_status`) follows from the pipeline's flag and the reviewers'
 * decisions. Pure functions: the repositories (infra/db/reports-repository.ts, infra/db/reviews-repository.ts)
 * read the decisions, call these and store the result.
 *
 * - `none`: the rules did not flag the call (and it was not drawn for sampling): nothing to review.
 * - `pending`: flagged (or drawn), and some finding has no confirm/dismiss decision yet (a call without
 *   findings: no whole-call decision yet).
 * - `confirmed`: every finding is decided and at least one finding's latest decision confirms it (a call
 *   without findings: its latest whole-call decision confirms).
 * - `dismissed`: every finding is decided and none is confirmed (a call without findings: its latest
 *   whole-call decision dismisses).
 *
 * Comments are part of the history but never decide anything.
 */

/** The review statuses of a call (migration 003). */
export const REVIEW_STATUSES = ['none', 'pending', 'confirmed', 'dismissed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** What a reviewer decided on a finding or a whole call; `comment` decides nothing. */
export type ReviewDecisionKind = 'confirmed' | 'dismissed' | 'comment';

/** A decision that settles a finding or call: confirm or dismiss. */
export type Verdict = 'confirmed' | 'dismissed';

/**
 * The latest verdict among `decisions` (oldest first, as recorded): the last one that is not a comment.
 *
 * @returns undefined when there is none (undecided)
 */
export function latestVerdict(decisions: readonly { decision: ReviewDecisionKind }[]): Verdict | undefined {
  for (let i = decisions.length - 1; i >= 0; i--) {
    const d = decisions[i]!.decision;
    if (d !== 'comment') return d;
  }
  return undefined;
}

/**
 * The status of a call after decisions on its findings.
 *
 * @param current the stored status; a call that was never flagged (`none`) keeps it
 * @param verdicts the latest verdict of each of the call's findings (undefined: undecided)
 */
export function reviewStatusOfFindings(current: ReviewStatus, verdicts: readonly (Verdict | undefined)[]): ReviewStatus {
  if (current === 'none') return 'none';
  if (verdicts.some((v) => v === undefined)) return 'pending';
  return verdicts.includes('confirmed') ? 'confirmed' : 'dismissed';
}

/**
 * The status of a flagged (or drawn) call without findings after whole-call decisions: its latest verdict,
 * else `pending`.
 */
export function reviewStatusOfCallDecision(latest: Verdict | undefined): ReviewStatus {
  return latest ?? 'pending';
}

/**
 * The status of a call when its report is written (analysis, or `callqa rescore`): a finished review
 * (`confirmed`/`dismissed`) stays; otherwise `pending` when the report is flagged, else `none`.
 *
 * @param previous the stored status, undefined for a call scored the first time
 */
export function reviewStatusOnScoring(previous: ReviewStatus | undefined, flagged: boolean): ReviewStatus {
  if (previous === 'confirmed' || previous === 'dismissed') return previous;
  return flagged ? 'pending' : 'none';
}
