/**
 * The meaning layer's example index (rules/meaning/example-index.ts) against the similarity it stands for,
 * written the plain way here: feature strings counted in maps, an IDF per string, a cosine per example. On
 * every clause and pair of clauses of the set-aside example sentences, clean and with simulated ASR errors,
 * the index must name the same nearest example with the same similarity, to the last bit.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corruptText, seededRandom } from '../../rules/asr-noise.js';
import { loadExampleBank, wordsOf } from '../../rules/meaning.js';
import { ExampleIndex, type IndexedExample, type IndexedText } from '../../rules/meaning/example-index.js';
import { CLAUSE_SEP, normalizeText, soundKey } from '../../text/normalize.js';

const bankFile = (path: string) => loadExampleBank(fileURLToPath(new URL(path, import.meta.url)));

/** A text as the index reads it. */
const indexed = (text: string): IndexedText => {
  const norm = normalizeText(text);
  return { norm, sound: soundKey(norm), words: wordsOf({ norm }) };
};

/** The shipped bank's entries, in bank order. */
const entries: (IndexedExample & IndexedText)[] = Object.entries(bankFile('../../rules/banned-phrases.examples.yaml')).flatMap(
  ([phrase, lists]) =>
    [...lists.hits.map((text) => ({ text, hit: true })), ...lists.nearMisses.map((text) => ({ text, hit: false }))]
      .map(({ text, hit }) => ({ phrase, text, hit, ...indexed(text) }))
      .filter((e) => e.norm.length > 0),
);

/** Features of `[s, e)` as strings: `w` word, `c` character (weight 0.5), `b` bigram, `s` sound bigram. */
function referenceFeatures(t: IndexedText, s: number, e: number): Map<string, number> {
  const f = new Map<string, number>();
  const add = (k: string, w = 1) => f.set(k, (f.get(k) ?? 0) + w);
  let at = 0;
  for (const w of t.words) {
    if (at >= s && at + w.length <= e && w !== CLAUSE_SEP) add(`w${w}`);
    at += w.length;
  }
  for (let i = s; i < e; i++) {
    const c = t.norm[i]!;
    if (c === CLAUSE_SEP) continue;
    add(`c${c}`, 0.5);
    const d = i + 1 < e ? t.norm[i + 1] : undefined;
    if (d !== undefined && d !== CLAUSE_SEP) {
      add(`b${c}${d}`);
      add(`s${t.sound[i]}${t.sound[i + 1]}`);
    }
  }
  return f;
}

const vectors = entries.map((e) => referenceFeatures(e, 0, e.norm.length));
const df = new Map<string, number>();
for (const v of vectors) for (const k of v.keys()) df.set(k, (df.get(k) ?? 0) + 1);
const idf = (k: string) => Math.log((entries.length + 1) / (df.get(k) ?? 1));
/** Each example's norm, and for each feature string the examples that have it (bank order) with its weight there. */
const norms: number[] = [];
const postings = new Map<string, [number, number][]>();
vectors.forEach((v, i) => {
  let sq = 0;
  for (const [k, n] of v) {
    const w = n * idf(k);
    sq += w * w;
    postings.set(k, [...(postings.get(k) ?? []), [i, w]]);
  }
  norms.push(Math.sqrt(sq));
});

/** The cosine similarity of `[s, e)` to every example sharing a feature with it, in the order the features reach them. */
function referenceSimilarities(t: IndexedText, s: number, e: number): Map<number, number> {
  const f = referenceFeatures(t, s, e);
  let sq = 0;
  const dots = new Map<number, number>();
  for (const [k, n] of f) {
    const w = n * idf(k);
    sq += w * w;
    for (const [i, ew] of postings.get(k) ?? []) dots.set(i, (dots.get(i) ?? 0) + w * ew);
  }
  return new Map([...dots].map(([i, dot]) => [i, dot / (Math.sqrt(sq) * norms[i]!)]));
}

