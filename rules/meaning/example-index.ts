/**
 * The example bank of the meaning layer as an inverted index (../meaning.ts, step 3 of reading an utterance):
 * each example sentence is a TF-IDF vector over four kinds of features of its normalised text — jieba words
 * (weight 1 each), character unigrams (0.5), character bigrams (1) and sound-key bigrams (1) — and a window of
 * an utterance is compared with every example by cosine similarity.
 *
 * Index structure, built once per meaning file:
 * - Features are interned to dense integer ids ({@link FeatureIds}): words through a `Map` from the word,
 *   the three character kinds through open-addressing tables keyed by one or two UTF-16 code units
 *   ({@link PairTable}), so reading a text builds no feature strings.
 * - Postings in compressed sparse rows: the examples holding feature `f` are `postIdx[postStart[f] ..
 *   postStart[f + 1])`, in ascending example order, with their weights (count × IDF) at the same positions
 *   of `postW`; `idf[f]` is the feature's inverse document frequency `ln((N + 1) / df)` over the N examples.
 *   A feature no example has weighs `ln(N + 1)` and touches no example.
 * - The phrase ids whose rewordings (examples with `hit`) have each feature, in compressed sparse rows too:
 *   `boundPhrases[boundStart[f] .. boundStart[f + 1])`, each phrase id as its position in `phraseIds`. They
 *   give an upper bound on the similarity of a window to any rewording of a phrase id (see
 *   {@link ExampleIndex.nearest}), so a window that cannot come near enough to a phrase id the caller asks
 *   about is never compared with the examples.
 *
 * Reading a text: {@link ExampleIndex.featuresOf} looks up the feature ids of every position once per
 * utterance (a window of two clauses reads the same positions as its clauses); features unknown to the bank
 * get ids of their own above the bank's, distinct per distinct feature of the text, so that repeats are
 * counted together. {@link ExampleIndex.nearest} then sums the window's vector into reused typed arrays.
 * Every sum runs in the order the features first occur in the window (words, then characters left to right)
 * and over the examples in bank order, so the similarities are the same numbers, to the last bit, as those
 * of a plain map from feature strings to counts.
 */
import { CLAUSE_SEP } from '../../text/normalize.js';
import { PairTable } from './pair-table.js';

/** The kinds of character features, each with its own table; a character unigram is the pair `(c, 0)`. */
type Kind = typeof CHAR | typeof BIGRAM | typeof SOUND;
const CHAR = 0;
const BIGRAM = 1;
const SOUND = 2;

/**
 * An interning table of features: each distinct feature (a word, or a kind and one or two code units) gets the
 * next integer id from `base` on, in the order first asked for with `add`.
 */
class FeatureIds {
  private words = new Map<string, number>();
  private pairs = [new PairTable(), new PairTable(), new PairTable()];
  /** The next id to hand out. */
  next: number;

  constructor(private readonly base: number) {
    this.next = base;
  }

  /** The id of a word: known, a new one when `add`, else -1. */
  word(w: string, add: boolean): number {
    const id = this.words.get(w);
    if (id !== undefined) return id;
    if (!add) return -1;
    this.words.set(w, this.next);
    return this.next++;
  }

  /** The id of a character feature `(a, b)` of a kind: known, a new one when `add`, else -1. */
  pair(kind: Kind, a: number, b: number, add: boolean): number {
    const table = this.pairs[kind]!;
    if (!add) return table.get(a, b);
    const id = table.getOrSet(a, b, this.next);
    if (id === this.next) this.next++;
    return id;
  }

  /** Forgets every feature; ids start again at `base`. */
  clear(): void {
    this.words.clear();
    for (const t of this.pairs) t.clear();
    this.next = this.base;
  }
}

/**
 * A text as the index reads it: its normalised text, its sound key (same length) and its jieba words in
 * order, separators included (their lengths add up to the text's).
 */
export interface IndexedText {
  norm: string;
  sound: string;
  words: readonly string[];
}

/**
 * The feature ids of every position of one text ({@link ExampleIndex.featuresOf}); -1 where a position has
 * no such feature. Ids at or above the bank's feature count are the text's own unknown features.
 */
export interface TextFeatures {
  /** Start offset of each jieba word in the text. */
  wordAt: Int32Array;
  /** Feature id of each word; -1 for a separator. */
  words: Int32Array;
  /** Word lengths (UTF-16 units). */
  wordLen: Int32Array;
  /** Feature id of the character at each offset; -1 for a separator. */
  chars: Int32Array;
  /** Feature id of the character bigram starting at each offset; -1 when either character is a separator or the text ends. */
  bigrams: Int32Array;
  /** Feature id of the sound-key bigram starting at each offset; -1 where `bigrams` is. */
  sounds: Int32Array;
  /** One more than the largest id used. */
  idCount: number;
}

