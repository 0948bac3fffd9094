/**
 * The ruleset language added for issue 3: edit-distance tolerance, similarity to example sentences, percent
 * and anchor scopes (before / after / around another condition's hit), metadata filters (agent, line, time
 * of day), audio checks on `transcript.audio`, role-aware review routing and the confidence of findings.
 * Each case is a small custom ruleset on a hand-written transcript, or a fixture with the shipped ruleset.
 */
import { describe, expect, it } from 'vitest';
import type { Segment, Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import type { TraceEvent } from '../../rules/analyze/context.js';
import { findingConfidence } from '../../rules/analyze/findings.js';
import { parseRuleset } from '../../rules/ruleset.js';
import { analyzeFixture, customRuleset, fixture, rule } from './helpers.js';

/** A call of alternating lines: `[speaker, text]`, 10 s apart, each 5 s long. */
const call = (lines: [Segment['speaker'], string][], extra: Partial<Transcript> = {}): Transcript => ({
  callId: 'lang',
  durationSec: lines.length * 10,
  segments: lines.map(([speaker, text], i) => ({ start: i * 10, end: i * 10 + 5, speaker, text })),
  ...extra,
});

const banned = (yaml: string, t: Transcript) => rule(analyzeTranscript(t, { ruleset: parseRuleset(yaml, 'lang.yaml') }), 'banned_phrase');
const at = (yaml: string, t: Transcript) => banned(yaml, t).findings.map((f) => `${f.phraseId}@${f.start}`);
const errorOf = (yaml: string) => {
  try {
    parseRuleset(yaml, 'bad.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

describe('edit-distance tolerance (maxEdits)', () => {
  const y = customRuleset('      - { id: X, when: { any: [有完没完], maxEdits: 1 } }');
  it('hits a wording one edit away (an inserted character), marked for review, and the exact wording without review', () => {
    const r = banned(
      y,
      call([
        ['agent', '你有完没有完啊'],
        ['agent', '你有完没完'],
      ]),
    );
    expect(r.findings.map((f) => [f.start, f.needsReview, f.confidence])).toEqual([
      [0, true, 0.7],
      [10, false, 1],
    ]);
    expect(r.findings[0]!.note).toBe('X：原话含“有完没”（近似匹配，在容错字数以内）');
  });
  it('does not hit two edits away, nor across a clause boundary', () => {
    expect(
      at(
        y,
        call([
          ['agent', '有没有完'],
          ['agent', '有完，没完'],
        ]),
      ),
    ).toEqual([]);
  });
  it('refuses a tolerance on a phrase too short for it, with the line', () => {
    expect(errorOf(customRuleset('      - { id: X, when: { any: [神经], maxEdits: 1 } }'))).toMatch(
      /^bad\.yaml:27: phrase "神经" is too short for maxEdits 1/,
    );
  });
});

describe('similarity to example sentences (similarTo)', () => {
  const y = customRuleset("      - { id: X, when: { similarTo: ['这个不归我们管', '这事我们管不了'], threshold: 0.6 } }");
  it('hits a rewording that shares most characters, as a similar match needing review', () => {
    const r = banned(y, call([['agent', '嗯，这个事情不归我们管的']]));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ needsReview: true, note: expect.stringMatching(/（与示例句相似）$/) });
    expect(r.findings[0]!.confidence).toBeLessThan(0.65);
  });
  it('does not hit an unrelated utterance', () => {
    expect(at(y, call([['agent', '您带身份证到二楼窗口办理就可以']]))).toEqual([]);
  });
});

describe('scopes', () => {
  const phrase = '      - { id: X, when: { any: [好的] } }';
  it('withinFirstPercent / withinLastPercent of the call', () => {
    const t = call([
      ['agent', '好的'],
      ['agent', '好的'],
      ['agent', '好的'],
      ['agent', '好的'],
    ]); // 40 s
    expect(at(customRuleset(phrase, '{ speaker: agent, withinFirstPercent: 30 }'), t)).toEqual(['X@0', 'X@10']);
    expect(at(customRuleset(phrase, '{ speaker: agent, withinLastPercent: 25 }'), t)).toEqual(['X@30']);
  });
  it('after the agent’s closing question: the caller’s answer, not the caller’s earlier words', () => {
    const y = customRuleset(phrase, '{ speaker: customer, after: { condition: closing_question, speaker: agent, occurrence: last } }');
    const t = call([
      ['customer', '好的'],
      ['agent', '还有别的问题吗'],
      ['customer', '好的 谢谢'],
    ]);
    expect(at(y, t)).toEqual(['X@20']);
    // The caller's own "还有吗" is no anchor when the anchor must be the agent's.
    expect(
      at(
        y,
        call([
          ['customer', '还有吗'],
          ['customer', '好的'],
        ]),
      ),
    ).toEqual([]);
  });
  it('after with withinSec: only what follows the anchor closely', () => {
    const y = customRuleset(phrase, '{ speaker: any, after: { condition: hold, withinSec: 8 } }');
    expect(
      at(
        y,
        call([
          ['agent', '您稍等'],
          ['agent', '好的'],
          ['agent', '好的'],
        ]),
      ),
    ).toEqual(['X@10']);
  });
  it('before and around another condition’s hit', () => {
    const t = call([
      ['agent', '好的'],
      ['agent', '好的'],
      ['agent', '您稍等'],
      ['agent', '好的'],
      ['agent', '好的'],
    ]);
    expect(at(customRuleset(phrase, '{ speaker: agent, before: hold }'), t)).toEqual(['X@0', 'X@10']);
    expect(at(customRuleset(phrase, '{ speaker: agent, around: { condition: hold, withinSec: 6 } }'), t)).toEqual(['X@10', 'X@30']);
    expect(at(customRuleset(phrase, '{ speaker: agent, before: hold }'), call([['agent', '好的']]))).toEqual([]);
  });
  it('refuses around without withinSec and an unknown anchor condition, with the line', () => {
    expect(errorOf(customRuleset(phrase, '{ speaker: agent, around: { condition: hold } }'))).toMatch(/^bad\.yaml:25: around needs/);
    expect(errorOf(customRuleset(phrase, '{ speaker: agent, after: { condition: nope } }'))).toMatch(
      /^bad\.yaml:25: unknown condition "nope"/,
    );
  });
});

describe('metadata filters (only)', () => {
  const extra = `  - id: first_contact
    check: forbid
    deduct: { points: 5 }
    only: { lines: [婚姻登记], agents: [T007], timeOfDay: { from: '16:30', to: '17:30' } }
    scope: { speaker: agent }
    phrases:
      - { id: late, when: { any: [明天再来] } }`;
  const y = parseRuleset(customRuleset('      - { id: X, when: { any: [神经病] } }', '{ speaker: agent }', extra), 'f.yaml');
  const t = (meta: Partial<Transcript>) =>
    rule(
      analyzeTranscript(
        call([['agent', '明天再来吧']], { agentId: 'T007', line: '婚姻登记', startedAt: '2026-11-30T16:45:00+08:00', ...meta }),
        { ruleset: y },
      ),
      'first_contact',
    );
  it('applies near closing time on the named line and agent', () => expect(t({}).status).toBe('fail'));
  it('is na, with the reason, outside the time window (local time of startedAt), another line or agent, or without metadata', () => {
    expect(t({ startedAt: '2026-11-30T10:05:00+08:00' })).toMatchObject({
      status: 'na',
      note: '不适用：通话开始于当地时间 10:05，不在本规则适用的 16:30–17:30 时段内',
    });
    expect(t({ line: '社保' })).toMatchObject({ status: 'na', note: '不适用：线路“社保”不在本规则适用的线路范围内' });
    expect(t({ agentId: 'T001' })).toMatchObject({ status: 'na', note: '不适用：坐席 T001 不在本规则适用的坐席范围内' });
    expect(t({ line: undefined })).toMatchObject({ status: 'na', note: '不适用：通话没有线路信息，无法按本规则的线路范围判断' });
  });
  it('handles a time window past midnight', () => {
    const night = parseRuleset(
      customRuleset('      - { id: X, when: { any: [神经病] } }').replace('only: ', 'x') +
        `  - id: first_contact
    check: forbid
    deduct: { points: 5 }
    only: { timeOfDay: { from: '22:00', to: '06:00' } }
    phrases: [{ id: late, when: { any: [明天再来] } }]`,
      'n.yaml',
    );
    const at = (startedAt: string) =>
      rule(analyzeTranscript(call([['agent', '明天再来']], { startedAt }), { ruleset: night }), 'first_contact').status;
    expect([at('2026-11-30T23:10:00+08:00'), at('2026-11-30T05:59:00+08:00'), at('2026-11-30T06:00:00+08:00')]).toEqual([
      'fail',
      'fail',
      'na',
    ]);
  });
  it('refuses a malformed time of day, with the line', () => {
    expect(
      errorOf(customRuleset('      - { id: X, when: { any: [神经病] } }', '{ speaker: agent }', extra.replace("'16:30'", "'4:30pm'"))),
    ).toMatch(/^bad\.yaml:31: a time of day is HH:MM/);
  });
});

describe('audio checks of the shipped ruleset', () => {
  it('phone_phrases fails on a long hold the agent did not announce, with the silence as the finding', () => {
    const r = rule(analyzeFixture('audio-hold-unannounced'), 'phone_phrases');
    expect(r.status).toBe('fail');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      start: 15.5,
      end: 48,
      speaker: 'agent',
      needsReview: true,
      note: '静音/等待 20 秒及以上，坐席在此前 15 秒内没有说“请稍等”或“请稍候”：0:15 起静音/等待 32.5 秒',
    });
  });
  it('phone_phrases passes a hold announced with 请稍候; a short pause is no hold', () => {
    const r = rule(analyzeFixture('audio-hold-announced'), 'phone_phrases');
    expect(r).toMatchObject({ status: 'pass', note: '20 秒及以上的静音/等待共 1 次' });
  });
  it('no_argument fails when the agent talks over the caller twice for more than a second; back-channel overlaps do not count', () => {
    const r = rule(analyzeFixture('audio-talking-over'), 'no_argument');
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => [f.start, f.speaker])).toEqual([
      [12.5, 'agent'],
      [20, 'agent'],
    ]);
    expect(r.findings[0]!.text).toBe('那是你自己没带齐，规定就是这样。');
  });
  it('audio rules are na with a note when the transcript has no audio measurements', () => {
    const { audio: _drop, ...plain } = fixture('audio-hold-unannounced');
    const report = analyzeTranscript(plain);
    for (const id of ['phone_phrases', 'no_argument']) {
      expect(rule(report, id)).toMatchObject({ status: 'na', note: expect.stringMatching(/^转写中没有音频测量数据/) });
    }
  });
  it('metric checks: agent speech rate, talk ratio and non-talk time, with limits', () => {
    const y = parseRuleset(
      customRuleset(
        '      - { id: X, when: { any: [神经病] } }',
        '{ speaker: agent }',
        `  - id: no_argument
    check: audio
    deduct: { points: 5 }
    checks:
      - { name: rate, metric: agentCharsPerMin, above: 120, missing: 语速过快 }
      - { name: ratio, metric: agentTalkRatio, above: 0.9, missing: 坐席讲话过多 }
      - { name: quiet, metric: nonTalkRatio, above: 0.4, missing: 静音过多 }`,
      ),
      'm.yaml',
    );
    const r = rule(analyzeTranscript(fixture('audio-hold-unannounced'), { ruleset: y }), 'no_argument');
    // The agent speaks about 40 characters in 11.5 s of talk (over 120 a minute); 32.5 s of 60 s is silence.
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => f.note)).toEqual([
      expect.stringMatching(/^语速过快（坐席语速 \d+(\.\d)? 字\/分钟）$/),
      expect.stringMatching(/^静音过多（静音\/等待占比 54(\.\d)?%）$/),
    ]);
    expect(r.note).toMatch(/；坐席讲话时长占比 \d+(\.\d)?%；/);
  });
  it('refuses a metric without a limit, with the line', () => {
    expect(
      errorOf(
        customRuleset(
          '      - { id: X, when: { any: [神经病] } }',
          '{ speaker: agent }',
          `  - id: no_argument
    check: audio
    deduct: { points: 5 }
    checks:
      - { name: rate, metric: agentCharsPerMin, missing: 语速过快 }`,
        ),
      ),
    ).toMatch(/^bad\.yaml:32: check "rate" needs above or below/);
  });
});

