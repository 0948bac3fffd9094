/**
 * `check: require` (opening_greeting, polite_language): each requirement's condition must hit an utterance in
 * its scope; `skipIfRuleNa` skips a requirement when another rule is `na`.
 */
import type { Finding, RuleResult } from '../../domain/report.js';
import type { RequireRule } from '../ruleset.js';
import { traceHit, type RuleState } from '../analyze/context.js';
import { finding, roleQuality } from '../analyze/findings.js';
import { quote, ROLE_NAMES } from '../analyze/notes.js';
import { select } from '../analyze/scope.js';
import type { Utterance } from '../analyze/utterances.js';

/**
 * A `require` rule: `na` when nobody of the role `naIfNoSpeech` speaks or no requirement applies; else fails
 * with one finding per requirement not met (on the utterance where it was due: the last in scope for a
 * `last` scope, else the first), and passes with the utterances that met them quoted.
 *
 * @param done the results of the rules evaluated before (for `skipIfRuleNa`)
 */
export function evaluateRequire(rule: RequireRule, state: RuleState, done: ReadonlyMap<string, RuleResult>): Omit<RuleResult, 'id'> {
  if (rule.naIfNoSpeech !== 'any' && !state.utts.some((u) => u.speaker === rule.naIfNoSpeech)) {
    return { status: 'na', findings: [], note: `通话中没有${ROLE_NAMES[rule.naIfNoSpeech]}讲话` };
  }
  const findings: Finding[] = [];
  const satisfied: string[] = [];
  let applicable = 0;
  for (const q of rule.requirements) {
    if (q.skipIfRuleNa && done.get(q.skipIfRuleNa)?.status === 'na') continue;
    applicable++;
    const inScope = select(state, q.scope);
    let ok: Utterance | undefined;
    for (const u of inScope) {
      const h = q.when(u, state.ctx);
      if (!h) continue;
      ok ??= u;
      if (!state.trace) break;
      traceHit(state, q.name, u, h);
    }
    if (ok) {
      satisfied.push(quote(ok.text));
      continue;
    }
    const u =
      (q.scope.last !== undefined ? inScope.at(-1) : inScope[0]) ??
      state.utts.find((x) => q.scope.speaker === 'any' || x.speaker === q.scope.speaker);
    findings.push(
      u
        ? finding(state, u, null, rule.precise, q.missing)
        : {
            start: 0,
            end: 0,
            speaker: q.scope.speaker === 'any' ? 'unknown' : q.scope.speaker,
            text: '',
            note: q.missing + roleQuality(state).note,
            needsReview: !rule.precise || roleQuality(state).review,
          },
    );
  }
  if (applicable === 0) return { status: 'na', findings: [], note: '本通话没有适用的检查项' };
  return findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [], note: `已做到：${satisfied.join('；')}` };
}