/** One example sentence of the bank. */
export interface IndexedExample {
  /** The phrase id it belongs to (`B02`). */
  phrase: string;
  /** The sentence as written in the bank. */
  text: string;
  /** true: a rewording of `phrase`; false: a near miss. */
  hit: boolean;
}

/** The nearest example to a window: its position in {@link ExampleIndex.examples} and the cosine similarity, 0..1. */
export interface Nearest {
  example: number;
  similarity: number;
}

/**
 * What the caller of {@link ExampleIndex.nearest} looks for: a rewording of one of `phrases` (phrase ids) with a
 * similarity of at least `similarity`; any other nearest example is of no use to it.
 */
export interface Wanted {
  phrases: readonly string[];
  similarity: number;
}

/**
 * Relative margin of the upper bound of {@link ExampleIndex.nearest}: a window is left out only when even its
 * bound, made this much larger, stays below the similarity wanted, so rounding in the last bits of either sum
 * never leaves out a window whose computed similarity would reach it.
 */
const BOUND_MARGIN = 1e-9;

/** Weight of a character unigram in a vector; every other feature counts 1 per occurrence. */
const CHAR_WEIGHT = 0.5;

/** The example bank as an inverted index (see the module comment). Not re-entrant: it reuses its work arrays. */
export class ExampleIndex {
  /** The examples, in bank order (the order of the entries given to the constructor). */
  readonly examples: readonly IndexedExample[];
  private readonly bank = new FeatureIds(0);
  /** Ids of the features of the text being read that the bank does not know (cleared after each text). */
  private readonly unknown: FeatureIds;
  /** Features the bank knows: ids 0 … known − 1. */
  private readonly known: number;
  private readonly idf: Float64Array;
  /** `ln(N + 1)`: the IDF of a feature no example has. */
  private readonly unseenIdf: number;
  private readonly postStart: Int32Array;
  private readonly postIdx: Int32Array;
  private readonly postW: Float64Array;
  /** Euclidean norm of each example's vector. */
  private readonly norms: Float64Array;
  /** Phrase ids that have rewordings, each at its position in `boundPhrases`. */
  private readonly phraseIds = new Map<string, number>();
  private readonly boundStart: Int32Array;
  private readonly boundPhrases: Int32Array;
  /** Work array of `nearest`: per phrase id, the sum of the squared window weights on its rewordings' features. */
  private readonly boundSq: Float64Array;

  // Work arrays of `nearest`, reused: the window's vector (ids and counts in first-occurrence order, and each
  // id's slot in it, -1 when absent), and the dot product with each example touched (0 when untouched).
  private vecIds = new Int32Array(64);
  private vecN = new Float64Array(64);
  private vecLen = 0;
  private slotOf: Int32Array;
  private readonly dots: Float64Array;
  private readonly touched: Int32Array;

