/**
 * The steps of analyzeTranscript one by one, as pure functions of their inputs: utterance preparation and
 * merging, scopes, metadata filters, scoring and review reasons, reviewer-note formats.
 */
import { describe, expect, it } from 'vitest';
import type { Finding, RuleResult } from '../../domain/report.js';
import type { Segment, Transcript } from '../../domain/transcript.js';
import type { CallState, RuleState, TraceEvent } from '../../rules/analyze/context.js';
import { dependsOnRoles, inapplicable, localTime, outsideFilter } from '../../rules/analyze/filters.js';
import { clock, quote } from '../../rules/analyze/notes.js';
import { mergedForScopes, scopesOf, select } from '../../rules/analyze/scope.js';
import { callScore, deduction, isRedLine, reviewReasons } from '../../rules/analyze/score.js';
import { firstSpeechSec, hitText, matchContext, mergeUtterances, prepareUtterances } from '../../rules/analyze/utterances.js';
import { defaultRuleset, parseRuleset, type CompiledRule, type Scope } from '../../rules/ruleset.js';
import { customRuleset } from './helpers.js';

const seg = (start: number, speaker: Segment['speaker'], text: string, end = start + 2): Segment => ({ start, end, speaker, text });
const transcript = (segments: Segment[], extra: Partial<Transcript> = {}): Transcript => ({
  callId: 'steps',
  durationSec: 60,
  segments,
  ...extra,
});

/** The per-call and per-rule values analyzeTranscript builds, for a rule of `ruleset`. */
function stateFor(t: Transcript, rule: CompiledRule, ruleset = defaultRuleset(), trace?: (e: TraceEvent) => void): RuleState {
  const ctx = matchContext(undefined);
  const utts = prepareUtterances(t, ruleset.ignore, undefined, ctx);
  const call: CallState = { utts, durationSec: t.durationSec, ctx, merged: mergedForScopes(utts, ruleset), ruleset, transcript: t, trace };
  return { ...call, rule, roleDependent: dependsOnRoles(rule) };
}

const shipped = (id: string): CompiledRule => defaultRuleset().rules.find((r) => r.id === id)!;
const result = (status: RuleResult['status'], findings: Partial<Finding>[] = []): RuleResult => ({
  id: 'banned_phrase',
  status,
  findings: findings.map((f) => ({ start: 0, end: 1, speaker: 'agent', text: '', ...f })),
});

describe('utterance preparation', () => {
  it('sorts by start, normalises, renumbers and drops segments left without text', () => {
    const t = transcript([seg(10, 'customer', '我想問一下'), seg(1, 'agent', '您 好 ，请讲。'), seg(5, 'agent', '……')]);
    const utts = prepareUtterances(t, null, undefined, matchContext(undefined));
    expect(utts.map((u) => [u.idx, u.start, u.speaker, u.norm])).toEqual([
      [0, 1, 'agent', '您好，请讲'],
      [1, 10, 'customer', '我想问一下'],
    ]);
    expect(utts[1]!.text).toBe('我想問一下');
  });

  it('drops the utterances the ruleset’s ignore condition hits', () => {
    const yaml = customRuleset('      - { id: X, when: { any: [不知道] } }').replace(
      'conditions:\n',
      'ignore: { any: [字幕由] }\nconditions:\n',
    );
    const rs = parseRuleset(yaml, 'ignore.yaml');
    const t = transcript([seg(1, 'agent', '您好'), seg(4, 'agent', '字幕由某某提供'), seg(8, 'customer', '再见')]);
    expect(prepareUtterances(t, rs.ignore, undefined, matchContext(undefined)).map((u) => u.norm)).toEqual(['您好', '再见']);
  });

  it('normalises the centre names for the conditions and leaves out empty ones', () => {
    expect(matchContext(['縣婚姻登記處', ' '])).toEqual({ centreNames: ['县婚姻登记处'] });
    expect(matchContext(undefined)).toEqual({ centreNames: [] });
  });

  it('merges one speaker’s segments split within the gap, joining the normalised texts and keeping the lowest confidence', () => {
    const t = transcript([
      { ...seg(0, 'agent', '您好，', 1.5), confidence: 0.9 },
      { ...seg(2, 'agent', '行政服务中心', 4), confidence: 0.7 },
      seg(4.5, 'customer', '你好'),
      seg(9, 'agent', '请讲'),
    ]);
    const utts = prepareUtterances(t, null, undefined, matchContext(undefined));
    const merged = mergeUtterances(utts, 1);
    expect(merged.map((u) => [u.idx, u.start, u.end, u.norm, u.text, u.confidence])).toEqual([
      [1, 0, 4, '您好，行政服务中心', '您好，行政服务中心', 0.7],
      [2, 4.5, 6.5, '你好', '你好', undefined],
      [3, 9, 11, '请讲', '请讲', undefined],
    ]);
    expect(merged[0]!.map).toBeUndefined();
    expect(merged[1]).toBe(utts[2]);
    expect(mergeUtterances(utts, 0.1).length).toBe(4);
  });

  it('merges once per gap the ruleset’s scopes ask for', () => {
    const rs = defaultRuleset();
    const gaps = [
      ...new Set(rs.rules.flatMap((r) => scopesOf(r).flatMap((s) => (s.mergeGapSec !== undefined ? [s.mergeGapSec] : [])))),
    ].sort();
    expect(gaps.length).toBeGreaterThan(0);
    const merged = mergedForScopes(prepareUtterances(transcript([seg(0, 'agent', '您好')]), null, undefined, matchContext(undefined)), rs);
    expect([...merged.keys()].sort()).toEqual(gaps);
  });

  it('starts the greeting window at the first speech, 0 without speech', () => {
    const utts = prepareUtterances(
      transcript([seg(7.5, 'agent', '您好'), seg(12, 'customer', '你好')]),
      null,
      undefined,
      matchContext(undefined),
    );
    expect(firstSpeechSec(utts)).toBe(7.5);
    expect(firstSpeechSec([])).toBe(0);
  });

  it('quotes a hit from the original text when the offsets are known, else from the normalised text', () => {
    const [u] = prepareUtterances(transcript([seg(0, 'agent', '我 不 知 道。')]), null, undefined, matchContext(undefined));
    expect(hitText(u!, { start: 1, end: 4, match: 'exact', quality: 1 })).toBe('不 知 道');
    expect(hitText({ ...u!, map: undefined }, { start: 1, end: 4, match: 'exact', quality: 1 })).toBe('不知道');
  });
});

