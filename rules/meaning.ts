/**
 * The meaning layer of the banned phrases (issue 9, part 4): concept classes, intent frames and an example
 * bank, kept as YAML an administrator reads and extends (`rules/banned-phrases.meaning.yaml` and
 * `rules/banned-phrases.examples.yaml`; the file's header explains the format). A ruleset names its meaning
 * file with `meaning: <file>` (relative to the ruleset) and its phrases use it with `{ meaning: B02 }`.
 *
 * How an utterance is read, once per utterance and shared by every phrase id:
 * 1. concept occurrences: every word of every concept, found as written or by sound in the normalised text
 *    (same-sounding characters under the fuzzy-pinyin folds, keeping at least one of the word's own
 *    characters that is no function character); single characters only as written, and — except in
 *    concepts that only cancel frames (`unless`) — only where jieba makes them a word of their own; a word
 *    of function characters only (不都, 的吗) by sound keeps one of its characters and cuts no jieba word;
 *    words of two characters or more also in the text without doubled characters (咋知知道 is 咋知道);
 * 2. frames: for each clause and each pair of neighbouring clauses, the frames whose concepts all occur there
 *    (in order when asked) and whose `unless` concepts occur nowhere in the utterance (outside the words
 *    that make the frame's own concepts: 麻烦 in 嫌麻烦 is no polite marker) — those listed under
 *    `nearUnless` nowhere near the window in a long utterance ({@link reachOf}; a clause whose breaks ASR lost
 *    counts as pieces, {@link reachPieces});
 * 3. examples: each clause and pair of clauses is compared with every example (TF-IDF cosine over jieba
 *    words, character unigrams and bigrams, and sound-key bigrams, through an inverted index); when the
 *    nearest example is a rewording of a phrase id, the similarity reaches the threshold and the window
 *    holds a cue (a concept one of that id's frames requires), that id hits.
 *
 * Cost: the jieba words are cut once per utterance ({@link wordsOf}); concept words are looked up by the
 * first two characters and the first two sounds at each position; the example comparison touches only the
 * examples that share a feature with the window; see scripts/bench-rules.ts for the measured time per call.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { CLAUSE_SEP, FUNCTION_CHARS, POLITE_YOU, normalizePhrase, soundKey, soundKeyVariants } from '../text/normalize.js';

/** A hit of the meaning layer in an utterance's normalised text, with the reason a reviewer reads. */
export interface MeaningHit {
  start: number;
  end: number;
  /** `frame` (an intent frame matched) or `example` (the nearest example is a rewording). */
  via: 'frame' | 'example';
  /** Frame id, or the nearest example sentence. */
  name: string;
  /** Cosine similarity to the nearest example (for `example`), 0..1. */
  similarity?: number;
  /** For `frame`: the words of the text that made each concept of the frame, in the frame's order. */
  words?: string[];
}

/** Text the meaning layer reads: the normalised utterance and its sound key (see `MatchText`). */
export interface MeaningText {
  norm: string;
  sound?: string;
}

const wordList = z.array(z.union([z.string().min(1), z.number()]).transform(String)).min(1, 'a concept needs at least one word');
const frameSchema = z.strictObject({
  id: z.string().min(1),
  phrase: z.string().min(1),
  all: z.array(z.string().min(1)).min(1),
  order: z.boolean().default(false),
  window: z.enum(['clause', 'pair']).default('pair'),
  unless: z.array(z.string().min(1)).default([]),
});
const meaningSchema = z.strictObject({
  version: z.string().min(1),
  examples: z.strictObject({ file: z.string().min(1), threshold: z.number().gt(0).max(1) }).optional(),
  concepts: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/, 'concept names are letters, digits, _ and -'), wordList),
  frames: z.array(frameSchema).default([]),
  topics: z.array(z.string().min(1)).default([]),
  nearUnless: z.array(z.string().min(1)).default([]),
});
const bankSchema = z.record(
  z.string().min(1),
  z.strictObject({ hits: z.array(z.string().min(1)).default([]), nearMisses: z.array(z.string().min(1)).default([]) }),
);

/**
 * A word of a concept, prepared once: its normal form, its sound keys (one per reading of its polyphones,
 * {@link soundKeyVariants}: 重填 is heard as chong tian, 从填 with c/ch folded) and characters.
 */
interface ConceptWord {
  norm: string;
  sounds: string[];
  chars: Set<string>;
  /** Every character is a function character (不都, 的吗, 他们): see the sound match in `scan`. */
  grammatical: boolean;
  /** Two characters, the same one twice (明明, 天天): see the match as written in `scan`. */
  reduplicated: boolean;
}

interface Frame {
  id: string;
  phrase: string;
  all: number[];
  order: boolean;
  window: 'clause' | 'pair';
  unless: number[];
}

