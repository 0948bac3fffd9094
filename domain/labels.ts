/**
 * Chinese names shown to people for rule ids, speakers and rule outcomes, in one place for the report page,
 * the review workspace and the monthly statistics.
 */
import type { FailureCode } from './errors.js';
import type { RuleId } from './report.js';

/** Chinese name of each rule id (`RULE_IDS`, norms/service-norms.md); the type makes every id need a name. */
export const RULE_NAMES: Readonly<Record<RuleId, string>> = {
  opening_greeting: '开场问候（您好＋中心名称）',
  consent_before_hangup: '挂机前征得对方同意',
  banned_phrase: '禁用语',
  polite_language: '文明用语（迎声、送声）',
  phone_phrases: '电话用语（请稍等）',
  mandarin: '普通话',
  no_argument: '不与服务对象争论',
  first_contact: '首问负责制',
};

/** The Chinese name of a rule id; an id this version does not know (from an older report) stays as it is. */
export function ruleName(id: string): string {
  return Object.hasOwn(RULE_NAMES, id) ? RULE_NAMES[id as RuleId] : id;
}

/** Chinese name of each speaker label of the transcript format. */
export const SPEAKER_NAMES: Record<string, string> = { agent: '坐席', customer: '来电人', unknown: '未知' };

/** Chinese name of each rule status. */
export const STATUS_NAMES: Record<string, string> = { pass: '通过', fail: '不通过', na: '不适用' };

/**
 * The wording of each banned phrase of a ruleset (its `phrases[].label`, e.g. `B06` → `下班了，明天再来`),
 * for showing a phrase id beside what it stands for. Phrases without a label are left out.
 */
export function bannedPhraseLabels(ruleset: {
  rules: readonly { check: string; phrases?: readonly { id: string; label?: string }[] }[];
}): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const rule of ruleset.rules) {
    if (rule.check !== 'forbid') continue;
    for (const phrase of rule.phrases ?? []) if (phrase.label) labels[phrase.id] ??= phrase.label;
  }
  return labels;
}

/** A banned phrase as people read it: its id and wording, `B06 下班了，明天再来` (the id alone without a label). */
export function phraseName(id: string, labels: Record<string, string>): string {
  return labels[id] ? `${id} ${labels[id]}` : id;
}

/**
 * Chinese explanation of each failure reason code a recording can end with (README, "Failure reason codes"),
 * shown beside the code on /admin/failed and in `callqa status`.
 */
export const FAILURE_CODE_NAMES: Readonly<Record<FailureCode, string>> = {
  empty_file: '文件为空（0 字节）',
  not_audio: '不是音频文件（如网页、文本或损坏的数据）',
  no_audio_stream: '文件里没有音频流',
  zero_duration: '音频长度为 0',
  unsupported_audio: '音频编码无法解码',
  invalid_metadata: '通话元数据（.json）无效',
  invalid_transcript: '转写文件无效',
  no_model: '未配置可用的语音识别模型',
  asr_failed: '语音识别失败',
  time_limit: '处理超时，子进程已终止',
  stalled: '任务中断（工作进程失联）',
  error: '临时错误，重试次数用尽',
  not_a_file: '不是普通文件（文件夹、管道或设备）',
  unreadable: '文件无法读取（如链接指向不存在的文件）',
  not_a_recording: '不是录音（附属文件没有同名录音，或其他 JSON 文件）',
  interrupted: '运行被中断，录音未处理完',
};

/** A failure code with its explanation, `not_audio（不是音频文件…）`; an unknown code stays as it is. */
export function failureCodeLabel(code: string | null | undefined): string {
  if (!code) return '';
  const name = failureCodeName(code);
  return name ? `${code}（${name}）` : code;
}

/** The Chinese explanation of a failure code, or undefined for a code this version does not know. */
export function failureCodeName(code: string | null | undefined): string | undefined {
  return code && Object.hasOwn(FAILURE_CODE_NAMES, code) ? FAILURE_CODE_NAMES[code as FailureCode] : undefined;
}

/**
 * Where a recording is, for operators: `bucket/key`, followed by the file name it had before upload when
 * `callqa process` stored it under a content key (`process/local/3f9a….wav (来电0412.wav)`).
 */
export function recordingLocation(r: { bucket: string; objectKey: string; originalName?: string | null }): string {
  return r.originalName ? `${r.bucket}/${r.objectKey} (${r.originalName})` : `${r.bucket}/${r.objectKey}`;
}
