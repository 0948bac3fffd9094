/**
 * Text normalisation for rule matching, tolerant of ASR noise (whisper.cpp output of Mandarin phone calls).
 *
 * What the rules match against is never the raw transcript text but its normal form:
 * - Unicode NFKC, so full-width Latin letters, digits and punctuation become half-width;
 * - Traditional → Simplified Chinese with opencc-js (`tw` then `hk` presets to `cn`), because whisper
 *   switches script mid-call (dev-set kinds: "whole call in Traditional", "switched halfway");
 * - every run of punctuation (Chinese or ASCII) becomes one clause separator {@link CLAUSE_SEP} (`，`);
 * - spaces: when ASR put a space between every character ("您 好 ， 县 行 政 …") they are removed;
 *   otherwise a space separates spoken phrases ("喂 你好 我想问一下") and becomes a clause separator;
 * - Latin letters are lower-cased.
 *
 * Rule regexes in the ruleset can therefore use `，` (or `[^，]`) for clause boundaries.
 */
import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

/** The one clause separator left in normalised text. */
export const CLAUSE_SEP = '，';

const toSimplifiedTw = OpenCC.Converter({ from: 'tw', to: 'cn' });
const toSimplifiedHk = OpenCC.Converter({ from: 'hk', to: 'cn' });

const tradCharCache = new Map<string, boolean>();

/** True when some character of `t` changes under Traditional → Simplified conversion (cached per character). */
function hasTraditional(t: string): boolean {
  for (const c of t) {
    let trad = tradCharCache.get(c);
    if (trad === undefined) {
      trad = toSimplifiedHk(toSimplifiedTw(c)) !== c;
      tradCharCache.set(c, trad);
    }
    if (trad) return true;
  }
  return false;
}