/** One example of the bank, as a weighted sparse vector. */
interface Example {
  phrase: string;
  text: string;
  /** true: a rewording of `phrase`; false: a near miss. */
  hit: boolean;
  norm: number;
}

/** What one utterance says, computed once (see the module comment). */
interface Reading {
  hits: Map<string, MeaningHit>;
}

/** A compiled meaning layer. Immutable apart from its per-utterance cache; share it freely. */
export interface Meaning {
  version: string;
  source: string;
  /** Phrase ids that frames or examples can hit. */
  phraseIds: ReadonlySet<string>;
  /** The meaning layer's hit for a phrase id in an utterance, or null. */
  find(text: MeaningText, phraseId: string): MeaningHit | null;
  /** All hits in a text, by phrase id (for tests and `callqa rules test`). */
  read(text: MeaningText): ReadonlyMap<string, MeaningHit>;
}

let jieba: Jieba | undefined;
/** The jieba segmenter with its bundled dictionary, loaded on first use (about 0.25 s). */
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** The jieba words of one utterance's normalised text, cut once per text object (see {@link wordsOf}). */
const wordCache = new WeakMap<MeaningText, { norm: string; words: readonly string[] }>();

/**
 * The jieba words (precise mode, no HMM) of an utterance's normalised text, in order, separators included,
 * so that their lengths add up to `t.norm.length`. Cut once per text object and shared by every reader of
 * the utterance (sound-alike regex checks, single-character concept words, example features); recomputed
 * when the object's `norm` changed.
 */
export function wordsOf(t: MeaningText): readonly string[] {
  const known = wordCache.get(t);
  if (known && known.norm === t.norm) return known.words;
  const words = segmenter().cut(t.norm, false);
  wordCache.set(t, { norm: t.norm, words });
  return words;
}

/**
 * True when `[start, end)` of the text begins or ends inside a word of two or more characters (jieba): a
 * sound-alike match there is part of another word ("还不动" in 还不动产权证书).
 *
 * @param t the utterance (its words are cut once, {@link wordsOf})
 * @param start start offset in `t.norm` (UTF-16 units)
 * @param end end offset in `t.norm`, exclusive
 */
export function cutsWord(t: MeaningText, start: number, end: number): boolean {
  let at = 0;
  for (const w of wordsOf(t)) {
    const e = at + w.length;
    if (w.length > 1 && ((at < start && start < e) || (at < end && end < e))) return true;
    if (at >= end) break;
    at = e;
  }
  return false;
}

/**
 * True when `[start, end)` of the text starts inside a word of two or more characters (jieba) and ends after
 * it: a short cancelling word made of that word's tail and the next word (请你 of 申请 + 你) is no word said.
 *
 * @param t the utterance (its words are cut once, {@link wordsOf})
 * @param start start offset in `t.norm` (UTF-16 units)
 * @param end end offset in `t.norm`, exclusive
 */
export function straddlesWord(t: MeaningText, start: number, end: number): boolean {
  let at = 0;
  for (const w of wordsOf(t)) {
    const e = at + w.length;
    if (at < start && start < e) return w.length > 1 && end > e;
    if (at >= start) break;
    at = e;
  }
  return false;
}

/** One Han character. */
const HAN_CHAR = /^\p{Script=Han}$/u;

/**
 * A text with every Han character that repeats the one just before it left out (ASR wrote a syllable twice:
 * 我咋知知道, 开发发商, 告诉诉过你), for matching concept words across the doubling. Only a repeat of the
 * same written character counts: two different characters of one sound (是事, 有又) are usually two words.
 *
 * @param norm normalised text
 * @returns the text without the repeats and, for each of its characters, its offset in `norm`, with one more
 *   entry: the offset in `norm` where a match ending after the last kept character ends (a match's end
 *   `e` maps to `at[e]`, so it takes in the repeats of its last character); null when nothing repeats
 */
export function undoubledText(norm: string): { norm: string; at: number[] } | null {
  let text = '';
  let at: number[] | null = null;
  for (let i = 0; i < norm.length; i++) {
    const repeat = i > 0 && norm[i] === norm[i - 1] && HAN_CHAR.test(norm[i]!);
    if (repeat && !at) {
      at = [];
      for (let k = 0; k < i; k++) at.push(k);
      text = norm.slice(0, i);
    }
    if (!at) continue;
    if (repeat) continue;
    text += norm[i];
    at.push(i);
  }
  if (!at) return null;
  at.push(norm.length);
  return { norm: text, at };
}

/**
 * Features of `[s, e)` of a text for example similarity: words, character unigrams and bigrams, sound
 * bigrams. `words` are the text's jieba words with their start offsets; those inside the span count.
 */
