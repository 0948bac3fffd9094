/**
 * Finding a phrase in an utterance: as written, by sound (same-sounding characters, a doubled or a missing
 * syllable: `findSound` in text/normalize.ts), or within an edit distance, never inside an exception phrase.
 * The phrase forms (`any`, `all`, `atLeast`, `none`) are built on {@link findPhrase}; `regex` uses the
 * exception spans.
 */
import {
  CLAUSE_SEP,
  charSoundIds,
  charSounds,
  findSound,
  normalizePhrase,
  soundClassBits,
  soundKey,
  type SoundMatch,
} from '../../text/normalize.js';
import { MATCH_QUALITY, soundOf, type Hit, type MatchText } from './match.js';
import { RulesetPathError, type Path } from './form.js';

/**
 * A phrase prepared once per ruleset: its normal form, its characters for matching by sound (`null` when
 * sound matching is off or the phrase spans a clause break), and the edit tolerance (0: none).
 */
export interface PreparedPhrase {
  norm: string;
  chars: string[] | null;
  /** Sound classes of each character of `chars` ({@link charSounds}). */
  sounds: (readonly string[])[] | null;
  /** The same as ids (`charSoundIds`), for the quick test {@link mayMatchBySound}. */
  soundIds: (readonly number[])[] | null;
  maxEdits: number;
  clipped: boolean;
}

/**
 * Prepares the phrases of a list once per ruleset (see {@link PreparedPhrase}).
 *
 * @param sound whether the phrases also match by sound (`pinyin`, default true)
 * @param path YAML path of the list, for errors
 * @throws {RulesetPathError} at the phrase when it has no letters after normalisation, or is too short for
 *   `maxEdits` (at least 2 × maxEdits + 2 characters, no punctuation)
 */
export function preparePhrases(phrases: string[], sound: boolean, path: Path, maxEdits = 0, clipped = false): PreparedPhrase[] {
  return phrases.map((p, i) => {
    const norm = normalizePhrase(p);
    if (!norm) throw new RulesetPathError([...path, i], `phrase "${p}" has no letters after normalisation`);
    if (maxEdits > 0 && (norm.includes('，') || norm.length < 2 * maxEdits + 2)) {
      throw new RulesetPathError(
        [...path, i],
        `phrase "${p}" is too short for maxEdits ${maxEdits} (needs at least ${2 * maxEdits + 2} characters and no punctuation)`,
      );
    }
    // A single character has too many same-sounding neighbours to match by sound.
    const chars = sound && !norm.includes('，') && norm.length >= 2 ? norm.split('') : null;
    return {
      norm,
      chars,
      sounds: chars ? chars.map((c) => charSounds(c)) : null,
      soundIds: chars ? chars.map((c) => charSoundIds(c)) : null,
      maxEdits,
      clipped,
    };
  });
}

/**
 * Whether a phrase can match an utterance by sound at all ({@link findSound} allows one missing syllable):
 * at least all but one of its characters have a same-sounding character somewhere in the text (the sound
 * classes of the text's characters, `soundClassBits`, computed once per utterance). A quick, exact pre-test
 * that spares the search on most utterances.
 */
function mayMatchBySound(t: MatchText, soundIds: readonly (readonly number[])[]): boolean {
  const classes = (t.soundClasses ??= soundClassBits(t.norm));
  let missing = 0;
  for (const want of soundIds) {
    if (!want.some((id) => ((classes[id >> 5] ?? 0) & (1 << (id & 31))) !== 0) && ++missing > 1) return false;
  }
  return true;
}

/**
 * Best approximate occurrence of `pattern` in `text[from, to)` (Sellers' algorithm: edit distance of the
 * pattern to any substring), at most `maxEdits` edits. A character equal to the pattern's, or (with
 * `bySound`) of the same sound class ({@link charSounds}), costs nothing.
 *
 * @param patternSounds the pattern's sound classes per character when already known (`PreparedPhrase.sounds`,
 *   prepared once per ruleset); computed here when absent
 * @returns `[start, end, edits]` of the leftmost best match, or `null`
 */
export function approxFind(
  chars: readonly string[],
  from: number,
  to: number,
  pattern: string,
  bySound: boolean,
  maxEdits: number,
  patternSounds?: readonly (readonly string[])[] | null,
): [number, number, number] | null {
  const m = pattern.length;
  const want = bySound ? (patternSounds ?? pattern.split('').map((c) => charSounds(c))) : null;
  // prev[k] / cur[k]: edits of pattern[0, k) against a substring ending at the current text position; st: its start.
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  let prevSt = new Array<number>(m + 1);
  let curSt = new Array<number>(m + 1);
  for (let k = 0; k <= m; k++) {
    prev[k] = k;
    prevSt[k] = from;
  }
  let best: [number, number, number] | null = null;
  for (let j = from; j < to; j++) {
    const c = chars[j]!;
    const sounds = want ? charSounds(c) : null;
    cur[0] = 0;
    curSt[0] = j + 1;
    for (let k = 1; k <= m; k++) {
      const same = c === pattern[k - 1] || (sounds !== null && sounds.some((x) => want![k - 1]!.includes(x)));
      let v = prev[k - 1]! + (same ? 0 : 1);
      let st = prevSt[k - 1]!;
      if (prev[k]! + 1 < v) {
        v = prev[k]! + 1;
        st = prevSt[k]!;
      }
      if (cur[k - 1]! + 1 < v) {
        v = cur[k - 1]! + 1;
        st = curSt[k - 1]!;
      }
      cur[k] = v;
      curSt[k] = st;
    }
    if (cur[m]! <= maxEdits && (!best || cur[m]! < best[2])) best = [curSt[m]!, j + 1, cur[m]!];
    if (best && best[2] === 0) break;
    [prev, cur] = [cur, prev];
    [prevSt, curSt] = [curSt, prevSt];
  }
  return best;
}