/** Punctuation, symbols and quotes that separate clauses (after NFKC, so ASCII forms cover full-width ones). */
const PUNCT = /[\s,.!?;:，。！？；：、…‥·—–\-~～"'“”‘’「」『』《》〈〉()（）【】\[\]{}<>/\\|]+/gu;
const HAN = /\p{Script=Han}/u;

/**
 * Normalises one utterance for matching (see the module comment for the steps).
 *
 * @param text raw transcript text of a segment
 * @returns the normal form: Simplified Chinese, no spaces inside words, clauses separated by `，`, no leading
 *   or trailing separator; `''` for text without any letters
 */
export function normalizeText(text: string): string {
  let t = text.normalize('NFKC');
  if (hasTraditional(t)) t = toSimplifiedHk(toSimplifiedTw(t));
  t = t.toLowerCase();
  // Spaces between single characters ("您 好 ， 县 行 政") are ASR tokenisation, not pauses.
  const tokens = t.split(/\s+/).filter((s) => s.length > 0);
  if (tokens.length >= 4) {
    const single = tokens.filter((s) => s.length === 1).length;
    if (single / tokens.length >= 0.7) t = tokens.join('');
  }
  t = t.replace(PUNCT, CLAUSE_SEP);
  if (t.startsWith(CLAUSE_SEP)) t = t.slice(1);
  if (t.endsWith(CLAUSE_SEP)) t = t.slice(0, -1);
  return t;
}

/** Normalises a phrase written in the ruleset the same way as transcript text (see {@link normalizeText}). */
export function normalizePhrase(phrase: string): string {
  return normalizeText(phrase);
}

const charPinyinCache = new Map<string, readonly string[]>();
const NONE: readonly string[] = [];

/**
 * Toneless pinyin readings of one character (all readings of a polyphone, e.g. 还 → hai, huan), cached for
 * the life of the process. Characters that are not Han get no reading.
 *
 * @param ch one character (code point)
 */
export function charPinyin(ch: string): readonly string[] {
  let r = charPinyinCache.get(ch);
  if (r === undefined) {
    r = HAN.test(ch) ? (pinyin(ch, { multiple: true, type: 'array', toneType: 'none' }) as string[]) : NONE;
    charPinyinCache.set(ch, r);
  }
  return r;
}

/**
 * Toneless pinyin of a phrase, one syllable per character, using each character's most common reading
 * (in context, so polyphones in set phrases read right). Non-Han characters keep themselves.
 *
 * @param phrase normalised phrase without separators
 */
export function phrasePinyin(phrase: string): string[] {
  const chars = phrase.split('');
  const syl = pinyin(phrase, { type: 'array', toneType: 'none' }) as string[];
  return chars.map((c, i) => (HAN.test(c) ? (syl[i] ?? c) : c));
}

/**
 * Finds a sound-alike occurrence of a phrase: a run of characters of `text` whose readings contain the
 * phrase's syllables in order (so 在见 matches 再见, 有玩没玩 matches 有完没完). Separators never match.
 *
 * @param chars `text` split into UTF-16 code units (`text.split('')`; Han characters of the BMP are one
 *   unit each, so indices agree with `String#indexOf`)
 * @param syllables the phrase's toneless syllables ({@link phrasePinyin})
 * @param from first index to try
 * @returns `[start, end)` in UTF-16 units of the first match at or after `from`, or `null`
 */
export function findPinyin(
  chars: readonly string[],
  syllables: readonly string[],
  from = 0,
): [number, number] | null {
  const n = syllables.length;
  if (n === 0) return null;
  outer: for (let i = from; i + n <= chars.length; i++) {
    for (let k = 0; k < n; k++) {
      const c = chars[i + k]!;
      const s = syllables[k]!;
      if (c === s) continue;
      if (!charPinyin(c).includes(s)) continue outer;
    }
    return [i, i + n];
  }
  return null;
}

const DIGIT_NAMES = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const UNITS = ['', '十', '百', '千'];

/** Reads 0..9999 as a Chinese cardinal: 0 → 零, 10 → 十, 15 → 十五, 205 → 二百零五, 1200 → 一千二百. */
function cardinal(n: number): string {
  if (n === 0) return '零';
  let out = '';
  let pendingZero = false;
  for (let place = 3; place >= 0; place--) {
    const d = Math.floor(n / 10 ** place) % 10;
    if (d === 0) {
      if (out !== '') pendingZero = true;
      continue;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    out += DIGIT_NAMES[d]! + UNITS[place]!;
  }
  // 10–19 are said 十, 十一 … 十九, not 一十….
  return out.startsWith('一十') ? out.slice(1) : out;
}

/**
 * Writes Arabic numerals as the Chinese characters they are read as, so that "2号窗口" and "二号窗口", or
 * "12345" read as digits and "一二三四五", compare equal (for character error rates, and for rules that
 * want one written form of numbers). Full-width digits count as digits.
 *
 * - a run that starts with 0, or has 5 or more digits (phone, ID and case numbers, years like 2026 too,
 *   which are read digit by digit): one character per digit, 0 → 零 (13800138000 → 一三八零零一三八零零零);
 *   four-digit runs followed by 年 are years, read digit by digit as well (2026年 → 二零二六年);
 * - otherwise a cardinal: 5 → 五, 10 → 十, 15 → 十五, 205 → 二百零五, 1200 → 一千二百;
 * - a decimal part after `.` is read digit by digit after 点 (3.5 → 三点五).
 * Other text is unchanged. The reading of a number is a convention (SpeechIO's and WenetSpeech's text
 * normalisers also write numbers as spoken characters); both sides of a comparison must use the same one.
 *
 * @param text any text
 * @returns the text with every run of ASCII/full-width digits written in Chinese characters
 */
export function normalizeNumerals(text: string): string {
  const digitByDigit = (s: string) => [...s].map((d) => DIGIT_NAMES[Number(d)]!).join('');
  return text
    .replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/(\d+)(?:\.(\d+))?(年)?/g, (_all, whole: string, fraction: string | undefined, year: string | undefined) => {
      const isCode = whole.length >= 5 || (whole.length > 1 && whole.startsWith('0')) || (year !== undefined && whole.length === 4);
      const read = isCode ? digitByDigit(whole) : cardinal(Number(whole));
      return read + (fraction !== undefined ? `点${digitByDigit(fraction)}` : '') + (year ?? '');
    });
}