describe('scopes', () => {
  const t = transcript([
    seg(3, 'agent', '您好'),
    seg(6, 'customer', '你好'),
    seg(20, 'agent', '请讲'),
    seg(50, 'agent', '再见'),
    seg(55, 'customer', '再见'),
  ]);
  const state = stateFor(t, shipped('opening_greeting'));
  const starts = (scope: Partial<Scope>) => select(state, { speaker: 'any', ...scope }).map((u) => u.start);

  it('selects by speaker, first / last N and time windows (seconds, percent, from the first speech)', () => {
    expect(starts({ speaker: 'agent' })).toEqual([3, 20, 50]);
    expect(starts({ speaker: 'agent', first: 2 })).toEqual([3, 20]);
    expect(starts({ last: 2 })).toEqual([50, 55]);
    expect(starts({ withinFirstSec: 6 })).toEqual([3, 6]);
    expect(starts({ withinSecOfFirstSpeech: 3 })).toEqual([3, 6]);
    expect(starts({ withinLastSec: 10 })).toEqual([50, 55]);
    expect(starts({ withinFirstPercent: 50 })).toEqual([3, 6, 20]);
    expect(starts({ withinLastPercent: 10 })).toEqual([55]);
  });

  it('selects after, before and around an anchor, and nothing when the anchor never hits', () => {
    const anchor = {
      name: 'greeting',
      when: (x: { norm: string }) => (x.norm === '请讲' ? { start: 0, end: 2, match: 'exact' as const, quality: 1 } : null),
      speaker: 'any' as const,
      occurrence: 'first' as const,
    };
    const at = (scope: Partial<Scope>) => select(state, { speaker: 'any', ...scope }).map((u) => u.start);
    expect(at({ after: anchor })).toEqual([50, 55]);
    expect(at({ after: { ...anchor, withinSec: 30 } })).toEqual([50]);
    expect(at({ before: anchor })).toEqual([3, 6]);
    expect(at({ around: { ...anchor, withinSec: 14 } })).toEqual([6]);
    expect(at({ around: { ...anchor, withinSec: 15 } })).toEqual([3, 6]);
    expect(at({ after: { ...anchor, when: () => null } })).toEqual([]);
  });
});

