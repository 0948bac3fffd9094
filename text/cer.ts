/**
 * Character error rate (CER), the standard accuracy measure of Mandarin ASR: the minimum number of
 * character substitutions (S), deletions (D) and insertions (I) that turn the reference into the hypothesis,
 * divided by the number of reference characters N: CER = (S + D + I) / N (Levenshtein alignment, each edit
 * costing 1). It can exceed 1 when the hypothesis has many insertions.
 *
 * Characters are Unicode code points, so a character outside the BMP counts once. Punctuation and spaces are
 * not speech: compare {@link textForCer} forms, as ASR benchmarks (AISHELL, WenetSpeech) do, or
 * {@link normalizeForCer} forms, which also write script and numerals one way (`callqa eval asr`).
 */
import { normalizeNumerals, normalizeText } from './normalize.js';

/** Result of {@link characterErrorRate}: edit counts of one optimal alignment and the rate. */
export interface CharacterErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** N: characters in the reference. */
  referenceLength: number;
  /** (S + D + I) / N; with an empty reference, the number of inserted characters (0 when both are empty). */
  cer: number;
}

/**
 * The text as CER compares it: Unicode NFKC, lower-cased, without punctuation, symbols and whitespace
 * (letters, digits and Han characters stay).
 *
 * @param text transcript text, e.g. "您好，县 婚姻登记中心！"
 * @returns e.g. "您好县婚姻登记中心"
 */
export function textForCer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Aligns `hypothesis` to `reference` character by character (Levenshtein, O(N·M) time and 4·N·M bytes: compare utterances or paragraphs, not whole days of text) and
 * counts the edits. Among optimal alignments it prefers substitutions, then deletions, then insertions when
 * tracing back, so the split into S/D/I is deterministic.
 *
 * @param reference what was said (the ground truth), usually {@link textForCer} of it
 * @param hypothesis what the ASR (or the noise model) wrote
 * @returns counts and `cer`; with an empty reference `cer` is the number of inserted characters (0 if the
 *   hypothesis is empty too), so a result is always a finite number
 */
export function characterErrorRate(reference: string, hypothesis: string): CharacterErrors {
  const ref = [...reference];
  const hyp = [...hypothesis];
  const n = ref.length;
  const m = hyp.length;
  // Full table of costs is needed to trace back S/D/I; Int32Array rows keep it compact (N·M·4 bytes).
  const cost: Int32Array[] = [];
  for (let i = 0; i <= n; i++) {
    const row = new Int32Array(m + 1);
    if (i === 0) for (let j = 0; j <= m; j++) row[j] = j;
    else {
      const prev = cost[i - 1]!;
      row[0] = i;
      for (let j = 1; j <= m; j++) {
        const sub = prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
        const del = prev[j]! + 1;
        const ins = row[j - 1]! + 1;
        row[j] = Math.min(sub, del, ins);
      }
    }
    cost.push(row);
  }
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[i]![j]!;
    if (i > 0 && j > 0 && cost[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1) === here) {
      if (ref[i - 1] !== hyp[j - 1]) substitutions++;
      i--;
      j--;
    } else if (i > 0 && cost[i - 1]![j]! + 1 === here) {
      deletions++;
      i--;
    } else {
      insertions++;
      j--;
    }
  }
  const errors = substitutions + deletions + insertions;
  return { substitutions, deletions, insertions, referenceLength: n, cer: n === 0 ? errors : errors / n };
}

/**
 * Numeral characters with two written forms for one spoken digit: 两 (2 before a measure word: ITN writes
 * "2个", a person "两个"), 幺 (1 in phone numbers), 〇 (0 in years). Mapped the same way on both sides of a
 * comparison, so they never count as errors.
 */
const NUMERAL_VARIANTS: Record<string, string> = { 两: '二', 幺: '一', 〇: '零' };

/**
 * The form in which `callqa eval asr` compares a reference with an engine's output: the rules' normalisation
 * (text/normalize.ts: numerals as spoken characters with {@link normalizeNumerals}, Traditional →
 * Simplified with {@link normalizeText}), then {@link textForCer} (full/half width, lower case, punctuation
 * and spaces removed), and 两/幺/〇 written 二/一/零. So script, punctuation, width and how numbers are
 * written never count as recognition errors, only what was heard does. Pure function.
 *
 * @param text e.g. "請到2號窗口，電話13800138000。"
 * @returns e.g. "请到二号窗口电话一三八零零一三八零零零"
 */
export function normalizeForCer(text: string): string {
  return textForCer(normalizeText(normalizeNumerals(text))).replace(/[两幺〇]/g, (c) => NUMERAL_VARIANTS[c]!);
}