  /**
   * Builds the index.
   *
   * @param entries the examples with their texts as the index reads them ({@link IndexedText}, whole text)
   */
  constructor(entries: readonly (IndexedExample & IndexedText)[]) {
    this.examples = entries.map(({ phrase, text, hit }) => ({ phrase, text, hit }));
    const n = entries.length;
    this.slotOf = new Int32Array(64).fill(-1);
    // Each example's vector, interning its features as they come.
    const vectors = entries.map((e) => {
      const f = this.ids(e, this.bank, true);
      this.vector(f, 0, e.norm.length);
      const v = { ids: this.vecIds.slice(0, this.vecLen), counts: this.vecN.slice(0, this.vecLen) };
      this.resetVector();
      return v;
    });
    this.known = this.bank.next;
    this.unknown = new FeatureIds(this.known);
    const df = new Int32Array(this.known);
    for (const v of vectors) for (const id of v.ids) df[id]!++;
    this.idf = new Float64Array(this.known);
    for (let f = 0; f < this.known; f++) this.idf[f] = Math.log((n + 1) / df[f]!);
    this.unseenIdf = Math.log(n + 1);
    // Postings: count per feature, offsets, then fill in example order (ascending within each feature).
    const weights = vectors.map((v) => Float64Array.from(v.ids, (id, j) => v.counts[j]! * this.idf[id]!));
    this.postStart = new Int32Array(this.known + 1);
    vectors.forEach((v, x) => v.ids.forEach((id, j) => weights[x]![j]! > 0 && this.postStart[id + 1]!++));
    for (let f = 0; f < this.known; f++) this.postStart[f + 1]! += this.postStart[f]!;
    this.postIdx = new Int32Array(this.postStart[this.known]!);
    this.postW = new Float64Array(this.postStart[this.known]!);
    const fill = this.postStart.slice(0, this.known);
    this.norms = new Float64Array(n);
    vectors.forEach((v, x) => {
      let sq = 0;
      v.ids.forEach((id, j) => {
        const w = weights[x]![j]!;
        if (w <= 0) return;
        sq += w * w;
        const at = fill[id]!++;
        this.postIdx[at] = x;
        this.postW[at] = w;
      });
      this.norms[x] = Math.sqrt(sq);
    });
    this.dots = new Float64Array(n);
    this.touched = new Int32Array(n);
    // Per feature, the phrase ids whose rewordings have it (each once, in order of first rewording).
    const phrasesOf: number[][] = Array.from({ length: this.known }, () => []);
    entries.forEach((e, x) => {
      if (!e.hit) return;
      let p = this.phraseIds.get(e.phrase);
      if (p === undefined) this.phraseIds.set(e.phrase, (p = this.phraseIds.size));
      vectors[x]!.ids.forEach((id, j) => {
        const list = phrasesOf[id]!;
        if (weights[x]![j]! > 0 && !list.includes(p)) list.push(p);
      });
    });
    this.boundStart = new Int32Array(this.known + 1);
    phrasesOf.forEach((list, f) => (this.boundStart[f + 1] = this.boundStart[f]! + list.length));
    this.boundPhrases = Int32Array.from(phrasesOf.flat());
    this.boundSq = new Float64Array(this.phraseIds.size);
  }

  /**
   * The feature ids of every position of a text (see {@link TextFeatures}), for any number of
   * {@link nearest} calls on windows of it.
   */
  featuresOf(t: IndexedText): TextFeatures {
    const f = this.ids(t, this.unknown, false);
    this.unknown.clear();
    return f;
  }

  /**
   * The feature ids of a text: the bank's ids; for features it does not know, ids from `other` (which
   * interns them); with `add`, `other` is the bank itself and every feature is interned.
   */
  private ids(t: IndexedText, other: FeatureIds, add: boolean): TextFeatures {
    const { norm, sound } = t;
    const id = (kind: Kind, a: number, b: number): number => {
      const known = add ? -1 : this.bank.pair(kind, a, b, false);
      return known >= 0 ? known : other.pair(kind, a, b, true);
    };
    const nw = t.words.length;
    const words = new Int32Array(nw);
    const wordAt = new Int32Array(nw);
    const wordLen = new Int32Array(nw);
    let at = 0;
    t.words.forEach((w, k) => {
      wordAt[k] = at;
      wordLen[k] = w.length;
      at += w.length;
      if (w === CLAUSE_SEP) words[k] = -1;
      else {
        const known = add ? -1 : this.bank.word(w, false);
        words[k] = known >= 0 ? known : other.word(w, true);
      }
    });
    const len = norm.length;
    const chars = new Int32Array(len).fill(-1);
    const bigrams = new Int32Array(len).fill(-1);
    const sounds = new Int32Array(len).fill(-1);
    for (let i = 0; i < len; i++) {
      const c = norm.charCodeAt(i);
      if (norm[i] === CLAUSE_SEP) continue;
      chars[i] = id(CHAR, c, 0);
      if (i + 1 < len && norm[i + 1] !== CLAUSE_SEP) {
        bigrams[i] = id(BIGRAM, c, norm.charCodeAt(i + 1));
        sounds[i] = id(SOUND, sound.charCodeAt(i), sound.charCodeAt(i + 1));
      }
    }
    return { wordAt, words, wordLen, chars, bigrams, sounds, idCount: other.next };
  }

  /** Adds `n` occurrences of feature `id` to the window's vector (a new entry on its first occurrence). */
  private add(id: number, n: number): void {
    const slot = this.slotOf[id]!;
    if (slot >= 0) {
      this.vecN[slot]! += n;
      return;
    }
    if (this.vecLen === this.vecIds.length) {
      const ids = new Int32Array(this.vecLen * 2);
      ids.set(this.vecIds);
      this.vecIds = ids;
      const counts = new Float64Array(this.vecLen * 2);
      counts.set(this.vecN);
      this.vecN = counts;
    }
    this.slotOf[id] = this.vecLen;
    this.vecIds[this.vecLen] = id;
    this.vecN[this.vecLen++] = n;
  }

