/**
 * `check: forbid` (banned_phrase, first_contact): one finding per utterance in scope and per phrase id that hits it.
 */
import type { Finding, RuleResult } from '../../domain/report.js';
import type { ForbidRule } from '../ruleset.js';
import { traceHit, type RuleState } from '../analyze/context.js';
import { finding } from '../analyze/findings.js';
import { phraseNote, ROLE_NAMES } from '../analyze/notes.js';
import { select } from '../analyze/scope.js';

/**
 * A `forbid` rule: `na` when the scope's speaker never speaks; else fails with a finding for every phrase id
 * that hits an utterance in scope (a phrase's own `precise` overrides the rule's). Utterances of an `unknown`
 * speaker among labelled ones are checked too, as findings for a reviewer at half the confidence.
 */
export function evaluateForbid(rule: ForbidRule, state: RuleState): Omit<RuleResult, 'id'> {
  const role = rule.scope.speaker;
  if (role !== 'any' && !state.utts.some((u) => u.speaker === role)) {
    return { status: 'na', findings: [], note: `通话中没有${ROLE_NAMES[role]}讲话（可能未能区分坐席与来电人）` };
  }
  const findings: Finding[] = [];
  for (const u of select(state, rule.scope)) {
    if (!u.norm) continue;
    for (const p of rule.phrases) {
      const hit = p.when(u, state.ctx);
      if (!hit) continue;
      if (state.trace) traceHit(state, p.id, u, hit);
      findings.push(finding(state, u, hit, p.precise ?? rule.precise, phraseNote(p, u, hit), p.id));
    }
  }
  // Utterances whose speaker was not told (a few `unknown` segments among labelled ones) are not skipped
  // silently: a hit there is a finding for a reviewer, at half the confidence.
  if (role !== 'any' && state.utts.some((u) => u.speaker === 'unknown')) {
    for (const u of select(state, { ...rule.scope, speaker: 'any' })) {
      if (u.speaker !== 'unknown' || !u.norm) continue;
      for (const p of rule.phrases) {
        const hit = p.when(u, state.ctx);
        if (!hit) continue;
        if (state.trace) traceHit(state, `${p.id} (speaker unknown)`, u, hit);
        const f = finding(
          state,
          u,
          hit,
          false,
          `${phraseNote(p, u, hit)}（说话人未标明，不一定是${ROLE_NAMES[role]}，请核实说话人）`,
          p.id,
        );
        findings.push({ ...f, confidence: Math.round((f.confidence ?? 1) * 50) / 100 });
      }
    }
    findings.sort((a, b) => a.start - b.start);
  }
  return { status: findings.length ? 'fail' : 'pass', findings };
}
