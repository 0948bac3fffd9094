/**
 * Scores one call transcript against the ruleset: a pure function of the transcript, the ruleset and the
 * options (the default ruleset is read from disk once, on first use).
 *
 * Steps: clean the segments the way every transcript source is cleaned (`cleanTranscriptSegments`: labels,
 * hallucinated lines and clauses, the echo of the ASR initial prompt, loops); sort segments by start;
 * normalise each text once ({@link normalizeText}); drop utterances the ruleset's `ignore` condition hits
 * (a second line against whisper hallucinations); run every rule; sum deductions.
 * A segment flagged `decoder_loop` is one utterance like any other, so it counts once.
 */
import type { AudioMeasurements, Segment, Speaker, Transcript } from '../domain/transcript.js';
import { cleanTranscriptSegments } from '../text/transcript-cleanup.js';
import { initialPrompt } from '../text/asr-prompt.js';
import type { Hit, MatchContext, MatchKind, MatchText } from './conditions.js';
import { normalizeText, normalizeWithMap, originalSpan } from '../text/normalize.js';
import type { Finding, Report, ReviewReason, RuleId, RuleResult, RuleStatus } from '../domain/report.js';
import {
  defaultRuleset,
  type Anchor,
  type AudioCheck,
  type AudioRule,
  type CompiledRule,
  type ConsentRule,
  type ForbidRule,
  type RequireRule,
  type RuleFilter,
  type Ruleset,
  type Scope,
} from './ruleset.js';

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

/**
 * One step of a rule's evaluation, for a readable trace: which part of the rule (`part`: a requirement
 * name, a phrase id, `ask` / `callerClose` / `hangUp` / `lineCheck`, an audio check name, `anchor …`,
 * `only`) hit where (seconds, speaker, utterance text), what matched (`matched`, in normalised text) and how
 * (`match`, `quality`), or a measurement / decision in `detail`.
 */
export interface TraceEvent {
  rule: RuleId;
  part: string;
  start?: number;
  end?: number;
  speaker?: Speaker;
  text?: string;
  matched?: string;
  match?: MatchKind;
  quality?: number;
  /** Why the meaning layer hit: the frame or the nearest example. */
  why?: string;
  detail?: string;
}

/** One utterance: a segment (or, with `mergeGapSec`, consecutive segments of one speaker), normalised. */
interface Utterance extends MatchText {
  /** Position in the call's utterance list (of a merged utterance: of its last segment). */
  idx: number;
  start: number;
  end: number;
  speaker: Speaker;
  text: string;
  /** Offsets of `norm` in `text` ({@link normalizeWithMap}); absent on merged utterances. */
  map?: number[];
  confidence?: number;
}

/** Per-call state shared by the rules. */
interface CallState {
  utts: Utterance[];
  durationSec: number;
  ctx: MatchContext;
  merged: Map<number, Utterance[]>;
  ruleset: Ruleset;
  transcript: Transcript;
  trace: ((event: TraceEvent) => void) | undefined;
  /** The rule being evaluated, and whether its outcome depends on who is agent and who is caller. */
  rule: CompiledRule;
  roleDependent: boolean;
}

function toUtterances(segments: readonly Segment[]): Utterance[] {
  return [...segments]
    .sort((a, b) => a.start - b.start)
    .map((s, idx) => {
      const n = normalizeWithMap(s.text);
      return {
        idx,
        start: s.start,
        end: s.end,
        speaker: s.speaker,
        text: s.text,
        norm: n.norm,
        map: n.map,
        ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
      };
    });
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
      delete m[m.length - 1]!.sound;
      delete m[m.length - 1]!.undoubled;
      delete m[m.length - 1]!.map;
    } else {
      m.push(u);
    }
  }
  state.merged.set(gap, m);
  return m;
}

/** The utterance a scope anchor points at (its first or last hit by its speaker), or undefined. */
function findAnchor(state: CallState, list: readonly Utterance[], a: Anchor, how: string): Utterance | undefined {
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
        ? { rule: state.rule.id, part: `anchor ${how} ${a.name}`, ...where(found), matched: hitText(found, foundHit), match: foundHit.match, quality: foundHit.quality }
        : { rule: state.rule.id, part: `anchor ${how} ${a.name}`, detail: 'no utterance hits the anchor: nothing in scope' },
    );
  }
  return found;
}

