/**
 * The values the steps of `analyzeTranscript` read: what is known about the call ({@link CallState}, built
 * once per call) and about the rule being evaluated ({@link RuleState}, built once per rule), plus the trace
 * of `callqa rules test`. Both are read-only; the only writes while the rules run are the sound keys each
 * {@link MatchText} computes on first use (a memo of a pure function of its text).
 */
import type { Speaker, Transcript } from '../../domain/transcript.js';
import type { RuleId } from '../../domain/report.js';
import type { Hit, MatchContext, MatchKind } from '../conditions/match.js';
import type { CompiledRule, Ruleset } from '../ruleset.js';
import { hitText, type Utterance } from './utterances.js';

/**
 * One step of a rule's evaluation, for a readable trace: which part of the rule (`part`: a requirement
 * name, a phrase id, `ask` / `callerClose` / `hangUp` / `lineCheck`, an audio check name, `anchor …`,
 * `only`) hit where (seconds, speaker, utterance text), what matched (`matched`, in normalised text) and how
 * (`match`, `quality`), or a measurement / decision in `detail`.
 */
export interface TraceEvent {
  rule: RuleId;
  part: string;
  start?: number;
  end?: number;
  speaker?: Speaker;
  text?: string;
  matched?: string;
  match?: MatchKind;
  quality?: number;
  /** Why the meaning layer hit: the frame or the nearest example. */
  why?: string;
  detail?: string;
}

/** What every rule reads about one call; built once by `analyzeTranscript`, never changed. */
export interface CallState {
  /** The prepared utterances (`prepareUtterances`), in call order. */
  readonly utts: readonly Utterance[];
  /** `transcript.durationSec`, seconds. */
  readonly durationSec: number;
  /** What the conditions read besides the utterance: the normalised centre names (`matchContext`). */
  readonly ctx: MatchContext;
  /** The utterances merged for each `mergeGapSec` (seconds) of the ruleset's scopes (`mergeUtterances`). */
  readonly merged: ReadonlyMap<number, readonly Utterance[]>;
  /** The compiled ruleset: review thresholds (`minReviewConfidence`, `minRoleConfidence`) and the rules. */
  readonly ruleset: Ruleset;
  /** The transcript as given: metadata for filters, `roles`, `audio` measurements. */
  readonly transcript: Transcript;
  /** `AnalyzeOptions.trace`; undefined when nobody listens. */
  readonly trace: ((event: TraceEvent) => void) | undefined;
}

/** A {@link CallState} with the rule being evaluated, and whether its outcome depends on who is agent and who is caller. */
export interface RuleState extends CallState {
  readonly rule: CompiledRule;
  /** `dependsOnRoles(rule)`: findings then carry the role-assignment confidence and may need review. */
  readonly roleDependent: boolean;
}

/** Where an utterance is, for a trace event: seconds, speaker and the text as said. */
export function where(u: Utterance): { start: number; end: number; speaker: Speaker; text: string } {
  return { start: u.start, end: u.end, speaker: u.speaker, text: u.text };
}

/** Traces a condition hit of the current rule (no-op without a trace listener). */
export function traceHit(state: RuleState, part: string, u: Utterance, hit: Hit): void {
  state.trace?.({
    rule: state.rule.id,
    part,
    ...where(u),
    matched: hitText(u, hit),
    match: hit.match,
    quality: hit.quality,
    ...(hit.why ? { why: hit.source ? `${hit.source}: ${hit.why}` : hit.why } : {}),
  });
}
