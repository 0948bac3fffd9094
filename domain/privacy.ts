/**
 * Privacy masking of personal numbers in transcripts, for the screens and exports of roles that do not
 * need them (configured by WEB_UNMASKED_ROLES; default: only supervisors see them unmasked), and for the
 * monthly statistics' violations list.
 *
 * A "digit" is an ASCII digit, a full-width digit (０-９), a Chinese numeral as ASR writes numbers digit by
 * digit (零〇一二三四五六七八九, 幺 = 1, 两 = 2) or a formal numeral (壹贰叁肆伍陆柒捌玖, also 貳參陸).
 * A "run" is digits joined by separators: one or more (up to 3 in a row) of space, NBSP and other Unicode
 * spaces, ideographic space, tab, hyphens and dashes, commas (, ，), dots (. ．), slashes (/ ／), 、 and ·.
 * So `139，8765，4321`, `136.1234.5678`, `135/1234/5678` and `138  1234 5678` are runs of 11 digits.
 *
 * The rule: **every run of 7 or more digits is masked** (its hidden digits become `*`, separators and
 * length are kept). Inside a run, groups (split at separators) that form one of these are masked on their own:
 *
 * | kind | recognised as | shown as |
 * |---|---|---|
 * | mobile phone | exactly 11 digits `1[3-9]\d{9}`, optionally preceded by 86 | first 3 and last 4 digits kept: `138****5678` (after 86: `86138****5678`) |
 * | ID card (居民身份证) | 17 digits + check character (digit or X), valid ISO 7064 MOD 11-2 check | last 4 kept |
 *
 * and whatever is left of the run, when it still has 7 or more digits (bank cards, landlines, a mobile with
 * an extra digit `138123456789`, `013912345678`, case numbers…), keeps only its last 4 digits
 * (`kind: long_number`). The one exception is a calendar date written with separators
 * (`2026-11-28`, `2026/11/28`, `2026.11.28`: a 19xx/20xx year, month and day in range), which is left as is.
 *
 * Not masked: runs of fewer than 7 digits (amounts, times, short codes), numbers spoken in words with units
 * (一百三十八), anything in the audio itself, and a number split across two utterances (each utterance is
 * masked on its own, so two halves of fewer than 7 digits each stay visible).
 */

const DIGIT_VALUE: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  幺: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  壹: 1,
  贰: 2,
  貳: 2,
  叁: 3,
  參: 3,
  肆: 4,
  伍: 5,
  陆: 6,
  陸: 6,
  柒: 7,
  捌: 8,
  玖: 9,
};

/** The value of one digit character (see the module comment), or undefined for any other character. */
export function digitOf(ch: string): number | undefined {
  const c = ch.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0xff10 && c <= 0xff19) return c - 0xff10;
  return DIGIT_VALUE[ch];
}

/** Characters that may stand between the digits of one number. */
const SEPARATORS = new Set([
  ' ',
  '\t',
  '\u00a0',
  '\u2002',
  '\u2003',
  '\u2007',
  '\u2009',
  '\u200a',
  '\u202f',
  '\u3000',
  '-',
  '－',
  '—',
  '–',
  '‐',
  '‑',
  '−',
  ',',
  '，',
  '.',
  '．',
  '/',
  '／',
  '、',
  '·',
  '・',
]);

/** Separators allowed in a row between two digits of one run. */
const MAX_SEPARATORS = 3;

/** The shortest run of digits that is masked. */
export const MIN_MASKED_DIGITS = 7;

/** The kinds of number {@link maskSensitiveNumbers} hides. */
export type SensitiveKind = 'phone' | 'id_card' | 'long_number';