/** The utterances a scope selects, in call order (see `ScopeSpec` in ruleset.ts for the semantics). */
function select(state: CallState, scope: Scope): Utterance[] {
  let list = scope.mergeGapSec !== undefined ? mergedUtterances(state, scope.mergeGapSec) : state.utts;
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
  if (scope.speaker !== 'any') list = list.filter((u) => u.speaker === scope.speaker);
  if (scope.first !== undefined) list = list.slice(0, scope.first);
  if (scope.last !== undefined) list = list.slice(-scope.last);
  if (scope.withinFirstSec !== undefined) list = list.filter((u) => u.start <= scope.withinFirstSec!);
  if (scope.withinSecOfFirstSpeech !== undefined) {
    const first = state.utts[0]?.start ?? 0;
    list = list.filter((u) => u.start - first <= scope.withinSecOfFirstSpeech!);
  }
  if (scope.withinLastSec !== undefined) list = list.filter((u) => u.end >= state.durationSec - scope.withinLastSec!);
  if (scope.withinFirstPercent !== undefined) list = list.filter((u) => u.start <= (state.durationSec * scope.withinFirstPercent!) / 100);
  if (scope.withinLastPercent !== undefined) {
    list = list.filter((u) => u.end >= state.durationSec * (1 - scope.withinLastPercent! / 100));
  }
  return list;
}

function where(u: Utterance): { start: number; end: number; speaker: Speaker; text: string } {
  return { start: u.start, end: u.end, speaker: u.speaker, text: u.text };
}

/** Traces a condition hit of the current rule (no-op without a trace listener). */
function traceHit(state: CallState, part: string, u: Utterance, hit: Hit): void {
  state.trace?.({ rule: state.rule.id, part, ...where(u), matched: hitText(u, hit), match: hit.match, quality: hit.quality, ...(hit.why ? { why: hit.source ? `${hit.source}: ${hit.why}` : hit.why } : {}) });
}

/**
 * Reviewer-facing wording. Notes on findings and rule results are read by quality officers on the review page
 * and the report page, so they are Simplified Chinese in the terms of the norms (坐席, 来电人, 静音/等待, 抢话/打断,
 * 语速); `trace` details (`callqa rules test`, for administrators) and errors stay English.
 */
const ROLE_NAMES: Record<Speaker, string> = { agent: '坐席', customer: '来电人', unknown: '未知说话人' };

/** How the speaker roles of a mono recording were assigned (`transcript.roles.method`), for role notes. */
const ROLE_METHOD_NAMES: Record<string, string> = {
  channels: '按声道',
  greeting: '按开场问候语推断',
  'text-cues': '按话语特征推断',
  unknown: '无法判定',
};

/** A reviewer-facing name, value and unit of each audio metric (ratios 0..1 are shown as percentages). */
const METRIC_NOTES: Record<Extract<AudioCheck, { kind: 'metric' }>['metric'], { name: string; show: (v: number) => string }> = {
  durationSec: { name: '通话时长', show: (v) => `${v} 秒` },
  nonTalkSec: { name: '静音/等待总时长', show: (v) => `${v} 秒` },
  nonTalkRatio: { name: '静音/等待占比', show: (v) => `${Math.round(v * 1000) / 10}%` },
  longestSilenceSec: { name: '最长一次静音/等待', show: (v) => `${v} 秒` },
  agentTalkRatio: { name: '坐席讲话时长占比', show: (v) => `${Math.round(v * 1000) / 10}%` },
  agentCharsPerMin: { name: '坐席语速', show: (v) => `${v} 字/分钟` },
};

/** Role confidence factor and review need of the current rule (see {@link findingConfidence}). */
function roleQuality(state: CallState): { factor: number; review: boolean; note: string } {
  const roles = state.transcript.roles;
  if (!state.roleDependent || !roles) return { factor: 1, review: false, note: '' };
  const review = roles.confidence < state.ruleset.minRoleConfidence;
  return {
    factor: roles.confidence,
    review,
    note: review
      ? `（坐席/来电人角色${ROLE_METHOD_NAMES[roles.method] ?? roles.method}，置信度 ${roles.confidence}，请核实说话人）`
      : '',
  };
}

