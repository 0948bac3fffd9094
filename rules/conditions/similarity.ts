/**
 * Character n-gram similarity of a text to example sentences, for `{ similarTo: [...] }`: IDF-weighted cosine
 * over unigrams and bigrams, model-free.
 */
import { CLAUSE_SEP } from '../../text/normalize.js';

/** Character n-gram counts (unigrams and bigrams) of a text, separators excluded. */
export function ngrams(text: string): Map<string, number> {
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
export interface SimilarityExample {
  weights: Map<string, number>;
  norm: number;
}

/**
 * Prepares example sentences: character unigram + bigram counts weighted by an inverse document frequency
 * over the examples themselves (`1 + ln(n / df)`), so n-grams every example shares (您, 的) weigh less than the
 * ones that tell the examples apart.
 */
export function prepareExamples(sentences: readonly string[]): { examples: SimilarityExample[]; idf: Map<string, number> } {
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
export function bestSimilarity(
  counts: ReadonlyMap<string, number>,
  examples: readonly SimilarityExample[],
  idf: ReadonlyMap<string, number>,
  threshold: number,
): number {
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
