/**
 * Chinese names shown to people for rule ids, speakers and rule outcomes, in one place for the report page,
 * the review workspace and the monthly statistics.
 */
import type { Ruleset } from '../../rules/ruleset.js';

/** Chinese name of each rule id (rule ids: norms/service-norms.md of the shared material). */
export const RULE_NAMES: Record<string, string> = {
  opening_greeting: '开场问候（您好＋中心名称）',
  consent_before_hangup: '挂机前征得对方同意',
  banned_phrase: '禁用语',
  polite_language: '文明用语（迎声、送声）',
  phone_phrases: '电话用语（请稍等）',
  mandarin: '普通话',
  no_argument: '不与服务对象争论',
  first_contact: '首问负责制',
};

/** Chinese name of each speaker label of the transcript format. */
export const SPEAKER_NAMES: Record<string, string> = { agent: '坐席', customer: '来电人', unknown: '未知' };

/** Chinese name of each rule status. */
export const STATUS_NAMES: Record<string, string> = { pass: '通过', fail: '不通过', na: '不适用' };

/**
 * The wording of each banned phrase of a ruleset (its `phrases[].label`, e.g. `B06` → `下班了，明天再来`),
 * for showing a phrase id beside what it stands for. Phrases without a label are left out.
 */
export function bannedPhraseLabels(ruleset: Pick<Ruleset, 'rules'>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const rule of ruleset.rules) {
    if (rule.check !== 'forbid') continue;
    for (const phrase of rule.phrases) if (phrase.label) labels[phrase.id] ??= phrase.label;
  }
  return labels;
}

/** A banned phrase as people read it: its id and wording, `B06 下班了，明天再来` (the id alone without a label). */
export function phraseName(id: string, labels: Record<string, string>): string {
  return labels[id] ? `${id} ${labels[id]}` : id;
}
