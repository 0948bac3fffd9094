/**
 * Findings: the evidence a rule reports on an utterance or an audio measurement, with its confidence and
 * whether a reviewer must check it (review routing).
 */
import type { Finding } from '../../domain/report.js';
import type { Hit } from '../conditions/match.js';
import type { RuleState } from './context.js';
import { MATCH_NOTE, ROLE_METHOD_NAMES } from './notes.js';
import type { Utterance } from './utterances.js';

/** Role confidence factor and review need of the current rule (see {@link findingConfidence}). */
export function roleQuality(state: RuleState): { factor: number; review: boolean; note: string } {
  const roles = state.transcript.roles;
  if (!state.roleDependent || !roles) return { factor: 1, review: false, note: '' };
  const review = roles.confidence < state.ruleset.minRoleConfidence;
  return {
    factor: roles.confidence,
    review,
    note: review ? `（坐席/来电人角色${ROLE_METHOD_NAMES[roles.method] ?? roles.method}，置信度 ${roles.confidence}，请核实说话人）` : '',
  };
}

/**
 * A finding's confidence, 0..1 (rounded to 0.01): ASR confidence of the utterance (1 when the engine gives
 * none) × match quality of the hit (exact 1, homophone 0.85, edit 0.8 − 0.1 per edit, similar 0.65 × cosine;
 * 1 for a missing requirement or an audio measurement) × the role-assignment confidence when the rule depends on
 * speaker roles and the transcript records one (`transcript.roles.confidence`).
 */
export function findingConfidence(asr: number | undefined, matchQuality: number, roleFactor: number): number {
  return Math.round((asr ?? 1) * matchQuality * roleFactor * 100) / 100;
}

/**
 * A finding on an utterance. Needs review when the rule (or phrase) is not precise, the hit is not exact, the
 * ASR confidence is below `review.minConfidence`, or the roles it depends on were assigned with a confidence
 * below `review.minRoleConfidence`.
 */
export function finding(state: RuleState, u: Utterance, hit: Hit | null, precise: boolean, note: string, phraseId?: string): Finding {
  const lowConf = u.confidence !== undefined && u.confidence < state.ruleset.minReviewConfidence;
  const match = hit?.match ?? 'exact';
  const roles = roleQuality(state);
  const f: Finding = {
    start: u.start,
    end: u.end,
    speaker: u.speaker,
    text: u.text,
    confidence: findingConfidence(u.confidence, hit?.quality ?? 1, roles.factor),
    needsReview: !precise || match !== 'exact' || lowConf || roles.review,
    note: `${note}${MATCH_NOTE[match]}${roles.note}`,
  };
  if (phraseId !== undefined) f.phraseId = phraseId;
  return f;
}