function features(norm: string, sound: string, words: readonly (readonly [string, number])[], s: number, e: number): Map<string, number> {
  const f = new Map<string, number>();
  const add = (k: string, w = 1) => f.set(k, (f.get(k) ?? 0) + w);
  for (const [w, at] of words) if (at >= s && at + w.length <= e && w !== CLAUSE_SEP) add(`w${w}`);
  for (let i = s; i < e; i++) {
    const c = norm[i]!;
    if (c === CLAUSE_SEP) continue;
    add(`c${c}`, 0.5);
    const d = i + 1 < e ? norm[i + 1] : undefined;
    if (d !== undefined && d !== CLAUSE_SEP) {
      add(`b${c}${d}`);
      add(`s${sound[i]}${sound[i + 1]}`);
    }
  }
  return f;
}

/** Jieba words of a text with their start offsets. */
function wordSpans(words: readonly string[]): [string, number][] {
  const out: [string, number][] = [];
  let at = 0;
  for (const w of words) {
    out.push([w, at]);
    at += w.length;
  }
  return out;
}

/** Positions of a YAML path, for `file:line` errors. */
function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** Parses YAML text, throwing `file:line: reason` for syntax and schema errors. */
function parseYaml<T>(
  text: string,
  fileName: string,
  schema: z.ZodType<T>,
): { data: T; fail: (path: (string | number)[], msg: string) => never } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new Error(`${fileName}:${e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const fail = (path: (string | number)[], msg: string): never => {
    throw new Error(`${fileName}:${lineOf(doc, lc, path)}: ${msg}${path.length ? ` (at ${path.join('.')})` : ''}`);
  };
  const r = schema.safeParse(doc.toJS());
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return fail(issue.path as (string | number)[], issue.message);
  }
  return { data: r.data, fail };
}

/**
 * Reads an example bank file: per phrase id, `hits` (rewordings) and `nearMisses`.
 *
 * @throws {Error} `file:line: reason` for bad YAML or a wrong shape; naming the file when it cannot be read
 */
export function loadExampleBank(path: string): Record<string, { hits: string[]; nearMisses: string[] }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read example bank: ${(error as Error).message}`);
  }
  return parseYaml(text, path, bankSchema).data;
}

/**
 * Function words that southern speech (Xiang, Gan, Hakka, Cantonese, southwestern Mandarin) says with a word
 * of its own, not a sound slip of the standard one, so the fuzzy-pinyin folds cannot find them: 冇 for 没
 * (冇听进去, 还冇搞懂, 你冇看啊), the demonstrative 咯 for 这 (咯样, 咯里), the perfect particle 哒 for 了
 * (几点哒, 挂哒) and 么子 for 什么 (问到么子时候). Southwestern and northwestern speech (Sichuan, Chongqing,
 * Shaanxi, Henan, Gansu) likewise: 额 and 俺 for 我 (额们这儿, 俺不晓得), 恁 for 你 and for 那么 / 这么 (恁等着, 恁能耐),
 * 各人 for 自己 (你各人去看), 啥子 for 什么, 咋个 and 咋 for 怎么 (咋个还不懂), 木有 and 没得 for 没有. Not 莫 for 别:
 * 莫问了 is the milder "no need to ask" where 别问了 is a retort, so words with 莫 are concept words of their own.
 * Jin and northwestern speech (Shanxi, Inner Mongolia, Ningxia, Qinghai, Xinjiang): 甚 for 什么 (发甚神经, 催甚),
 * 做甚 for 干啥 / 干嘛 (找我们做甚), 嫑 for 不要 (嫑来我们这儿). Pairs of (standard, regional), applied to concept words by {@link regionalForms}; ASR slips of the
 * regional word (冒 for 冇) are then found by sound like any other.
 */
const REGIONAL_FUNCTION_WORDS: readonly (readonly [string, string])[] = [
  ['没', '冇'],
  ['这', '咯'],
  ['了', '哒'],
  ['什么', '么子'],
  ['我', '额'],
  ['我', '俺'],
  ['你', '恁'],
  ['那么', '恁'],
  ['这么', '恁'],
  ['自己', '各人'],
  ['什么', '啥子'],
  ['怎么', '咋个'],
  ['怎么', '咋'],
  ['没有', '木有'],
  ['没有', '没得'],
  ['什么', '甚'],
  ['干啥', '做甚'],
  ['干嘛', '做甚'],
  ['不要', '嫑'],
];

/**
 * Characters of concept words that match only as written, never by sound: 各 of the southwestern 各人 (自己,
 * "oneself") sounds like 个 of 个人 ("personal", "a person"), words of every other call (员工个人的社保卡, 没一个人去看).
 */
const WRITTEN_ONLY = '各';

/**
 * A concept word and its regional forms ({@link REGIONAL_FUNCTION_WORDS}): the word itself first, then the
 * word with every occurrence of a standard function word replaced by a regional one, in every combination of
 * the pairs it holds (俺给恁说过 as well as 我给恁说过 and 俺给你说过), pair by pair in the table's order. A word
 * without such a function word is returned alone.
 *
 * @param norm a concept word, normalised ({@link normalizePhrase})
 * @returns distinct normal forms, `norm` first
 */
