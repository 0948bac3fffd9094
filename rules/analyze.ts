/**
 * Scores one call transcript against the ruleset: a pure function of the transcript, the ruleset and the
 * options (the default ruleset is read from disk once, on first use).
 *
 * Steps, each a function of the values before it:
 * 1. prepare the utterances (analyze/utterances.ts: clean-up, sort, normalise, `ignore`), merge split segments
 *    for the scopes that ask for it (analyze/scope.ts);
 * 2. for each rule: whether it applies (analyze/filters.ts: `only:` metadata filter, unknown speaker roles),
 *    then its check (checks/require.ts, checks/forbid.ts, checks/consent.ts, checks/audio.ts), which select
 *    utterances by scope and report findings (analyze/findings.ts: confidence, review routing) with reviewer
 *    notes (analyze/notes.ts);
 * 3. score the results (analyze/score.ts: deductions, red lines, review reasons).
 */
import type { Report, RuleResult } from '../domain/report.js';
import type { Transcript } from '../domain/transcript.js';
import { defaultRuleset, type CompiledRule, type Ruleset } from './ruleset.js';
import type { CallState, RuleState, TraceEvent } from './analyze/context.js';
import { dependsOnRoles, inapplicable } from './analyze/filters.js';
import { callScore, deduction, reviewReasons } from './analyze/score.js';
import { mergedForScopes } from './analyze/scope.js';
import { matchContext, prepareUtterances } from './analyze/utterances.js';
import { evaluateAudio } from './checks/audio.js';
import { evaluateConsent } from './checks/consent.js';
import { evaluateForbid } from './checks/forbid.js';
import { evaluateRequire } from './checks/require.js';

/**
 * Options of {@link analyzeTranscript}.
 *
 * - `ruleset`: a compiled ruleset (`parseRuleset` / `loadRuleset`); default: the shipped one (`defaultRuleset()`).
 * - `centreNames`: names of the centre that also satisfy the opening greeting's name part (condition
 *   `{ option: centreNames }`), e.g. `["县婚姻登记处"]` for a unit whose name does not end in 中心.
 * - `now`: the time recorded as `analyzedAt` (default: the current time).
 * - `trace`: called for every condition hit, scope anchor, filter decision and audio measurement while the
 *   rules run (`callqa rules test`); costs nothing when absent.
 */
export interface AnalyzeOptions {
  ruleset?: Ruleset;
  centreNames?: string[];
  now?: Date;
  trace?: (event: TraceEvent) => void;
}

/** The result of an enabled rule that applies: its check, by kind. */
function evaluate(rule: CompiledRule, state: RuleState, done: ReadonlyMap<string, RuleResult>): Omit<RuleResult, 'id'> {
  const na = inapplicable(rule, state);
  if (na) return na;
  switch (rule.check) {
    case 'require':
      return evaluateRequire(rule, state, done);
    case 'forbid':
      return evaluateForbid(rule, state);
    case 'consent':
      return evaluateConsent(rule, state);
    case 'audio':
      return evaluateAudio(rule, state);
  }
}

/** One rule's result with its deduction and severity; `done` holds the results of the rules evaluated before. */
function evaluateRule(rule: CompiledRule, call: CallState, done: ReadonlyMap<string, RuleResult>): RuleResult {
  const state: RuleState = { ...call, rule, roleDependent: dependsOnRoles(rule) };
  const r: Omit<RuleResult, 'id'> = rule.enabled
    ? evaluate(rule, state, done)
    : { status: 'na', findings: [], note: '规则集中已停用本规则' };
  return { id: rule.id, ...r, deduction: deduction(rule, r), severity: rule.severity };
}

/**
 * Analyses one call.
 *
 * @param transcript a format-1 transcript (segments need not be sorted; times in seconds)
 * @param options see {@link AnalyzeOptions}
 * @returns a format-2 report: one entry in `rules` per ruleset rule, in ruleset order (the shipped and every
 *   valid ruleset has at least opening_greeting, consent_before_hangup, banned_phrase, polite_language);
 *   `score` = 100 − the sum of deductions, floored at 0, and 0 when a red-line rule fails; `flagged` when
 *   any rule fails, any finding needs review, or no agent speech was recognised (`reviewReasons` says which); `rulesetVersion` from the ruleset's `version:`
 * @throws {Error} only when the default ruleset is needed and the shipped file is missing or invalid
 */
export function analyzeTranscript(transcript: Transcript, options: AnalyzeOptions = {}): Report {
  const ruleset = options.ruleset ?? defaultRuleset();
  const ctx = matchContext(options.centreNames);
  const utts = prepareUtterances(transcript, ruleset.ignore, options.centreNames, ctx);
  const call: CallState = {
    utts,
    durationSec: transcript.durationSec,
    ctx,
    merged: mergedForScopes(utts, ruleset),
    ruleset,
    transcript,
    trace: options.trace,
  };
  // Rules that depend on another rule's status (skipIfRuleNa) run after the others.
  const order = [...ruleset.rules].sort((a, b) => dependsOnOthers(a) - dependsOnOthers(b));
  const done = new Map<string, RuleResult>();
  const evaluated = order.map((rule) => {
    const result = evaluateRule(rule, call, done);
    done.set(rule.id, result);
    return { rule, result };
  });
  const rules = ruleset.rules.map((r) => done.get(r.id)!);
  const reasons = reviewReasons(
    rules,
    utts.some((u) => u.speaker === 'agent'),
  );
  const report: Report = {
    callId: transcript.callId,
    score: callScore(evaluated),
    flagged: reasons.length > 0,
    reviewReasons: reasons,
    rules,
    rulesetVersion: ruleset.version,
    durationSec: transcript.durationSec,
    analyzedAt: (options.now ?? new Date()).toISOString(),
  };
  if (transcript.agentId !== undefined) report.agentId = transcript.agentId;
  if (transcript.startedAt !== undefined) report.startedAt = transcript.startedAt;
  if (transcript.source !== undefined) report.transcriptSource = transcript.source;
  if (transcript.recording !== undefined) report.recording = transcript.recording;
  return report;
}

/** 1 for a rule that reads another rule's status (`skipIfRuleNa`), so it runs after the others; else 0. */
function dependsOnOthers(rule: CompiledRule): number {
  return rule.check === 'require' && rule.requirements.some((q) => q.skipIfRuleNa) ? 1 : 0;
}
