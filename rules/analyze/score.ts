/**
 * Scoring: what each failed rule deducts, the call's score (100 − the sum of deductions, floored at 0; 0 when a
 * red-line rule fails), why the call goes to a reviewer (`reviewReasons`, `flagged`), and the score of a
 * reviewed call after quality officers dismissed findings.
 */
import type { Report, ReviewReason, RuleResult } from '../../domain/report.js';
import { defaultRuleset, type CompiledRule, type Ruleset } from '../ruleset.js';

/**
 * Points a rule result takes off the score: 0 unless it failed; else `deduct.points` once, or per finding
 * (`per: hit`; a `forbid` rule takes each phrase's own `points` when set), capped at `deduct.max` (100).
 */
export function deduction(rule: CompiledRule, r: Omit<RuleResult, 'id'>): number {
  if (r.status !== 'fail') return 0;
  let points = rule.deduct.points;
  if (rule.deduct.per === 'hit' && rule.check === 'forbid') {
    points = r.findings.reduce((sum, f) => sum + (rule.phrases.find((p) => p.id === f.phraseId)?.points ?? rule.deduct.points), 0);
  } else if (rule.deduct.per === 'hit') {
    points = rule.deduct.points * Math.max(1, r.findings.length);
  }
  return Math.min(points, rule.deduct.max ?? 100);
}

/** True when a failed result sets the score to 0: the rule is `redLine`, or a finding's banned phrase is. */
export function isRedLine(rule: CompiledRule, r: Omit<RuleResult, 'id'>): boolean {
  if (r.status !== 'fail') return false;
  if (rule.redLine) return true;
  return rule.check === 'forbid' && r.findings.some((f) => rule.phrases.find((p) => p.id === f.phraseId)?.redLine === true);
}

/**
 * The score of a call, 0..100, from its rule results in the order they were evaluated: 100 − the sum of their
 * `deduction`s rounded and floored at 0, or 0 when a red-line rule failed ({@link isRedLine}).
 */
export function callScore(results: readonly { rule: CompiledRule; result: RuleResult }[]): number {
  let total = 0;
  let redLine = false;
  for (const { rule, result } of results) {
    total += result.deduction ?? 0;
    redLine ||= isRedLine(rule, result);
  }
  return redLine ? 0 : Math.max(0, Math.round(100 - total));
}

/**
 * Why a call needs a reviewer, in this order: a rule failed; a finding needs review; nothing the agent said was
 * recognised (`agentSpoke` false: the rules cannot vouch for the call, so a person should listen). A report is
 * `flagged` when there is any.
 */
export function reviewReasons(rules: readonly RuleResult[], agentSpoke: boolean): ReviewReason[] {
  const reasons: ReviewReason[] = [];
  if (rules.some((r) => r.status === 'fail')) reasons.push('rule_failed');
  if (rules.some((r) => r.findings.some((f) => f.needsReview))) reasons.push('finding_needs_review');
  if (!agentSpoke) reasons.push('no_agent_speech');
  return reasons;
}

/**
 * The score of a reviewed call: the report's score recomputed without the findings that quality officers
 * dismissed. A rule whose every finding was dismissed counts as passed (no deduction, no red line); a rule
 * with some findings left is scored on those (per-hit deductions and red-line phrases follow the ruleset).
 * Rules that failed without findings (e.g. a missing greeting) keep their deduction.
 *
 * When the report was scored by a ruleset other than `ruleset` (an older version), the rule settings are
 * not at hand: a rule's deduction then shrinks in proportion to the findings kept, and a score of 0 (a red
 * line) stays 0 unless every finding of every failed rule was dismissed.
 *
 * @param isDismissed whether the finding `ordinal` of rule `ruleId` (its position in the report) was dismissed
 * @returns 0..100
 */
export function rescoreReport(
  report: Report,
  isDismissed: (ruleId: string, ordinal: number) => boolean,
  ruleset: Ruleset = defaultRuleset(),
): number {
  return rescoreReportByRule(report, isDismissed, ruleset).score;
}

/** A reviewed call's score and what each rule still deducts (points), as {@link rescoreReport} computes them. */
export interface ReviewedScore {
  score: number;
  /** Points each failed rule still takes off after the dismissals (0 when all its findings were dismissed). */
  deductions: Record<string, number>;
}

/**
 * {@link rescoreReport} with the deduction of every rule after review, for pages that show the breakdown
 * beside the reviewed score (so the two always agree).
 */
export function rescoreReportByRule(
  report: Report,
  isDismissed: (ruleId: string, ordinal: number) => boolean,
  ruleset: Ruleset = defaultRuleset(),
): ReviewedScore {
  const sameRuleset = ruleset.version === report.rulesetVersion;
  const deductions: Record<string, number> = {};
  let total = 0;
  let redLine = false;
  let anyFailLeft = false;
  for (const r of report.rules) {
    deductions[r.id] = 0;
    if (r.status !== 'fail') continue;
    const kept = r.findings.filter((_, i) => !isDismissed(r.id, i));
    const allDismissed = r.findings.length > 0 && kept.length === 0;
    if (allDismissed) continue;
    anyFailLeft = true;
    const rule = sameRuleset ? ruleset.rules.find((x) => x.id === r.id) : undefined;
    let d: number;
    if (rule) {
      const rest = { ...r, findings: kept };
      d = deduction(rule, rest);
      redLine ||= isRedLine(rule, rest);
    } else {
      const was = r.deduction ?? 0;
      d = r.findings.length ? (was * kept.length) / r.findings.length : was;
    }
    deductions[r.id] = d;
    total += d;
  }
  if (!sameRuleset && report.score === 0 && anyFailLeft) return { score: 0, deductions };
  return { score: redLine ? 0 : Math.max(0, Math.round(100 - total)), deductions };
}
