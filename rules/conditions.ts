/**
 * The condition language of the ruleset: what an utterance must (or must not) say.
 *
 * A condition is a YAML mapping told apart by its key:
 *
 * | form | hits when |
 * |---|---|
 * | `{ any: [p…] }` | one of the phrases occurs |
 * | `{ all: [p…] }` | every phrase occurs |
 * | `{ atLeast: N, of: [p…] }` | at least N different phrases occur |
 * | `{ none: [p…] }` | no phrase occurs |
 * | `{ regex: '…', unless: '…' }` | the regex matches the normalised text and the `unless` regex does not |
 * | `{ similarTo: [s…], threshold: 0.6 }` | the utterance (one clause or two neighbouring clauses) is as similar as `threshold` to an example sentence ({@link bestSimilarity}) |
 * | `{ and: [c…] }`, `{ or: [c…] }`, `{ not: c }` | logic over conditions |
 * | `{ ref: name }` | the named condition from the ruleset's `conditions:` table |
 * | `{ option: centreNames }` | one of the centre names passed in `AnalyzeOptions.centreNames` occurs |
 * | `{ meaning: B02 }` | the ruleset's meaning layer (`meaning:` file; `meaning.ts`) reads phrase id B02 in the utterance: an intent frame matches, or the nearest example is a rewording of it |
 *
 * Phrases of two or more characters also hit by sound (issue 9, part 3; `pinyin: false` turns it off): a
 * same-sounding character under the folds of Mandarin ASR and southern accents (在见 for 再见, 中新 for 中心), a
 * doubled syllable, or one missing syllable (see `findSound` in normalize.ts); `clipped: true` also accepts a
 * short phrase whose first or last syllable ASR clipped at a clause edge. Regexes also run on the sound key of
 * the text (`sound: false` turns it off), so their Han characters match same-sounding ones. `maxEdits: N` (a run of characters within N insertions, deletions or
 * substitutions of the phrase also hits, inside one clause: 有完没有完 for 有完没完; phrases must be at least
 * 2N+2 characters long, so a tolerance never swallows a short word) and `except: [p…]`, exception phrases that cancel a hit when an
 * occurrence of one of them covers it ("如果您不知道" cancels the 不知道 inside it). `regex` takes `except`
 * the same way (an exception occurrence covering the regex hit cancels it).
 *
 * Phrases and regexes apply to the normalised text of an utterance ({@link normalizeText}): Simplified
 * Chinese, no spaces inside words, clauses separated by `，`. Phrases are normalised on load, so an
 * administrator may write them in either script, with or without punctuation.
 *
 * Validation errors are {@link RulesetPathError}s carrying the YAML path of the bad node, turned into
 * `file:line` by `ruleset.ts`.
 */
import { z } from 'zod';
import type { Meaning } from './meaning.js';
import { cutsWord } from './meaning.js';
import { CLAUSE_SEP, charSounds, findSound, normalizePhrase, soundKey, soundRegexSource, undoubled, type SoundMatch } from './normalize.js';

