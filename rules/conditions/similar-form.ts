/**
 * `{ similarTo: [s…], threshold: 0.6 }`: the utterance — one clause or two neighbouring clauses — is at least
 * `threshold` similar to an example sentence ({@link bestSimilarity}).
 */
import { z } from 'zod';
import { CLAUSE_SEP, normalizePhrase } from '../../text/normalize.js';
import { MATCH_QUALITY, type Hit } from './match.js';
import { check, phraseList, RulesetPathError, type FormCompiler } from './form.js';
import { bestSimilarity, ngrams, prepareExamples } from './similarity.js';

const similarSchema = z.strictObject({
  similarTo: phraseList,
  threshold: z.number().gt(0).max(1).default(0.6),
});

/**
 * Compiles `{ similarTo }`: the hit is the most similar window (clause or pair of clauses), `similar`, with
 * quality 0.65 × the cosine similarity.
 *
 * @throws {RulesetPathError} at the example when it has no letters after normalisation
 */
export const compileSimilarTo: FormCompiler = (raw, path) => {
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
        const pair = new Map(counts[i]);
        for (const [k, n] of counts[i + 1]!) pair.set(k, (pair.get(k) ?? 0) + n);
        consider(pair, s, clauses[i + 1]![1]);
      }
    });
    return best;
  };
};