/**
 * A finding's confidence, 0..1 (rounded to 0.01): ASR confidence of the utterance (1 when the engine gives
 * none) × match quality of the hit (exact 1, homophone 0.85, edit 0.8 − 0.1 per edit, similar 0.65 × cosine;
 * 1 for a missing requirement or an audio measurement) × the role-assignment confidence when the rule depends on
 * speaker roles and the transcript records one (`transcript.roles.confidence`).
 */
export function findingConfidence(asr: number | undefined, matchQuality: number, roleFactor: number): number {
  return Math.round((asr ?? 1) * matchQuality * roleFactor * 100) / 100;
}

const MATCH_NOTE: Record<MatchKind, string> = {
  exact: '',
  homophone: '（读音相近匹配，可能是语音识别的同音字）',
  edit: '（近似匹配，在容错字数以内）',
  similar: '（与示例句相似）',
  meaning: '（按意义匹配）',
};

/**
 * A finding on an utterance. Needs review when the rule (or phrase) is not precise, the hit is not exact, the
 * ASR confidence is below `review.minConfidence`, or the roles it depends on were assigned with a confidence
 * below `review.minRoleConfidence`.
 */
function finding(state: CallState, u: Utterance, hit: Hit | null, precise: boolean, note: string, phraseId?: string): Finding {
  const lowConf = u.confidence !== undefined && u.confidence < state.ruleset.minReviewConfidence;
  const match = hit?.match ?? 'exact';
  const roles = roleQuality(state);
  const f: Finding = {
    start: u.start,
    end: u.end,
    speaker: u.speaker,
    text: u.text,
    confidence: findingConfidence(u.confidence, hit?.quality ?? 1, roles.factor),
    needsReview: !precise || match !== 'exact' || lowConf || roles.review,
    note: `${note}${MATCH_NOTE[match]}${roles.note}`,
  };
  if (phraseId !== undefined) f.phraseId = phraseId;
  return f;
}