/** A condition as written in the ruleset YAML (see the module comment for the forms). */
export type ConditionSpec =
  | { any: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { all: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { atLeast: number; of: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { none: string[]; pinyin?: boolean }
  | { regex: string; unless?: string; except?: string[]; sound?: boolean }
  | { similarTo: string[]; threshold?: number }
  | { and: ConditionSpec[] }
  | { or: ConditionSpec[] }
  | { not: ConditionSpec }
  | { ref: string }
  | { option: 'centreNames' }
  | { meaning: string };

/** An error at a place in the ruleset document: `path` is the YAML path (keys and indices) of the bad node. */
export class RulesetPathError extends Error {
  override readonly name = 'RulesetPathError';
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** An utterance as the matchers see it. */
export interface MatchText {
  /** Normalised text ({@link normalizeText}). */
  norm: string;
  /** `norm.split('')`, computed on first use by sound-alike matching. */
  chars?: string[];
  /** {@link soundKey} of `norm`, computed on first use by regexes in the sound domain. */
  sound?: string;
  /** `sound` with doubled syllables folded ({@link undoubled}), computed on first use. */
  undoubled?: { text: string; at: number[] };
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
 * Match quality factor of each kind (1 = certain), used in a finding's confidence (see `analyze.ts`):
 * exact 1, homophone 0.85 (0.8 with a doubled syllable skipped, 0.6 with a syllable missing), edit 0.8 − 0.1
 * per edit, a frame of the meaning layer 0.75, similar 0.65 × the cosine similarity.
 */
export const MATCH_QUALITY = { exact: 1, homophone: 0.85, doubled: 0.8, dropped: 0.6, editBase: 0.8, editStep: 0.1, meaning: 0.75, similarScale: 0.65 } as const;

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

type Path = (string | number)[];

const EMPTY_HIT: Hit = { start: 0, end: 0, match: 'exact', quality: 1 };

const phraseList = z.array(z.string().min(1, 'a phrase must not be empty')).min(1, 'the phrase list is empty');
const phraseOpts = {
  pinyin: z.boolean().optional(),
  clipped: z.boolean().optional(),
  maxEdits: z.number().int().min(1).max(3).optional(),
  except: z.array(z.string().min(1)).optional(),
};
const anySchema = z.strictObject({ any: phraseList, ...phraseOpts });
const allSchema = z.strictObject({ all: phraseList, ...phraseOpts });
const atLeastSchema = z.strictObject({ atLeast: z.number().int().min(1), of: phraseList, ...phraseOpts });
const noneSchema = z.strictObject({ none: phraseList, pinyin: z.boolean().optional() });
const regexSchema = z.strictObject({
  regex: z.string().min(1),
  sound: z.boolean().optional(),
  unless: z.string().min(1).optional(),
  except: z.array(z.string().min(1)).optional(),
});
const similarSchema = z.strictObject({
  similarTo: phraseList,
  threshold: z.number().gt(0).max(1).default(0.6),
});
const refSchema = z.strictObject({ ref: z.string().min(1) });
const optionSchema = z.strictObject({ option: z.literal('centreNames') });
const meaningSchema = z.strictObject({ meaning: z.string().min(1) });

const FORMS = ['any', 'all', 'atLeast', 'none', 'regex', 'similarTo', 'and', 'or', 'not', 'ref', 'option', 'meaning'] as const;

/** Validates with a zod schema, throwing a {@link RulesetPathError} at the first issue. */
function check<T>(schema: z.ZodType<T>, value: unknown, path: Path): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RulesetPathError([...path, ...(issue.path as (string | number)[])], issue.message);
}

function compileRegex(source: string, path: Path): RegExp {
  try {
    return new RegExp(source, 'gu');
  } catch (error) {
    throw new RulesetPathError(path, `invalid regular expression: ${(error as Error).message}`);
  }
}

/**
 * A phrase prepared once per ruleset: its normal form, its characters for matching by sound (`null` when
 * sound matching is off or the phrase spans a clause break), and the edit tolerance (0: none).
 */
interface PreparedPhrase {
  norm: string;
  chars: string[] | null;
  /** Sound classes of each character of `chars` ({@link charSounds}), for the quick test {@link mayMatchBySound}. */
  sounds: (readonly string[])[] | null;
  maxEdits: number;
  clipped: boolean;
}

function preparePhrases(phrases: string[], sound: boolean, path: Path, maxEdits = 0, clipped = false): PreparedPhrase[] {
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
    return { norm, chars, sounds: chars ? chars.map((c) => charSounds(c)) : null, maxEdits, clipped };
  });
}

/** Sound classes of every reading of every character of an utterance, computed once per text object. */
const classCache = new WeakMap<MatchText, { norm: string; classes: Set<string> }>();

/** The set of sound classes ({@link charSounds}, all readings) of the characters of an utterance. */
function soundClassesOf(t: MatchText): Set<string> {
  const known = classCache.get(t);
  if (known && known.norm === t.norm) return known.classes;
  const classes = new Set<string>();
  for (const c of t.norm) for (const x of charSounds(c)) classes.add(x);
  classCache.set(t, { norm: t.norm, classes });
  return classes;
}

/**
 * Whether a phrase can match an utterance by sound at all ({@link findSound} allows one missing syllable):
 * at least all but one of its characters have a same-sounding character somewhere in the text. A quick,
 * exact pre-test that spares the search on most utterances.
 */
function mayMatchBySound(t: MatchText, sounds: readonly (readonly string[])[]): boolean {
  const classes = soundClassesOf(t);
  let missing = 0;
  for (const want of sounds) {
    if (!want.some((x) => classes.has(x)) && ++missing > 1) return false;
  }
  return true;
}

/**
 * Best approximate occurrence of `pattern` in `text[from, to)` (Sellers' algorithm: edit distance of the
 * pattern to any substring), at most `maxEdits` edits. A character equal to the pattern's, or (with
 * `bySound`) of the same sound class ({@link charSounds}), costs nothing.
 *
 * @returns `[start, end, edits]` of the leftmost best match, or `null`
 */
function approxFind(
  chars: readonly string[],
  from: number,
  to: number,
  pattern: string,
  bySound: boolean,
  maxEdits: number,
): [number, number, number] | null {
  const m = pattern.length;
  const want = bySound ? pattern.split('').map((c) => charSounds(c)) : null;
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
    cur[0] = 0;
    curSt[0] = j + 1;
    for (let k = 1; k <= m; k++) {
      const same = c === pattern[k - 1] || (want !== null && charSounds(c).some((x) => want[k - 1]!.includes(x)));
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
function prepareExcepts(list: readonly string[] | undefined): PreparedExcept[] {
  return (list ?? []).map((x) => normalizePhrase(x)).filter((x) => x.length > 0).map((norm) => ({ norm, sound: soundKey(norm) }));
}

/**
 * Spans `[start, end)` of every occurrence of the exception phrases in the utterance, as written or by sound
 * (so an ASR homophone inside "如果您不知道" still cancels the 不知道 it covers).
 */
function exceptionSpans(t: MatchText, excepts: readonly PreparedExcept[]): [number, number][] {
  const spans: [number, number][] = [];
  const sound = soundOf(t);
  for (const x of excepts) {
    for (const [hay, needle] of [[t.norm, x.norm], [sound, x.sound]] as const) {
      let i = hay.indexOf(needle);
      while (i >= 0) {
        spans.push([i, i + needle.length]);
        i = hay.indexOf(needle, i + 1);
      }
    }
  }
  return spans;
}

function covered(start: number, end: number, spans: readonly [number, number][]): boolean {
  return spans.some(([s, e]) => s <= start && end <= e);
}

/** Quality of a match by sound ({@link MATCH_QUALITY}): the least certain departure counts. */
function soundQuality(m: SoundMatch): number {
  if (m.dropped) return MATCH_QUALITY.dropped;
  if (m.doubled) return MATCH_QUALITY.doubled;
  return m.soundOnly ? MATCH_QUALITY.homophone : MATCH_QUALITY.exact;
}

/**
 * First occurrence of a phrase not covered by an exception: as written first, then by sound (same-sounding
 * characters, doubled or one missing syllable: {@link findSound}), then within `maxEdits`.
 */
function findPhrase(t: MatchText, p: PreparedPhrase, excepts: readonly PreparedExcept[]): Hit | null {
  const spans = excepts.length ? exceptionSpans(t, excepts) : [];
  let i = t.norm.indexOf(p.norm);
  while (i >= 0) {
    if (!covered(i, i + p.norm.length, spans)) return { start: i, end: i + p.norm.length, match: 'exact', quality: MATCH_QUALITY.exact };
    i = t.norm.indexOf(p.norm, i + 1);
  }
  // A match by sound keeps at least one of the phrase's characters: without any, skip the search.
  if (p.chars && p.sounds && p.chars.some((c) => t.norm.includes(c)) && mayMatchBySound(t, p.sounds)) {
    const chars = (t.chars ??= t.norm.split(''));
    let from = 0;
    for (;;) {
      const m = findSound(chars, p.chars, from, p.clipped);
      if (!m) break;
      if (!covered(m.start, m.end, spans)) {
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
        const m = approxFind(chars, from, to, p.norm, p.chars !== null, p.maxEdits);
        if (m && !covered(m[0], m[1], spans)) {
          return { start: m[0], end: m[1], match: 'edit', quality: MATCH_QUALITY.editBase - MATCH_QUALITY.editStep * m[2] };
        }
      }
      from = to + 1;
    }
  }
  return null;
}

/** Character n-gram counts (unigrams and bigrams) of a text, separators excluded. */
function ngrams(text: string): Map<string, number> {
  const g = new Map<string, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === CLAUSE_SEP) continue;
    g.set(c, (g.get(c) ?? 0) + 1);
    const d = text[i + 1];
    if (d !== undefined && d !== CLAUSE_SEP) g.set(c + d, (g.get(c + d) ?? 0) + 1);
  }
  return g;
}

/** An example sentence prepared for {@link bestSimilarity}: n-gram weights and the vector's norm. */
interface SimilarityExample {
  weights: Map<string, number>;
  norm: number;
}

/**
 * Prepares example sentences: character unigram + bigram counts weighted by an inverse document frequency
 * over the examples themselves (`1 + ln(n / df)`), so n-grams every example shares (您, 的) weigh less than the
 * ones that tell the examples apart.
 */
function prepareExamples(sentences: readonly string[]): { examples: SimilarityExample[]; idf: Map<string, number> } {
  const grams = sentences.map((s) => ngrams(s));
  const df = new Map<string, number>();
  for (const g of grams) for (const k of g.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [k, n] of df) idf.set(k, 1 + Math.log(sentences.length / n));
  const examples = grams.map((g) => {
    const weights = new Map<string, number>();
    let sq = 0;
    for (const [k, n] of g) {
      const w = n * idf.get(k)!;
      weights.set(k, w);
      sq += w * w;
    }
    return { weights, norm: Math.sqrt(sq) };
  });
  return { examples, idf };
}

/**
 * Best cosine similarity 0..1 of a text's n-gram counts ({@link ngrams}) to the prepared examples, over
 * character unigrams and bigrams with the examples' IDF weights (n-grams unknown to the examples weigh 1).
 * Dependency-free and model-free: it catches rewordings that share most characters ("这个事情不归我们管" ~
 * "这个不归我们管"), not paraphrases with other words. Returns 0 early when even the n-grams the text shares
 * with the examples cannot reach `threshold` (the cosine is at most |shared part| / |whole|).
 */
function bestSimilarity(counts: ReadonlyMap<string, number>, examples: readonly SimilarityExample[], idf: ReadonlyMap<string, number>, threshold: number): number {
  let sq = 0;
  let sqShared = 0;
  const shared: [string, number][] = [];
  for (const [k, n] of counts) {
    const f = idf.get(k);
    const w = n * (f ?? 1);
    sq += w * w;
    if (f !== undefined) {
      sqShared += w * w;
      shared.push([k, w]);
    }
  }
  if (sq === 0 || sqShared < threshold * threshold * sq) return 0;
  let best = 0;
  for (const ex of examples) {
    if (ex.norm === 0) continue;
    let dot = 0;
    for (const [k, w] of shared) {
      const e = ex.weights.get(k);
      if (e !== undefined) dot += w * e;
    }
    best = Math.max(best, dot / (Math.sqrt(sq) * ex.norm));
  }
  return best;
}

/**
 * Compiles a condition spec into a {@link Matcher}, normalising its phrases, computing their pinyin and
 * compiling regexes once.
 *
 * @param raw the condition as parsed from YAML (validated here)
 * @param path YAML path of `raw`, for error messages
 * @param resolveRef returns the compiled named condition, or throws {@link RulesetPathError} when unknown
 * @param meaning the ruleset's meaning layer, for `{ meaning: B02 }` (null when the ruleset names none)
 * @throws {RulesetPathError} when the condition is malformed (unknown form, empty list, bad regex, unknown ref,
 *   a `meaning` condition without a meaning file or naming a phrase id it does not know)
 */
export function compileCondition(raw: unknown, path: Path, resolveRef: (name: string, path: Path) => Matcher, meaning: Meaning | null = null): Matcher {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RulesetPathError(path, `a condition must be a mapping with one of the keys ${FORMS.join(', ')}`);
  }
  const keys = Object.keys(raw);
  const form = FORMS.find((f) => keys.includes(f));
  if (!form) {
    throw new RulesetPathError(path, `unknown condition (keys: ${keys.join(', ') || 'none'}); expected one of ${FORMS.join(', ')}`);
  }
  switch (form) {
    case 'any':
    case 'all':
    case 'atLeast': {
      const spec =
        form === 'any' ? check(anySchema, raw, path) : form === 'all' ? check(allSchema, raw, path) : check(atLeastSchema, raw, path);
      const list = 'any' in spec ? spec.any : 'all' in spec ? spec.all : spec.of;
      const listKey = form === 'atLeast' ? 'of' : form;
      const phrases = preparePhrases(list, spec.pinyin ?? true, [...path, listKey], spec.maxEdits ?? 0, spec.clipped ?? false);
      const excepts = prepareExcepts(spec.except);
      const need = form === 'any' ? 1 : form === 'all' ? phrases.length : (spec as { atLeast: number }).atLeast;
      if (need > phrases.length) {
        throw new RulesetPathError([...path, 'atLeast'], `atLeast ${need} is more than the ${phrases.length} phrases listed`);
      }
      return (t) => {
        let found = 0;
        let first: Hit | null = null;
        let worst: Hit | null = null;
        for (const p of phrases) {
          const h = findPhrase(t, p, excepts);
          if (h) {
            found++;
            if (!worst || h.quality < worst.quality) worst = h;
            if (!first || h.start < first.start) first = h;
            if (form === 'any') return h;
          } else if (form === 'all') {
            return null;
          }
        }
        return found >= need && first && worst ? { ...first, match: worst.match, quality: worst.quality } : null;
      };
    }
    case 'none': {
      const spec = check(noneSchema, raw, path);
      const phrases = preparePhrases(spec.none, spec.pinyin ?? true, [...path, 'none']);
      return (t) => (phrases.some((p) => findPhrase(t, p, []) !== null) ? null : EMPTY_HIT);
    }
    case 'regex': {
      const spec = check(regexSchema, raw, path);
      const re = compileRegex(spec.regex, [...path, 'regex']);
      const reSound = spec.sound === false ? null : compileRegex(soundRegexSource(spec.regex), [...path, 'regex']);
      const unless = spec.unless ? compileRegex(spec.unless, [...path, 'unless']) : null;
      const unlessSound = spec.unless && spec.sound !== false ? compileRegex(soundRegexSource(spec.unless), [...path, 'unless']) : null;
      const excepts = prepareExcepts(spec.except);
      const first = (r: RegExp, text: string, spans: [number, number][]): [number, number] | null => {
        r.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = r.exec(text)) !== null) {
          const start = m.index;
          const end = start + m[0].length;
          if (!covered(start, end, spans)) return [start, end];
          if (m[0].length === 0) r.lastIndex++;
        }
        return null;
      };
      return (t) => {
        if (unless) {
          unless.lastIndex = 0;
          if (unless.test(t.norm)) return null;
        }
        // In the sound domain: same-sounding characters (an ASR homophone) cancel too, and match too.
        if (unlessSound) {
          unlessSound.lastIndex = 0;
          if (unlessSound.test(soundOf(t))) return null;
        }
        const spans = excepts.length ? exceptionSpans(t, excepts) : [];
        const exact = first(re, t.norm, spans);
        if (exact) return { start: exact[0], end: exact[1], match: 'exact', quality: MATCH_QUALITY.exact };
        if (!reSound) return null;
        const sound = soundOf(t);
        let bySound = first(reSound, sound, spans);
        if (!bySound) {
          // Last, with doubled syllables folded (就这样样吧 → 就这样吧).
          const u = (t.undoubled ??= undoubled(sound));
          if (u.text.length === sound.length) return null;
          const m = first(reSound, u.text, []);
          if (!m) return null;
          bySound = [u.at[m[0]]!, m[1] > m[0] ? u.at[m[1] - 1]! + 1 : u.at[m[0]]!];
          if (covered(bySound[0], bySound[1], spans)) return null;
        }
        // A sound match that cuts a word of the text in two is another word (还不动|产 is no 还不懂).
        if (cutsWord(t, bySound[0], bySound[1])) return null;
        return { start: bySound[0], end: bySound[1], match: 'homophone', quality: MATCH_QUALITY.homophone };
      };
    }
    case 'similarTo': {
      const spec = check(similarSchema, raw, path);
      const sentences = spec.similarTo.map((x, i) => {
        const n = normalizePhrase(x);
        if (!n) throw new RulesetPathError([...path, 'similarTo', i], `example "${x}" has no letters after normalisation`);
        return n;
      });
      const { examples, idf } = prepareExamples(sentences);
      return (t) => {
        // Windows: each clause and each pair of neighbouring clauses.
        const clauses: [number, number][] = [];
        let from = 0;
        while (from <= t.norm.length) {
          let to = t.norm.indexOf(CLAUSE_SEP, from);
          if (to < 0) to = t.norm.length;
          if (to > from) clauses.push([from, to]);
          from = to + 1;
        }
        let best: Hit | null = null;
        let bestScore = 0;
        const consider = (counts: ReadonlyMap<string, number>, s: number, e: number) => {
          const score = bestSimilarity(counts, examples, idf, spec.threshold);
          if (score >= spec.threshold && score > bestScore) {
            bestScore = score;
            best = { start: s, end: e, match: 'similar', quality: Math.round(MATCH_QUALITY.similarScale * score * 100) / 100 };
          }
        };
        // A pair of clauses is the sum of their n-gram counts (no bigram spans a separator).
        const counts = clauses.map(([s, e]) => ngrams(t.norm.slice(s, e)));
        clauses.forEach(([s, e], i) => {
          consider(counts[i]!, s, e);
          if (i + 1 < clauses.length) {
            const pair = new Map(counts[i]!);
            for (const [k, n] of counts[i + 1]!) pair.set(k, (pair.get(k) ?? 0) + n);
            consider(pair, s, clauses[i + 1]![1]);
          }
        });
        return best;
      };
    }
    case 'and':
    case 'or': {
      const list = (raw as Record<string, unknown>)[form];
      if (!Array.isArray(list) || list.length === 0) {
        throw new RulesetPathError([...path, form], `${form} needs a non-empty list of conditions`);
      }
      if (keys.length > 1) throw new RulesetPathError(path, `${form} takes no other keys (found ${keys.join(', ')})`);
      const subs = list.map((c, i) => compileCondition(c, [...path, form, i], resolveRef, meaning));
      if (form === 'or') {
        return (t, ctx) => {
          for (const s of subs) {
            const h = s(t, ctx);
            if (h) return h;
          }
          return null;
        };
      }
      return (t, ctx) => {
        let first: Hit | null = null;
        let worst: Hit | null = null;
        for (const s of subs) {
          const h = s(t, ctx);
          if (!h) return null;
          if (!worst || h.quality < worst.quality) worst = h;
          if (!first || (h.end > h.start && (first.end === first.start || h.start < first.start))) first = h;
        }
        return first && worst ? { ...first, match: worst.match, quality: worst.quality } : null;
      };
    }
    case 'not': {
      if (keys.length > 1) throw new RulesetPathError(path, `not takes no other keys (found ${keys.join(', ')})`);
      const sub = compileCondition((raw as Record<string, unknown>).not, [...path, 'not'], resolveRef, meaning);
      return (t, ctx) => (sub(t, ctx) ? null : EMPTY_HIT);
    }
    case 'ref': {
      const spec = check(refSchema, raw, path);
      return resolveRef(spec.ref, [...path, 'ref']);
    }
    case 'meaning': {
      const spec = check(meaningSchema, raw, path);
      if (!meaning) throw new RulesetPathError([...path, 'meaning'], 'a meaning condition needs a meaning file (top-level key meaning:)');
      if (!meaning.phraseIds.has(spec.meaning)) {
        throw new RulesetPathError([...path, 'meaning'], `the meaning file ${meaning.source} has no frame or example for "${spec.meaning}"`);
      }
      return (t) => {
        const h = meaning.find(t, spec.meaning);
        if (!h) return null;
        return h.via === 'frame'
          ? { start: h.start, end: h.end, match: 'meaning', quality: MATCH_QUALITY.meaning, why: `意义框架：${(h.words ?? []).join('＋')}`, source: `frame ${h.name}` }
          : {
              start: h.start,
              end: h.end,
              match: 'similar',
              quality: Math.round(MATCH_QUALITY.similarScale * (h.similarity ?? 0) * 100) / 100,
              why: `最接近的示例句“${h.name}”，相似度 ${h.similarity}`,
              source: 'example bank',
            };
      };
    }
    case 'option': {
      check(optionSchema, raw, path);
      return (t, ctx) => {
        for (const name of ctx.centreNames) {
          const i = name ? t.norm.indexOf(name) : -1;
          if (i >= 0) return { start: i, end: i + name.length, match: 'exact', quality: MATCH_QUALITY.exact };
        }
        // By sound: an ASR homophone in the name (县婚因登记处).
        for (const name of ctx.centreNames) {
          const i = name.length >= 2 ? soundOf(t).indexOf(soundKey(name)) : -1;
          if (i >= 0) return { start: i, end: i + name.length, match: 'homophone', quality: MATCH_QUALITY.homophone };
        }
        return null;
      };
    }
  }
}
