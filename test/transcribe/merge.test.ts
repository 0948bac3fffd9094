import { describe, expect, it } from 'vitest';
import { mergeChannels } from '../../pipeline/transcribe/merge.js';
import { parseTranscript } from '../../domain/transcript.js';

describe('mergeChannels', () => {
  it('builds a sorted format-1 transcript with speakers from the channel roles', () => {
    const t = mergeChannels(
      [
        { role: 'customer', segments: [{ start: 3.1, end: 7.4, text: '你好，我想问一下结婚登记要带什么材料' }] },
        {
          role: 'agent',
          segments: [
            { start: 0.32, end: 2.85, text: '您好，县婚姻登记中心，请讲。', confidence: 0.93 },
            { start: 8, end: 9, text: '请稍等', flags: ['decoder_loop'] },
          ],
        },
      ],
      {
        callId: '20261128-0915-A017-00042',
        durationSec: 95.2,
        agentId: 'A017',
        startedAt: '2026-11-28T09:15:02+08:00',
        language: 'zh',
        source: { engine: 'whisper.cpp (main)', model: 'ggml-small.bin' },
      },
    );
    expect(t).toEqual({
      callId: '20261128-0915-A017-00042',
      durationSec: 95.2,
      language: 'zh',
      agentId: 'A017',
      startedAt: '2026-11-28T09:15:02+08:00',
      segments: [
        { start: 0.32, end: 2.85, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。', confidence: 0.93 },
        { start: 3.1, end: 7.4, speaker: 'customer', text: '你好，我想问一下结婚登记要带什么材料' },
        { start: 8, end: 9, speaker: 'agent', text: '请稍等', flags: ['decoder_loop'] },
      ],
      source: { kind: 'asr', engine: 'whisper.cpp (main)', model: 'ggml-small.bin' },
    });
    expect(parseTranscript(JSON.parse(JSON.stringify(t)), 'merged')).toEqual(t);
  });

  it('handles a mono unknown channel, omits absent optional fields and clamps to the duration', () => {
    const t = mergeChannels([{ role: 'unknown', segments: [{ start: 1, end: 12, text: '喂' }] }], { callId: 'c1', durationSec: 10 });
    expect(t).toEqual({ callId: 'c1', durationSec: 10, segments: [{ start: 1, end: 10, speaker: 'unknown', text: '喂' }] });
    expect(mergeChannels([], { callId: 'c2', durationSec: 0 }).segments).toEqual([]);
  });
});