/** An exception phrase: its normal form and its sound key. */
export interface PreparedExcept {
  norm: string;
  sound: string;
}

/** Normalises exception phrases once (empty ones dropped). */
export function prepareExcepts(list: readonly string[] | undefined): PreparedExcept[] {
  return (list ?? [])
    .map((x) => normalizePhrase(x))
    .filter((x) => x.length > 0)
    .map((norm) => ({ norm, sound: soundKey(norm) }));
}

/**
 * Spans `[start, end)` of every occurrence of the exception phrases in the utterance, as written or by sound
 * (so an ASR homophone inside "如果您不知道" still cancels the 不知道 it covers).
 */
export function exceptionSpans(t: MatchText, excepts: readonly PreparedExcept[]): [number, number][] {
  const spans: [number, number][] = [];
  const sound = soundOf(t);
  for (const x of excepts) {
    for (const [hay, needle] of [
      [t.norm, x.norm],
      [sound, x.sound],
    ] as const) {
      let i = hay.indexOf(needle);
      while (i >= 0) {
        spans.push([i, i + needle.length]);
        i = hay.indexOf(needle, i + 1);
      }
    }
  }
  return spans;
}

/** True when `[start, end)` lies inside one of the spans. */
export function covered(start: number, end: number, spans: readonly [number, number][]): boolean {
  return spans.some(([s, e]) => s <= start && end <= e);
}

/** Quality of a match by sound ({@link MATCH_QUALITY}): the least certain departure counts. */
function soundQuality(m: SoundMatch): number {
  if (m.dropped) return MATCH_QUALITY.dropped;
  if (m.doubled) return MATCH_QUALITY.doubled;
  return m.soundOnly ? MATCH_QUALITY.homophone : MATCH_QUALITY.exact;
}

/** True when `text` holds one of the characters. */
function holdsOneOf(text: string, chars: readonly string[]): boolean {
  for (const c of chars) if (text.includes(c)) return true;
  return false;
}

/**
 * First occurrence of a phrase not covered by an exception: as written first, then by sound (same-sounding
 * characters, doubled or one missing syllable: {@link findSound}), then within `maxEdits`.
 */
export function findPhrase(t: MatchText, p: PreparedPhrase, excepts: readonly PreparedExcept[]): Hit | null {
  // The exception spans, found when a match is there to check.
  let spans: [number, number][] | undefined;
  const excepted = (start: number, end: number) => excepts.length > 0 && covered(start, end, (spans ??= exceptionSpans(t, excepts)));
  let i = t.norm.indexOf(p.norm);
  while (i >= 0) {
    if (!excepted(i, i + p.norm.length)) return { start: i, end: i + p.norm.length, match: 'exact', quality: MATCH_QUALITY.exact };
    i = t.norm.indexOf(p.norm, i + 1);
  }
  // A match by sound keeps at least one of the phrase's characters: without any, skip the search.
  if (p.chars && p.soundIds && holdsOneOf(t.norm, p.chars) && mayMatchBySound(t, p.soundIds)) {
    const chars = (t.chars ??= t.norm.split(''));
    let from = 0;
    for (;;) {
      const m = findSound(chars, p.chars, from, p.clipped, p.sounds ?? undefined);
      if (!m) break;
      if (!excepted(m.start, m.end)) {
        const quality = soundQuality(m);
        // A missing syllable is the least certain match: an edit-distance match, when allowed, says more.
        if (m.dropped && p.maxEdits > 0) break;
        return { start: m.start, end: m.end, match: quality === MATCH_QUALITY.exact ? 'exact' : 'homophone', quality };
      }
      from = m.start + 1;
    }
  }
  if (p.maxEdits > 0 && t.norm.length >= p.norm.length - p.maxEdits) {
    const chars = (t.chars ??= t.norm.split(''));
    // Clause by clause: a tolerance never joins words across a pause.
    let from = 0;
    while (from < chars.length) {
      let to = t.norm.indexOf(CLAUSE_SEP, from);
      if (to < 0) to = chars.length;
      if (to - from >= p.norm.length - p.maxEdits) {
        const m = approxFind(chars, from, to, p.norm, p.chars !== null, p.maxEdits, p.sounds);
        if (m && !excepted(m[0], m[1])) {
          return { start: m[0], end: m[1], match: 'edit', quality: MATCH_QUALITY.editBase - MATCH_QUALITY.editStep * m[2] };
        }
      }
      from = to + 1;
    }
  }
  return null;
}