  /**
   * The vector of `[s, e)` of a text into the work arrays: the words inside the span, then position by
   * position the character, and when the next character is in the span too, the bigram and the sound bigram.
   */
  private vector(f: TextFeatures, s: number, e: number): void {
    if (this.slotOf.length < f.idCount) {
      const grown = new Int32Array(Math.max(f.idCount, 2 * this.slotOf.length)).fill(-1);
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    for (let k = 0; k < f.words.length; k++) {
      const at = f.wordAt[k]!;
      if (at >= s && at + f.wordLen[k]! <= e && f.words[k]! >= 0) this.add(f.words[k]!, 1);
    }
    for (let i = s; i < e; i++) {
      const c = f.chars[i]!;
      if (c < 0) continue;
      this.add(c, CHAR_WEIGHT);
      if (i + 1 < e && f.bigrams[i]! >= 0) {
        this.add(f.bigrams[i]!, 1);
        this.add(f.sounds[i]!, 1);
      }
    }
  }

  /** Empties the window's vector. */
  private resetVector(): void {
    for (let j = 0; j < this.vecLen; j++) this.slotOf[this.vecIds[j]!] = -1;
    this.vecLen = 0;
  }

  /**
   * The example nearest to `[s, e)` of a text by cosine similarity, or null when the window shares no feature
   * with any example. Among equally near examples, the one the window's features reach first (its earliest
   * feature, in the order of the vector, that an example has; between examples first reached by the same
   * feature, bank order).
   *
   * With `wanted`, null also when no rewording of a wanted phrase id can reach the wanted similarity, and
   * then without comparing the window with any example: by Cauchy–Schwarz, the cosine of the window with an
   * example is at most the length of the part of the window's vector on that example's features over the
   * length of the whole, so sqrt(Σ w² over the features of the phrase's rewordings / Σ w² over all features)
   * bounds the similarity to each of its rewordings ({@link BOUND_MARGIN} keeps rounding on the safe side).
   * A nearest example that is returned is the same as without `wanted`.
   *
   * @param f the text's features ({@link featuresOf})
   * @param s start offset of the window in the text
   * @param e end offset, exclusive
   * @param wanted the phrase ids and the similarity the caller needs, when only those matter
   */
  nearest(f: TextFeatures, s: number, e: number, wanted?: Wanted): Nearest | null {
    this.vector(f, s, e);
    const { dots, touched, postStart, postIdx, postW, boundSq } = this;
    let sq = 0;
    if (wanted) {
      boundSq.fill(0);
      for (let j = 0; j < this.vecLen; j++) {
        const id = this.vecIds[j]!;
        const known = id < this.known;
        const w = this.vecN[j]! * (known ? this.idf[id]! : this.unseenIdf);
        sq += w * w;
        if (known)
          for (let b = this.boundStart[id]!, end = this.boundStart[id + 1]!; b < end; b++) boundSq[this.boundPhrases[b]!]! += w * w;
      }
      const least = wanted.similarity * wanted.similarity * sq;
      let reachable = false;
      for (const phrase of wanted.phrases) {
        const p = this.phraseIds.get(phrase);
        reachable ||= p !== undefined && boundSq[p]! * (1 + BOUND_MARGIN) >= least;
      }
      if (!reachable) {
        this.resetVector();
        return null;
      }
      sq = 0;
    }
    let touchedLen = 0;
    for (let j = 0; j < this.vecLen; j++) {
      const id = this.vecIds[j]!;
      const known = id < this.known;
      const w = this.vecN[j]! * (known ? this.idf[id]! : this.unseenIdf);
      sq += w * w;
      if (!known) continue;
      for (let p = postStart[id]!, end = postStart[id + 1]!; p < end; p++) {
        const x = postIdx[p]!;
        if (dots[x] === 0) touched[touchedLen++] = x;
        dots[x]! += w * postW[p]!;
      }
    }
    this.resetVector();
    let best = -1;
    let bestSim = 0;
    for (let t = 0; t < touchedLen; t++) {
      const x = touched[t]!;
      const sim = dots[x]! / (Math.sqrt(sq) * this.norms[x]!);
      dots[x] = 0;
      if (sq > 0 && (best < 0 || sim > bestSim)) {
        best = x;
        bestSim = sim;
      }
    }
    return best < 0 ? null : { example: best, similarity: bestSim };
  }
}
