/**
 * The report format (version 1) that `analyze` produces for one call. Contract: `spec/contracts.md` §2 of
 * the shared specification; fields may be added, none renamed or removed. Times are seconds from the
 * start of the recording.
 */
import type { Speaker, TranscriptSource } from './transcript.js';

/**
 * Stable rule ids from the service norms (`norms/service-norms.md`), the one list from which {@link RuleId},
 * the rulesets' id check (rules/ruleset.ts) and the Chinese names (`RULE_NAMES` in domain/labels.ts, which
 * must name every id) are derived: a new rule id is added here and nowhere else.
 */
export const RULE_IDS = [
  'opening_greeting',
  'consent_before_hangup',
  'banned_phrase',
  'polite_language',
  'phone_phrases',
  'mandarin',
  'no_argument',
  'first_contact',
] as const;

/** A rule id of the norms: one of {@link RULE_IDS}. */
export type RuleId = (typeof RULE_IDS)[number];

/** `na`: the rule does not apply to this call (e.g. the caller cut the line, roles unknown). */
export type RuleStatus = 'pass' | 'fail' | 'na';

/** Evidence for a rule outcome: where in the call, who, and what was said. */
export interface Finding {
  /** Seconds from the start of the recording. */
  start: number;
  end: number;
  speaker: Speaker;
  /** The utterance's text as transcribed. */
  text: string;
  /** Banned-phrase id `B01`…`B15`, on `banned_phrase` findings. */
  phraseId?: string;
  /** 0..1: how sure the rule is (ASR confidence × match quality). */
  confidence?: number;
  /** True when a reviewer should confirm the finding before it counts as certain. */
  needsReview?: boolean;
  /** Short explanation in plain words, e.g. which phrase matched or what was missing. */
  note?: string;
}

/** The outcome of one rule on one call. */
export interface RuleResult {
  id: RuleId;
  status: RuleStatus;
  findings: Finding[];
  /** Points this rule took off the score (0 when it passed). */
  deduction?: number;
  /** Why the rule came out as it did, in plain words (e.g. why it is `na`). */
  note?: string;
  /** Severity from the ruleset: `minor`, `major` or `critical`. */
  severity?: 'minor' | 'major' | 'critical';
}

/**
 * Why a call is flagged for a quality officer: a rule failed, a finding is not certain enough to stand
 * without a person, or no agent speech was recognised at all (empty ASR output, unknown roles), so the
 * rules could not check the call.
 */
export type ReviewReason = 'rule_failed' | 'finding_needs_review' | 'no_agent_speech';

/** A scored report for one call. */
export interface Report {
  callId: string;
  /** 0..100, higher is better. */
  score: number;
  /** True when a quality officer should look at the call; `reviewReasons` says why. */
  flagged: boolean;
  reviewReasons?: ReviewReason[];
  rules: RuleResult[];
  /** Version of the ruleset that scored the call, e.g. `service-norms@1`. */
  rulesetVersion: string;
  durationSec: number;
  agentId?: string;
  startedAt?: string;
  /** ISO 8601 time of analysis. */
  analyzedAt: string;
  /** Where the transcript came from (ASR or a sidecar). */
  transcriptSource?: TranscriptSource;
  /** The recording object this report is about, when it came from object storage. */
  recording?: { bucket: string; key: string; etag: string };
  /** The report this one replaced when `callqa rescore` re-ran the rules: its score, ruleset version and time. */
  previous?: { score: number; rulesetVersion: string; analyzedAt: string };
}
