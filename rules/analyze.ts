/**
 * Scores one call transcript against the ruleset: a pure function of the transcript, the ruleset and the
 * options (the default ruleset is read from disk once, on first use).
 *
 * Steps: sort segments by start; normalise each text once ({@link normalizeText}); drop utterances the
 * ruleset's `ignore` condition hits (whisper hallucinations on silence); run every rule; sum deductions.
 * A segment flagged `decoder_loop` is one utterance like any other, so it counts once.
 */
import type { Segment, Speaker, Transcript } from '../pipeline/transcript.js';
import type { Hit, MatchContext, MatchText } from './conditions.js';
import { normalizeText } from './normalize.js';
import type { Finding, Report, ReviewReason, RuleResult, RuleStatus } from './report.js';
import { defaultRuleset, type CompiledRule, type ConsentRule, type ForbidRule, type RequireRule, type Ruleset, type Scope } from './ruleset.js';

/**
 * Options of {@link analyzeTranscript}.
 *
 * - `ruleset`: a compiled ruleset (`parseRuleset` / `loadRuleset`); default: the shipped one (`defaultRuleset()`).
 * - `centreNames`: names of the centre that also satisfy the opening greeting's name part (condition
 *   `{ option: centreNames }`), e.g. `["县婚姻登记处"]` for a unit whose name does not end in 中心.
 * - `now`: the time recorded as `analyzedAt` (default: the current time).
 */
export interface AnalyzeOptions {
  ruleset?: Ruleset;
  centreNames?: string[];
  now?: Date;
}

/** One utterance: a segment (or, with `mergeGapSec`, consecutive segments of one speaker), normalised. */
interface Utterance extends MatchText {
  /** Position in the call's utterance list (of a merged utterance: of its last segment). */
  idx: number;
  start: number;
  end: number;
  speaker: Speaker;
  text: string;
  confidence?: number;
}

/** Per-call state shared by the rules. */
interface CallState {
  utts: Utterance[];
  durationSec: number;
  ctx: MatchContext;
  merged: Map<number, Utterance[]>;
  ruleset: Ruleset;
}

function toUtterances(segments: readonly Segment[]): Utterance[] {
  return [...segments]
    .sort((a, b) => a.start - b.start)
    .map((s, idx) => ({
      idx,
      start: s.start,
      end: s.end,
      speaker: s.speaker,
      text: s.text,
      norm: normalizeText(s.text),
      ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
    }));
}

/** Utterances with consecutive same-speaker segments merged when the gap is at most `gap` seconds. */
function mergedUtterances(state: CallState, gap: number): Utterance[] {
  let m = state.merged.get(gap);
  if (m) return m;
  m = [];
  for (const u of state.utts) {
    const prev = m.at(-1);
    if (prev && prev.speaker === u.speaker && u.start - prev.end <= gap) {
      const norm = prev.norm && u.norm ? `${prev.norm}，${u.norm}` : prev.norm || u.norm;
      const conf = prev.confidence !== undefined && u.confidence !== undefined ? Math.min(prev.confidence, u.confidence) : undefined;
      m[m.length - 1] = {
        ...prev,
        idx: u.idx,
        end: Math.max(prev.end, u.end),
        text: prev.text + u.text,
        norm,
        ...(conf !== undefined ? { confidence: conf } : {}),
      };
      delete m[m.length - 1]!.chars;
    } else {
      m.push(u);
    }
  }
  state.merged.set(gap, m);
  return m;
}

/** The utterances a scope selects, in call order (see `ScopeSpec` in ruleset.ts for the semantics). */
function select(state: CallState, scope: Scope): Utterance[] {
  let list = scope.mergeGapSec !== undefined ? mergedUtterances(state, scope.mergeGapSec) : state.utts;
  if (scope.after) {
    const anchor = list.find((u) => scope.after!(u, state.ctx) !== null);
    list = anchor ? list.filter((u) => u.start > anchor.start) : [];
  }
  if (scope.speaker !== 'any') list = list.filter((u) => u.speaker === scope.speaker);
  if (scope.first !== undefined) list = list.slice(0, scope.first);
  if (scope.last !== undefined) list = list.slice(-scope.last);
  if (scope.withinFirstSec !== undefined) list = list.filter((u) => u.start <= scope.withinFirstSec!);
  if (scope.withinLastSec !== undefined) list = list.filter((u) => u.end >= state.durationSec - scope.withinLastSec!);
  return list;
}

function finding(state: CallState, u: Utterance, hit: Hit | null, precise: boolean, note: string, phraseId?: string): Finding {
  const lowConf = u.confidence !== undefined && u.confidence < state.ruleset.minReviewConfidence;
  const fuzzy = hit?.fuzzy ?? false;
  const f: Finding = {
    start: u.start,
    end: u.end,
    speaker: u.speaker,
    text: u.text,
    confidence: Math.round((u.confidence ?? 1) * (fuzzy ? 0.8 : 1) * 100) / 100,
    needsReview: !precise || fuzzy || lowConf,
    note: fuzzy ? `${note} (sound-alike match)` : note,
  };
  if (phraseId !== undefined) f.phraseId = phraseId;
  return f;
}

