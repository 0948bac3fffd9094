import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HALLUCINATIONS, normalizeForCompare, postprocessSegments, type AsrSegment } from '../../text/transcript-cleanup.js';
import { toSimplified } from '../../text/normalize.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import { parseWhisperJson } from '../../pipeline/transcribe/whisper.js';
import { fixturesDir } from '../transcribe/helpers.js';

const call: AsrSegment[] = [
  { start: 0.3, end: 2.8, text: '您好，县婚姻登记中心，请讲。', confidence: 0.9 },
  { start: 3.1, end: 7.4, text: '你好，我想问一下结婚登记要带什么材料' },
  { start: 8.0, end: 12.5, text: '带好双方户口本和身份证就可以了。' },
  { start: 13.0, end: 15.2, text: '好的，谢谢。' },
  { start: 15.5, end: 17.0, text: '还有其他问题吗？没有的话我先挂了，再见。' },
];

describe('postprocessSegments', () => {
  it('converts Traditional to Simplified', () => {
    const { segments } = postprocessSegments(
      [
        { start: 0, end: 2.85, text: '您好，縣婚姻登記中心，請講。' },
        { start: 3, end: 5, text: '我想問一下結婚登記要帶什麼材料' },
      ],
      { durationSec: 10 },
    );
    expect(segments.map((s) => s.text)).toEqual(['您好，县婚姻登记中心，请讲。', '我想问一下结婚登记要带什么材料']);
    expect(toSimplified('看著')).toBe('看着');
    expect(toSimplified('您好，县婚姻登记中心')).toBe('您好，县婚姻登记中心');
  });

  it('converts the parsed two-segment whisper fixture, keeping both segments', async () => {
    const file = join(fixturesDir, 'whisper-1.5-ojf-two-segments.json');
    const raw = parseWhisperJson(await readFile(file, 'utf8'), file);
    const { segments, dropped } = postprocessSegments(raw, { durationSec: 95.2 });
    expect(dropped).toEqual([]);
    expect(segments.map((s) => s.text)).toEqual(['您好，县婚姻登记中心，请讲。', '你好，我想问一下结婚登记要带什么材料']);
    expect(segments[0]!.confidence).toBeCloseTo(0.857, 6);
  });

  it.each([
    '请不吝点赞 订阅 转发 打赏支持明镜与点点栏目',
    '字幕由Amara.org社区提供',
    '請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目',
    '字幕由 Amara.org 社區提供',
    '明镜需要您的支持 欢迎订阅明镜',
    '谢谢观看！',
    '谢谢观看 再见',
    '謝謝觀看，再見！',
    '感谢收看 拜拜',
    '[BLANK_AUDIO]',
    '(掌声)',
    '[音乐]',
  ])('a trailing invented line %j is dropped: segments identical to the call without it', (line) => {
    const without = postprocessSegments(call, { durationSec: 30 });
    const withLine = postprocessSegments([...call, { start: 18, end: 29.9, text: line }], { durationSec: 30 });
    expect(withLine.segments).toEqual(without.segments);
    expect(withLine.dropped).toHaveLength(1);
    expect(withLine.dropped[0]).toMatchObject({ start: 18, end: 29.9 });
    expect(['hallucination', 'non_speech_label']).toContain(withLine.dropped[0]!.reason);
  });

  it('keeps real speech around a credit line in the same segment, and genuine thanks', () => {
    const { segments, dropped } = postprocessSegments(
      [
        { start: 0, end: 3, text: '好的，再见。字幕由Amara.org社区提供' },
        { start: 3, end: 4, text: '谢谢' },
        { start: 4, end: 5, text: '谢谢观看这个材料清单' },
      ],
      { durationSec: 5 },
    );
    expect(segments.map((s) => s.text)).toEqual(['好的，再见。', '谢谢', '谢谢观看这个材料清单']);
    expect(dropped).toEqual([
      { start: 0, end: 3, text: '字幕由Amara.org社区提供', reason: 'hallucination', patternId: 'amara_credit', partial: true },
    ]);
  });

  it('keeps a farewell that no outro precedes, and an outro followed by more than a farewell', () => {
    const { segments } = postprocessSegments(
      [
        { start: 0, end: 2, text: '好的谢谢，再见' },
        { start: 2, end: 4, text: '谢谢观看 再见了您嘞 明天我再来' },
      ],
      { durationSec: 5 },
    );
    expect(segments.map((s) => s.text)).toEqual(['好的谢谢，再见', '再见了您嘞 明天我再来']);
  });

  it('removes an outro line and an echo of the prompt as clauses of a longer segment, in Simplified and Traditional text, and keeps clauses that only share words with them', () => {
    const prompt = initialPrompt(['县婚姻登记中心']);
    const r = postprocessSegments(
      [
        '你去问民政局。谢谢观看',
        '你去問民政局，謝謝觀看。',
        '好的。以下是普通话的政务服务热线',
        '好的，以下是普通話的政務服務熱線',
        '政务服务热线电话',
        '谢谢观看这个材料清单，政务大厅在哪里',
      ].map((text, i) => ({ start: i, end: i + 1, text })),
      { durationSec: 20, prompt, collapseRepeatedSegments: false },
    );
    expect(r.segments.map((s) => s.text)).toEqual([
      '你去问民政局。',
      '你去问民政局',
      '好的。',
      '好的',
      '谢谢观看这个材料清单，政务大厅在哪里',
    ]);
    expect(r.dropped.map((d) => [d.reason, d.text])).toEqual([
      ['hallucination', '谢谢观看'],
      ['hallucination', '谢谢观看'],
      ['prompt_echo', '以下是普通话的政务服务热线'],
      ['prompt_echo', '以下是普通话的政务服务热线'],
      ['prompt_echo', '政务服务热线电话'],
    ]);
  });

  it('strips non-speech labels inside a segment', () => {
    const { segments } = postprocessSegments([{ start: 0, end: 2, text: '[音乐] 您好，请讲 ♪' }], { durationSec: 5 });
    expect(segments.map((s) => s.text)).toEqual(['您好，请讲']);
  });

  it('collapses the same line repeated 8 times into one segment flagged decoder_loop', () => {
    const loop = Array.from({ length: 8 }, (_, i) => ({
      start: 20 + 2 * i,
      end: 21.5 + 2 * i,
      text: '请问还有什么可以帮您',
      confidence: 0.5,
    }));
    const { segments, dropped } = postprocessSegments([...call, ...loop], { durationSec: 40 });
    expect(segments).toHaveLength(call.length + 1);
    expect(segments.at(-1)).toEqual({ start: 20, end: 35.5, text: '请问还有什么可以帮您', confidence: 0.5, flags: ['decoder_loop'] });
    expect(dropped).toEqual([{ start: 22, end: 35.5, text: '请问还有什么可以帮您', reason: 'decoder_loop', count: 7 }]);
  });

  it('treats repeats that differ only in punctuation or script as one loop', () => {
    const { segments } = postprocessSegments(
      [
        { start: 0, end: 1, text: '好的，請稍等。' },
        { start: 1, end: 2, text: '好的 请稍等' },
        { start: 2, end: 3, text: '好的，请稍等！' },
      ],
      { durationSec: 3 },
    );
    expect(segments).toEqual([{ start: 0, end: 3, text: '好的，请稍等。', flags: ['decoder_loop'] }]);
  });

  it('keeps repeated lines of an engine that decodes each utterance on its own (collapseRepeatedSegments: false)', () => {
    // SenseVoice per VAD stretch: 好的 … 好的 in two stretches was said twice; no text context carries over.
    const raw = [
      { start: 0, end: 1, text: '好的' },
      { start: 3, end: 4, text: '好的' },
    ];
    const { segments, dropped } = postprocessSegments(raw, { durationSec: 5, collapseRepeatedSegments: false });
    expect(segments).toEqual(raw);
    expect(dropped).toEqual([]);
    // A loop inside one segment is still cut.
    expect(
      postprocessSegments([{ start: 0, end: 9, text: '好的，好的，好的，好的，好的，' }], {
        durationSec: 10,
        collapseRepeatedSegments: false,
      }).segments[0]!.text,
    ).toBe('好的');
  });

  it('cuts a segment that is one phrase repeated many times to one copy', () => {
    const { segments } = postprocessSegments([{ start: 0, end: 9, text: '好的，好的，好的，好的，好的，' }], { durationSec: 10 });
    expect(segments).toEqual([{ start: 0, end: 9, text: '好的', flags: ['decoder_loop'] }]);
    // Short natural repetition is left alone.
    expect(postprocessSegments([{ start: 0, end: 1, text: '好好好' }], { durationSec: 1 }).segments[0]!.text).toBe('好好好');
    expect(postprocessSegments([{ start: 0, end: 1, text: '谢谢谢谢' }], { durationSec: 1 }).segments[0]!.flags).toBeUndefined();
  });

  it('drops empty text and clamps / fixes times', () => {
    const { segments, dropped } = postprocessSegments(
      [
        { start: -0.5, end: 1, text: '喂？' },
        { start: 2, end: 1.5, text: '您好' },
        { start: 3, end: 3.5, text: '  ' },
        { start: 9.5, end: 12, text: '再见' },
      ],
      { durationSec: 10 },
    );
    expect(segments.map((s) => [s.start, s.end, s.text])).toEqual([
      [0, 1, '喂？'],
      [1.5, 2, '您好'],
      [9.5, 10, '再见'],
    ]);
    expect(dropped).toEqual([{ start: 3, end: 3.5, text: '', reason: 'empty' }]);
  });

  it('keeps the hallucination list as data with normalisable phrases', () => {
    expect(HALLUCINATIONS.length).toBeGreaterThan(10);
    for (const h of HALLUCINATIONS) expect(normalizeForCompare(h.phrase).length).toBeGreaterThan(3);
    expect(new Set(HALLUCINATIONS.map((h) => h.id)).size).toBe(HALLUCINATIONS.length);
  });
});