/** An utterance quoted for a note, “…”, cut to {@link QUOTE_MAX} characters so that a long merged utterance does not swamp the note. */
function quote(text: string): string {
  const chars = [...text.trim()];
  return `“${chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX).join('')}…` : chars.join('')}”`;
}
const QUOTE_MAX = 40;

/** What the hit covers, quoted from the original text when the offsets are known (evidence as said). */
function hitText(u: Utterance, hit: Hit): string {
  return u.map ? originalSpan(u.text, { norm: u.norm, map: u.map }, hit.start, hit.end) : u.norm.slice(hit.start, hit.end);
}

function evaluateRequire(rule: RequireRule, state: CallState, done: Map<string, RuleResult>): Omit<RuleResult, 'id'> {
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
    const u = (q.scope.last !== undefined ? inScope.at(-1) : inScope[0]) ?? state.utts.find((x) => q.scope.speaker === 'any' || x.speaker === q.scope.speaker);
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
  return findings.length
    ? { status: 'fail', findings }
    : { status: 'pass', findings: [], note: `已做到：${satisfied.join('；')}` };
}

/** The note of a `forbid` finding: the phrase id and label, then the part of the utterance that hit, e.g. `B01 不知道：原话含“不知道”`. */
function phraseNote(p: ForbidRule['phrases'][number], u: Utterance, hit: Hit): string {
  return `${p.id}${p.label ? ` ${p.label}` : ''}：原话含“${hitText(u, hit)}”${hit.why ? `（${hit.why}）` : ''}`;
}

function evaluateForbid(rule: ForbidRule, state: CallState): Omit<RuleResult, 'id'> {
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
        const f = finding(state, u, hit, false, `${phraseNote(p, u, hit)}（说话人未标明，不一定是${ROLE_NAMES[role]}，请核实说话人）`, p.id);
        findings.push({ ...f, confidence: Math.round((f.confidence ?? 1) * 50) / 100 });
      }
    }
    findings.sort((a, b) => a.start - b.start);
  }
  return { status: findings.length ? 'fail' : 'pass', findings };
}

/**
 * consent_before_hangup (norms 三、文明用语 2: "中断或挂止电话，应先征得对方同意"). Decision, from the labelled
 * kinds of closing:
 * 1. consent: the agent asks (`ask`, within `askScope`) and the caller says anything after the ask starts;
 *    or the caller closes (`callerClose` within `closeScope`: 再见, 拜拜, 没有了 …);
 * 2. a unilateral end: an agent utterance hit by `hangUp` (就这样, 我挂了 …) that is not an answered ask;
 * 3. fail when the agent asks and ends the call in the same utterance with the end after the ask and no answer
 *    from the caller ("还有事吗？没事挂了啊。"), even after the caller's own closing words; fail when there
 *    is a unilateral end and no consent before it, or the caller raised something new between
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
    return { status: 'na', findings: [], note: '通话中坐席和来电人没有都讲话，无法判断挂机前是否征得同意' };
  }
  let consentIdx = -1;
  let consentNote = '';
  const answeredAsks = new Set<number>();
  let askedAndHungUp: Utterance | undefined;
  for (const u of select(state, rule.askScope)) {
    const askHit = rule.ask(u, ctx);
    if (!askHit) continue;
    if (state.trace) traceHit(state, 'ask', u, askHit);
    const reply = customer.find((c) => c.start > u.start && c.end > u.end);
    if (!reply) {
      // Asked and hung up in one breath ("还有事吗？没事挂了啊。") with no answer from the caller: the ask
      // did not wait for one, so it is no consent, whatever the caller said before.
      const h = rule.hangUp(u, ctx);
      if (h && h.start >= askHit.end) {
        askedAndHungUp = u;
        if (state.trace) traceHit(state, 'hangUp', u, h);
      }
    } else {
      answeredAsks.add(u.idx);
      if (reply.idx > consentIdx) {
        consentIdx = reply.idx;
        consentNote = `坐席已征询（${quote(u.text)}），来电人作了回应（${quote(reply.text)}）`;
      }
    }
  }
  for (const u of select(state, rule.closeScope)) {
    const closeHit = u.idx > consentIdx ? rule.callerClose(u, ctx) : null;
    if (closeHit) {
      if (state.trace) traceHit(state, 'callerClose', u, closeHit);
      consentIdx = u.idx;
      consentNote = `来电人表示结束通话（${quote(u.text)}）`;
    }
  }
  let hangUp: Utterance | undefined;
  for (const u of agent) {
    const h = answeredAsks.has(u.idx) ? null : rule.hangUp(u, ctx);
    if (!h) continue;
    hangUp = u;
    if (state.trace) traceHit(state, 'hangUp', u, h);
  }
  // A hang-up after consent only counts when the caller raised something new in between ("那就这样，再见"
  // right after the caller's "没有了" is a normal closing).
  const reopened = (h: Utterance): boolean =>
    consentIdx < 0 || customer.some((c) => c.idx > consentIdx && c.idx < h.idx && !rule.callerClose(c, ctx));
  if (askedAndHungUp && !agent.some((u) => u.idx > askedAndHungUp!.idx && rule.ask(u, ctx))) {
    return {
      status: 'fail',
      findings: [finding(state, askedAndHungUp, null, rule.precise, '坐席询问后未等来电人回答就结束通话')],
    };
  }
  if (hangUp && hangUp.idx > consentIdx && reopened(hangUp)) {
    return {
      status: 'fail',
      findings: [finding(state, hangUp, null, rule.precise, '坐席未征得来电人同意就结束通话')],
    };
  }
  if (consentIdx >= 0) return { status: 'pass', findings: [], note: consentNote };
  const lastCustomer = customer.at(-1)!;
  const after = agent.filter((u) => u.start > lastCustomer.start && u.norm);
  if (after.every((u) => rule.lineCheck(u, ctx))) {
    return { status: 'na', findings: [], note: '来电人一方已断线：来电人最后一句话之后，坐席只在确认线路（如“喂，您还在吗”）' };
  }
  return {
    status: 'fail',
    findings: [finding(state, after.at(-1)!, null, rule.precise, '通话结束前，坐席没有询问来电人是否还有其他事项，来电人也没有表示结束')],
  };
}

/** Han characters, letters and digits: what counts as a spoken character for the speech rate. */
const SPOKEN_CHAR = /[\p{Script=Han}a-z0-9]/gu;

/** Value of an audio metric, or a reason it cannot be measured on this call. */
function audioMetric(state: CallState, audio: AudioMeasurements, metric: Extract<AudioCheck, { kind: 'metric' }>['metric']): number | string {
  switch (metric) {
    case 'durationSec':
      return audio.durationSec;
    case 'nonTalkSec':
      return audio.nonTalkSec;
    case 'nonTalkRatio':
      return audio.nonTalkRatio;
    case 'longestSilenceSec':
      return audio.silences.reduce((m, s) => Math.max(m, s.end - s.start), 0);
    case 'agentTalkRatio':
      return audio.agentTalkRatio ?? '需要双声道录音（坐席、来电人各占一个声道）';
    case 'agentCharsPerMin': {
      const talk = audio.talkSec.agent;
      const agent = state.utts.filter((u) => u.speaker === 'agent');
      if (!talk || !agent.length) return '没有坐席讲话时长或坐席讲话（单声道录音未区分角色，或坐席没有讲话）';
      const chars = agent.reduce((n, u) => n + (u.norm.match(SPOKEN_CHAR)?.length ?? 0), 0);
      return Math.round((chars / (talk / 60)) * 10) / 10;
    }
  }
}

/** Seconds as m:ss for notes. */
function clock(sec: number): string {
  const s = Math.floor(sec);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * One audio check: its findings, or `na` with the reason it cannot run, and a note with what was measured.
 * A hold is a silence (`audio.silences`) of at least `minSec`; it is announced when an agent utterance that
 * ends at most `noticeWithinSec` s before the silence starts (or overlaps its first second) hits `notice`.
 */
function runAudioCheck(c: AudioCheck, rule: AudioRule, state: CallState, audio: AudioMeasurements): { na?: string; findings: Finding[]; note: string } {
  const roles = roleQuality(state);
  const measured = (start: number, end: number, speaker: Speaker, text: string, note: string): Finding => ({
    start,
    end,
    speaker,
    text,
    confidence: findingConfidence(undefined, 1, roles.factor),
    needsReview: !rule.precise || roles.review,
    note: note + roles.note,
  });
  switch (c.kind) {
    case 'metric': {
      const v = audioMetric(state, audio, c.metric);
      const m = METRIC_NOTES[c.metric];
      if (typeof v === 'string') return { na: `${m.name}无法计算：${v}`, findings: [], note: '' };
      const rounded = Math.round(v * 1000) / 1000;
      const note = `${m.name} ${m.show(rounded)}`;
      state.trace?.({ rule: rule.id, part: c.name, detail: `${c.metric} ${rounded} (limit: ${c.above !== undefined ? `above ${c.above}` : ''}${c.above !== undefined && c.below !== undefined ? ', ' : ''}${c.below !== undefined ? `below ${c.below}` : ''} fails)` });
      const bad = (c.above !== undefined && v > c.above) || (c.below !== undefined && v < c.below);
      const speaker: Speaker = c.metric.startsWith('agent') ? 'agent' : 'unknown';
      return { findings: bad ? [measured(0, audio.durationSec, speaker, '', `${c.missing}（${note}）`)] : [], note };
    }
    case 'hold': {
      const agent = state.utts.filter((u) => u.speaker === 'agent');
      if (!agent.length) return { na: '通话中没有坐席讲话，无法判断静音/等待前是否说了“请稍等”（可能未能区分坐席与来电人）', findings: [], note: '' };
      const holds = audio.silences.filter((s) => s.end - s.start >= c.minSec);
      const findings: Finding[] = [];
      for (const s of holds) {
        const before = agent.filter((u) => u.end >= s.start - c.noticeWithinSec && u.start <= s.start + 1);
        const announced = before.find((u) => c.notice(u, state.ctx) !== null);
        const len = Math.round((s.end - s.start) * 10) / 10;
        state.trace?.({
          rule: rule.id,
          part: c.name,
          start: s.start,
          end: s.end,
          detail: `silence of ${len} s at ${clock(s.start)}: ${announced ? `announced ("${announced.text}")` : 'not announced'}`,
        });
        if (announced) continue;
        const last = agent.filter((u) => u.start <= s.start).at(-1);
        findings.push(measured(s.start, s.end, 'agent', last?.text ?? '', `${c.missing}：${clock(s.start)} 起静音/等待 ${len} 秒`));
      }
      return { findings, note: `${c.minSec} 秒及以上的静音/等待共 ${holds.length} 次` };
    }
    case 'interruptions': {
      if (!audio.speech.agent || !audio.speech.customer) {
        return { na: '抢话/打断需要双声道录音（坐席、来电人各占一个声道）', findings: [], note: '' };
      }
      const over = audio.interruptions.filter((x) => x.by === c.by && x.overlapMs >= c.minOverlapMs);
      for (const x of over) state.trace?.({ rule: rule.id, part: c.name, start: x.start, end: x.start + x.overlapMs / 1000, speaker: c.by, detail: `${c.by} starts while the other side talks: ${x.overlapMs} ms overlap` });
      const note = `${ROLE_NAMES[c.by]}抢话/打断（双方同时讲话 ${c.minOverlapMs} 毫秒及以上）共 ${over.length} 次`;
      if (over.length < c.atLeast) return { findings: [], note };
      const findings = over.map((x) => {
        const u = state.utts.filter((v) => v.speaker === c.by && Math.abs(v.start - x.start) <= 2).at(0);
        return measured(x.start, x.start + x.overlapMs / 1000, c.by, u?.text ?? '', `${c.missing}：${clock(x.start)} 处双方同时讲话 ${x.overlapMs} 毫秒`);
      });
      return { findings, note };
    }
  }
}

/**
 * An `audio` rule: `na` when the transcript carries no audio measurements (a sidecar transcript, or
 * `callqa analyze` on a plain file) — never a silent pass — or when none of its checks can run on this call
 * (e.g. interruptions on a mono recording); else fails when any check fails.
 */
function evaluateAudio(rule: AudioRule, state: CallState): Omit<RuleResult, 'id'> {
  const audio = state.transcript.audio;
  if (!audio) {
    return { status: 'na', findings: [], note: '转写中没有音频测量数据（随录音提供的转写文件，或直接分析的转写文件），无法检查静音/等待、抢话/打断等音频项目' };
  }
  const findings: Finding[] = [];
  const notes: string[] = [];
  let ran = 0;
  for (const c of rule.checks) {
    const r = runAudioCheck(c, rule, state, audio);
    if (r.na) {
      notes.push(`未检查：${r.na}`);
      continue;
    }
    ran++;
    findings.push(...r.findings);
    if (r.note) notes.push(r.note);
  }
  if (ran === 0) return { status: 'na', findings: [], note: notes.join('；') };
  return { status: findings.length ? 'fail' : 'pass', findings, note: notes.join('；') };
}

/** Local wall-clock minutes after midnight and ISO weekday (1 = Monday) of an ISO 8601 time as written (its own offset). */
function localTime(iso: string): { minutes: number; weekday: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(iso);
  if (!m) return null;
  const day = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).getUTCDay();
  return { minutes: +m[4]! * 60 + +m[5]!, weekday: day === 0 ? 7 : day };
}

/** Why a call is outside a rule's metadata filter, or null when the rule applies (see `filterSchema`). */
function outsideFilter(f: RuleFilter, t: Transcript): string | null {
  if (f.agents && (t.agentId === undefined || !f.agents.includes(t.agentId))) {
    return t.agentId === undefined ? '通话没有坐席工号，无法按本规则的坐席范围判断' : `坐席 ${t.agentId} 不在本规则适用的坐席范围内`;
  }
  if (f.lines && (t.line === undefined || !f.lines.includes(t.line))) {
    return t.line === undefined ? '通话没有线路信息，无法按本规则的线路范围判断' : `线路“${t.line}”不在本规则适用的线路范围内`;
  }
  if (f.timeOfDay || f.weekdays) {
    const lt = t.startedAt ? localTime(t.startedAt) : null;
    if (!lt) return '通话没有可用的开始时间，无法按本规则的时段判断';
    if (f.weekdays && !f.weekdays.includes(lt.weekday)) return `通话在星期${'一二三四五六日'[lt.weekday - 1]}，不在本规则适用的日期内`;
    if (f.timeOfDay) {
      const toMin = (x: string) => +x.slice(0, 2) * 60 + +x.slice(3, 5);
      const from = toMin(f.timeOfDay.from);
      const to = toMin(f.timeOfDay.to);
      const inside = from <= to ? lt.minutes >= from && lt.minutes < to : lt.minutes >= from || lt.minutes < to;
      const hm = `${String(Math.floor(lt.minutes / 60)).padStart(2, '0')}:${String(lt.minutes % 60).padStart(2, '0')}`;
      if (!inside) return `通话开始于当地时间 ${hm}，不在本规则适用的 ${f.timeOfDay.from}–${f.timeOfDay.to} 时段内`;
    }
  }
  return null;
}

/** True when the rule's outcome depends on which speaker is the agent (a speaker scope or a role-based check). */
function dependsOnRoles(rule: CompiledRule): boolean {
  switch (rule.check) {
    case 'require':
      return rule.naIfNoSpeech !== 'any' || rule.requirements.some((q) => q.scope.speaker !== 'any');
    case 'forbid':
      return rule.scope.speaker !== 'any';
    case 'consent':
      return true;
    case 'audio':
      return rule.checks.some((c) => c.kind !== 'metric' || c.metric.startsWith('agent'));
  }
}

function evaluate(rule: CompiledRule, state: CallState, done: Map<string, RuleResult>): Omit<RuleResult, 'id'> {
  if (rule.only) {
    const why = outsideFilter(rule.only, state.transcript);
    state.trace?.({ rule: rule.id, part: 'only', detail: why ?? 'the call matches the rule’s metadata filter' });
    if (why) return { status: 'na', findings: [], note: `不适用：${why}` };
  }
  if (state.roleDependent && state.transcript.roles?.method === 'unknown') {
    return { status: 'na', findings: [], note: '未能区分坐席与来电人（单声道录音，角色未判定），本规则需要区分说话人，无法判断' };
  }
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
/** The ASR initial prompt for a list of centre names (its echo is removed before the rules run). */
const promptCache = new WeakMap<readonly string[], string>();
const NO_NAMES: readonly string[] = [];

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
  const prompt = promptCache.get(options.centreNames ?? NO_NAMES) ?? initialPrompt(options.centreNames ?? []);
  promptCache.set(options.centreNames ?? NO_NAMES, prompt);
  const all = toUtterances(cleanTranscriptSegments(transcript.segments, { durationSec: transcript.durationSec, prompt }).segments);
  const kept = ruleset.ignore ? all.filter((u) => !u.norm || ruleset.ignore!(u, { centreNames }) === null) : all;
  const state: CallState = {
    utts: kept.filter((u) => u.norm.length > 0).map((u, idx) => ({ ...u, idx })),
    durationSec: transcript.durationSec,
    ctx: { centreNames },
    merged: new Map(),
    ruleset,
    transcript,
    trace: options.trace,
    rule: ruleset.rules[0]!,
    roleDependent: false,
  };
  // Rules that depend on another rule's status (skipIfRuleNa) run after the others.
  const order = [...ruleset.rules].sort((a, b) => dependsOnOthers(a) - dependsOnOthers(b));
  const done = new Map<string, RuleResult>();
  let total = 0;
  let redLine = false;
  for (const rule of order) {
    let r: Omit<RuleResult, 'id'>;
    state.rule = rule;
    state.roleDependent = dependsOnRoles(rule);
    if (!rule.enabled) r = { status: 'na' as RuleStatus, findings: [], note: '规则集中已停用本规则' };
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
export function rescoreReport(report: Report, isDismissed: (ruleId: string, ordinal: number) => boolean, ruleset: Ruleset = defaultRuleset()): number {
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
export function rescoreReportByRule(report: Report, isDismissed: (ruleId: string, ordinal: number) => boolean, ruleset: Ruleset = defaultRuleset()): ReviewedScore {
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