export function regionalForms(norm: string): string[] {
  let forms = [norm];
  for (const [standard, regional] of REGIONAL_FUNCTION_WORDS) {
    if (!norm.includes(standard)) continue;
    forms = [...new Set([...forms, ...forms.filter((f) => f.includes(standard)).map((f) => f.replaceAll(standard, regional))])];
  }
  return forms;
}

/**
 * Clauses an utterance may have for a frame's `nearUnless` concepts to cancel it from anywhere in it. Up to
 * this many clauses a turn is one short remark, and a condition or a 您 anywhere in it colours the whole
 * ("您要是不清楚，可以问民政局"); a longer turn is several remarks in a row (a rude line buried in useful
 * instructions), and such a word there reaches only {@link REACH_CLAUSES} clauses on either side of the
 * frame's window. Measured on the tuning calls: one clause of reach keeps every compliant call clean.
 */
export const SHORT_UTTERANCE_CLAUSES = 4;

/** Clauses on either side of a frame's window that its `unless` concepts reach in a long utterance. */
export const REACH_CLAUSES = 1;

/**
 * A clause longer than this many characters is speech whose clause breaks were lost: ASR output written word by
 * word has no punctuation, and its normal form joins the words into one run ("二期的话协议签了之后先是评估结果公示
 * …你记到起鬼晓得好久拨得下来反正…"). For the reach of `nearUnless` concepts such a clause counts as
 * {@link UNBROKEN_PIECE_CHARS}-character pieces ({@link reachPieces}), so a condition at its start does not cancel a
 * frame at its end. No punctuated clause of the tuning calls is this long.
 */
export const UNBROKEN_CLAUSE_CHARS = 30;

/** Length in characters of the pieces an unbroken clause is cut into at word boundaries (a spoken clause's length). */
export const UNBROKEN_PIECE_CHARS = 10;

/**
 * The clauses of an utterance as {@link reachOf} counts them: each clause, except that one longer than
 * {@link UNBROKEN_CLAUSE_CHARS} characters is cut at word boundaries into pieces of at least
 * {@link UNBROKEN_PIECE_CHARS} characters (the last piece may be shorter).
 *
 * @param clauses `[start, end)` of each clause of the normalised text, in order
 * @param words the text's words (jieba, {@link wordsOf}), read only when a clause is that long
 * @returns `[start, end)` of each piece, in order; `clauses` itself when no clause is that long
 */
export function reachPieces(
  clauses: readonly (readonly [number, number])[],
  words: () => readonly string[],
): readonly (readonly [number, number])[] {
  if (!clauses.some(([s, e]) => e - s > UNBROKEN_CLAUSE_CHARS)) return clauses;
  const ends = new Set<number>();
  let at = 0;
  for (const w of words()) ends.add((at += w.length));
  const pieces: (readonly [number, number])[] = [];
  for (const [s, e] of clauses) {
    if (e - s <= UNBROKEN_CLAUSE_CHARS) {
      pieces.push([s, e]);
      continue;
    }
    let from = s;
    for (let i = s + 1; i < e; i++) {
      if (i - from >= UNBROKEN_PIECE_CHARS && ends.has(i)) {
        pieces.push([from, i]);
        from = i;
      }
    }
    pieces.push([from, e]);
  }
  return pieces;
}

/** A window of an utterance frames and examples read: one clause or a pair, and where cancelling words count. */
interface Window {
  s: number;
  e: number;
  pair: boolean;
  /** `[start, end)` of the text where `nearUnless` concepts cancel a frame hitting in this window ({@link reachOf}). */
  reach: readonly [number, number];
}

/**
 * The part of an utterance where `nearUnless` concepts cancel a frame read in clauses `first`..`last`: the whole
 * utterance when it has at most {@link SHORT_UTTERANCE_CLAUSES} clauses, else those clauses and
 * {@link REACH_CLAUSES} neighbouring clauses on either side.
 *
 * @param clauses `[start, end)` of each clause of the normalised text, in order
 * @param first index of the window's first clause
 * @param last index of the window's last clause
 * @returns `[start, end)` offsets in the normalised text
 */
export function reachOf(clauses: readonly (readonly [number, number])[], first: number, last: number): [number, number] {
  if (clauses.length <= SHORT_UTTERANCE_CLAUSES) return [0, Infinity];
  const from = Math.max(0, first - REACH_CLAUSES);
  const to = Math.min(clauses.length - 1, last + REACH_CLAUSES);
  return [clauses[from]![0], clauses[to]![1]];
}

/**
 * Parses and compiles a meaning file (see the module comment and the shipped file's header).
 *
 * @param text YAML text
 * @param fileName for error messages; the example bank `examples.file` is read relative to its folder
 * @throws {Error} `file:line: reason` for YAML syntax errors, unknown keys, a frame naming an unknown concept,
 *   a word without letters, duplicate frame ids, or a bad example bank
 */
