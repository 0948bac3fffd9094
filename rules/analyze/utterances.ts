/**
 * Utterance preparation, the first step of `analyzeTranscript`: clean the segments the way every transcript
 * source is cleaned (`cleanTranscriptSegments`: labels, hallucinated lines and clauses, the echo of the ASR
 * initial prompt, loops); sort segments by start; normalise each text once (`normalizeWithMap`); drop
 * utterances the ruleset's `ignore` condition hits (a second line against whisper hallucinations) and empty
 * ones. A segment flagged `decoder_loop` is one utterance like any other, so it counts once. Also here: the
 * merge of one speaker's split segments (`mergeGapSec`), the start of the first speech (the greeting window
 * `withinSecOfFirstSpeech` counts from it) and the quoting of a hit from the original text.
 */
import type { Segment, Speaker, Transcript } from '../../domain/transcript.js';
import { cleanTranscriptSegments } from '../../text/transcript-cleanup.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import { normalizeText, normalizeWithMap, originalSpan } from '../../text/normalize.js';
import type { Hit, MatchContext, Matcher, MatchText } from '../conditions/match.js';

/** One utterance: a segment (or, with `mergeGapSec`, consecutive segments of one speaker), normalised. */
export interface Utterance extends MatchText {
  /** Position in the call's utterance list (of a merged utterance: of its last segment). */
  idx: number;
  start: number;
  end: number;
  speaker: Speaker;
  text: string;
  /** Offsets of `norm` in `text` ({@link normalizeWithMap}); absent on merged utterances. */
  map?: number[];
  confidence?: number;
}

/** Segments as utterances: sorted by start, each text normalised once with its offset map; `idx` = position. */
function toUtterances(segments: readonly Segment[]): Utterance[] {
  return [...segments]
    .sort((a, b) => a.start - b.start)
    .map((s, idx) => {
      const n = normalizeWithMap(s.text);
      return {
        idx,
        start: s.start,
        end: s.end,
        speaker: s.speaker,
        text: s.text,
        norm: n.norm,
        map: n.map,
        ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
      };
    });
}

/**
 * Utterances with consecutive same-speaker segments merged when the gap is at most `gap` seconds (a scope's
 * `mergeGapSec`: one speaker's sentence that ASR split). A merged utterance joins the normalised texts with
 * `，`, takes the lower confidence of its parts (the first part's when the other has none) and the `idx` of
 * its last part, and has no offset map; the others are the same objects as in `utts`.
 */
export function mergeUtterances(utts: readonly Utterance[], gap: number): Utterance[] {
  const m: Utterance[] = [];
  for (const u of utts) {
    const prev = m.at(-1);
    if (prev && prev.speaker === u.speaker && u.start - prev.end <= gap) {
      const norm = prev.norm && u.norm ? `${prev.norm}，${u.norm}` : prev.norm || u.norm;
      // The lower confidence when both parts have one; else the first part's, if any.
      const confidence =
        prev.confidence !== undefined && u.confidence !== undefined ? Math.min(prev.confidence, u.confidence) : prev.confidence;
      // A new object with only the utterance's own fields: what was computed from the parts' texts (sound key,
      // words, …) does not hold for the joined text.
      m[m.length - 1] = {
        idx: u.idx,
        start: prev.start,
        end: Math.max(prev.end, u.end),
        speaker: prev.speaker,
        text: prev.text + u.text,
        norm,
        ...(confidence !== undefined ? { confidence } : {}),
      };
    } else {
      m.push(u);
    }
  }
  return m;
}

const centreCache = new WeakMap<readonly string[], string[]>();
/** The ASR initial prompt for a list of centre names (its echo is removed before the rules run). */
const promptCache = new WeakMap<readonly string[], string>();
const NO_NAMES: readonly string[] = [];

/**
 * The per-call context of the conditions: the centre names of `AnalyzeOptions.centreNames`, normalised and
 * without empty ones (cached per array, so a caller passing the same array pays once).
 */
export function matchContext(names: readonly string[] | undefined): MatchContext {
  let centreNames: string[] = [];
  if (names?.length) {
    centreNames = centreCache.get(names) ?? names.map(normalizeText).filter((n) => n.length > 0);
    centreCache.set(names, centreNames);
  }
  return { centreNames };
}

/**
 * The utterances the rules read, in call order with `idx` renumbered: the transcript's segments cleaned (with
 * the echo of the ASR initial prompt for `names` removed), sorted, normalised, minus those the ruleset's
 * `ignore` condition hits and those with no text left.
 *
 * @param transcript a format-1 transcript (segments need not be sorted; times in seconds)
 * @param ignore the ruleset's `ignore` condition (null: none)
 * @param names `AnalyzeOptions.centreNames` as given (for the ASR prompt)
 * @param ctx the per-call context ({@link matchContext}) the `ignore` condition reads
 */
export function prepareUtterances(
  transcript: Transcript,
  ignore: Matcher | null,
  names: string[] | undefined,
  ctx: MatchContext,
): Utterance[] {
  const prompt = promptCache.get(names ?? NO_NAMES) ?? initialPrompt(names ?? []);
  promptCache.set(names ?? NO_NAMES, prompt);
  const all = toUtterances(cleanTranscriptSegments(transcript.segments, { durationSec: transcript.durationSec, prompt }).segments);
  const kept = ignore ? all.filter((u) => !u.norm || ignore(u, ctx) === null) : all;
  // Renumbered in place (the objects are this call's own): what `ignore` computed on them stays (MatchText).
  const utts = kept.filter((u) => u.norm.length > 0);
  utts.forEach((u, idx) => (u.idx = idx));
  return utts;
}

/** Start of the first utterance in seconds (0 when there is none): where the greeting window `withinSecOfFirstSpeech` starts. */
export function firstSpeechSec(utts: readonly Utterance[]): number {
  return utts[0]?.start ?? 0;
}

/** What the hit covers, quoted from the original text when the offsets are known (evidence as said). */
export function hitText(u: Utterance, hit: Hit): string {
  return u.map ? originalSpan(u.text, { norm: u.norm, map: u.map }, hit.start, hit.end) : u.norm.slice(hit.start, hit.end);
}
