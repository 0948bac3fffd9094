/**
 * Text normalisation for rule matching: tolerant of ASR noise (whisper output of Mandarin phone calls) and
 * of deliberate evasions in sidecar transcripts (issue 9, part 1).
 *
 * What the rules match against is never the raw transcript text but its normal form ({@link normalizeWithMap}):
 * - format and invisible characters are removed: zero-width space / joiners (U+200B–U+200D), word joiner
 *   (U+2060), BOM (U+FEFF), soft hyphen (U+00AD), bidi controls (U+202A–U+202E, U+2066–U+2069), every other
 *   Unicode format character (`\p{Cf}`), NUL and other control characters, variation selectors, the
 *   combining grapheme joiner and Hangul fillers;
 * - Unicode NFKC, so full-width Latin letters, digits and punctuation become half-width, and compatibility
 *   forms (Kangxi radicals ⼈, circled or parenthesised characters, CJK compatibility ideographs) become the
 *   ordinary character;
 * - Traditional → Simplified Chinese with opencc-js (`tw` then `hk` presets to `cn`), because whisper
 *   switches script mid-call (dev-set kinds: "whole call in Traditional", "switched halfway");
 * - spaces of any kind (ASCII, tab, NBSP, ideographic U+3000, thin spaces …): when ASR or a writer put a space
 *   between single Han characters ("您 好 ， 县 行 政", "神　经　病"), or between words of at most four characters
 *   and 2.5 on average (word-tokenised ASR output: "您好 玉中区 政务 服务 中心 请 讲"), those spaces are
 *   removed; otherwise a space separates spoken phrases ("喂 你好 我想问一下") and becomes a clause separator;
 * - every run of punctuation (Chinese or ASCII) becomes one clause separator {@link CLAUSE_SEP} (`，`);
 * - Latin letters are lower-cased.
 *
 * The normal form keeps a map back to the original text, so evidence quotes what was said.
 *
 * Sound domain (issue 9, part 3): {@link soundKey} writes each Han character as one private-use character
 * standing for its toneless syllable after folding the confusions of Mandarin ASR and southern accents
 * ({@link canonicalSyllable}), so that phrases and regexes match same-sounding characters.
 */
import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

/** The one clause separator left in normalised text. */
export const CLAUSE_SEP = '，';

// opencc-js 1.x declares Converter with types imported from './core' without the `.js` extension that NodeNext
// resolution needs, so they resolve to nothing (any): its signature is stated here.
const makeConverter = OpenCC.Converter as (options: { from: string; to: string }) => (text: string) => string;
const toSimplifiedTw = makeConverter({ from: 'tw', to: 'cn' });
const toSimplifiedHk = makeConverter({ from: 'hk', to: 'cn' });

/**
 * Taiwan then Hong Kong variants to mainland Simplified, keeping 么: opencc's Taiwan table reads 么 as the
 * variant of 幺 (yao, "one"), but in mainland text it is the Simplified 么 of 什么 / 还有么事 / 搞么事 (Wuhan).
 * Keeps the length of every character it converts.
 */
function convertToSimplified(text: string): string {
  return text
    .split('么')
    .map((part) => toSimplifiedHk(toSimplifiedTw(part)))
    .join('么');
}

/**
 * Per UTF-16 code unit of the Basic Multilingual Plane: 0 not yet known, 1 unchanged by Traditional →
 * Simplified conversion, 2 changed (64 KiB, filled on first sight of each character).
 */
const tradTable = new Uint8Array(0x10000);
/** The same for characters outside the Basic Multilingual Plane (rare). */
const tradAstral = new Map<string, boolean>();

/**
 * True when some character of `t` changes under Traditional → Simplified conversion (cached per character);
 * when false, {@link toSimplified} leaves `t` and every piece of it as they are.
 */
export function hasTraditional(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const code = t.charCodeAt(i);
    if (code < 0x2e80) continue; // below the CJK radicals: nothing to convert
    if (code >= 0xd800 && code <= 0xdfff) {
      const c = String.fromCodePoint(t.codePointAt(i)!);
      let trad = tradAstral.get(c);
      if (trad === undefined) {
        trad = convertToSimplified(c) !== c;
        tradAstral.set(c, trad);
      }
      if (trad) return true;
      if (c.length === 2) i++;
      continue;
    }
    let known = tradTable[code]!;
    if (known === 0) {
      const c = t[i]!;
      known = convertToSimplified(c) !== c ? 2 : 1;
      tradTable[code] = known;
    }
    if (known === 2) return true;
  }
  return false;
}

