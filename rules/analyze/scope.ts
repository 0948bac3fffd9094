/**
 * Scopes: the utterances a requirement, a phrase list or a closing condition looks at (see `ScopeSpec` in
 * ../ruleset.ts for the semantics): a speaker, the first / last N, windows in seconds or percent of the call,
 * `withinSecOfFirstSpeech` (the greeting window), `after` / `before` / `around` / `notAfter` an anchor, `mergeGapSec`.
 */
import type { Hit } from '../conditions/match.js';
import type { Anchor, CompiledRule, Ruleset, Scope } from '../ruleset.js';
import { where, type RuleState } from './context.js';
import { firstSpeechSec, hitText, mergeUtterances, type Utterance } from './utterances.js';

/**
 * The utterance a scope anchor points at (its first or last hit by its speaker), or undefined. `optional`:
 * without an anchor the scope keeps every utterance (`notAfter`) rather than none, as the trace says.
 */
function findAnchor(state: RuleState, list: readonly Utterance[], a: Anchor, how: string, optional = false): Utterance | undefined {
  let found: Utterance | undefined;
  let foundHit: Hit | null = null;
  for (const u of list) {
    if (a.speaker !== 'any' && u.speaker !== a.speaker) continue;
    const h = a.when(u, state.ctx);
    if (!h) continue;
    found = u;
    foundHit = h;
    if (a.occurrence === 'first') break;
  }
  if (state.trace) {
    state.trace(
      found && foundHit
        ? {
            rule: state.rule.id,
            part: `anchor ${how} ${a.name}`,
            ...where(found),
            matched: hitText(found, foundHit),
            match: foundHit.match,
            quality: foundHit.quality,
          }
        : {
            rule: state.rule.id,
            part: `anchor ${how} ${a.name}`,
            detail: `no utterance hits the anchor: ${optional ? 'every utterance' : 'nothing'} in scope`,
          },
    );
  }
  return found;
}

/**
 * The utterances a scope selects, in call order (see `ScopeSpec` in ruleset.ts for the semantics). With
 * `mergeGapSec`, from the merged utterances of the call (`CallState.merged`; merged here when the gap is not
 * among the ruleset's). Traces the anchors it looks up.
 */
export function select(state: RuleState, scope: Scope): readonly Utterance[] {
  let list =
    scope.mergeGapSec !== undefined ? (state.merged.get(scope.mergeGapSec) ?? mergeUtterances(state.utts, scope.mergeGapSec)) : state.utts;
  if (scope.after) {
    const a = findAnchor(state, list, scope.after, 'after');
    const limit = a && scope.after.withinSec !== undefined ? a.end + scope.after.withinSec : Infinity;
    list = a ? list.filter((u) => u.start > a.start && u !== a && u.start <= limit) : [];
  }
  if (scope.before) {
    const a = findAnchor(state, list, scope.before, 'before');
    const limit = a && scope.before.withinSec !== undefined ? a.start - scope.before.withinSec : -Infinity;
    list = a ? list.filter((u) => u.start < a.start && u.end >= limit) : [];
  }
  if (scope.around) {
    const a = findAnchor(state, list, scope.around, 'around');
    const w = scope.around.withinSec ?? 0;
    list = a ? list.filter((u) => u !== a && u.end >= a.start - w && u.start <= a.end + w) : [];
  }
  if (scope.notAfter) {
    const a = findAnchor(state, list, scope.notAfter, 'not after', true);
    if (a) list = list.filter((u) => u.start < a.end);
  }
  if (scope.speaker !== 'any') list = list.filter((u) => u.speaker === scope.speaker);
  if (scope.first !== undefined) list = list.slice(0, scope.first);
  if (scope.last !== undefined) list = list.slice(-scope.last);
  if (scope.withinFirstSec !== undefined) list = list.filter((u) => u.start <= scope.withinFirstSec!);
  if (scope.withinSecOfFirstSpeech !== undefined) {
    const first = firstSpeechSec(state.utts);
    list = list.filter((u) => u.start - first <= scope.withinSecOfFirstSpeech!);
  }
  if (scope.withinLastSec !== undefined) list = list.filter((u) => u.end >= state.durationSec - scope.withinLastSec!);
  if (scope.withinFirstPercent !== undefined) list = list.filter((u) => u.start <= (state.durationSec * scope.withinFirstPercent!) / 100);
  if (scope.withinLastPercent !== undefined) {
    list = list.filter((u) => u.end >= state.durationSec * (1 - scope.withinLastPercent! / 100));
  }
  return list;
}

/** The scopes of a rule: a requirement's, a phrase list's, the closing's ask and close scopes; none for audio checks. */
export function scopesOf(rule: CompiledRule): Scope[] {
  switch (rule.check) {
    case 'require':
      return rule.requirements.map((q) => q.scope);
    case 'forbid':
      return [rule.scope];
    case 'consent':
      return [rule.askScope, rule.closeScope];
    case 'audio':
      return [];
  }
}

/**
 * The utterances merged for each `mergeGapSec` of the ruleset's scopes, keyed by the gap in seconds, so that
 * every rule reading the same gap sees the same merged utterances.
 */
export function mergedForScopes(utts: readonly Utterance[], ruleset: Ruleset): Map<number, readonly Utterance[]> {
  const gaps = new Set(ruleset.rules.flatMap((r) => scopesOf(r).flatMap((s) => (s.mergeGapSec !== undefined ? [s.mergeGapSec] : []))));
  return new Map([...gaps].map((gap) => [gap, mergeUtterances(utts, gap)]));
}
