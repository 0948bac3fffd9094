/**
 * `check: audio` (phone_phrases, no_argument): checks on the audio measurements of the call
 * (`transcript.audio`): metrics such as `agentCharsPerMin`, holds without 请稍等, interruptions.
 */
import type { Finding, RuleResult } from '../../domain/report.js';
import type { AudioMeasurements, Speaker } from '../../domain/transcript.js';
import type { AudioCheck, AudioRule } from '../ruleset.js';
import type { RuleState } from '../analyze/context.js';
import { findingConfidence, roleQuality } from '../analyze/findings.js';
import { clock, METRIC_NOTES, ROLE_NAMES } from '../analyze/notes.js';

/** Han characters, letters and digits: what counts as a spoken character for the speech rate. */
const SPOKEN_CHAR = /[\p{Script=Han}a-z0-9]/gu;

/** Value of an audio metric, or a reason it cannot be measured on this call. */
function audioMetric(
  state: RuleState,
  audio: AudioMeasurements,
  metric: Extract<AudioCheck, { kind: 'metric' }>['metric'],
): number | string {
  switch (metric) {
    case 'durationSec':
      return audio.durationSec;
    case 'nonTalkSec':
      return audio.nonTalkSec;
    case 'nonTalkRatio':
      return audio.nonTalkRatio;
    case 'longestSilenceSec':
      return audio.silences.reduce((m, s) => Math.max(m, s.end - s.start), 0);
    case 'agentTalkRatio':
      return audio.agentTalkRatio ?? '需要双声道录音（坐席、来电人各占一个声道）';
    case 'agentCharsPerMin': {
      const talk = audio.talkSec.agent;
      const agent = state.utts.filter((u) => u.speaker === 'agent');
      if (!talk || !agent.length) return '没有坐席讲话时长或坐席讲话（单声道录音未区分角色，或坐席没有讲话）';
      const chars = agent.reduce((n, u) => n + (u.norm.match(SPOKEN_CHAR)?.length ?? 0), 0);
      return Math.round((chars / (talk / 60)) * 10) / 10;
    }
  }
}

/**
 * One audio check: its findings, or `na` with the reason it cannot run, and a note with what was measured.
 * A hold is a silence (`audio.silences`) of at least `minSec`; it is announced when an agent utterance that
 * ends at most `noticeWithinSec` s before the silence starts (or overlaps its first second) hits `notice`.
 */
