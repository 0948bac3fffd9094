/**
 * One clean-up for every transcript source (issue 9, part 2): whatever a transcript's source, text ASR
 * invented — non-speech labels, outro lines (also as the tail of a real sentence), decoder loops and the
 * echo of the ASR initial prompt — never satisfies or breaks a rule. These transcripts reach the rules the
 * way a sidecar or `callqa analyze` file does, with no earlier clean-up.
 */
import { describe, expect, it } from 'vitest';
import type { Segment, Transcript } from '../../domain/transcript.js';
import { cleanTranscriptSegments } from '../../text/transcript-cleanup.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import { analyzeTranscript } from '../../rules/analyze.js';

const GREETING: Segment = { start: 0.5, end: 3, speaker: 'agent', text: '您好，县行政服务中心，请讲。' };
const call = (segments: Segment[]): Transcript => ({ callId: 'clean', durationSec: 60, segments });
const status = (t: Transcript, id: string, centreNames?: string[]) =>
  analyzeTranscript(t, { now: new Date(0), ...(centreNames ? { centreNames } : {}) }).rules.find((r) => r.id === id)!;

describe('clean-up of any transcript before the rules', () => {
  it('a non-speech label as the agent’s first line does not fail the greeting', () => {
    const t = call([
      { start: 0, end: 0.4, speaker: 'agent', text: '(音樂播放中)' },
      { ...GREETING },
      { start: 4, end: 6, speaker: 'customer', text: '我想问一下' },
    ]);
    expect(status(t, 'opening_greeting').status).toBe('pass');
  });
  it('an invented outro never counts as the caller closing the call', () => {
    const t = call([
      { ...GREETING },
      { start: 4, end: 6, speaker: 'customer', text: '我想问一下社保卡怎么补办' },
      { start: 7, end: 9, speaker: 'agent', text: '带身份证来窗口办。就这样。' },
      { start: 40, end: 42, speaker: 'customer', text: '我们下期再见' },
    ]);
    expect(status(t, 'consent_before_hangup').status).toBe('fail');
  });
  it('one looped line gives one finding, not one per copy', () => {
    const loop: Segment[] = Array.from({ length: 8 }, (_, i) => ({
      start: 10 + i * 2,
      end: 12 + i * 2,
      speaker: 'agent' as const,
      text: '你有完没完啊',
    }));
    const t = call([{ ...GREETING }, { start: 4, end: 8, speaker: 'customer', text: '那我再问一下' }, ...loop]);
    expect(status(t, 'banned_phrase').findings.map((f) => f.phraseId)).toEqual(['B15']);
  });
  it('an invented tail is removed and the rest of the line is still judged', () => {
    const t = call([
      { ...GREETING },
      { start: 4, end: 6, speaker: 'customer', text: '结婚证丢了怎么办' },
      { start: 7, end: 10, speaker: 'agent', text: '这个不归我们，你去问民政局。谢谢观看' },
    ]);
    const banned = status(t, 'banned_phrase');
    expect(banned.findings.map((f) => f.phraseId)).toEqual(['B02']);
    expect(banned.findings[0]!.text).not.toContain('谢谢观看');
  });
  it('the ASR initial prompt echoed back alone is never speech: no greeting pass, the call goes to a person', () => {
    const prompt = initialPrompt(['县行政服务中心']);
    const t = call([
      { start: 0, end: 4, speaker: 'agent', text: prompt },
      { start: 5, end: 7, speaker: 'customer', text: '喂？' },
    ]);
    const report = analyzeTranscript(t, { now: new Date(0), centreNames: ['县行政服务中心'] });
    expect(report.rules.find((r) => r.id === 'opening_greeting')!.status).not.toBe('pass');
    expect(report.flagged).toBe(true);
  });
  it('a part of the prompt echoed is removed too, whatever centre names the analysis is given', () => {
    const t = call([
      { start: 0, end: 2, speaker: 'agent', text: '您好，县行政服务中心，请讲。以下是普通话的政务' },
      { start: 3, end: 5, speaker: 'customer', text: '喂？' },
    ]);
    expect(status(t, 'opening_greeting').status).not.toBe('pass');
  });
  it('the real greeting, which the prompt also holds, is kept', () => {
    const t = call([{ ...GREETING }, { start: 4, end: 6, speaker: 'customer', text: '我想问一下' }]);
    expect(status(t, 'opening_greeting', ['县行政服务中心']).status).toBe('pass');
  });
  it('speech after an echo in the same segment is kept', () => {
    const prompt = initialPrompt([]);
    const r = cleanTranscriptSegments([{ start: 0, end: 5, speaker: 'customer', text: `${prompt}我想问一下补办` }], {
      durationSec: 10,
      prompt,
    });
    expect(r.segments.map((s) => s.text)).toEqual(['我想问一下补办']);
    expect(r.dropped[0]).toMatchObject({ reason: 'prompt_echo', partial: true });
  });
  it('leaves clean text exactly as written and is idempotent', () => {
    const segs: Segment[] = [
      { start: 0, end: 2, speaker: 'agent', text: '您好，縣行政服務中心\u3000請講' },
      { start: 3, end: 4, speaker: 'customer', text: '好的' },
      { start: 5, end: 6, speaker: 'customer', text: '好的' },
    ];
    const once = cleanTranscriptSegments(segs, { durationSec: 10 });
    expect(once.segments).toEqual(segs);
    expect(cleanTranscriptSegments(once.segments, { durationSec: 10 }).segments).toEqual(segs);
  });
});
