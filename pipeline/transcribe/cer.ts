/**
 * Character error rate (CER), the standard accuracy measure of Chinese speech recognition: the fewest
 * substitutions (S), deletions (D) and insertions (I) that turn the reference into the recognised text,
 * divided by the reference's length N: CER = (S + D + I) / N (so it can exceed 1). Used by
 * `callqa eval asr` and the engine tests.
 *
 * Both texts are first brought to one written form ({@link normalizeForCer}) with the normalisation the rules
 * match against (rules/normalize.ts), so that script, punctuation, width and how numbers are written do not
 * count as errors: only what was heard does.
 */
import { CLAUSE_SEP, normalizeNumerals, normalizeText } from '../../rules/normalize.js';

/** Edit counts between a reference and a hypothesis, in characters (Unicode code points). */
export interface CharacterErrors {
  /** Reference characters replaced by another character. */
  substitutions: number;
  /** Reference characters missing from the hypothesis. */
  deletions: number;
  /** Hypothesis characters not in the reference. */
  insertions: number;
  /** Length N of the (normalised) reference. */
  referenceLength: number;
  /** (S + D + I) / N; 0 when both are empty, `Infinity` when only the reference is empty. */
  rate: number;
}

/**
 * Numeral characters with two written forms for one spoken digit: 两 (2 before a measure word: ITN writes
 * "2个", a person "两个"), 幺 (1 in phone numbers), 〇 (0 in years). Mapped the same way on both sides of a
 * comparison, so they never count as errors.
 */
const NUMERAL_VARIANTS: Record<string, string> = { 两: '二', 幺: '一', 〇: '零' };

/**
 * The written form compared for CER: numerals as spoken characters ({@link normalizeNumerals}), then the
 * rules' normal form ({@link normalizeText}: NFKC full/half width, Traditional → Simplified, lower case), with
 * every clause separator and space removed, and the numeral variants 两/幺/〇 written 二/一/零. Pure function.
 */
export function normalizeForCer(text: string): string {
  return normalizeText(normalizeNumerals(text))
    .replaceAll(CLAUSE_SEP, '')
    .replace(/\s+/g, '')
    .replace(/[两幺〇]/g, (c) => NUMERAL_VARIANTS[c]!);
}

/**
 * Counts the fewest edits (Levenshtein alignment over characters, every edit costing 1; among equally short
 * alignments the one found first by preferring substitution, then deletion, then insertion).
 * Memory O(length of hypothesis), time O(N × M).
 *
 * @param reference what was said (e.g. a `NAME.ref.txt`)
 * @param hypothesis what the engine wrote
 * @param options `normalize: false` compares the strings as given; default normalises both with {@link normalizeForCer}
 */
export function characterErrorRate(reference: string, hypothesis: string, options: { normalize?: boolean } = {}): CharacterErrors {
  const norm = options.normalize === false ? (s: string) => s : normalizeForCer;
  const ref = [...norm(reference)];
  const hyp = [...norm(hypothesis)];
  const m = hyp.length;
  // Row j holds, for the alignment of ref[0..i) with hyp[0..j), its cost and S/D/I counts.
  let cost = Uint32Array.from({ length: m + 1 }, (_, j) => j);
  let sub = new Uint32Array(m + 1);
  let del = new Uint32Array(m + 1);
  let ins = Uint32Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const nCost = new Uint32Array(m + 1);
    const nSub = new Uint32Array(m + 1);
    const nDel = new Uint32Array(m + 1);
    const nIns = new Uint32Array(m + 1);
    nCost[0] = i;
    nDel[0] = i;
    for (let j = 1; j <= m; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      const diag = cost[j - 1]! + (same ? 0 : 1);
      const up = cost[j]! + 1; // deletion of ref[i-1]
      const left = nCost[j - 1]! + 1; // insertion of hyp[j-1]
      if (diag <= up && diag <= left) {
        nCost[j] = diag;
        nSub[j] = sub[j - 1]! + (same ? 0 : 1);
        nDel[j] = del[j - 1]!;
        nIns[j] = ins[j - 1]!;
      } else if (up <= left) {
        nCost[j] = up;
        nSub[j] = sub[j]!;
        nDel[j] = del[j]! + 1;
        nIns[j] = ins[j]!;
      } else {
        nCost[j] = left;
        nSub[j] = nSub[j - 1]!;
        nDel[j] = nDel[j - 1]!;
        nIns[j] = nIns[j - 1]! + 1;
      }
    }
    cost = nCost;
    sub = nSub;
    del = nDel;
    ins = nIns;
  }
  const substitutions = sub[m]!;
  const deletions = del[m]!;
  const insertions = ins[m]!;
  const errors = substitutions + deletions + insertions;
  const rate = ref.length === 0 ? (errors === 0 ? 0 : Infinity) : errors / ref.length;
  return { substitutions, deletions, insertions, referenceLength: ref.length, rate };
}
