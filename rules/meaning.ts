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
 * first two characters and the first two sounds at each position (hash tables keyed by the two code units,
 * meaning/pair-table.ts); the occurrences found are kept in typed arrays grouped by concept and reused from
 * utterance to utterance; frames are counted from the concepts present; the example comparison
 * (meaning/example-index.ts: features interned to integers, postings in typed arrays) runs only in windows
 * where a rewording of a phrase id near the window can reach the threshold at all (an upper bound from the
 * window's features, no example touched) and then touches only the examples that share a feature with the
 * window. What is read is kept on the text (`MeaningText.reading`). See scripts/bench-rules.ts for the
 * measured time per call.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { CLAUSE_SEP, FUNCTION_CHARS, POLITE_YOU, normalizePhrase, soundKey, soundKeyVariants } from '../text/normalize.js';
import { ExampleIndex, type IndexedExample, type IndexedText, type TextFeatures } from './meaning/example-index.js';
import { PairTable } from './meaning/pair-table.js';

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

/**
 * Text the meaning layer reads: the normalised utterance, and what is computed from it once, on first use, and
 * kept on the object (see `MatchText`, which extends it): its sound key and its jieba words. An object whose
 * `norm` changes must not keep them.
 */
export interface MeaningText {
  norm: string;
  /** `soundKey(norm)`. */
  sound?: string;
  /** {@link wordsOf}. */
  words?: readonly string[];
  /** What a meaning layer read in the text ({@link Meaning.read}). */
  reading?: Reading;
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
  /** Position in the meaning file's frame list. */
  index: number;
  id: string;
  phrase: string;
  all: number[];
  order: boolean;
  window: 'clause' | 'pair';
  unless: number[];
}

/**
 * What one utterance says to one meaning layer, computed once (see the module comment) and kept on the text
 * (`MeaningText.reading`): the hits by phrase id, and the layer that read them.
 */
export interface Reading {
  /** The {@link Meaning} that read the text (a text read by another layer is read again). */
  by: Meaning;
  hits: Map<string, MeaningHit>;
}

/** A compiled meaning layer. Immutable (what it reads is kept on each text); share it freely. */
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

/**
 * The jieba words (precise mode, no HMM) of an utterance's normalised text, in order, separators included,
 * so that their lengths add up to `t.norm.length`. Cut once per text object (kept as `t.words`) and shared by
 * every reader of the utterance (sound-alike regex checks, single-character concept words, example features).
 */
export function wordsOf(t: MeaningText): readonly string[] {
  return (t.words ??= segmenter().cut(t.norm, false));
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
 * The concept occurrences of one utterance, grouped by concept in compressed sparse rows: the occurrences of
 * concept `c` are the entries `first[c]` … `first[c + 1] − 1`, each `[start[k], end[k])` in the utterance's
 * normalised text, in the order they were found. A meaning layer keeps one and refills it for each utterance
 * it reads: {@link add} what is found, then {@link group}.
 */
class ConceptOccurrences {
  /** Where each concept's entries begin; `first[c + 1] − first[c]` is how many it has. */
  readonly first: Int32Array;
  start = new Int32Array(64);
  end = new Int32Array(64);
  // The occurrences as found, before grouping (concept −1: dropped by `group`).
  private foundC = new Int32Array(64);
  private foundS = new Int32Array(64);
  private foundE = new Int32Array(64);
  private found = 0;
  /** The next free entry of each concept while grouping. */
  private readonly next: Int32Array;

  /** @param concepts number of concepts of the meaning layer */
  constructor(concepts: number) {
    this.first = new Int32Array(concepts + 1);
    this.next = new Int32Array(concepts);
  }

  /** Forgets the occurrences found so far. */
  clear(): void {
    this.found = 0;
  }

  /** Records an occurrence `[s, e)` of concept `c`. */
  add(c: number, s: number, e: number): void {
    if (this.found === this.foundC.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.foundC = grow(this.foundC);
      this.foundS = grow(this.foundS);
      this.foundE = grow(this.foundE);
    }
    this.foundC[this.found] = c;
    this.foundS[this.found] = s;
    this.foundE[this.found++] = e;
  }

  /** Groups the occurrences found by concept (keeping their order), leaving out those `keep` rejects. */
  group(keep: ((c: number, s: number, e: number) => boolean) | null): void {
    const { first, next, foundC, foundS, foundE } = this;
    first.fill(0);
    for (let k = 0; k < this.found; k++) {
      if (keep && !keep(foundC[k]!, foundS[k]!, foundE[k]!)) foundC[k] = -1;
      else first[foundC[k]! + 1]!++;
    }
    for (let c = 0; c < next.length; c++) first[c + 1]! += first[c]!;
    if (this.start.length < first[next.length]!) {
      this.start = new Int32Array(this.foundC.length);
      this.end = new Int32Array(this.foundC.length);
    }
    next.set(first.subarray(0, next.length));
    for (let k = 0; k < this.found; k++) {
      const c = foundC[k]!;
      if (c < 0) continue;
      const at = next[c]!++;
      this.start[at] = foundS[k]!;
      this.end[at] = foundE[k]!;
    }
  }
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
      index: i,
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

  // Example bank: TF-IDF vectors in an inverted index (meaning/example-index.ts).
  const threshold = spec.examples?.threshold ?? 1;
  const entries: (IndexedExample & IndexedText)[] = [];
  if (spec.examples) {
    const bank = loadExampleBank(join(dirname(fileName), spec.examples.file));
    for (const [phrase, lists] of Object.entries(bank)) {
      phraseIds.add(phrase);
      for (const [list, hit] of [
        [lists.hits, true],
        [lists.nearMisses, false],
      ] as const) {
        for (const text of list) {
          const norm = normalizePhrase(text);
          if (norm) entries.push({ phrase, text, hit, norm, sound: soundKey(norm), words: segmenter().cut(norm, false) });
        }
      }
    }
  }
  const exampleIndex = new ExampleIndex(entries);
  const examples = exampleIndex.examples;

  /**
   * Concept words by their first two characters (one for one-character words: the pair `(c, 0)`), and (two
   * characters or more) by the first two characters of each of their sound keys: a lookup at a text position
   * touches only the words that can start there. Both tables map the pair to a list of `wordLists`.
   */
  const byFirstChar = new PairTable();
  const byFirstSound = new PairTable();
  const wordLists: { ci: number; w: ConceptWord }[][] = [];
  const add = (table: PairTable, a: number, b: number, ci: number, w: ConceptWord) => {
    const k = table.getOrSet(a, b, wordLists.length);
    if (k === wordLists.length) wordLists.push([]);
    wordLists[k]!.push({ ci, w });
  };
  concepts.forEach((words, ci) => {
    for (const w of words) {
      add(byFirstChar, w.norm.charCodeAt(0), w.norm.length === 1 ? 0 : w.norm.charCodeAt(1), ci, w);
      if (w.norm.length > 1) {
        const firsts = new Set(w.sounds.map((k) => k.slice(0, 2)));
        for (const first of firsts) add(byFirstSound, first.charCodeAt(0), first.charCodeAt(1), ci, w);
      }
    }
  });
  /** Concepts used only in `unless` lists: their single characters match anywhere, not only as a word. */
  const writtenOnly = new Set(frames.flatMap((f) => f.unless));
  for (const f of frames) for (const c of f.all) writtenOnly.delete(c);
  /** Frames of each phrase id, for the near-frame check of example hits: `[phrase id, frames]`, in file order. */
  const framesOf = new Map<string, Frame[]>();
  for (const f of frames) framesOf.set(f.phrase, [...(framesOf.get(f.phrase) ?? []), f]);
  const framesByPhrase = [...framesOf];
  /** For each concept, the indices of the frames whose `all` lists it (once per listing), in file order. */
  const framesWith: number[][] = concepts.map(() => []);
  for (const f of frames) for (const c of f.all) framesWith[c]!.push(f.index);
  /**
   * Adds to `occ` the occurrences of concept words in `norm` (with its sound key `sound`): as written, and
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
    occ: ConceptOccurrences,
    heard: Set<number>,
    doubling: ((i: number) => boolean) | null,
    at?: readonly number[],
  ): void => {
    const push = (ci: number, s: number, e: number) => {
      if (at) {
        occ.add(ci, at[s]!, at[e]!);
        if (e - s > 1 && at[e]! - at[s]! !== e - s) heard.add(at[s]!);
      } else occ.add(ci, s, e);
    };
    const cuts = (s: number, e: number) => (at ? cutsAt(at[s]!, at[e]!) : cutsAt(s, e));
    /** The words of list `k` of `byFirstChar` written at `i`. */
    const written = (k: number, i: number) => {
      for (const { ci, w } of wordLists[k]!) {
        if (!norm.startsWith(w.norm, i)) continue;
        if (w.reduplicated && doubling?.(i)) continue;
        if (w.norm.length > 1 || writtenOnly.has(ci) || singleWordAt!(i)) push(ci, i, i + w.norm.length);
      }
    };
    for (let i = 0; i < norm.length; i++) {
      const c = norm.charCodeAt(i);
      const single = singleWordAt ? byFirstChar.get(c, 0) : -1;
      if (single >= 0) written(single, i);
      if (i + 1 === norm.length) continue;
      const two = byFirstChar.get(c, norm.charCodeAt(i + 1));
      if (two >= 0) written(two, i);
      const bySound = byFirstSound.get(sound.charCodeAt(i), sound.charCodeAt(i + 1));
      if (bySound < 0) continue;
      for (const { ci, w } of wordLists[bySound]!) {
        let same = false;
        for (const k of w.sounds) if ((same = sound.startsWith(k, i))) break;
        if (!same || norm.startsWith(w.norm, i)) continue;
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
          heard.add(at ? at[i]! : i);
        }
      }
    }
  };
  // Work values of `occurrences` and `read`, reused from utterance to utterance (reading is not re-entrant).
  const occ = new ConceptOccurrences(concepts.length);
  const heard = new Set<number>();
  /**
   * Occurrences `[start, end)` of each concept in the text: {@link scan} of the text, then of the text
   * without its doubled characters ({@link undoubledText}: 知知道 is 知道, 开发发商 开发商), words of two
   * characters or more only there. Fills and returns `occ` (valid until the next call).
   */
  const occurrences = (t: MeaningText): ConceptOccurrences => {
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
    occ.clear();
    heard.clear();
    const cutsAt = (start: number, end: number) => cutsWord(t, start, end);
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
    scan(t.norm, sound, singleWordAt, cutsAt, occ, heard, doubling);
    if (undoubled)
      scan(
        undoubled.norm,
        undoubled.at
          .slice(0, -1)
          .map((i) => sound[i]!)
          .join(''),
        null,
        cutsAt,
        occ,
        heard,
        null,
        undoubled.at,
      );
    // A one-character word that starts a longer concept word heard by sound or across a doubling (告 of 告俗你
    // for 告诉你, of 告告诉你) is the first syllable of that word, not a word of its own.
    occ.group(heard.size ? (ci, s, e) => writtenOnly.has(ci) || e - s > 1 || !heard.has(s) : null);
    return occ;
  };

  /** Per frame (by index), while one utterance is read: 1 when cancelled from anywhere in it, 0 when not, -1 not yet known. */
  const cancelledAnywhere = new Int8Array(frames.length);
  // Per frame, for the utterance being read: how many of its concepts (as listed) occur in it, whether one of
  // them is no topic, whether all occur, and whether half of them with one no topic do.
  const occurring = new Int32Array(frames.length);
  const subject = new Uint8Array(frames.length);
  const complete = new Uint8Array(frames.length);
  const candidate = new Uint8Array(frames.length);
  /** Per concept: 1 when it occurs inside the window being tried for examples. */
  const inWindow = new Uint8Array(concepts.length);
  /** The concepts that occur in the utterance being read. */
  const present: number[] = [];
  /** The occurrence chosen for each concept of a frame, while a window is tried. */
  const chosen: number[] = [];
  /** The phrase ids a frame of which comes near in the window being tried for examples. */
  const nearIds: string[] = [];

  const read = (t: MeaningText): Reading => {
    if (t.reading?.by === layer) return t.reading;
    const r: Reading = (t.reading = { by: layer, hits: new Map() });
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
    const { first, start, end } = occurrences(t); /**
     * True when concept `c` occurs within `[from, to)` outside the words that make frame `f`'s own concepts: a
     * cancelling word inside a longer word the frame reads (麻烦 in 嫌麻烦) is part of that word, not a polite
     * marker; nor does a two-character one count that straddles a word boundary ({@link straddlesWord}: 请你 in
     * 申请你).
     */
    const occursFor = (f: Frame, c: number, from: number, to: number): boolean => {
      for (let k = first[c]!; k < first[c + 1]!; k++) {
        const s = start[k]!;
        const e = end[k]!;
        if (s < from || e > to) continue;
        let inside = false;
        for (const a of f.all) {
          for (let j = first[a]!; j < first[a + 1]! && !inside; j++) inside = start[j]! <= s && e <= end[j]! && end[j]! - start[j]! > e - s;
          if (inside) break;
        }
        if (!inside && (e - s > 2 || !straddlesWord(t, s, e))) return true;
      }
      return false;
    };
    cancelledAnywhere.fill(-1);
    const long = pieces.length > SHORT_UTTERANCE_CLAUSES;
    /**
     * True when one of a frame's `unless` concepts cancels it in a window: anywhere in the utterance, except
     * that a concept listed under `nearUnless` counts in a long utterance only within the window's reach
     * (`[from, to)`, {@link reachOf}).
     */
    const cancelled = (f: Frame, [from, to]: readonly [number, number]): boolean => {
      if (cancelledAnywhere[f.index] === -1) {
        let anywhere = false;
        for (const c of f.unless) if ((anywhere = (!long || !near.has(c)) && occursFor(f, c, 0, Infinity))) break;
        cancelledAnywhere[f.index] = anywhere ? 1 : 0;
      }
      if (cancelledAnywhere[f.index] === 1) return true;
      if (long) for (const c of f.unless) if (near.has(c) && occursFor(f, c, from, to)) return true;
      return false;
    };
    // Per frame, how many of its concepts occur in the utterance: frames need all of them (in one window), and
    // a frame can make its id near in a window for examples only when half of them, one of them no topic, do.
    // Counted from the concepts present, so frames with none of them cost nothing.
    for (const a of [occurring, subject, complete, candidate, inWindow]) a.fill(0);
    present.length = 0;
    for (let c = 0; c < concepts.length; c++) if (first[c + 1]! > first[c]!) present.push(c);
    for (const c of present) {
      for (const x of framesWith[c]!) {
        occurring[x]!++;
        if (!topics.has(c)) subject[x] = 1;
      }
    }
    let candidates = 0;
    for (let x = 0; x < frames.length; x++) {
      if (!occurring[x]) continue;
      const n = frames[x]!.all.length;
      complete[x] = occurring[x] === n ? 1 : 0;
      candidate[x] = occurring[x]! >= Math.ceil(n / 2) && subject[x] ? 1 : 0;
      candidates += candidate[x]!;
    }
    /** Windows where a frame hit: examples add nothing there. */
    const framed: [number, number][] = [];
    // Frames, in file order (one that hits settles its phrase id).
    for (const f of frames) {
      if (!complete[f.index] || r.hits.has(f.phrase)) continue;
      for (const w of windows) {
        if (w.pair && f.window === 'clause') continue;
        let at = w.s;
        chosen.length = 0;
        for (const c of f.all) {
          // The earliest occurrence of the concept inside the window (after the previous one when ordered).
          let o = -1;
          for (let k = first[c]!; k < first[c + 1]!; k++) {
            if (start[k]! >= (f.order ? at : w.s) && end[k]! <= w.e && (o < 0 || start[k]! < start[o]!)) o = k;
          }
          if (o < 0) break;
          if (f.order) at = end[o]!;
          chosen.push(o);
        }
        if (chosen.length < f.all.length) continue;
        let from = Infinity;
        let to = -1;
        for (const o of chosen) {
          from = Math.min(from, start[o]!);
          to = Math.max(to, end[o]!);
        }
        if (cancelled(f, hitReach(w, from, to))) continue;
        const words = chosen.map((o) => t.norm.slice(start[o], end[o]));
        r.hits.set(f.phrase, { start: from, end: to, via: 'frame', name: f.id, words });
        framed.push([w.s, w.e]);
        break;
      }
    }
    // Examples: only in windows near a frame of some phrase id (half of its concepts in the window, one of
    // them not a topic, none of its cancelling ones in the utterance), and only for such ids.
    if (!examples.length || !candidates) return r;
    /** True when a frame of `fs` comes near in the window `w` (whose concepts are marked in `inWindow`). */
    const comesNear = (fs: readonly Frame[], w: Window): boolean => {
      for (const f of fs) {
        if (!candidate[f.index]) continue;
        let there = 0;
        let subject = false;
        for (const c of f.all) {
          if (!inWindow[c]) continue;
          there++;
          subject ||= !topics.has(c);
        }
        if (there >= Math.ceil(f.all.length / 2) && subject && !cancelled(f, w.reach)) return true;
      }
      return false;
    };
    // Only the concepts present can be in a window (`inWindow` stays 0 for the others).
    let features: TextFeatures | undefined;
    for (const w of windows) {
      if (framed.some(([s, e]) => s < w.e && w.s < e)) continue;
      for (const c of present) {
        let k = first[c]!;
        while (k < first[c + 1]! && !(start[k]! >= w.s && end[k]! <= w.e)) k++;
        inWindow[c] = k < first[c + 1]! ? 1 : 0;
      }
      nearIds.length = 0;
      for (const [phrase, fs] of framesByPhrase) if (comesNear(fs, w)) nearIds.push(phrase);
      if (!nearIds.length) continue;
      features ??= exampleIndex.featuresOf({ norm: t.norm, sound, words: wordsOf(t) });
      const n = exampleIndex.nearest(features, w.s, w.e, { phrases: nearIds, similarity: threshold });
      if (!n) continue;
      const ex = examples[n.example]!;
      if (!ex.hit || n.similarity < threshold || !nearIds.includes(ex.phrase)) continue;
      const prev = r.hits.get(ex.phrase);
      if (prev && (prev.via === 'frame' || (prev.similarity ?? 0) >= n.similarity)) continue;
      r.hits.set(ex.phrase, {
        start: w.s,
        end: w.e,
        via: 'example',
        name: ex.text,
        similarity: Math.round(n.similarity * 100) / 100,
      });
    }
    return r;
  };

  const layer: Meaning = {
    version: spec.version,
    source: fileName,
    phraseIds,
    find: (t, id) => read(t).hits.get(id) ?? null,
    read: (t) => read(t).hits,
  };
  return layer;
}
