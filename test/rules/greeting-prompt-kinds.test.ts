/**
 * opening_greeting after a recorded prompt that announces the queue or the connection ("您的来电已进入排队",
 * "人工服务正在接通"): the prompt is no one's speech, so the agent's greeting after it is not late. Sentences of
 * our own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { parseTranscriptText } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { rule } from './helpers.js';

/** The greeting result of a call that opens with `prompt` (0–6 s, speaker unknown) and the agent's `first` at 13 s. */
function greetingAfterPrompt(prompt: string, first: string) {
  const segments = [
    { start: 0, end: 6, speaker: 'unknown', text: prompt, confidence: 0.9 },
    { start: 13, end: 16, speaker: 'agent', text: first, confidence: 0.9 },
    { start: 17, end: 20, speaker: 'customer', text: '我问一下社保卡补办的事', confidence: 0.9 },
  ];
  const transcript = parseTranscriptText(JSON.stringify({ callId: 'prompt-kinds', durationSec: 21, language: 'zh', segments }), 'p.json');
  return rule(analyzeTranscript(transcript, { now: new Date('2026-11-30T12:00:00Z') }), 'opening_greeting');
}

describe('opening_greeting: a queue or connecting notice before the agent', () => {
  it.each([
    ['queue', '您好，欢迎致电县社保中心，您的来电已进入排队，请稍候。'],
    ['queue, other words', '当前来电较多，已进入排队，请耐心等候。'],
    ['connecting', '您已接通县医保服务中心，人工服务正在接通，请稍候。'],
    ['connecting, 为您', '正在为您接通人工坐席，请稍候。'],
  ])('passes the greeting 13 s after the notice (%s)', (_kind, prompt) => {
    expect(greetingAfterPrompt(prompt, '您好，县社保中心，请讲。').status).toBe('pass');
  });

  it('still fails when the agent after the notice only says 喂', () => {
    expect(greetingAfterPrompt('您的来电已进入排队，请稍候。', '喂？').status).toBe('fail');
  });

  it('still counts a prompt in other words as speech: a greeting 13 s after it is late', () => {
    expect(greetingAfterPrompt('县社保中心提醒您，办理业务请携带身份证。', '您好，县社保中心，请讲。').status).toBe('fail');
  });
});