function runAudioCheck(
  c: AudioCheck,
  rule: AudioRule,
  state: RuleState,
  audio: AudioMeasurements,
): { na?: string; findings: Finding[]; note: string } {
  const roles = roleQuality(state);
  const measured = (start: number, end: number, speaker: Speaker, text: string, note: string): Finding => ({
    start,
    end,
    speaker,
    text,
    confidence: findingConfidence(undefined, 1, roles.factor),
    needsReview: !rule.precise || roles.review,
    note: note + roles.note,
  });
  switch (c.kind) {
    case 'metric': {
      const v = audioMetric(state, audio, c.metric);
      const m = METRIC_NOTES[c.metric];
      if (typeof v === 'string') return { na: `${m.name}无法计算：${v}`, findings: [], note: '' };
      const rounded = Math.round(v * 1000) / 1000;
      const note = `${m.name} ${m.show(rounded)}`;
      state.trace?.({
        rule: rule.id,
        part: c.name,
        detail: `${c.metric} ${rounded} (limit: ${c.above !== undefined ? `above ${c.above}` : ''}${c.above !== undefined && c.below !== undefined ? ', ' : ''}${c.below !== undefined ? `below ${c.below}` : ''} fails)`,
      });
      const bad = (c.above !== undefined && v > c.above) || (c.below !== undefined && v < c.below);
      const speaker: Speaker = c.metric.startsWith('agent') ? 'agent' : 'unknown';
      return { findings: bad ? [measured(0, audio.durationSec, speaker, '', `${c.missing}（${note}）`)] : [], note };
    }
    case 'hold': {
      const agent = state.utts.filter((u) => u.speaker === 'agent');
      if (!agent.length)
        return { na: '通话中没有坐席讲话，无法判断静音/等待前是否说了“请稍等”（可能未能区分坐席与来电人）', findings: [], note: '' };
      const holds = audio.silences.filter((s) => s.end - s.start >= c.minSec);
      const findings: Finding[] = [];
      for (const s of holds) {
        const before = agent.filter((u) => u.end >= s.start - c.noticeWithinSec && u.start <= s.start + 1);
        const announced = before.find((u) => c.notice(u, state.ctx) !== null);
        const len = Math.round((s.end - s.start) * 10) / 10;
        state.trace?.({
          rule: rule.id,
          part: c.name,
          start: s.start,
          end: s.end,
          detail: `silence of ${len} s at ${clock(s.start)}: ${announced ? `announced ("${announced.text}")` : 'not announced'}`,
        });
        if (announced) continue;
        const last = agent.filter((u) => u.start <= s.start).at(-1);
        findings.push(measured(s.start, s.end, 'agent', last?.text ?? '', `${c.missing}：${clock(s.start)} 起静音/等待 ${len} 秒`));
      }
      return { findings, note: `${c.minSec} 秒及以上的静音/等待共 ${holds.length} 次` };
    }
    case 'interruptions': {
      if (!audio.speech.agent || !audio.speech.customer) {
        return { na: '抢话/打断需要双声道录音（坐席、来电人各占一个声道）', findings: [], note: '' };
      }
      const over = audio.interruptions.filter((x) => x.by === c.by && x.overlapMs >= c.minOverlapMs);
      for (const x of over)
        state.trace?.({
          rule: rule.id,
          part: c.name,
          start: x.start,
          end: x.start + x.overlapMs / 1000,
          speaker: c.by,
          detail: `${c.by} starts while the other side talks: ${x.overlapMs} ms overlap`,
        });
      const note = `${ROLE_NAMES[c.by]}抢话/打断（双方同时讲话 ${c.minOverlapMs} 毫秒及以上）共 ${over.length} 次`;
      if (over.length < c.atLeast) return { findings: [], note };
      const findings = over.map((x) => {
        const u = state.utts.filter((v) => v.speaker === c.by && Math.abs(v.start - x.start) <= 2).at(0);
        return measured(
          x.start,
          x.start + x.overlapMs / 1000,
          c.by,
          u?.text ?? '',
          `${c.missing}：${clock(x.start)} 处双方同时讲话 ${x.overlapMs} 毫秒`,
        );
      });
      return { findings, note };
    }
  }
}

/**
 * An `audio` rule: `na` when the transcript carries no audio measurements (a sidecar transcript, or
 * `callqa analyze` on a plain file) — never a silent pass — or when none of its checks can run on this call
 * (e.g. interruptions on a mono recording); else fails when any check fails.
 */
export function evaluateAudio(rule: AudioRule, state: RuleState): Omit<RuleResult, 'id'> {
  const audio = state.transcript.audio;
  if (!audio) {
    return {
      status: 'na',
      findings: [],
      note: '转写中没有音频测量数据（随录音提供的转写文件，或直接分析的转写文件），无法检查静音/等待、抢话/打断等音频项目',
    };
  }
  const findings: Finding[] = [];
  const notes: string[] = [];
  let ran = 0;
  for (const c of rule.checks) {
    const r = runAudioCheck(c, rule, state, audio);
    if (r.na) {
      notes.push(`未检查：${r.na}`);
      continue;
    }
    ran++;
    findings.push(...r.findings);
    if (r.note) notes.push(r.note);
  }
  if (ran === 0) return { status: 'na', findings: [], note: notes.join('；') };
  return { status: findings.length ? 'fail' : 'pass', findings, note: notes.join('；') };
}