/**
 * Converts Traditional Chinese to Simplified (opencc-js, Taiwan then Hong Kong variants to mainland
 * Simplified). Simplified text is returned unchanged, quickly: the converters only run when some character
 * is Traditional (a per-character cache decides).
 */
export function toSimplified(text: string): string {
  if (!hasTraditional(text)) return text;
  const known = simplifiedCache.get(text);
  if (known !== undefined) return known;
  if (simplifiedCache.size >= MEMO_MAX) simplifiedCache.clear();
  const out: string = convertToSimplified(text);
  simplifiedCache.set(text, out);
  return out;
}

/** Entries kept by the small memo tables of this module before they are emptied (bounded memory). */
const MEMO_MAX = 4096;
const simplifiedCache = new Map<string, string>();

/** Punctuation, symbols and quotes that separate clauses (after NFKC, so ASCII forms cover full-width ones). */
const PUNCT_CHAR = /[,.!?;:，。！？；：、…‥·—–\-~～"'“”‘’「」『』《》〈〉()（）【】[\]{}<>/\\|]/u;
const HAN = /\p{Script=Han}/u;
const SPACE = /\s/u;
/**
 * Characters that carry nothing a person said and are removed before anything else: format characters
 * (zero-width, joiners, bidi controls, soft hyphen, BOM …), control characters other than whitespace (NUL …),
 * variation selectors, the combining grapheme joiner and Hangul filler letters. The combining joiner and the
 * variation selectors stand outside the first class, where they would read as combining with the character
 * before them.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  /[\p{Cf}\p{Co}\u0000-\u0008\u000e-\u001f\u007f-\u009f\u115f-\u1160\u3164\uffa0]|\u034f|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]/u;

/**
 * A regular expression's test on one character, memoised per UTF-16 code unit for single-unit characters (a
 * table of 64 KiB: 0 not yet known, 1 no, 2 yes); other strings go to the expression. `re` has no `g` or `y`
 * flag, so its test has no state.
 */
function charTest(re: RegExp): (c: string) => boolean {
  const known = new Uint8Array(0x10000);
  return (c) => {
    if (c.length !== 1) return re.test(c);
    const code = c.charCodeAt(0);
    let k = known[code]!;
    if (k === 0) known[code] = k = re.test(c) ? 2 : 1;
    return k === 2;
  };
}
const isPunct = charTest(PUNCT_CHAR);
const isHan = charTest(HAN);
const isSpace = charTest(SPACE);
const isInvisible = charTest(INVISIBLE);

/** {@link folded} of each code point seen. */
const foldCache = new Map<number, readonly string[]>();

/**
 * What one code point of a text becomes in the normal form before the steps that read its neighbours: nothing
 * when it is invisible, else its NFKC form in lower case without invisible characters, as code points (㎏ is k, g).
 * Cached per code point.
 */
function folded(cp: string): readonly string[] {
  const code = cp.codePointAt(0)!;
  let r = foldCache.get(code);
  if (r === undefined) {
    r = isInvisible(cp) ? [] : [...cp.normalize('NFKC').toLowerCase()].filter((c) => !isInvisible(c));
    foldCache.set(code, r);
  }
  return r;
}

/**
 * Single characters that are words of their own in speech (interjections, fillers, short answers): a space
 * next to them is a pause, never a split word.
 */
const STANDALONE = '喂嗯啊哦呃额唉哎诶欸呀嘛吧呢哈嘿嗨咦呵喔噢哟好对是行拜谢不没有在要来走说讲等找请';

/**
 * Characters that carry grammar rather than meaning. A concept word of the meaning layer matched by sound
 * must keep at least one of its own characters other than these: 去搞 is no 去告.
 */
export const FUNCTION_CHARS = '去你我他她它们了的地得是不有在就也都吧啊吗呢呀嘛么着过个这那和与还又再很太';

/** A normal form with its map back to the original text. */
export interface NormalizedText {
  /** The normal form (see the module comment). */
  norm: string;
  /**
   * `map[i]` is the UTF-16 offset in the original text of the character that produced `norm[i]`;
   * `map[norm.length]` is the original text's length.
   */
  map: number[];
}

/**
 * Normalises one utterance for matching and keeps the offsets of the original text (see the module comment
 * for the steps).
 *
 * @param text raw transcript text of a segment, from any source (ASR, sidecar, a ruleset phrase)
 * @returns the normal form — Simplified Chinese, no invisible characters, no spaces inside words, clauses
 *   separated by `，`, no leading or trailing separator; `''` for text without letters — and its offset map
 */
export function normalizeWithMap(text: string): NormalizedText {
  // 1. Invisible characters out; NFKC and lower case per code point, remembering where each came from.
  let chars: string[] = [];
  const from: number[] = [];
  let at = 0;
  for (const cp of text) {
    // Fast path: a CJK Unified Ideograph (U+4E00–U+9FFF) is visible and unchanged by NFKC and lower case.
    const code = cp.charCodeAt(0);
    if (code >= 0x4e00 && code <= 0x9fff) {
      chars.push(cp);
      from.push(at);
    } else {
      for (const c of folded(cp)) {
        chars.push(c);
        from.push(at);
      }
    }
    at += cp.length;
  }
  // 2. Traditional → Simplified: whole text when the conversion keeps its length (it does for single
  //    characters and almost always for phrases), else character by character so the map stays right.
  let joined = chars.join('');
  if (hasTraditional(joined)) {
    const whole = toSimplified(joined);
    const conv = [...whole];
    if (conv.length === chars.length) chars = conv;
    else chars = chars.map((c) => convertToSimplified(c));
    joined = chars.join('');
  }
  // 3. Spaces. Tokens are the runs between spaces; when most tokens are single characters (ASR tokenisation
  //    by character) or all are words of at most four characters, two and a half on average (ASR tokenisation by
  //    word, as Kaldi- and WeNet-style Mandarin recognisers write: "您好 九龙坡区 政务 服务 中心 请 讲", "户主 变更
  //    要 派出所 审")
  //    every space goes; otherwise the spaces inside a run of three or more single Han characters go (an
  //    evasion like "你这人 神 经 病"; not "喂 喂 喂", one word repeated), and so does a space next to a single
  //    Han character that is no word of its own ({@link STANDALONE}); the others become clause breaks (spoken
  //    phrases: "喂 你好 我想问一下", "早点来 我们五点半下班 明天也行").
  const tokens: { s: number; e: number }[] = [];
  for (let i = 0; i < chars.length;) {
    if (isSpace(chars[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && !isSpace(chars[j]!)) j++;
    tokens.push({ s: i, e: j });
    i = j;
  }
  const single = tokens.filter((t) => t.e - t.s === 1).length;
  const lengths = tokens.map((t) => t.e - t.s);
  const byWord = Math.max(...lengths) <= 4 && lengths.reduce((a, b) => a + b, 0) / tokens.length <= 2.5;
  const joinAll = (tokens.length >= 4 && single / tokens.length >= 0.7) || (tokens.length >= 5 && byWord);
  const singleHan = (t: { s: number; e: number }) => t.e - t.s === 1 && isHan(chars[t.s]!);
  const splitOff = (t: { s: number; e: number }) => singleHan(t) && !STANDALONE.includes(chars[t.s]!);
  // glue[k]: the space before token k goes: a single Han character that is no word of its own sticks to its
  // Han neighbour ("你这人神 经 病", "神经 病").
  const glue = tokens.map((t, k) => {
    if (joinAll) return true;
    const prev = tokens[k - 1];
    return !!prev && isHan(chars[prev.e - 1]!) && isHan(chars[t.s]!) && (splitOff(prev) || splitOff(t));
  });
  for (let k = 0; k < tokens.length;) {
    let e = k;
    while (e < tokens.length && singleHan(tokens[e]!)) e++;
    const run = tokens.slice(k, e).map((t) => chars[t.s]);
    if (e - k >= 3 && new Set(run).size > 1) for (let x = k + 1; x < e; x++) glue[x] = true;
    k = e > k ? e : k + 1;
  }
  const outChars: string[] = [];
  const outFrom: number[] = [];
  const push = (c: string, f: number) => {
    const isSep = c === CLAUSE_SEP || isPunct(c);
    if (isSep) {
      if (outChars.length === 0 || outChars[outChars.length - 1] === CLAUSE_SEP) return;
      outChars.push(CLAUSE_SEP);
      outFrom.push(f);
      return;
    }
    outChars.push(c);
    outFrom.push(f);
  };
  tokens.forEach((t, k) => {
    if (k > 0 && !glue[k]) push(CLAUSE_SEP, from[tokens[k - 1]!.e]!);
    for (let i = t.s; i < t.e; i++) push(chars[i]!, from[i]!);
  });
  while (outChars.length && outChars[outChars.length - 1] === CLAUSE_SEP) {
    outChars.pop();
    outFrom.pop();
  }
  outFrom.push(text.length);
  return { norm: outChars.join(''), map: outFrom };
}

/**
 * Normalises one utterance for matching ({@link normalizeWithMap} without the offset map).
 *
 * @param text raw transcript text of a segment
 * @returns the normal form; `''` for text without any letters
 */
export function normalizeText(text: string): string {
  return normalizeWithMap(text).norm;
}

/**
 * The part of the original text that produced `norm[start, end)` (see {@link NormalizedText.map}), for
 * quoting evidence as it was said.
 */
export function originalSpan(text: string, n: NormalizedText, start: number, end: number): string {
  if (end <= start) return '';
  const s = n.map[start] ?? 0;
  const last = n.map[end - 1] ?? s;
  // End after the whole code point (and any invisible characters dropped right after it stay out).
  const cp = text.codePointAt(last) ?? 0;
  return text.slice(s, last + (cp > 0xffff ? 2 : 1));
}

/** Normalises a phrase written in the ruleset the same way as transcript text (see {@link normalizeText}). */
export function normalizePhrase(phrase: string): string {
  return normalizeText(phrase);
}

/**
 * The f/h confusion of southern speakers (Xiang, Gan, Min, southwestern Mandarin) before a vowel other than u:
 * f- is said and heard as hu- (发 fa as 花 hua, 飞 fei as 灰 hui, 饭 fan as 换 huan, 房 fang as 黄 huang, 分 fen
 * as 婚 hun, 佛 fo as 活 huo), so ASR writes 电发 for 电话 and 花票 for 发票. Final after f- → the hu- syllable it
 * folds into; finals not listed (u, ou) keep the plain f/h fold (fu = hu).
 */
const F_AS_HU: Readonly<Record<string, string>> = { a: 'hua', an: 'huan', ang: 'huang', ei: 'hui', en: 'hun', eng: 'hun', o: 'huo' };

/**
 * Folds a toneless pinyin syllable to its class under the confusions Mandarin ASR and southern-accent
 * speakers make (issue 9, part 3; the standard "fuzzy pinyin" pairs of Chinese input methods):
 * initials zh/z, ch/c, sh/s, n/l, f/h (fu/hu; f before another vowel as hu-, {@link F_AS_HU}); finals an/ang,
 * en/eng, in/ing (and ian/iang, uan/uang, on/ong).
 * `nin` (您) and `ni` (你) stay apart: the folds never drop a nasal final.
 *
 * @param syllable toneless pinyin, lower case (`zhong`)
 * @returns its class (`zon`)
 */
export function canonicalSyllable(syllable: string): string {
  let s = syllable.replace(/^([zcs])h/, '$1');
  if (s.startsWith('n') && s !== 'n' && s !== 'ng') s = 'l' + s.slice(1);
  else if (s.startsWith('f')) s = F_AS_HU[s.slice(1)] ?? 'h' + s.slice(1);
  if (s.endsWith('ng') && s.length > 2) s = s.slice(0, -1);
  return s;
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
    r = HAN.test(ch) ? pinyin(ch, { multiple: true, type: 'array', toneType: 'none' }) : NONE;
    charPinyinCache.set(ch, r);
  }
  return r;
}

const soundClassCache = new Map<string, readonly string[]>();

/**
 * Sound classes ({@link canonicalSyllable}) of every reading of one character; a non-Han character is its
 * own class. Cached.
 */
export function charSounds(ch: string): readonly string[] {
  let r = soundClassCache.get(ch);
  if (r === undefined) {
    r = HAN.test(ch) ? [...new Set(charPinyin(ch).map(canonicalSyllable))] : [ch];
    soundClassCache.set(ch, r);
  }
  return r;
}

/** Dense ids of the sound classes of {@link charSounds} (class string → id), assigned on first use. */
const soundClassIds = new Map<string, number>();
/** {@link charSoundIds} of each character seen, by code point. */
const charSoundIdCache = new Map<number, readonly number[]>();

/**
 * The sound classes of one character ({@link charSounds}) as dense integer ids, one per distinct class
 * (stable for the life of the process), for sets of classes kept as bits ({@link soundClassBits}). Cached.
 *
 * @param ch one character (code point)
 */
export function charSoundIds(ch: string): readonly number[] {
  const cp = ch.codePointAt(0) ?? 0;
  let r = charSoundIdCache.get(cp);
  if (r === undefined) {
    r = charSounds(ch).map((cls) => {
      let id = soundClassIds.get(cls);
      if (id === undefined) soundClassIds.set(cls, (id = soundClassIds.size));
      return id;
    });
    charSoundIdCache.set(cp, r);
  }
  return r;
}

/**
 * The set of the sound classes of every reading of every character (code point) of a text, as bits: class
 * `id` ({@link charSoundIds}) is in the set when bit `id & 31` of word `id >> 5` is 1 (words past the end are 0).
 */
export function soundClassBits(text: string): Uint32Array {
  let bits = new Uint32Array((soundClassIds.size >> 5) + 1);
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const ids = charSoundIdCache.get(cp) ?? charSoundIds(String.fromCodePoint(cp));
    if (cp > 0xffff) i++;
    for (const id of ids) {
      if (id >> 5 >= bits.length) {
        const grown = new Uint32Array((soundClassIds.size >> 5) + 1);
        grown.set(bits);
        bits = grown;
      }
      bits[id >> 5]! |= 1 << (id & 31);
    }
  }
  return bits;
}

/** First private-use code point used by {@link soundKey}: one per sound class, assigned on first use. */
const SOUND_BASE = 0xe000;
const soundCodes = new Map<string, string>();

/** The private-use character standing for a sound class (stable for the life of the process). */
function soundCode(cls: string): string {
  let c = soundCodes.get(cls);
  if (c === undefined) {
    c = String.fromCharCode(SOUND_BASE + soundCodes.size);
    soundCodes.set(cls, c);
  }
  return c;
}

/**
 * Particles whose first dictionary reading (pinyin-pro, one character out of context) is not how they are
 * said in speech: 了 is "le" after a verb (挂了, 说了) far more often than "liao" (了解), sentence-final 咯 is
 * "lo" (keyed as the near syllable "luo", so 啰 matches; "lo" has no other common character), 呗 is "bei".
 * ASR writes the spoken sound (挂乐, 挂勒), so the sound key uses the spoken reading.
 */
const SPOKEN_READING: Readonly<Record<string, string>> = { 了: 'le', 咯: 'luo', 呗: 'bei' };

/** The reading a sound key uses for one Han character: its spoken reading, else its first dictionary reading. */
function keyReading(ch: string): string {
  return SPOKEN_READING[ch] ?? pinyin(ch, { type: 'array', toneType: 'none' })[0] ?? ch;
}

/** The sound-key code unit of each UTF-16 code unit seen ({@link soundKeyUnit}), 0 when not yet known. */
const soundKeyUnits = new Uint16Array(0x10000);

/**
 * The sound-key character of one UTF-16 code unit, as a code unit: for a Han character, the sound class of its
 * spoken reading ({@link keyReading}, one private-use character per class); any other unit stands for itself.
 * Cached per unit.
 */
function soundKeyUnit(code: number): number {
  let k = soundKeyUnits[code]!;
  if (k === 0) {
    const ch = String.fromCharCode(code);
    k = HAN.test(ch) ? soundCode(canonicalSyllable(keyReading(ch))).charCodeAt(0) : code;
    soundKeyUnits[code] = k;
  }
  return k;
}

/** Work buffer of {@link soundKey}: the key's code units. */
let keyUnits = new Uint16Array(256);

/**
 * The sound key of normalised text: every Han character replaced by one private-use character (U+E000…)
 * standing for the sound class of its spoken reading ({@link keyReading}), everything else kept. Same length as the input,
 * so offsets agree. Two texts that sound alike under the folds of {@link canonicalSyllable} have the same key
 * (县婚因登记中新 and 县婚姻登记中心).
 */
export function soundKey(norm: string): string {
  if (keyUnits.length < norm.length) keyUnits = new Uint16Array(2 * norm.length);
  for (let i = 0; i < norm.length; i++) keyUnits[i] = soundKeyUnit(norm.charCodeAt(i));
  let out = '';
  for (let i = 0; i < norm.length; i += 4096) {
    out += String.fromCharCode.apply(null, keyUnits.subarray(i, Math.min(norm.length, i + 4096)) as unknown as number[]);
  }
  return out;
}

/**
 * Every sound key a written phrase may have when each polyphone may take any of its readings (重填: the
 * default reading zhong and the meant reading chong), the default-reading key ({@link soundKey}) first, at
 * most `max` keys. For words of a fixed list (concept words), whose reading a dictionary without the word
 * cannot know; the text side keeps one key per character.
 *
 * @param norm normalised phrase
 * @param max upper bound on the number of keys returned (readings beyond it are dropped)
 */
export function soundKeyVariants(norm: string, max = 8): string[] {
  let keys = [soundKey(norm)];
  for (let i = 0; i < norm.length; i++) {
    const classes = charSounds(norm[i]!);
    if (classes.length < 2 || !HAN.test(norm[i]!)) continue;
    const next = new Set(keys);
    for (const k of keys) {
      for (const cls of classes) {
        if (next.size >= max) break;
        next.add(k.slice(0, i) + soundCode(cls) + k.slice(i + 1));
      }
    }
    keys = [...next];
  }
  return keys;
}

/**
 * A sound key with every run of one repeated sound folded to one character (ASR doubled a syllable: 就这样样吧),
 * and the offset of each kept character in the key, with one more entry, the key's length; null when no
 * sound repeats (the key is its own undoubled form).
 */
export function undoubled(sound: string): { text: string; at: number[] } | null {
  const doubledAt = (i: number) => i > 0 && sound[i] === sound[i - 1] && sound.charCodeAt(i) >= SOUND_BASE;
  let i = 1;
  while (i < sound.length && !doubledAt(i)) i++;
  if (i >= sound.length) return null;
  let text = sound.slice(0, i);
  const at = Array.from({ length: i }, (_, k) => k);
  for (; i < sound.length; i++) {
    if (doubledAt(i)) continue;
    text += sound[i];
    at.push(i);
  }
  at.push(sound.length);
  return { text, at };
}

/**
 * A regular expression's source rewritten for the sound key: Han characters become their sound-key
 * characters, and `\p{Script=Han}` / `\p{sc=Han}` also accept sound-key characters. Escapes are kept.
 */
export function soundRegexSource(source: string): string {
  const han = /\\p\{(?:Script|sc)=Han\}/g;
  let out = '';
  let i = 0;
  while (i < source.length) {
    han.lastIndex = i;
    const m = han.exec(source);
    if (m && m.index === i) {
      // Inside a character class the escape sits among other members; outside it, wrap it in one.
      const inClass = isInClass(source, i);
      out += inClass ? '\\p{Script=Han}\\uE000-\\uF8FF' : '[\\p{Script=Han}\\uE000-\\uF8FF]';
      i += m[0].length;
      continue;
    }
    const ch = source[i]!;
    if (ch === '\\') {
      out += source.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += String.fromCharCode(soundKeyUnit(ch.charCodeAt(0)));
    i++;
  }
  return out;
}

/** True when position `at` of a regex source lies inside a character class `[…]`. */
function isInClass(source: string, at: number): boolean {
  let inClass = false;
  for (let i = 0; i < at; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
  }
  return inClass;
}

/** How a phrase was found in the sound domain (see {@link findSound}). */
export interface SoundMatch {
  start: number;
  end: number;
  /** Characters that matched by sound only (not the phrase's own character). */
  soundOnly: number;
  /** Doubled characters of the text skipped (ASR wrote a syllable twice). */
  doubled: number;
  /** Syllables of the phrase missing from the text (ASR dropped a character). */
  dropped: number;
}

/**
 * The polite "you". A match by sound never takes it for another character ({@link findSound}, the meaning
 * layer's concept words): agents say it all the time and ASR that wrote it heard it, so 您不清 (您看不清 with
 * 看 dropped, 您不清楚 with 楚 misheard) is no 拎不清 (nin / lin).
 */
export const POLITE_YOU = '您';

/**
 * Finds a phrase in normalised text by sound, tolerant of what ASR does to Mandarin (issue 9, part 3):
 * each character may be any character of the same sound class ({@link charSounds}, all readings of a
 * polyphone); a character the text repeats (a doubled syllable, "您您好") is skipped; and one syllable may be
 * missing — for phrases of 4 or more syllables anywhere, for shorter ones only when what is left is a whole
 * clause (so 好 inside 好的 never stands for 您好, nor 不清 in 听不清 for 拎不清). At least one character
 * must be the phrase's own: a run of nothing but sound-alikes is too often another word (您父亲 for 拎弗清);
 * {@link POLITE_YOU} in the text stands only for itself.
 * Separators never match and are never skipped.
 *
 * @param chars the text split into UTF-16 code units
 * @param phrase the phrase's characters (normalised, no separators)
 * @param from first index to try
 * @param clipped a short phrase missing a syllable also hits when the rest only starts or ends a clause (ASR
 *   clipped the onset or the end of the word: "您，县…中心", "耗县婚姻登记中心" for 您好)
 * @param phraseSounds the phrase's sound classes per character ({@link charSounds}) when already known (a
 *   prepared phrase); computed here when absent
 * @returns the leftmost match with the fewest departures, or `null`
 */
export function findSound(
  chars: readonly string[],
  phrase: readonly string[],
  from = 0,
  clipped = false,
  phraseSounds?: readonly (readonly string[])[],
): SoundMatch | null {
  const m = phrase.length;
  if (m === 0) return null;
  const want = phraseSounds ?? phrase.map((c) => charSounds(c));
  const sameSound = (c: string, k: number) => c === phrase[k] || (c !== POLITE_YOU && charSounds(c).some((s) => want[k]!.includes(s)));
  let best: SoundMatch | null = null;
  const cost = (x: SoundMatch) => x.dropped * 2 + x.doubled + x.soundOnly * 0.1;
  for (let i = from; i < chars.length; i++) {
    if (chars[i] === CLAUSE_SEP) continue;
    // A match starts on the phrase's first syllable, or on its second when the first is dropped.
    if (!sameSound(chars[i]!, 0) && !(m >= 2 && sameSound(chars[i]!, 1))) continue;
    // Depth-first over the few ways the phrase can lie at i (at most one drop, doubles only after a match).
    // dropAt: which syllable of the phrase is missing (-1: none).
    const stack: { j: number; k: number; soundOnly: number; doubled: number; dropped: number; dropAt: number }[] = [
      { j: i, k: 0, soundOnly: 0, doubled: 0, dropped: 0, dropAt: -1 },
    ];
    while (stack.length) {
      const s = stack.pop()!;
      if (s.k === m) {
        if (s.j === i) continue;
        const found = { start: i, end: s.j, soundOnly: s.soundOnly, doubled: s.doubled, dropped: s.dropped };
        if (found.soundOnly >= m - found.dropped) continue;
        if (found.dropped && m <= 3) {
          const before = i === 0 || chars[i - 1] === CLAUSE_SEP;
          const after = s.j === chars.length || chars[s.j] === CLAUSE_SEP;
          // Clipped: the onset missing and the rest starts a clause, or the end missing and the rest ends one.
          const clip = (s.dropAt === 0 && before) || (s.dropAt === m - 1 && after);
          if (!(before && after) && !(clipped && clip)) continue;
        }
        if (!best || cost(found) < cost(best)) best = found;
        continue;
      }
      const c = chars[s.j];
      if (c !== undefined && c !== CLAUSE_SEP) {
        if (sameSound(c, s.k)) stack.push({ ...s, j: s.j + 1, k: s.k + 1, soundOnly: s.soundOnly + (c === phrase[s.k] ? 0 : 1) });
        // A doubled syllable: the text repeats the sound just matched.
        if (
          s.k > 0 &&
          s.doubled < 2 &&
          c !== undefined &&
          s.j > i &&
          charSounds(c).some((x) => charSounds(chars[s.j - 1]!).includes(x)) &&
          phrase[s.k] !== phrase[s.k - 1]
        ) {
          stack.push({ ...s, j: s.j + 1, doubled: s.doubled + 1 });
        }
      }
      // A dropped syllable (never the first, so a match starts on a character of the phrase).
      if (s.dropped === 0 && s.k > 0 && m >= 2) stack.push({ ...s, k: s.k + 1, dropped: 1, dropAt: s.k });
      else if (s.dropped === 0 && s.k === 0 && m >= 2 && s.j === i) {
        // The first syllable dropped: the match starts on the second.
        if (c !== undefined && c !== CLAUSE_SEP && sameSound(c, 1))
          stack.push({ j: s.j + 1, k: 2, soundOnly: c === phrase[1] ? 0 : 1, doubled: 0, dropped: 1, dropAt: 0 });
      }
    }
    if (best && best.start === i) return best;
  }
  return best;
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
