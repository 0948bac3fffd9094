/**
 * consent_before_hangup on kinds of closing found in a second author's calls (ruleset service-norms@5): each
 * kind is tested with sentences of its own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { parseTranscriptText } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { rule } from './helpers.js';

/** Builds a transcript from `[speaker, text]` turns, 3 s each with 0.5 s gaps, and returns the consent result. */
function consentOf(turns: ['agent' | 'customer', string][]) {
  const segments = turns.map(([speaker, text], i) => ({ start: i * 3.5, end: i * 3.5 + 3, speaker, text, confidence: 0.9 }));
  const transcript = parseTranscriptText(
    JSON.stringify({ callId: 'kinds', durationSec: turns.length * 3.5, language: 'zh', segments }),
    'kinds.json',
  );
  return rule(analyzeTranscript(transcript, { now: new Date('2026-11-30T12:00:00Z') }), 'consent_before_hangup');
}

const opening: ['agent' | 'customer', string][] = [
  ['agent', '您好，市政务服务中心，请讲。'],
  ['customer', '我想问下公积金提取要带什么'],
  ['agent', '带身份证和银行卡，线上也能办。'],
];

describe('consent_before_hangup: kinds of closing (service-norms@5)', () => {
  it.each([
    ['谢了', '行，晓得了，谢了哈。'],
    ['多谢', '好嘞，多谢多谢。'],
    ['唔该 (Cantonese)', '知道啦，唔该。'],
    ['麻烦了 without 您', '好的好的，麻烦了。'],
  ])('passes when the caller thanks as the last word in a colloquial form (%s)', (_kind, thanks) => {
    expect(consentOf([...opening, ['customer', thanks], ['agent', '不客气，再见。']]).status).toBe('pass');
  });

  it.each([
    ['好伐', '那我先挂了哈，好伐？'],
    ['行不', '我这边先挂了，行不？'],
    ['ASR slip on 挂', '那我先瓜了，可以吗？'],
  ])('passes when the agent asks leave with a regional tag or a misheard verb and the caller answers (%s)', (_kind, ask) => {
    expect(consentOf([...opening, ['agent', ask], ['customer', '嗯嗯，行。'], ['agent', '好，再见。']]).status).toBe('pass');
  });

  it('fails when the agent asks and hangs up in one breath, even after the caller said they would go', () => {
    const r = consentOf([...opening, ['customer', '那我先去银行问问看'], ['agent', '好。还有别的吗？没有就挂了啊。']]);
    expect(r.status).toBe('fail');
    expect(r.findings[0]?.text).toContain('挂了');
  });

  it('fails 先这样 after the caller only said they would think again (再想想 is no 再见)', () => {
    const r = consentOf([...opening, ['customer', '哦，那我回去再想想吧'], ['agent', '行，那先这样。']]);
    expect(r.status).toBe('fail');
  });

  it('still passes when the caller really says goodbye by sound (在见)', () => {
    expect(consentOf([...opening, ['customer', '好的，在见。'], ['agent', '再见。']]).status).toBe('pass');
  });
});
