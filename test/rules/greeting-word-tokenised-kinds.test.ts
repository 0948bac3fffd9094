/**
 * opening_greeting on word-tokenised ASR output: recognisers in the Kaldi / WeNet tradition write Mandarin as
 * words separated by spaces ("您好 武侯区 政务 服务 中心 请 讲"). Those spaces are no pauses: the centre's name
 * split over three "clauses" is still a name ending in 中心 (text/normalize.ts joins a line of five words or
 * more, none over four characters). Near misses: the same tokenisation with 你好, with a 局 or a 热线 for the
 * centre, and a line of spoken phrases (short, pause-separated) that keeps its clause breaks. Wordings of
 * their own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';

const greeting = (agentText: string): string => {
  const t: Transcript = {
    callId: 'word-tokenised',
    durationSec: 30,
    segments: [
      { start: 0.4, end: 3.6, speaker: 'agent', text: agentText, confidence: 0.8 },
      { start: 4.2, end: 8, speaker: 'customer', text: '我 想 问 一下 居住证 续签 要 带 啥子', confidence: 0.8 },
      { start: 8.5, end: 11, speaker: 'agent', text: '带 身份证 和 租房 合同 就 可以', confidence: 0.8 },
    ],
  };
  return analyzeTranscript(t, { now: new Date(0) }).rules.find((r) => r.id === 'opening_greeting')!.status;
};

describe('opening_greeting: word-tokenised ASR output', () => {
  it.each([
    ['district and centre as words', '您好 武侯区 政务 服务 中心 请 讲'],
    ['a four-character district', '您好 沙坪坝区 行政 服务 中心 请讲'],
    ['city, district and centre', '您好 绵阳市 涪城区 便民 服务 中心 很 高兴 为 您 服务'],
    ['您好 heard by sound (林好)', '林好 南岸区 政务 服务 中心 请 讲'],
  ])('passes: %s', (_kind, text) => expect(greeting(text)).toBe('pass'));

  it.each([
    ['你好 for 您好', '你好 武侯区 政务 服务 中心 请 讲'],
    ['a 局, no 中心', '您好 武侯区 市场 监管 局 请 讲'],
    ['a 热线, no 中心', '您好 成都 市民 服务 热线 请 讲'],
  ])('still fails: %s', (_kind, text) => expect(greeting(text)).toBe('fail'));
});