describe('mono recordings and speaker roles', () => {
  it('roles inferred with low confidence: role-dependent findings need review, say so, and carry the role confidence', () => {
    const report = analyzeFixture('mono-roles-uncertain');
    const b = rule(report, 'banned_phrase');
    expect(b.findings).toHaveLength(1);
    expect(b.findings[0]).toMatchObject({
      phraseId: 'B01',
      needsReview: true,
      confidence: 0.5,
      note: 'B01 不知道：原话含“不知道”（坐席/来电人角色按话语特征推断，置信度 0.55，请核实说话人）',
    });
    // Interruptions need two channels: na, never a silent pass.
    expect(rule(report, 'no_argument')).toMatchObject({
      status: 'na',
      note: '未检查：抢话/打断需要双声道录音（坐席、来电人各占一个声道）',
    });
  });
  it('roles unknown: every speaker-scoped rule is na with a note; role-free checks still run', () => {
    const report = analyzeFixture('mono-roles-unknown');
    for (const r of report.rules) expect(r.status, r.id).toBe('na');
    expect(rule(report, 'banned_phrase').note).toBe('未能区分坐席与来电人（单声道录音，角色未判定），本规则需要区分说话人，无法判断');
    expect(report.reviewReasons).toContain('no_agent_speech');
  });
});

