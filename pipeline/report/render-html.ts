/**
 * The readable report page for one call: the scorecard (rules and their status), then the transcript
 * with speaker and time on every utterance and the utterances that hold a finding highlighted.
 * Self-contained HTML (inline CSS, no scripts); every transcript string is escaped.
 */
import type { Transcript } from '../../domain/transcript.js';
import { agentCharsPerMinute } from '../audio/measure.js';
import type { Finding, Report } from '../../domain/report.js';
import { ruleName, SPEAKER_NAMES, STATUS_NAMES } from '../../domain/labels.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Formats seconds as `m:ss.s`. */
export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

function findingLabel(ruleId: string, f: Finding): string {
  // A note that already starts with the phrase id ("B01 不知道") is not preceded by the id again.
  const phraseId = f.phraseId && !f.note?.startsWith(f.phraseId) ? f.phraseId : undefined;
  return [ruleName(ruleId), phraseId, f.note].filter(Boolean).join(' · ');
}

/** Why a call is flagged, in the page's language (see `ReviewReason` in domain/report.ts). */
export const REVIEW_REASON_TEXT: Record<string, string> = {
  rule_failed: '有规范未通过',
  finding_needs_review: '有待人工确认的发现',
  no_agent_speech: '未识别到坐席讲话（语音识别无结果或角色未知），各项规范无法自动判定，请人工听音',
};

/** Silences at least this long are listed one by one on the page, seconds (the hold rule's own threshold is in the ruleset). */
export const LISTED_SILENCE_SEC = 5;

const ROLE_METHODS: Record<string, string> = {
  channels: '按声道（坐席、来电人各占一个声道）',
  greeting: '单声道：按开场问候语（说“您好，…中心”的一方为坐席）及话语特征判定',
  'text-cues': '单声道：按话语特征（请稍等、请问您还有…／我想问一下等）及轮流发言判定',
  unknown: '单声道：无法可靠判定，说话人标为“未知”，按说话人判定的规则不适用并转人工复核',
};

const seconds = (s: number) => `${s.toFixed(1)} 秒`;
const percent = (r: number) => `${(r * 100).toFixed(0)}%`;

/**
 * The page's audio section (通话音频指标): call duration, talk time per side and the agent's share, non-talk time
 * and its share, silences of {@link LISTED_SILENCE_SEC} s or more, interruptions, the agent's speech rate
 * (characters per minute of agent talk time), how speaker roles were assigned and with what confidence, and
 * the VAD settings. Says so when the transcript has no measurements.
 *
 * @param transcript the scored transcript (`audio`, `roles`, agent utterances)
 * @returns an HTML fragment (all numbers; no transcript text)
 */
export function renderAudioSection(transcript: Transcript): string {
  const rows: [string, string][] = [];
  const roles = transcript.roles;
  if (roles) rows.push(['说话人判定', `${ROLE_METHODS[roles.method] ?? escapeHtml(roles.method)}；置信度 ${roles.confidence.toFixed(2)}`]);
  const a = transcript.audio;
  if (!a) {
    rows.push(['音频指标', '无（此转写未附音频测量）']);
  } else {
    rows.push(['通话时长', seconds(a.durationSec)]);
    if (a.talkSec.agent !== undefined || a.talkSec.customer !== undefined) {
      const ratio = a.agentTalkRatio !== undefined ? `；坐席占双方说话时间 ${percent(a.agentTalkRatio)}` : '';
      rows.push(['说话时长', `坐席 ${seconds(a.talkSec.agent ?? 0)}，来电人 ${seconds(a.talkSec.customer ?? 0)}${ratio}`]);
    } else {
      rows.push(['说话时长', `${seconds(a.talkSec.unknown ?? 0)}（单声道，无法按声道区分坐席与来电人）`]);
    }
    rows.push([
      '静默（双方均未说话）',
      `合计 ${seconds(a.nonTalkSec)}，占通话 ${percent(a.nonTalkRatio)}（通话首尾之外、每段至少 ${a.vad.minSilenceSec} 秒）`,
    ]);
    const long = a.silences.filter((s) => s.end - s.start >= LISTED_SILENCE_SEC);
    const longest = a.silences.reduce((m, s) => Math.max(m, s.end - s.start), 0);
    rows.push([
      `长静默／等待（≥ ${LISTED_SILENCE_SEC} 秒）`,
      long.length
        ? long.map((s) => `${formatTime(s.start)}–${formatTime(s.end)}（${seconds(s.end - s.start)}）`).join('；')
        : `无（最长静默 ${seconds(longest)}）`,
    ]);
    rows.push([
      '抢话／插话',
      a.speech.agent && a.speech.customer
        ? a.interruptions.length
          ? a.interruptions.map((i) => `${formatTime(i.start)} ${SPEAKER_NAMES[i.by]}插话，重叠 ${i.overlapMs} 毫秒`).join('；')
          : '无'
        : '单声道录音无法判断',
    ]);
    const rate = agentCharsPerMinute(transcript.segments, a);
    rows.push(['坐席语速', rate !== undefined ? `每分钟 ${rate.toFixed(0)} 字（按坐席说话时长计）` : '无法计算（无坐席声道或无坐席转写）']);
    if (a.holds) {
      rows.push([
        '保持音／等待音乐',
        a.holds.length ? a.holds.map((h) => `${formatTime(h.start)}–${formatTime(h.end)}（${seconds(h.end - h.start)}）`).join('；') : '无',
      ]);
    }
    rows.push([
      '静音检测设置',
      a.vad.method
        ? `语音由神经网络语音检测（${escapeHtml(a.vad.method)}）判定，铃声、音乐不计为说话；静默每段至少 ${a.vad.minSilenceSec} 秒；高于 ${a.vad.noiseDb} dB 的非语音声音计为保持音`
        : `低于 ${a.vad.noiseDb} dB 且持续至少 ${a.vad.minSilenceSec} 秒视为静音`,
    ]);
  }
  return `<h2>通话音频指标</h2>
<table class="audio"><tbody>
${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('\n')}
</tbody></table>`;
}