describe('metadata filters', () => {
  it('reads local wall-clock time and ISO weekday as written', () => {
    expect(localTime('2026-12-07T17:45:00+08:00')).toEqual({ minutes: 17 * 60 + 45, weekday: 1 });
    expect(localTime('2026-12-06 08:05')).toEqual({ minutes: 8 * 60 + 5, weekday: 7 });
    expect(localTime('yesterday')).toBeNull();
  });

  it('says why a call is outside a filter, null inside it', () => {
    const t = transcript([], { agentId: 'A1', line: '婚姻', startedAt: '2026-12-07T23:30:00+08:00' });
    expect(outsideFilter({ agents: ['A1'], lines: ['婚姻'], weekdays: [1], timeOfDay: { from: '22:00', to: '06:00' } }, t)).toBeNull();
    expect(outsideFilter({ agents: ['A2'] }, t)).toBe('坐席 A1 不在本规则适用的坐席范围内');
    expect(outsideFilter({ weekdays: [6, 7] }, t)).toBe('通话在星期一，不在本规则适用的日期内');
    expect(outsideFilter({ timeOfDay: { from: '08:00', to: '17:00' } }, t)).toBe(
      '通话开始于当地时间 23:30，不在本规则适用的 08:00–17:00 时段内',
    );
    expect(outsideFilter({ lines: ['社保'] }, transcript([]))).toBe('通话没有线路信息，无法按本规则的线路范围判断');
  });

  it('makes a role-dependent rule na when the roles are unknown, and traces the filter decision', () => {
    const unknownRoles = transcript([seg(0, 'unknown', '您好')], { roles: { method: 'unknown', confidence: 0 } });
    expect(dependsOnRoles(shipped('consent_before_hangup'))).toBe(true);
    expect(inapplicable(shipped('consent_before_hangup'), stateFor(unknownRoles, shipped('consent_before_hangup')))?.status).toBe('na');
    const events: TraceEvent[] = [];
    const filtered = { ...shipped('banned_phrase'), only: { agents: ['A9'] } } as CompiledRule;
    const na = inapplicable(
      filtered,
      stateFor(transcript([], { agentId: 'A1' }), filtered, defaultRuleset(), (e) => events.push(e)),
    );
    expect(na).toEqual({ status: 'na', findings: [], note: '不适用：坐席 A1 不在本规则适用的坐席范围内' });
    expect(events).toEqual([{ rule: 'banned_phrase', part: 'only', detail: '坐席 A1 不在本规则适用的坐席范围内' }]);
    expect(inapplicable(shipped('banned_phrase'), stateFor(transcript([seg(0, 'agent', '您好')]), shipped('banned_phrase')))).toBeNull();
  });
});

describe('scoring', () => {
  const forbid = { ...shipped('banned_phrase'), deduct: { points: 5, per: 'hit', max: 12 } } as CompiledRule;
  const once = { ...shipped('opening_greeting'), deduct: { points: 4, per: 'once' }, redLine: false } as CompiledRule;

  it('deducts once, or per finding (a banned phrase’s own points), capped at max; nothing unless failed', () => {
    expect(deduction(once, result('fail', [{}, {}]))).toBe(4);
    expect(deduction(once, result('pass'))).toBe(0);
    const perHit = { ...once, deduct: { points: 3, per: 'hit' } } as CompiledRule;
    expect(deduction(perHit, result('fail', [{}, {}]))).toBe(6);
    expect(deduction(perHit, result('fail'))).toBe(3);
    const never = () => null;
    const own = {
      ...forbid,
      phrases: [
        { id: 'X', when: never, points: 20 },
        { id: 'Y', when: never },
      ],
    } as CompiledRule;
    expect(deduction(forbid, result('fail', [{ phraseId: 'B01' }, { phraseId: 'B02' }, { phraseId: 'B03' }]))).toBe(12);
    expect(deduction({ ...own, deduct: { points: 5, per: 'hit' } }, result('fail', [{ phraseId: 'X' }, { phraseId: 'Y' }]))).toBe(25);
  });

  it('scores 100 minus the deductions, floored at 0, and 0 on a red line', () => {
    const r = (rule: CompiledRule, d: number, status: RuleResult['status'] = 'fail') => ({
      rule,
      result: { ...result(status), deduction: d },
    });
    expect(callScore([r(once, 4), r(once, 0, 'pass')])).toBe(96);
    expect(callScore([r(once, 70), r(once, 50)])).toBe(0);
    const red = { ...once, redLine: true } as CompiledRule;
    expect(isRedLine(red, result('fail'))).toBe(true);
    expect(isRedLine(red, result('pass'))).toBe(false);
    expect(callScore([r(red, 1)])).toBe(0);
  });

  it('gives the review reasons in order: a failed rule, a finding for review, no agent speech', () => {
    expect(reviewReasons([result('pass')], true)).toEqual([]);
    expect(reviewReasons([result('fail', [{ needsReview: true }])], false)).toEqual([
      'rule_failed',
      'finding_needs_review',
      'no_agent_speech',
    ]);
    expect(reviewReasons([result('pass', [{ needsReview: true }])], true)).toEqual(['finding_needs_review']);
  });
});

describe('reviewer notes', () => {
  it('quotes an utterance cut to 40 characters and writes seconds as m:ss', () => {
    expect(quote('  您好  ')).toBe('“您好”');
    expect(quote('好'.repeat(41))).toBe(`“${'好'.repeat(40)}…”`);
    expect(clock(0)).toBe('0:00');
    expect(clock(125.9)).toBe('2:05');
  });
});
