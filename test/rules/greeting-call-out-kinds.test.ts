/**
 * opening_greeting when the caller speaks first: a caller who has to call out into a silent line (two 喂 in a
 * row, 有人吗, 在吗, 听得到吗, 说话呀) before the agent's greeting makes the greeting late, however few the
 * seconds (condition caller_call_out, scope key `notAfter`). Near misses: a single 喂 as the agent answers,
 * a call-out the agent's greeting overlaps, the caller's own greeting and question, a call-out later in the
 * call about a bad line. Wordings of their own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import type { Segment, Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { parseRuleset } from '../../rules/ruleset.js';
import { customRuleset } from './helpers.js';

const GREETING = '您好，县政务服务中心，请讲。';
const greeting = (t: Transcript) => analyzeTranscript(t, { now: new Date(0) }).rules.find((r) => r.id === 'opening_greeting')!.status;
const call = (segments: Segment[]): Transcript => ({ callId: 'call-out', durationSec: 60, segments });
/** The caller says `first` from 0.5 s to `callerEnd`, the agent greets from `agentStart` for 3 s, then the caller asks. */
const opening = (first: string, callerEnd: number, agentStart: number, agentText = GREETING): Transcript =>
  call([
    { start: 0.5, end: callerEnd, speaker: 'customer', text: first },
    { start: agentStart, end: agentStart + 3, speaker: 'agent', text: agentText },
    { start: agentStart + 4, end: agentStart + 7, speaker: 'customer', text: '我想问一下社保卡怎么补办' },
  ]);

describe('opening_greeting: the caller called out before the greeting', () => {
  it.each([
    ['两个喂', '喂？喂？', 1.8, 2.6],
    ['有人吗', '喂，有人吗？', 2, 3],
    ['有没有人 alone', '有没有人啊？', 1.6, 2.4],
    ['在吗, heard as 再吗 by sound', '喂？再吗？', 1.7, 2.9],
    ['听得到吗', '喂喂，听得到吗？', 2.2, 3.1],
    ['说话呀', '喂？说话呀！', 1.9, 2.5],
  ])('late after the caller called out (%s)', (_kind, first, callerEnd, agentStart) => {
    expect(greeting(opening(first, callerEnd, agentStart))).toBe('fail');
  });

  it('late after call-outs ASR split in two segments (merged as one utterance)', () => {
    const t = opening('喂？', 1, 4);
    t.segments.splice(1, 0, { start: 1.8, end: 3, speaker: 'customer', text: '有人吗？' });
    expect(greeting(t)).toBe('fail');
  });

  it.each([
    ['a single 喂 before the agent answers', '喂？', 1, 1.4],
    ['a single 喂 overlapping the greeting', '喂？', 1.2, 0.9],
    ['the greeting begun while the caller was still calling out', '喂？喂？有人吗？', 2.5, 1.6],
    ['the caller greets and asks first', '喂，您好，是政务服务中心吗？', 2.8, 3.2],
    ['the caller greets first', '你好。', 1.2, 1.8],
    ['the caller asks a question first', '喂，请问是办社保的吗？', 2.5, 3],
  ])('not late: %s', (_kind, first, callerEnd, agentStart) => {
    expect(greeting(opening(first, callerEnd, agentStart))).toBe('pass');
  });

  it('a call-out later in the call (a bad line) does not touch a greeting already given', () => {
    expect(
      greeting(
        call([
          { start: 0.5, end: 3, speaker: 'agent', text: GREETING },
          { start: 4, end: 7, speaker: 'customer', text: '我想问一下社保卡怎么补办' },
          { start: 8, end: 12, speaker: 'agent', text: '补办要带身份证到一楼窗口' },
          { start: 14, end: 16, speaker: 'customer', text: '喂？喂？听得到吗？' },
        ]),
      ),
    ).toBe('pass');
  });

  it('a greeting without 您好 after a call-out still fails for its wording', () => {
    expect(greeting(opening('喂？喂？', 1.8, 2.6, '你好，政务服务中心。'))).toBe('fail');
  });
});

describe('scope notAfter', () => {
  /** A ruleset whose greeting requirement keeps agent utterances not after the caller's 有人吗. */
  const ruleset = parseRuleset(
    customRuleset(
      '      - { id: X, when: { any: [不存在的词] } }',
      '{ speaker: agent }',
      '',
      "  out: { regex: '有人吗' }\n  hi: { any: [您好] }",
    ).replace(
      'requirements: [{ name: g, when: { any: [您好] }, missing: m }]',
      'requirements: [{ name: g, scope: { speaker: agent, first: 1, notAfter: { condition: out, speaker: customer } }, when: { ref: hi }, missing: m }]',
    ),
    'r.yaml',
  );
  const status = (segments: Segment[]) =>
    analyzeTranscript(call(segments), { now: new Date(0), ruleset }).rules.find((r) => r.id === 'opening_greeting')!.status;

  it('without the anchor in the call every utterance stays in scope', () => {
    expect(status([{ start: 0, end: 2, speaker: 'agent', text: '您好' }])).toBe('pass');
  });
  it('an utterance starting after the anchor ends is out of scope; one starting before it ends is in', () => {
    expect(
      status([
        { start: 0, end: 2, speaker: 'customer', text: '有人吗' },
        { start: 2.5, end: 4, speaker: 'agent', text: '您好' },
      ]),
    ).toBe('fail');
    expect(
      status([
        { start: 0, end: 2, speaker: 'customer', text: '有人吗' },
        { start: 1.5, end: 4, speaker: 'agent', text: '您好' },
      ]),
    ).toBe('pass');
  });
});
