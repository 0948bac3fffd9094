/**
 * The greeting window is measured from the first speech of the call, not the recording's start (issue 9,
 * part 5): ringback, silence or a recorded IVR message before anyone speaks does not make a greeting late;
 * a caller left saying 喂 for longer than the window does.
 */
import { describe, expect, it } from 'vitest';
import type { Segment, Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';

const greeting = (t: Transcript) => analyzeTranscript(t, { now: new Date(0) }).rules.find((r) => r.id === 'opening_greeting')!.status;
const call = (segments: Segment[]): Transcript => ({ callId: 'window', durationSec: 120, segments });

describe('greeting window', () => {
  it('60 s of ringback before the agent speaks is not late', () => {
    expect(
      greeting(
        call([
          { start: 60, end: 63, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
          { start: 64, end: 66, speaker: 'customer', text: '我想问一下' },
        ]),
      ),
    ).toBe('pass');
  });
  it('a recorded IVR message first is not the agent speaking, nor the start of the conversation', () => {
    expect(
      greeting(
        call([
          { start: 0, end: 20, speaker: 'agent', text: '您好，欢迎致电县政务服务热线，本次通话将被录音，业务咨询请按1，投诉建议请按2。' },
          { start: 45, end: 48, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
          { start: 49, end: 51, speaker: 'customer', text: '我想问一下' },
        ]),
      ),
    ).toBe('pass');
  });
  it('ringback heard as 嘟 and a recording notice in other wording come before the conversation (service-norms@5)', () => {
    expect(
      greeting(
        call([
          { start: 0.5, end: 2, speaker: 'unknown', text: '嘟——嘟——' },
          { start: 3, end: 8, speaker: 'unknown', text: '您好，为了服务质量，本次通话也许会被录音。' },
          { start: 20, end: 23, speaker: 'agent', text: '您好，县政务服务中心，请问办什么业务？' },
          { start: 24, end: 26, speaker: 'customer', text: '我想问一下' },
        ]),
      ),
    ).toBe('pass');
  });
  it("a recording notice and a busy message with a word misheard by sound are still no one's speech", () => {
    expect(
      greeting(
        call([
          { start: 0.5, end: 4, speaker: 'unknown', text: '您好，本次通化将会被录音。' },
          { start: 5, end: 9, speaker: 'unknown', text: '所有坐习正忙，请稍候。' },
          { start: 21, end: 24, speaker: 'agent', text: '您好，县政务服务中心，请讲。' },
          { start: 25, end: 27, speaker: 'customer', text: '我想问一下' },
        ]),
      ),
    ).toBe('pass');
  });
  it.each(['林浩，县政务服务中心，请讲。', '凝，县政务服务中心，请讲。'])(
    'an opening 您好 misheard in both syllables by sound still greets (%s); 你好 does not',
    (text) => {
      const first = (t: string) =>
        greeting(
          call([
            { start: 1, end: 4, speaker: 'agent', text: t },
            { start: 5, end: 6, speaker: 'customer', text: '我想问一下' },
          ]),
        );
      expect(first(text)).toBe('pass');
      expect(first('你好，县政务服务中心，请讲。')).toBe('fail');
    },
  );
  it('a caller left waiting more than 10 s after the call starts is still late', () => {
    expect(
      greeting(
        call([
          { start: 30, end: 31, speaker: 'customer', text: '喂？' },
          { start: 36, end: 37, speaker: 'customer', text: '喂，有人吗' },
          { start: 43, end: 46, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
        ]),
      ),
    ).toBe('fail');
  });
  it('an agent greeting with 欢迎致电 is a greeting, not an IVR message', () => {
    expect(
      greeting(
        call([
          { start: 1, end: 4, speaker: 'agent', text: '您好，欢迎致电县行政服务中心，请讲。' },
          { start: 5, end: 6, speaker: 'customer', text: '你好' },
        ]),
      ),
    ).toBe('pass');
  });
});