export function parseMeaning(text: string, fileName: string): Meaning {
  const { data: spec, fail } = parseYaml(text, fileName, meaningSchema);
  const conceptNames = Object.keys(spec.concepts);
  const concepts: ConceptWord[][] = conceptNames.map((name) =>
    spec.concepts[name]!.flatMap((w, i) => {
      const norm = normalizePhrase(w);
      if (!norm || norm.includes(CLAUSE_SEP)) fail(['concepts', name, i], `word "${w}" must have letters and no punctuation`);
      return regionalForms(norm).map((form) => ({
        norm: form,
        sounds: soundKeyVariants(form),
        chars: new Set(form),
        grammatical: [...form].every((c) => FUNCTION_CHARS.includes(c)),
        reduplicated: form.length === 2 && form[0] === form[1],
      }));
    }),
  );
  const conceptIndex = (name: string, path: (string | number)[]): number => {
    const i = conceptNames.indexOf(name);
    if (i < 0) fail(path, `unknown concept "${name}" (define it under concepts:)`);
    return i;
  };
  const seen = new Set<string>();
  const frames: Frame[] = spec.frames.map((f, i) => {
    if (seen.has(f.id)) fail(['frames', i, 'id'], `frame id "${f.id}" is listed twice`);
    seen.add(f.id);
    return {
      id: f.id,
      phrase: f.phrase,
      all: f.all.map((c, j) => conceptIndex(c, ['frames', i, 'all', j])),
      order: f.order,
      window: f.window,
      unless: f.unless.map((c, j) => conceptIndex(c, ['frames', i, 'unless', j])),
    };
  });
  const phraseIds = new Set(frames.map((f) => f.phrase));
  const topics = new Set(spec.topics.map((c, i) => conceptIndex(c, ['topics', i])));
  /** Cancelling concepts whose reach is bounded in long utterances ({@link reachOf}); the others reach the whole utterance. */
  const near = new Set(spec.nearUnless.map((c, i) => conceptIndex(c, ['nearUnless', i])));

  // Example bank: TF-IDF vectors in an inverted index.
  const examples: Example[] = [];
  const postings = new Map<string, [number, number][]>();
  const idf = new Map<string, number>();
  const threshold = spec.examples?.threshold ?? 1;
  if (spec.examples) {
    const bank = loadExampleBank(join(dirname(fileName), spec.examples.file));
    const raw: { phrase: string; text: string; hit: boolean; f: Map<string, number> }[] = [];
    for (const [phrase, lists] of Object.entries(bank)) {
      phraseIds.add(phrase);
      for (const [list, hit] of [
        [lists.hits, true],
        [lists.nearMisses, false],
      ] as const) {
        for (const text of list) {
          const norm = normalizePhrase(text);
          if (norm)
            raw.push({ phrase, text, hit, f: features(norm, soundKey(norm), wordSpans(segmenter().cut(norm, false)), 0, norm.length) });
        }
      }
    }
    const df = new Map<string, number>();
    for (const r of raw) for (const k of r.f.keys()) df.set(k, (df.get(k) ?? 0) + 1);
    for (const [k, n] of df) idf.set(k, Math.log((raw.length + 1) / n));
    raw.forEach((r, idx) => {
      let sq = 0;
      for (const [k, n] of r.f) {
        const w = n * idf.get(k)!;
        if (w <= 0) continue;
        sq += w * w;
        let p = postings.get(k);
        if (!p) postings.set(k, (p = []));
        p.push([idx, w]);
      }
      examples.push({ phrase: r.phrase, text: r.text, hit: r.hit, norm: Math.sqrt(sq) });
    });
  }

  /**
   * Concept words by their first two characters (one for one-character words), and (two characters or more)
   * by the first two characters of each of their sound keys: a lookup at a text position touches only the
   * words that can start there.
   */
  const byFirstChar = new Map<number, { ci: number; w: ConceptWord }[]>();
  const byFirstSound = new Map<number, { ci: number; w: ConceptWord }[]>();
  /** Lookup key of the first two UTF-16 units of a string at `i` (one unit: the second counts as 0). */
  const key2 = (str: string, i: number, one: boolean): number => str.charCodeAt(i) * 0x10000 + (one ? 0 : str.charCodeAt(i + 1));
  const add = (m: Map<number, { ci: number; w: ConceptWord }[]>, k: number, ci: number, w: ConceptWord) => {
    const list = m.get(k);
    if (list) list.push({ ci, w });
    else m.set(k, [{ ci, w }]);
  };
  concepts.forEach((words, ci) => {
    for (const w of words) {
      add(byFirstChar, key2(w.norm, 0, w.norm.length === 1), ci, w);
      if (w.norm.length > 1) for (const first of new Set(w.sounds.map((k) => key2(k, 0, false)))) add(byFirstSound, first, ci, w);
    }
  });
  /** Concepts used only in `unless` lists: their single characters match anywhere, not only as a word. */
  const writtenOnly = new Set(frames.flatMap((f) => f.unless));
  for (const f of frames) for (const c of f.all) writtenOnly.delete(c);
  /** Frames of each phrase id, for the near-frame check of example hits. */
  const framesOf = new Map<string, Frame[]>();
  for (const f of frames) framesOf.set(f.phrase, [...(framesOf.get(f.phrase) ?? []), f]);
  /**
   * Adds to `out` the occurrences of concept words in `norm` (with its sound key `sound`): as written, and
   * (two characters or more) by sound keeping one of the word's own characters that is no function
   * character; one-character words as written where `singleWordAt` allows. A word of function characters
   * only (不都, 的吗, 不是) has no such character: by sound it keeps one of its own characters and cuts no
   * word of the text (`cuts`, {@link cutsWord}): 不陡列着 is 不都列着, 全部都写着 holds no 不都. No sound match
   * takes {@link POLITE_YOU} for another character, nor another character for one of {@link WRITTEN_ONLY}. A
   * reduplicated word (明明) as written is no match where
   * `doubling` says it is a longer word with its last character written twice (说明明). `at` maps an offset of `norm` to one
   * of the utterance (identity for the utterance itself; see {@link undoubledText}); `heard` collects the
   * starts of words of two characters or more found by sound or across a doubling (see `occurrences`).
   */
  const scan = (
    norm: string,
    sound: string,
    singleWordAt: ((i: number) => boolean) | null,
    cutsAt: (start: number, end: number) => boolean,
    out: [number, number][][],
    heard: Set<number> | null,
    doubling: ((i: number) => boolean) | null,
    at?: readonly number[],
  ): void => {
    const push = (ci: number, s: number, e: number) => {
      out[ci]!.push(at ? [at[s]!, at[e]!] : [s, e]);
      if (at && e - s > 1 && at[e]! - at[s]! !== e - s) heard?.add(at[s]!);
    };
    const cuts = (s: number, e: number) => (at ? cutsAt(at[s]!, at[e]!) : cutsAt(s, e));
    for (let i = 0; i < norm.length; i++) {
      const two = i + 1 < norm.length;
      for (const list of [
        singleWordAt ? byFirstChar.get(key2(norm, i, true)) : undefined,
        two ? byFirstChar.get(key2(norm, i, false)) : undefined,
      ]) {
        if (!list) continue;
        for (const { ci, w } of list) {
          if (!norm.startsWith(w.norm, i)) continue;
          if (w.reduplicated && doubling?.(i)) continue;
          if (w.norm.length > 1 || writtenOnly.has(ci) || singleWordAt!(i)) push(ci, i, i + w.norm.length);
        }
      }
      for (const { ci, w } of (two ? byFirstSound.get(key2(sound, i, false)) : undefined) ?? []) {
        if (!w.sounds.some((k) => sound.startsWith(k, i)) || norm.startsWith(w.norm, i)) continue;
        let own = false;
        let barred = false;
        for (let k = i; k < i + w.norm.length; k++) {
          own ||= w.chars.has(norm[k]!) && (w.grammatical || !FUNCTION_CHARS.includes(norm[k]!));
          barred ||=
            (norm[k] === POLITE_YOU && w.norm[k - i] !== POLITE_YOU) ||
            (WRITTEN_ONLY.includes(w.norm[k - i]!) && norm[k] !== w.norm[k - i]);
        }
        if (own && !barred && (!w.grammatical || !cuts(i, i + w.norm.length))) {
          push(ci, i, i + w.norm.length);
          heard?.add(at ? at[i]! : i);
        }
      }
    }
  };
  /**
   * Occurrences `[start, end)` of each concept in the text: {@link scan} of the text, then of the text
   * without its doubled characters ({@link undoubledText}: 知知道 is 知道, 开发发商 开发商), words of two
   * characters or more only there.
   */
  const occurrences = (t: MeaningText): [number, number][][] => {
    const sound = (t.sound ??= soundKey(t.norm));
    let singles: Set<number> | undefined;
    /** Offsets of the one-character words of the text (jieba), computed when first needed. */
    const singleWordAt = (i: number): boolean => {
      if (!singles) {
        singles = new Set();
        let at = 0;
        for (const w of wordsOf(t)) {
          if (w.length === 1) singles.add(at);
          at += w.length;
        }
      }
      return singles.has(i);
    };
    const out: [number, number][][] = concepts.map(() => []);
    const cutsAt = (start: number, end: number) => cutsWord(t, start, end);
    const heard = new Set<number>();
    const undoubled = undoubledText(t.norm);
    /**
     * True when the character at `i`, written twice there, is part of a longer word once written once (说明明
     * is 说明 doubled: its 明明 is no "plainly"; 上面明明写着 keeps 明明, since 上面明写着 has 明 alone).
     */
    const doubling = (i: number): boolean => {
      if (!undoubled) return false;
      const u = undoubled.at.indexOf(i);
      let from = 0;
      for (const w of wordsOf(undoubled)) {
        if (u < from + w.length) return w.length > 1;
        from += w.length;
      }
      return false;
    };
    scan(t.norm, sound, singleWordAt, cutsAt, out, heard, doubling);
    if (undoubled)
      scan(
        undoubled.norm,
        undoubled.at
          .slice(0, -1)
          .map((i) => sound[i]!)
          .join(''),
        null,
        cutsAt,
        out,
        heard,
        null,
        undoubled.at,
      );
    // A one-character word that starts a longer concept word heard by sound or across a doubling (告 of 告俗你
    // for 告诉你, of 告告诉你) is the first syllable of that word, not a word of its own.
    if (heard.size)
      out.forEach((list, ci) => {
        if (!writtenOnly.has(ci)) out[ci] = list.filter(([s, e]) => e - s > 1 || !heard.has(s));
      });
    return out;
  };

  /** The nearest example to a window of the text (its {@link features}), by cosine similarity. */
  // Dot products per example, reused by every call of `nearest` (zeroed again after each; no re-entry).
  const dots = new Float64Array(examples.length);
  const touched: number[] = [];
  const nearest = (f: ReadonlyMap<string, number>): { ex: Example; sim: number } | null => {
    let sq = 0;
    for (const [k, n] of f) {
      const w = n * (idf.get(k) ?? Math.log(examples.length + 1));
      sq += w * w;
      const p = postings.get(k);
      if (!p) continue;
      for (const [idx, ew] of p) {
        if (dots[idx] === 0) touched.push(idx);
        dots[idx] = dots[idx]! + w * ew;
      }
    }
    let best: { ex: Example; sim: number } | null = null;
    for (const idx of touched) {
      const ex = examples[idx]!;
      const sim = dots[idx]! / (Math.sqrt(sq) * ex.norm);
      dots[idx] = 0;
      if (sq > 0 && (!best || sim > best.sim)) best = { ex, sim };
    }
    touched.length = 0;
    return best;
  };

  const cache = new WeakMap<MeaningText, Reading>();
  const read = (t: MeaningText): Reading => {
    let r = cache.get(t);
    if (r) return r;
    r = { hits: new Map() };
    cache.set(t, r);
    if (!t.norm) return r;
    const sound = (t.sound ??= soundKey(t.norm));
    const clauses: [number, number][] = [];
    for (let from = 0; from <= t.norm.length;) {
      let to = t.norm.indexOf(CLAUSE_SEP, from);
      if (to < 0) to = t.norm.length;
      if (to > from) clauses.push([from, to]);
      from = to + 1;
    }
    // The reach of `nearUnless` concepts counts clauses whose breaks were lost as pieces ({@link reachPieces}).
    const pieces = reachPieces(clauses, () => wordsOf(t));
    /** Index of the piece holding offset `at` of the text. */
    const pieceAt = (at: number): number => {
      let i = 0;
      while (i + 1 < pieces.length && pieces[i]![1] <= at) i++;
      return i;
    };
    const unbroken = (at: number): boolean => clauses.some(([s, e]) => s <= at && at < e && e - s > UNBROKEN_CLAUSE_CHARS);
    const windows: Window[] = [];
    clauses.forEach(([s, e], i) => {
      windows.push({ s, e, pair: false, reach: reachOf(pieces, pieceAt(s), pieceAt(e - 1)) });
      if (i + 1 < clauses.length) {
        const e2 = clauses[i + 1]![1];
        windows.push({ s, e: e2, pair: true, reach: reachOf(pieces, pieceAt(s), pieceAt(e2 - 1)) });
      }
    });
    /**
     * Where `nearUnless` concepts cancel a frame whose words span `[first, last)` of window `w`: the window's
     * reach, narrowed inside an unbroken clause at either end of the window to the pieces around the words.
     */
    const hitReach = (w: Window, first: number, last: number): readonly [number, number] =>
      pieces === clauses || (!unbroken(w.s) && !unbroken(w.e - 1))
        ? w.reach
        : reachOf(pieces, pieceAt(unbroken(w.s) ? first : w.s), pieceAt(unbroken(w.e - 1) ? last - 1 : w.e - 1));
    const occ = occurrences(t);
    /**
     * True when concept `c` occurs within `[from, to)` outside the words that make frame `f`'s own concepts: a
     * cancelling word inside a longer word the frame reads (麻烦 in 嫌麻烦) is part of that word, not a polite
     * marker; nor does a two-character one count that straddles a word boundary ({@link straddlesWord}: 请你 in
     * 申请你).
     */
    const occursFor = (f: Frame, c: number, from: number, to: number): boolean =>
      occ[c]!.some(
        ([s, e]) =>
          s >= from &&
          e <= to &&
          !f.all.some((a) => occ[a]!.some(([as, ae]) => as <= s && e <= ae && ae - as > e - s)) &&
          (e - s > 2 || !straddlesWord(t, s, e)),
      );
    /** Per frame: cancelled by a concept reaching the whole utterance (every one in a short utterance). */
    const cancelledAnywhere = new Map<Frame, boolean>();
    const long = pieces.length > SHORT_UTTERANCE_CLAUSES;
    /**
     * True when one of a frame's `unless` concepts cancels it in a window: anywhere in the utterance, except
     * that a concept listed under `nearUnless` counts in a long utterance only within the window's reach
     * (`[from, to)`, {@link reachOf}).
     */
    const cancelled = (f: Frame, [from, to]: readonly [number, number]): boolean => {
      let anywhere = cancelledAnywhere.get(f);
      if (anywhere === undefined) {
        anywhere = f.unless.some((c) => (!long || !near.has(c)) && occursFor(f, c, 0, Infinity));
        cancelledAnywhere.set(f, anywhere);
      }
      return anywhere || (long && f.unless.some((c) => near.has(c) && occursFor(f, c, from, to)));
    };
    /** Windows where a frame hit: examples add nothing there. */
    const framed: [number, number][] = [];
    // Frames.
    if (frames.length) {
      for (const f of frames) {
        if (r.hits.has(f.phrase)) continue;
        if (!f.all.every((c) => occ[c]!.length > 0)) continue;
        for (const w of windows) {
          if (w.pair && f.window === 'clause') continue;
          let at = w.s;
          let first = -1;
          let last = -1;
          let ok = true;
          const words: string[] = [];
          for (const c of f.all) {
            // The earliest occurrence of the concept inside the window (after the previous one when ordered).
            let o: readonly [number, number] | undefined;
            for (const x of occ[c]!) if (x[0] >= (f.order ? at : w.s) && x[1] <= w.e && (!o || x[0] < o[0])) o = x;
            if (!o) {
              ok = false;
              break;
            }
            if (f.order) at = o[1];
            words.push(t.norm.slice(o[0], o[1]));
            first = first < 0 ? o[0] : Math.min(first, o[0]);
            last = Math.max(last, o[1]);
          }
          if (ok && !cancelled(f, hitReach(w, first, last))) {
            r.hits.set(f.phrase, { start: first, end: last, via: 'frame', name: f.id, words });
            framed.push([w.s, w.e]);
            break;
          }
        }
      }
    }
    // Examples: only in windows near a frame of some phrase id (half of its concepts in the window, one of
    // them not a topic, none of its cancelling ones in the utterance), and only for such ids.
    let spans: [string, number][] | undefined;
    if (examples.length) {
      // A frame can make its id near in a window only when half of its concepts, one of them no topic, occur in
      // the utterance at all: the others are left out once here instead of in every window.
      const candidates: [string, Frame[]][] = [];
      for (const [phrase, fs] of framesOf) {
        const some = fs.filter((f) => {
          const present = f.all.filter((c) => occ[c]!.length > 0);
          return present.length >= Math.ceil(f.all.length / 2) && present.some((c) => !topics.has(c));
        });
        if (some.length) candidates.push([phrase, some]);
      }
      for (const w of candidates.length ? windows : []) {
        if (framed.some(([s, e]) => s < w.e && w.s < e)) continue;
        const nearIds = new Set<string>();
        for (const [phrase, fs] of candidates) {
          const near = fs.some((f) => {
            const there = f.all.filter((c) => occ[c]!.some(([s, e]) => s >= w.s && e <= w.e));
            return there.length >= Math.ceil(f.all.length / 2) && there.some((c) => !topics.has(c)) && !cancelled(f, w.reach);
          });
          if (near) nearIds.add(phrase);
        }
        if (!nearIds.size) continue;
        spans ??= wordSpans(wordsOf(t));
        const n = nearest(features(t.norm, sound, spans, w.s, w.e));
        if (!n || !n.ex.hit || n.sim < threshold || !nearIds.has(n.ex.phrase)) continue;
        const prev = r.hits.get(n.ex.phrase);
        if (prev && (prev.via === 'frame' || (prev.similarity ?? 0) >= n.sim)) continue;
        r.hits.set(n.ex.phrase, { start: w.s, end: w.e, via: 'example', name: n.ex.text, similarity: Math.round(n.sim * 100) / 100 });
      }
    }
    return r;
  };

  return {
    version: spec.version,
    source: fileName,
    phraseIds,
    find: (t, id) => read(t).hits.get(id) ?? null,
    read: (t) => read(t).hits,
  };
}