describe('unknown speaker among labelled ones', () => {
  it('a banned phrase in an utterance of unknown speaker is a finding for review at half confidence, not skipped', () => {
    const b = rule(analyzeFixture('speaker-unknown-segment'), 'banned_phrase');
    expect(b.status).toBe('fail');
    expect(b.findings).toHaveLength(1);
    expect(b.findings[0]).toMatchObject({
      phraseId: 'B15',
      speaker: 'unknown',
      needsReview: true,
      confidence: 0.45,
      note: expect.stringMatching(/^B15 你有完没完：原话含“.+”（说话人未标明，不一定是坐席，请核实说话人）$/),
    });
  });
});

describe('confidence and review routing', () => {
  it('orders match kinds exact > homophone > edit > similar and multiplies ASR and role confidence', () => {
    const y = customRuleset(`      - { id: E, when: { any: [有完没完] } }
      - { id: H, when: { any: [有完没完], pinyin: true } }
      - { id: D, when: { any: [有完没完], maxEdits: 1 } }
      - { id: S, when: { similarTo: [你有完没完啊], threshold: 0.5 } }`);
    const conf = (text: string, id: string) => banned(y, call([['agent', text]])).findings.find((f) => f.phraseId === id)?.confidence;
    const exact = conf('你有完没完', 'E')!;
    const homophone = conf('你有玩没玩', 'H')!;
    const edit = conf('你有完没有完', 'D')!;
    const similar = conf('你这有完没有完了', 'S')!;
    expect(exact).toBeGreaterThan(homophone);
    expect(homophone).toBeGreaterThan(edit);
    expect(edit).toBeGreaterThan(similar);
    expect(findingConfidence(0.9, 0.85, 0.5)).toBe(0.38);
  });
  it('a precise rule with an exact hit on a clear utterance stands without review; an imprecise one does not', () => {
    const precise = banned(customRuleset('      - { id: X, when: { any: [神经病] } }'), call([['agent', '神经病']]));
    const imprecise = banned(customRuleset('      - { id: X, precise: false, when: { any: [神经病] } }'), call([['agent', '神经病']]));
    expect([precise.findings[0]!.needsReview, imprecise.findings[0]!.needsReview]).toEqual([false, true]);
  });
});

describe('trace', () => {
  it('reports each condition hit with time, speaker, text and match kind, and anchors', () => {
    const events: TraceEvent[] = [];
    const y = parseRuleset(
      customRuleset(
        '      - { id: X, when: { any: [好的] } }',
        '{ speaker: customer, after: { condition: closing_question, speaker: agent } }',
      ),
      't.yaml',
    );
    analyzeTranscript(
      call([
        ['agent', '您好'],
        ['agent', '还有别的吗'],
        ['customer', '好的 再见'],
      ]),
      { ruleset: y, trace: (e) => events.push(e) },
    );
    expect(events).toContainEqual(
      expect.objectContaining({ rule: 'banned_phrase', part: 'anchor after closing_question', start: 10, speaker: 'agent' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ rule: 'banned_phrase', part: 'X', start: 20, speaker: 'customer', matched: '好的', match: 'exact' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ rule: 'consent_before_hangup', part: 'ask', start: 10 }));
  });
});