/**
 * Renders the report page.
 *
 * @param report the scored report
 * @param transcript the transcript it was scored from (segments sorted by start)
 * @returns a complete HTML document (UTF-8)
 */
export function renderReportHtml(report: Report, transcript: Transcript): string {
  const marks = new Map<number, string[]>();
  for (const rule of report.rules) {
    for (const f of rule.findings) {
      const index = transcript.segments.findIndex((s) => s.start === f.start && s.end === f.end && s.speaker === f.speaker);
      if (index >= 0) marks.set(index, [...(marks.get(index) ?? []), findingLabel(rule.id, f)]);
    }
  }
  const ruleRows = report.rules
    .map(
      (r) =>
        `<tr class="${r.status}"><td>${escapeHtml(ruleName(r.id))}<br><code>${escapeHtml(r.id)}</code></td>` +
        `<td>${STATUS_NAMES[r.status] ?? r.status}</td><td>${r.deduction ? `-${r.deduction}` : ''}</td>` +
        `<td>${r.findings.map((f) => `${formatTime(f.start)} ${escapeHtml(findingLabel(r.id, f))}${f.needsReview ? '（待复核）' : ''}`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const utterances = transcript.segments
    .map((s, i) => {
      const labels = marks.get(i);
      const cls = `${s.speaker}${labels ? ' finding' : ''}`;
      return (
        `<li class="${cls}"><span class="t">${formatTime(s.start)}–${formatTime(s.end)}</span> ` +
        `<span class="who">${SPEAKER_NAMES[s.speaker] ?? s.speaker}</span> <span class="text">${escapeHtml(s.text)}</span>` +
        (labels ? `<span class="why">${labels.map(escapeHtml).join('；')}</span>` : '') +
        '</li>'
      );
    })
    .join('\n');
  const source =
    transcript.source?.kind === 'sidecar'
      ? '随录音提供的转写（非本系统语音识别）'
      : transcript.source?.kind === 'asr'
        ? `语音识别：${escapeHtml(transcript.source.model ?? '')}`
        : '未注明';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>质检报告 ${escapeHtml(report.callId)}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
tr.fail td:nth-child(2){color:#b00;font-weight:bold}tr.pass td:nth-child(2){color:#070}
ol{list-style:none;padding:0}li{padding:.3rem .5rem;border-left:4px solid #ddd;margin:.2rem 0}
li.agent{border-color:#36c}li.customer{border-color:#999}li.finding{background:#fff1c2}
.t{color:#777;font-size:.85em}.who{font-weight:bold}.why{display:block;color:#a40;font-size:.85em}
.score{font-size:2rem}.flag{color:#b00}
</style></head><body>
<h1>通话质检报告</h1>
<p class="score">得分 ${report.score}${report.flagged ? ' <span class="flag">需复核</span>' : ''}</p>
${report.reviewReasons?.length ? `<p class="flag">复核原因：${report.reviewReasons.map((r) => escapeHtml(REVIEW_REASON_TEXT[r] ?? r)).join('；')}</p>` : ''}
<p>通话编号 ${escapeHtml(report.callId)}；坐席 ${escapeHtml(report.agentId ?? '未知')}；开始时间 ${escapeHtml(formatTimestampForPeople(report.startedAt))}；分析时间 ${escapeHtml(formatTimestampForPeople(report.analyzedAt))}；
时长 ${report.durationSec.toFixed(1)} 秒；规则集 ${escapeHtml(report.rulesetVersion)}；转写来源 ${source}</p>
${renderAudioSection(transcript)}
<h2>评分项</h2>
<table><thead><tr><th>规范</th><th>结果</th><th>扣分</th><th>依据</th></tr></thead><tbody>
${ruleRows}
</tbody></table>
<h2>通话转写</h2>
${utterances ? `<ol>\n${utterances}\n</ol>` : '<p>（转写为空：没有识别到任何讲话内容）</p>'}
</body></html>
`;
}

/** The time zone reports written for people show times in (the centre's). */
export const REPORT_TIME_ZONE = 'Asia/Shanghai';

const reportTimeFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: REPORT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/**
 * A timestamp as people read it in a report: local time in {@link REPORT_TIME_ZONE} with the zone named,
 * and the exact ISO 8601 instant beside it, e.g. `2026-11-28 09:15:02（Asia/Shanghai；ISO 8601 2026-11-28T01:15:02.000Z）`.
 * `未知` when missing; the text as given when it is not a time.
 */
export function formatTimestampForPeople(iso: string | undefined): string {
  if (!iso) return '未知';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${reportTimeFormat.format(d)}（${REPORT_TIME_ZONE}；ISO 8601 ${d.toISOString()}）`;
}