/** The nearest example by the plain computation: the highest cosine, the first reached among equals. */
function referenceNearest(t: IndexedText, s: number, e: number): { example: number; similarity: number } | null {
  let best: { example: number; similarity: number } | null = null;
  for (const [example, similarity] of referenceSimilarities(t, s, e))
    if (!best || similarity > best.similarity) best = { example, similarity };
  return best;
}

/** Every clause and pair of neighbouring clauses of a normalised text, as `[start, end)`. */
function windows(norm: string): [number, number][] {
  const clauses: [number, number][] = [];
  let from = 0;
  for (const part of norm.split(CLAUSE_SEP)) {
    if (part) clauses.push([from, from + part.length]);
    from += part.length + 1;
  }
  return clauses.flatMap(([s, e], i) =>
    i + 1 < clauses.length ? [[s, e] as [number, number], [s, clauses[i + 1]![1]] as [number, number]] : [[s, e]],
  );
}

describe('example index', () => {
  const index = new ExampleIndex(entries);

  it('names the nearest example with the same similarity as the plain computation, on every window of unseen sentences', () => {
    const holdout = Object.values(bankFile('./fixtures/banned-phrases.examples.holdout.yaml')).flatMap((l) => [...l.hits, ...l.nearMisses]);
    const rng = seededRandom(11);
    // Clean, with simulated ASR errors, and two sentences as one turn (pairs across them).
    const texts = holdout.flatMap((line, i) => [line, corruptText(line, 0.2, rng), `${line}，${holdout[(i + 1) % holdout.length]!}`]);
    let compared = 0;
    let unmatched = 0;
    for (const text of texts) {
      const t = indexed(text);
      if (!t.norm) continue;
      const features = index.featuresOf(t);
      for (const [s, e] of windows(t.norm)) {
        const want = referenceNearest(t, s, e);
        expect(index.nearest(features, s, e), `${t.norm.slice(s, e)}`).toEqual(want);
        compared++;
        if (!want) unmatched++;
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(unmatched).toBeLessThan(compared);
  });

  it('leaves out a window only when no rewording of the phrase ids asked for comes as near as asked, and else finds the same', () => {
    const phrases = [...new Set(entries.map((e) => e.phrase))];
    const holdout = Object.values(bankFile('./fixtures/banned-phrases.examples.holdout.yaml')).flatMap((l) => l.hits);
    let left = 0;
    let kept = 0;
    for (const text of holdout) {
      const t = indexed(text);
      if (!t.norm) continue;
      const features = index.featuresOf(t);
      for (const [s, e] of windows(t.norm)) {
        const all = referenceSimilarities(t, s, e);
        for (const [k, phrase] of phrases.entries()) {
          const wanted = { phrases: [phrase, phrases[(k + 1) % phrases.length]!], similarity: 0.62 };
          const n = index.nearest(features, s, e, wanted);
          if (n) {
            expect(n).toEqual(referenceNearest(t, s, e));
            kept++;
            continue;
          }
          left++;
          const reachable = [...all].filter(([x, sim]) => entries[x]!.hit && wanted.phrases.includes(entries[x]!.phrase) && sim >= 0.62);
          expect(reachable, `${t.norm.slice(s, e)} ${wanted.phrases.join(' ')}`).toEqual([]);
        }
      }
    }
    // The bound leaves out most windows for most phrase ids, not all.
    expect(left).toBeGreaterThan(kept);
    expect(kept).toBeGreaterThan(0);
  });

  it('reads a bank sentence as itself: similarity 1 to its own example, and null for a text sharing nothing', () => {
    const x = entries.findIndex((e) => e.hit);
    const own = index.nearest(index.featuresOf(entries[x]!), 0, entries[x]!.norm.length);
    expect(own?.similarity).toBeCloseTo(1, 12);
    expect(entries[own!.example]!.norm).toBe(entries[x]!.norm);
    const latin = indexed('qqq zzz');
    expect(index.nearest(index.featuresOf(latin), 0, latin.norm.length)).toBeNull();
  });
});
