/**
 * Privacy masking of personal numbers in transcripts, for the screens and exports of roles that do not
 * need them (configured by WEB_UNMASKED_ROLES; default: only supervisors see them unmasked).
 *
 * What is masked — a "number" is a run of digits written as ASCII digits, full-width digits (０-９) or
 * Chinese numerals as ASR writes them digit by digit (零〇一二三四五六七八九, 幺 = 1, 两 = 2), possibly
 * split into groups by single spaces or hyphens ("138 1234 5678", "6222-0212-3456-7890"):
 *
 * | kind | recognised as | shown as |
 * |---|---|---|
 * | mobile phone | exactly 11 digits `1[3-9]\d{9}`, optionally preceded by 86 / +86 | first 3 and last 4 digits kept: `138****5678` |
 * | ID card (居民身份证) | 17 digits + check character (digit or X), valid ISO 7064 MOD 11-2 check | last 4 kept: `**************123X` |
 * | bank card and other long numbers | 15–19 digits (bank cards 16–19; also 15-digit first-generation IDs and 18-digit IDs with a wrong check digit) | last 4 kept |
 *
 * An unbroken run of more than 19 digits is masked too (all but the last 4), as it may hide one of these
 * glued to other digits. Not masked: shorter numbers (amounts, dates, times, case numbers, 7–8-digit landline numbers), numbers
 * spoken in words with units (一百三十八), and anything in the audio itself. Masking keeps the length and
 * the separators, replacing each hidden digit with `*`.
 */

const DIGIT_VALUE: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 幺: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

function digitOf(ch: string): number | undefined {
  const c = ch.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0xff10 && c <= 0xff19) return c - 0xff10;
  return DIGIT_VALUE[ch];
}

const SEPARATORS = new Set([' ', '-', '\u3000', '－', '—']);

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
 * Masks mobile-phone, ID-card and bank-card numbers in `text` (see the module comment for the rule).
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

  let i = 0;
  while (i < chars.length) {
    if (digitOf(chars[i]!) === undefined) {
      i++;
      continue;
    }
    // A run: digits, with single separators between digits; a separator starts a new group.
    const groups: number[][] = [[]];
    let j = i;
    while (j < chars.length) {
      if (digitOf(chars[j]!) !== undefined) {
        groups[groups.length - 1]!.push(j);
        j++;
      } else if (SEPARATORS.has(chars[j]!) && j + 1 < chars.length && digitOf(chars[j + 1]!) !== undefined) {
        groups.push([]);
        j++;
      } else break;
    }
    // An ID number's final X.
    const last = groups[groups.length - 1]!;
    if (j < chars.length && (chars[j] === 'X' || chars[j] === 'x' || chars[j] === 'Ｘ') && groups.flat().length >= 17) {
      last.push(j);
      j++;
    }
    // The longest stretch of consecutive groups that is a sensitive number, from each group on.
    let g = 0;
    while (g < groups.length) {
      let matched = false;
      for (let e = groups.length; e > g; e--) {
        const positions = groups.slice(g, e).flat();
        const digits = positions.map((p) => String(digitOf(chars[p]!) ?? 'X')).join('');
        const classified = classify(digits, e - g === 1);
        if (!classified) continue;
        const { kind, keepFirst, keepLast } = classified;
        positions.forEach((p, k) => {
          if (k >= keepFirst && k < positions.length - keepLast) out[p] = '*';
        });
        masked.push({ kind, start: offsets[positions[0]!]!, end: offsets[positions[positions.length - 1]! + 1]! });
        g = e;
        matched = true;
        break;
      }
      if (!matched) g++;
    }
    i = j;
  }
  return { text: out.join(''), masked };
}

function classify(digits: string, unbroken: boolean): { kind: SensitiveKind; keepFirst: number; keepLast: number } | undefined {
  const n = digits.length;
  // A longer unbroken run of digits may hide a number glued to others: hide all but the last 4.
  if (n > 19 && unbroken) return { kind: 'long_number', keepFirst: 0, keepLast: 4 };
  if (n === 11 && /^1[3-9]\d{9}$/.test(digits)) return { kind: 'phone', keepFirst: 3, keepLast: 4 };
  if (n === 13 && /^861[3-9]\d{9}$/.test(digits)) return { kind: 'phone', keepFirst: 5, keepLast: 4 };
  if (n === 18 && isValidIdCardNumber(digits)) return { kind: 'id_card', keepFirst: 0, keepLast: 4 };
  if (n >= 15 && n <= 19 && /^\d+X?$/.test(digits)) return { kind: 'long_number', keepFirst: 0, keepLast: 4 };
  return undefined;
}

/** Convenience: the masked text only. */
export function maskText(text: string): string {
  return maskSensitiveNumbers(text).text;
}
