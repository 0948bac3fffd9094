/**
 * Whether a rule applies to a call at all: its metadata filter (`only:` agents, lines, time of day, weekdays)
 * and, for a rule that depends on who is agent and who is caller, whether the roles are known. A rule that does
 * not apply is `na` with the reason for the reviewer.
 */
import type { RuleResult } from '../../domain/report.js';
import type { Transcript } from '../../domain/transcript.js';
import type { CompiledRule, RuleFilter } from '../ruleset.js';
import type { RuleState } from './context.js';

/** Local wall-clock minutes after midnight and ISO weekday (1 = Monday) of an ISO 8601 time as written (its own offset). */
export function localTime(iso: string): { minutes: number; weekday: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(iso);
  if (!m) return null;
  const day = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).getUTCDay();
  return { minutes: +m[4]! * 60 + +m[5]!, weekday: day === 0 ? 7 : day };
}

/** Why a call is outside a rule's metadata filter, or null when the rule applies (see `filterSchema`). */
export function outsideFilter(f: RuleFilter, t: Transcript): string | null {
  if (f.agents && (t.agentId === undefined || !f.agents.includes(t.agentId))) {
    return t.agentId === undefined ? '通话没有坐席工号，无法按本规则的坐席范围判断' : `坐席 ${t.agentId} 不在本规则适用的坐席范围内`;
  }
  if (f.lines && (t.line === undefined || !f.lines.includes(t.line))) {
    return t.line === undefined ? '通话没有线路信息，无法按本规则的线路范围判断' : `线路“${t.line}”不在本规则适用的线路范围内`;
  }
  if (f.timeOfDay || f.weekdays) {
    const lt = t.startedAt ? localTime(t.startedAt) : null;
    if (!lt) return '通话没有可用的开始时间，无法按本规则的时段判断';
    if (f.weekdays && !f.weekdays.includes(lt.weekday)) return `通话在星期${'一二三四五六日'[lt.weekday - 1]}，不在本规则适用的日期内`;
    if (f.timeOfDay) {
      const toMin = (x: string) => +x.slice(0, 2) * 60 + +x.slice(3, 5);
      const from = toMin(f.timeOfDay.from);
      const to = toMin(f.timeOfDay.to);
      const inside = from <= to ? lt.minutes >= from && lt.minutes < to : lt.minutes >= from || lt.minutes < to;
      const hm = `${String(Math.floor(lt.minutes / 60)).padStart(2, '0')}:${String(lt.minutes % 60).padStart(2, '0')}`;
      if (!inside) return `通话开始于当地时间 ${hm}，不在本规则适用的 ${f.timeOfDay.from}–${f.timeOfDay.to} 时段内`;
    }
  }
  return null;
}

/** True when the rule's outcome depends on which speaker is the agent (a speaker scope or a role-based check). */
export function dependsOnRoles(rule: CompiledRule): boolean {
  switch (rule.check) {
    case 'require':
      return rule.naIfNoSpeech !== 'any' || rule.requirements.some((q) => q.scope.speaker !== 'any');
    case 'forbid':
      return rule.scope.speaker !== 'any';
    case 'consent':
      return true;
    case 'audio':
      return rule.checks.some((c) => c.kind !== 'metric' || c.metric.startsWith('agent'));
  }
}

/**
 * The `na` result of a rule that does not apply to this call — outside its metadata filter (traced as part
 * `only`), or dependent on speaker roles that a mono recording left undetermined — or null when it applies.
 */
export function inapplicable(rule: CompiledRule, state: RuleState): Omit<RuleResult, 'id'> | null {
  if (rule.only) {
    const why = outsideFilter(rule.only, state.transcript);
    state.trace?.({ rule: rule.id, part: 'only', detail: why ?? 'the call matches the rule’s metadata filter' });
    if (why) return { status: 'na', findings: [], note: `不适用：${why}` };
  }
  if (state.roleDependent && state.transcript.roles?.method === 'unknown') {
    return { status: 'na', findings: [], note: '未能区分坐席与来电人（单声道录音，角色未判定），本规则需要区分说话人，无法判断' };
  }
  return null;
}
