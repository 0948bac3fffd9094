/**
 * What a compiled condition reads and returns: the utterance as the matchers see it ({@link MatchText}, with its
 * lazily computed sound key), the per-call context, the hit and how certain it is.
 */
import { soundKey } from '../../text/normalize.js';
import type { MeaningText } from '../meaning.js';

/**
 * An utterance as the matchers see it: its normalised text, and what is computed from it on first use and
 * kept on the object, so that every condition of every rule computes it once per utterance (`sound`, `words`
 * and the meaning layer's `reading`, {@link MeaningText}). An object whose `norm` changes must not keep these
 * fields (a merged utterance is a new object: `mergeUtterances` in analyze/utterances.ts).
 */
export interface MatchText extends MeaningText {
  /** Normalised text (`normalizeText` in text/normalize.ts). */
  norm: string;
  /** `norm.split('')`, computed on first use by sound-alike matching. */
  chars?: string[];
  /** {@link soundKey} of `norm`, computed on first use by regexes in the sound domain. */
  sound?: string;
  /** `sound` with doubled syllables folded (`undoubled` in text/normalize.ts; null: none), computed on first use. */
  undoubled?: { text: string; at: number[] } | null;
  /** The sound classes of its characters (`soundClassBits` in text/normalize.ts), computed on first use by phrase matching. */
  soundClasses?: Uint32Array;
}

/** The sound key of an utterance, computed once. */
export function soundOf(t: MatchText): string {
  return (t.sound ??= soundKey(t.norm));
}

/**
 * How a hit was found, from most to least certain: the phrase as written (`exact`), a sound-alike (`homophone`,
 * `pinyin: true`), within an edit distance (`edit`, `maxEdits`), by an intent frame of the meaning layer
 * (`meaning`), or by similarity to example sentences (`similar`). Anything but `exact` sends a finding to
 * human review.
 */
export type MatchKind = 'exact' | 'homophone' | 'edit' | 'similar' | 'meaning';

/**
 * Match quality factor of each kind (1 = certain), used in a finding's confidence (see `findingConfidence` in analyze/findings.ts):
 * exact 1, homophone 0.85 (0.8 with a doubled syllable skipped, 0.6 with a syllable missing), edit 0.8 − 0.1
 * per edit, a frame of the meaning layer 0.75, similar 0.65 × the cosine similarity.
 */
export const MATCH_QUALITY = {
  exact: 1,
  homophone: 0.85,
  doubled: 0.8,
  dropped: 0.6,
  editBase: 0.8,
  editStep: 0.1,
  meaning: 0.75,
  similarScale: 0.65,
} as const;

/** A hit of a condition in an utterance: `[start, end)` in UTF-16 units of the normalised text. */
export interface Hit {
  start: number;
  end: number;
  /** How it was found (the least certain part, for `and`). */
  match: MatchKind;
  /** 0..1 match quality ({@link MATCH_QUALITY}); 1 for exact hits. */
  quality: number;
  /** Why it hit, for the reviewer (Chinese): the words of a meaning frame or the nearest example (meaning layer only). */
  why?: string;
  /** What hit, for administrators (`callqa rules test`): `frame <id>` or `example bank`. */
  source?: string;
}

/** Per-call inputs that conditions may read (from `AnalyzeOptions`). */
export interface MatchContext {
  /** Normalised centre names from `AnalyzeOptions.centreNames`. */
  centreNames: readonly string[];
}

/** A compiled condition: returns its hit in the utterance, or `null`. Pure; safe to share across calls. */
export type Matcher = (text: MatchText, ctx: MatchContext) => Hit | null;

/** The hit of a condition that covers nothing (`none`, `not`): `[0, 0)`, exact. */
export const EMPTY_HIT: Hit = { start: 0, end: 0, match: 'exact', quality: 1 };
