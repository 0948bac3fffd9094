/**
 * Reviewer notes: the plain words in which findings and rule results are explained to quality officers on the
 * review page and the report page — Simplified Chinese in the terms of the norms (坐席, 来电人, 静音/等待,
 * 抢话/打断, 语速), numbers with their units (秒, 毫秒, 字/分钟, %). `trace` details (`callqa rules test`, for
 * administrators) and errors stay English. The sentences of each check are written beside its decision
 * (../checks/*.ts) from the names and formats here.
 */
import type { Speaker } from '../../domain/transcript.js';
import type { Hit, MatchKind } from '../conditions/match.js';
import type { AudioCheck, ForbidRule } from '../ruleset.js';
import { hitText, type Utterance } from './utterances.js';

/** The reviewer-facing name of each speaker role. */
export const ROLE_NAMES: Record<Speaker, string> = { agent: '坐席', customer: '来电人', unknown: '未知说话人' };

/** How the speaker roles of a mono recording were assigned (`transcript.roles.method`), for role notes. */
export const ROLE_METHOD_NAMES: Record<string, string> = {
  channels: '按声道',
  greeting: '按开场问候语推断',
  'text-cues': '按话语特征推断',
  unknown: '无法判定',
};

/** A reviewer-facing name, value and unit of each audio metric (ratios 0..1 are shown as percentages). */
export const METRIC_NOTES: Record<Extract<AudioCheck, { kind: 'metric' }>['metric'], { name: string; show: (v: number) => string }> = {
  durationSec: { name: '通话时长', show: (v) => `${v} 秒` },
  nonTalkSec: { name: '静音/等待总时长', show: (v) => `${v} 秒` },
  nonTalkRatio: { name: '静音/等待占比', show: (v) => `${Math.round(v * 1000) / 10}%` },
  longestSilenceSec: { name: '最长一次静音/等待', show: (v) => `${v} 秒` },
  agentTalkRatio: { name: '坐席讲话时长占比', show: (v) => `${Math.round(v * 1000) / 10}%` },
  agentCharsPerMin: { name: '坐席语速', show: (v) => `${v} 字/分钟` },
};

/** What a finding's note adds for each kind of match: why a reviewer should check it (nothing for an exact match). */
export const MATCH_NOTE: Record<MatchKind, string> = {
  exact: '',
  homophone: '（读音相近匹配，可能是语音识别的同音字）',
  edit: '（近似匹配，在容错字数以内）',
  similar: '（与示例句相似）',
  meaning: '（按意义匹配）',
};

/** An utterance quoted for a note, “…”, cut to {@link QUOTE_MAX} characters so that a long merged utterance does not swamp the note. */
export function quote(text: string): string {
  const chars = [...text.trim()];
  return `“${chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX).join('')}…` : chars.join('')}”`;
}
const QUOTE_MAX = 40;

/** The note of a `forbid` finding: the phrase id and label, then the part of the utterance that hit, e.g. `B01 不知道：原话含“不知道”`. */
export function phraseNote(p: ForbidRule['phrases'][number], u: Utterance, hit: Hit): string {
  return `${p.id}${p.label ? ` ${p.label}` : ''}：原话含“${hitText(u, hit)}”${hit.why ? `（${hit.why}）` : ''}`;
}

/** Seconds as m:ss for notes. */
export function clock(sec: number): string {
  const s = Math.floor(sec);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