function hitText(u: Utterance, hit: Hit): string {
  return u.norm.slice(hit.start, hit.end);
}

function evaluateRequire(rule: RequireRule, state: CallState, done: Map<string, RuleResult>): Omit<RuleResult, 'id'> {
  if (rule.naIfNoSpeech !== 'any' && !state.utts.some((u) => u.speaker === rule.naIfNoSpeech)) {
    return { status: 'na', findings: [], note: `no ${rule.naIfNoSpeech} speech in the call` };
  }
  const findings: Finding[] = [];
  const satisfied: string[] = [];
  let applicable = 0;
  for (const q of rule.requirements) {
    if (q.skipIfRuleNa && done.get(q.skipIfRuleNa)?.status === 'na') continue;
    applicable++;
    const inScope = select(state, q.scope);
    const ok = inScope.some((u) => q.when(u, state.ctx) !== null);
    if (ok) {
      satisfied.push(q.name);
      continue;
    }
    const u = (q.scope.last !== undefined ? inScope.at(-1) : inScope[0]) ?? state.utts.find((x) => q.scope.speaker === 'any' || x.speaker === q.scope.speaker);
    findings.push(
      u
        ? finding(state, u, null, rule.precise, q.missing)
        : { start: 0, end: 0, speaker: q.scope.speaker === 'any' ? 'unknown' : q.scope.speaker, text: '', note: q.missing, needsReview: !rule.precise },
    );
  }
  if (applicable === 0) return { status: 'na', findings: [], note: 'no requirement applies to this call' };
  return findings.length
    ? { status: 'fail', findings }
    : { status: 'pass', findings: [], note: `found: ${satisfied.join(', ')}` };
}

function evaluateForbid(rule: ForbidRule, state: CallState): Omit<RuleResult, 'id'> {
  const role = rule.scope.speaker;
  if (role !== 'any' && !state.utts.some((u) => u.speaker === role)) {
    return { status: 'na', findings: [], note: `no ${role} speech in the call (roles unknown?)` };
  }
  const findings: Finding[] = [];
  for (const u of select(state, rule.scope)) {
    if (!u.norm) continue;
    for (const p of rule.phrases) {
      const hit = p.when(u, state.ctx);
      if (!hit) continue;
      const label = p.label ? ` ${p.label}` : '';
      findings.push(finding(state, u, hit, p.precise ?? rule.precise, `${p.id}${label}: "${hitText(u, hit)}"`, p.id));
    }
  }
  return { status: findings.length ? 'fail' : 'pass', findings };
}

/**
 * consent_before_hangup (norms 三、文明用语 2: "中断或挂止电话，应先征得对方同意"). Decision, from the labelled
 * kinds of closing:
 * 1. consent: the agent asks (`ask`, within `askScope`) and the caller says anything after the ask starts;
 *    or the caller closes (`callerClose` within `closeScope`: 再见, 拜拜, 没有了 …);
 * 2. a unilateral end: an agent utterance hit by `hangUp` (就这样, 我挂了 …) that is not an answered ask;
 * 3. fail when there is a unilateral end and no consent before it, or the caller raised something new between
 *    the last consent and the unilateral end; pass when there is consent otherwise;
 * 4. otherwise, when after the caller's last words the agent says nothing or only checks the line
 *    (`lineCheck`: 喂？还在吗？), the caller's line dropped: `na`; else the agent ended without closing: fail.
 * `na` too when either side never speaks.
 */
function evaluateConsent(rule: ConsentRule, state: CallState): Omit<RuleResult, 'id'> {
  const { utts, ctx } = state;
  const agent = utts.filter((u) => u.speaker === 'agent');
  const customer = utts.filter((u) => u.speaker === 'customer');
  if (!agent.length || !customer.length) {
    return { status: 'na', findings: [], note: 'the call does not have both an agent and a caller speaking' };
  }
  let consentIdx = -1;
  let consentNote = '';
  const answeredAsks = new Set<number>();
  for (const u of select(state, rule.askScope)) {
    if (!rule.ask(u, ctx)) continue;
    const reply = customer.find((c) => c.start > u.start && c.end > u.end);
    if (reply) {
      answeredAsks.add(u.idx);
      if (reply.idx > consentIdx) {
        consentIdx = reply.idx;
        consentNote = `agent asked ("${u.text}") and the caller answered ("${reply.text}")`;
      }
    }
  }
  for (const u of select(state, rule.closeScope)) {
    if (u.idx > consentIdx && rule.callerClose(u, ctx)) {
      consentIdx = u.idx;
      consentNote = `the caller closed ("${u.text}")`;
    }
  }
  let hangUp: Utterance | undefined;
  for (const u of agent) {
    if (!answeredAsks.has(u.idx) && rule.hangUp(u, ctx)) hangUp = u;
  }
  // A hang-up after consent only counts when the caller raised something new in between ("那就这样，再见"
  // right after the caller's "没有了" is a normal closing).
  const reopened = (h: Utterance): boolean =>
    consentIdx < 0 || customer.some((c) => c.idx > consentIdx && c.idx < h.idx && !rule.callerClose(c, ctx));
  if (hangUp && hangUp.idx > consentIdx && reopened(hangUp)) {
    return {
      status: 'fail',
      findings: [finding(state, hangUp, null, rule.precise, 'the agent ended the call without the caller’s consent')],
    };
  }
  if (consentIdx >= 0) return { status: 'pass', findings: [], note: consentNote };
  const lastCustomer = customer.at(-1)!;
  const after = agent.filter((u) => u.start > lastCustomer.start && u.norm);
  if (after.every((u) => rule.lineCheck(u, ctx))) {
    return { status: 'na', findings: [], note: 'the caller’s line dropped: after the caller’s last words the agent only checks the line' };
  }
  return {
    status: 'fail',
    findings: [finding(state, after.at(-1)!, null, rule.precise, 'the call ends without asking the caller or the caller closing')],
  };
}