/** What was masked in one text. */
export interface MaskResult {
  text: string;
  masked: { kind: SensitiveKind; start: number; end: number }[];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** True when `id` (17 digits + digit or X) has a valid check character (GB 11643, ISO 7064 MOD 11-2). */
export function isValidIdCardNumber(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === id[17]!.toUpperCase();
}

/**
 * Masks mobile-phone, ID-card, bank-card and other numbers of 7 or more digits in `text` (see the module
 * comment for the rule).
 *
 * @returns the masked text and where each masked number was (UTF-16 offsets in the input)
 */
export function maskSensitiveNumbers(text: string): MaskResult {
  const chars = [...text];
  const out = [...chars];
  const masked: MaskResult['masked'] = [];
  // Offsets in UTF-16 code units of each code point, for the reported positions.
  const offsets: number[] = [];
  let off = 0;
  for (const ch of chars) {
    offsets.push(off);
    off += ch.length;
  }
  offsets.push(off);
  const isDigit = (k: number) => k < chars.length && digitOf(chars[k]!) !== undefined;
  const hide = (positions: number[], kind: SensitiveKind, keepFirst: number, keepLast: number) => {
    positions.forEach((p, k) => {
      if (k >= keepFirst && k < positions.length - keepLast) out[p] = '*';
    });
    masked.push({ kind, start: offsets[positions[0]!]!, end: offsets[positions[positions.length - 1]! + 1]! });
  };

  let i = 0;
  while (i < chars.length) {
    if (!isDigit(i)) {
      i++;
      continue;
    }
    // A run: groups of digits, with up to MAX_SEPARATORS separators between groups.
    const groups: number[][] = [[]];
    const separators: string[] = [];
    let j = i;
    while (j < chars.length) {
      if (isDigit(j)) {
        groups[groups.length - 1]!.push(j);
        j++;
        continue;
      }
      let k = j;
      while (k < chars.length && k - j < MAX_SEPARATORS && SEPARATORS.has(chars[k]!)) k++;
      if (k > j && isDigit(k)) {
        separators.push(chars.slice(j, k).join(''));
        groups.push([]);
        j = k;
      } else break;
    }
    // An ID number's final X.
    if (j < chars.length && (chars[j] === 'X' || chars[j] === 'x' || chars[j] === 'Ｘ') && groups.flat().length >= 17) {
      groups[groups.length - 1]!.push(j);
      j++;
    }
    const digitsOf = (positions: number[]) => positions.map((p) => String(digitOf(chars[p]!) ?? 'X')).join('');
    // Phones and ID numbers made of whole groups, longest first from each group on.
    const taken = groups.map(() => false);
    let g = 0;
    while (g < groups.length) {
      let matched = false;
      for (let e = groups.length; e > g; e--) {
        const positions = groups.slice(g, e).flat();
        const kind = classify(digitsOf(positions));
        if (!kind) continue;
        hide(positions, kind.kind, kind.keepFirst, 4);
        for (let x = g; x < e; x++) taken[x] = true;
        g = e;
        matched = true;
        break;
      }
      if (!matched) g++;
    }
    // What is left: each stretch of groups not taken, masked (all but the last 4) from 7 digits on.
    g = 0;
    while (g < groups.length) {
      if (taken[g]) {
        g++;
        continue;
      }
      let e = g;
      while (e < groups.length && !taken[e]) e++;
      const positions = groups.slice(g, e).flat();
      const isDate = e - g === 3 && isSeparatedDate(groups.slice(g, e).map(digitsOf), separators.slice(g, e - 1));
      if (positions.length >= MIN_MASKED_DIGITS && !isDate) hide(positions, 'long_number', 0, 4);
      g = e;
    }
    i = j;
  }
  return { text: out.join(''), masked };
}

/** A mobile number (optionally after 86) or a valid ID-card number; how many leading digits it keeps. */
function classify(digits: string): { kind: SensitiveKind; keepFirst: number } | undefined {
  if (/^1[3-9]\d{9}$/.test(digits)) return { kind: 'phone', keepFirst: 3 };
  if (/^861[3-9]\d{9}$/.test(digits)) return { kind: 'phone', keepFirst: 5 };
  if (digits.length === 18 && isValidIdCardNumber(digits)) return { kind: 'id_card', keepFirst: 0 };
  return undefined;
}

/** `2026-11-28`, `2026/11/28`, `2026.11.28`: a 19xx/20xx year, a month and a day in range, one separator kind. */
function isSeparatedDate(parts: string[], separators: string[]): boolean {
  const [y, m, d] = parts as [string, string, string];
  if (!/^(19|20)\d{2}$/.test(y) || !/^\d{1,2}$/.test(m) || !/^\d{1,2}$/.test(d)) return false;
  if (!separators.every((s) => s === separators[0]) || !['-', '/', '.', '－', '／', '．'].includes(separators[0]!)) return false;
  const month = Number(m);
  const day = Number(d);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
}

/** Convenience: the masked text only. */
export function maskText(text: string): string {
  return maskSensitiveNumbers(text).text;
}

/**
 * True when a transcript search for `query` could confirm or reveal masked digits, so roles that see masked
 * text must not run it. The search runs over the unmasked text; a digit of the query can only fall on a
 * masked digit when it belongs to a run of digits there. So a query is refused when any of its digits (any
 * form {@link digitOf} reads) is at the query's start or end, or next to another digit or a number
 * separator: `138`, `一下` and `号是1` are refused, `下午3点` and `问一下` are not (their digits stand
 * alone between other characters, and a lone digit is never masked).
 */
export function searchRevealsMaskedDigits(query: string): boolean {
  const chars = [...query];
  return chars.some((ch, k) => {
    if (digitOf(ch) === undefined) return false;
    const plain = (c: string | undefined) => c !== undefined && digitOf(c) === undefined && !SEPARATORS.has(c);
    return !plain(chars[k - 1]) || !plain(chars[k + 1]);
  });
}
