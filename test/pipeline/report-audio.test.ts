// The report page's audio section (pipeline/report/render-html.ts): measurements, speech rate and role method
// shown in Chinese; mono and missing measurements say what cannot be told.
import { describe, expect, it } from 'vitest';
import { agentCharsPerMinute, computeMeasurements } from '../../pipeline/audio/measure.js';
import { renderReportHtml } from '../../pipeline/report/render-html.js';
import type { Transcript } from '../../domain/transcript.js';
import type { Report } from '../../domain/report.js';

const VAD = { noiseDb: -35, minSilenceSec: 0.4 };
const report = (t: Transcript): Report => ({
  callId: t.callId,
  score: 100,
  flagged: false,
  rules: [],
  rulesetVersion: 'test@1',
  durationSec: t.durationSec,
  analyzedAt: '2026-11-29T00:00:00Z',
});
/** The page's text, tags removed. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('agentCharsPerMinute', () => {
  it('counts spoken characters of agent utterances per minute of agent talk time', () => {
    const audio = computeMeasurements({
      durationSec: 10,
      channels: [
        { role: 'agent', speech: [{ start: 0, end: 6 }] },
        { role: 'customer', speech: [] },
      ],
      vad: VAD,
    });
    const segments = [
      { speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' }, // 11 spoken characters, punctuation not counted
      { speaker: 'customer', text: '你好，我想问一下。' },
      { speaker: 'agent', text: 'A017号为您服务' }, // 9
    ];
    expect(agentCharsPerMinute(segments, audio)).toBe(200); // 20 characters in 0.1 min
    expect(
      agentCharsPerMinute(
        segments.filter((s) => s.speaker === 'customer'),
        audio,
      ),
    ).toBeUndefined();
    const mono = computeMeasurements({ durationSec: 10, channels: [{ role: 'unknown', speech: [{ start: 0, end: 6 }] }], vad: VAD });
    expect(agentCharsPerMinute(segments, mono)).toBeUndefined();
    expect(agentCharsPerMinute(segments, undefined)).toBeUndefined();
  });
});

describe('report page: audio section', () => {
  it('stereo: durations, talk times and share, non-talk, long silences, interruptions, speech rate, role method', () => {
    const audio = computeMeasurements({
      durationSec: 40,
      channels: [
        {
          role: 'agent',
          speech: [
            { start: 0.5, end: 6.5 },
            { start: 20, end: 26 },
          ],
        },
        {
          role: 'customer',
          speech: [
            { start: 6, end: 12 },
            { start: 25.5, end: 30 },
          ],
        },
      ],
      vad: VAD,
    });
    const t: Transcript = {
      callId: 'stereo-1',
      durationSec: 40,
      roles: { method: 'channels', confidence: 1 },
      audio,
      segments: [
        { start: 0.5, end: 6.5, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
        { start: 6, end: 12, speaker: 'customer', text: '你好，我想问一下。' },
        { start: 20, end: 26, speaker: 'agent', text: '请问您还有其他需要帮助的吗？' },
      ],
    };
    const page = text(renderReportHtml(report(t), t));
    expect(page).toContain('通话音频指标');
    expect(page).toContain('说话人判定 按声道');
    expect(page).toContain('置信度 1.00');
    expect(page).toContain('通话时长 40.0 秒');
    expect(page).toContain('坐席 12.0 秒，来电人 10.5 秒；坐席占双方说话时间 53%');
    expect(page).toContain('合计 8.0 秒，占通话 20%');
    expect(page).toContain('0:12.0–0:20.0（8.0 秒）'); // the 8 s silence, listed (≥ 5 s)
    expect(page).toContain('0:06.0 来电人插话，重叠 500 毫秒');
    expect(page).toContain('0:25.5 来电人插话，重叠 500 毫秒');
    expect(page).toContain('每分钟 120 字'); // 24 characters in 12 s of agent talk
    expect(page).toContain('低于 -35 dB 且持续至少 0.4 秒视为静音');
  });

  it('mono with roles unknown: says what cannot be told', () => {
    const audio = computeMeasurements({
      durationSec: 10,
      channels: [
        {
          role: 'unknown',
          speech: [
            { start: 0.5, end: 4 },
            { start: 5, end: 9 },
          ],
        },
      ],
      vad: VAD,
    });
    const t: Transcript = {
      callId: 'mono-1',
      durationSec: 10,
      roles: { method: 'unknown', confidence: 0.62 },
      audio,
      segments: [{ start: 0.5, end: 4, speaker: 'unknown', text: '喂。' }],
    };
    const page = text(renderReportHtml(report(t), t));
    expect(page).toContain('无法可靠判定');
    expect(page).toContain('置信度 0.62');
    expect(page).toContain('7.5 秒（单声道，无法按声道区分坐席与来电人）');
    expect(page).toContain('抢话／插话 单声道录音无法判断');
    expect(page).toContain('坐席语速 无法计算');
    expect(page).toContain('无（最长静默 1.0 秒）');
  });

  it('without measurements the page says so', () => {
    const t: Transcript = { callId: 'old-1', durationSec: 3, segments: [] };
    expect(text(renderReportHtml(report(t), t))).toContain('音频指标 无（此转写未附音频测量）');
  });

  it('shows times in the centre time zone, named, with the ISO 8601 instant beside them', () => {
    const t: Transcript = { callId: 'tz', durationSec: 10, segments: [] };
    const page = text(renderReportHtml({ ...report(t), startedAt: '2026-11-28T09:15:02+08:00' }, t));
    expect(page).toContain('开始时间 2026-11-28 09:15:02（Asia/Shanghai；ISO 8601 2026-11-28T01:15:02.000Z）');
    expect(page).toContain('分析时间 2026-11-29 08:00:00（Asia/Shanghai；ISO 8601 2026-11-29T00:00:00.000Z）');
  });
});