function evaluate(rule: CompiledRule, state: CallState, done: Map<string, RuleResult>): Omit<RuleResult, 'id'> {
  switch (rule.check) {
    case 'require':
      return evaluateRequire(rule, state, done);
    case 'forbid':
      return evaluateForbid(rule, state);
    case 'consent':
      return evaluateConsent(rule, state);
  }
}

function deduction(rule: CompiledRule, r: Omit<RuleResult, 'id'>): number {
  if (r.status !== 'fail') return 0;
  let points = rule.deduct.points;
  if (rule.deduct.per === 'hit' && rule.check === 'forbid') {
    points = r.findings.reduce((sum, f) => sum + (rule.phrases.find((p) => p.id === f.phraseId)?.points ?? rule.deduct.points), 0);
  } else if (rule.deduct.per === 'hit') {
    points = rule.deduct.points * Math.max(1, r.findings.length);
  }
  return Math.min(points, rule.deduct.max ?? 100);
}

function isRedLine(rule: CompiledRule, r: Omit<RuleResult, 'id'>): boolean {
  if (r.status !== 'fail') return false;
  if (rule.redLine) return true;
  return rule.check === 'forbid' && r.findings.some((f) => rule.phrases.find((p) => p.id === f.phraseId)?.redLine === true);
}

const centreCache = new WeakMap<readonly string[], string[]>();

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
  let centreNames: string[] = [];
  if (options.centreNames?.length) {
    centreNames = centreCache.get(options.centreNames) ?? options.centreNames.map(normalizeText).filter((n) => n.length > 0);
    centreCache.set(options.centreNames, centreNames);
  }
  const all = toUtterances(transcript.segments);
  const kept = ruleset.ignore ? all.filter((u) => !u.norm || ruleset.ignore!(u, { centreNames }) === null) : all;
  const state: CallState = {
    utts: kept.filter((u) => u.norm.length > 0).map((u, idx) => ({ ...u, idx })),
    durationSec: transcript.durationSec,
    ctx: { centreNames },
    merged: new Map(),
    ruleset,
  };
  // Rules that depend on another rule's status (skipIfRuleNa) run after the others.
  const order = [...ruleset.rules].sort((a, b) => dependsOnOthers(a) - dependsOnOthers(b));
  const done = new Map<string, RuleResult>();
  let total = 0;
  let redLine = false;
  for (const rule of order) {
    let r: Omit<RuleResult, 'id'>;
    if (!rule.enabled) r = { status: 'na' as RuleStatus, findings: [], note: 'rule disabled in the ruleset' };
    else r = evaluate(rule, state, done);
    const d = deduction(rule, r);
    total += d;
    redLine ||= isRedLine(rule, r);
    done.set(rule.id, { id: rule.id, ...r, deduction: d, severity: rule.severity });
  }
  const rules = ruleset.rules.map((r) => done.get(r.id)!);
  const score = redLine ? 0 : Math.max(0, Math.round(100 - total));
  const reviewReasons: ReviewReason[] = [];
  if (rules.some((r) => r.status === 'fail')) reviewReasons.push('rule_failed');
  if (rules.some((r) => r.findings.some((f) => f.needsReview))) reviewReasons.push('finding_needs_review');
  // Nothing the agent said was recognised: the rules cannot vouch for the call, so a person should listen.
  if (!state.utts.some((u) => u.speaker === 'agent')) reviewReasons.push('no_agent_speech');
  const report: Report = {
    callId: transcript.callId,
    score,
    flagged: reviewReasons.length > 0,
    reviewReasons,
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

function dependsOnOthers(rule: CompiledRule): number {
  return rule.check === 'require' && rule.requirements.some((q) => q.skipIfRuleNa) ? 1 : 0;
}
