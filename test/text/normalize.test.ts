import { describe, expect, it } from 'vitest';
import {
  canonicalSyllable,
  findSound,
  normalizeNumerals,
  normalizeText,
  normalizeWithMap,
  originalSpan,
  soundKey,
  soundRegexSource,
} from '../../text/normalize.js';

describe('normalizeText', () => {
  it('converts Traditional to Simplified', () => expect(normalizeText('您好，縣行政服務中心，請講。')).toBe('您好，县行政服务中心，请讲'));
  it.each([
    ['还有么事？', '还有么事'],
    ['你搞么事咧', '你搞么事咧'],
    ['還有么事冇？', '还有么事冇'],
    ['幹么事', '干么事'],
  ])('keeps the Simplified 么 (Wuhan 么事) instead of reading it as 幺: %s', (text, norm) => expect(normalizeText(text)).toBe(norm));
  it('still converts 麼 and leaves 幺 (a digit one) as it is', () => expect(normalizeText('什麼，幺三八')).toBe('什么，幺三八'));
  it('turns punctuation of any width into one clause separator', () =>
    expect(normalizeText('好的,您营业执照办好了吗?  是的！！')).toBe('好的，您营业执照办好了吗，是的'));
  it('removes spaces ASR put between every character', () =>
    expect(normalizeText('您 好 ， 县 行 政 服 务 中 心')).toBe('您好，县行政服务中心'));
  it('keeps spaces between phrases as clause breaks', () => expect(normalizeText('喂 你好 我想问一下')).toBe('喂，你好，我想问一下'));
  it.each([
    ['您好 武侯区 政务 服务 中心 请 讲', '您好武侯区政务服务中心请讲'],
    ['您好 沙坪坝区 行政 服务 中心 请讲', '您好沙坪坝区行政服务中心请讲'],
    ['材料 交 到 三 楼 窗口 就 行', '材料交到三楼窗口就行'],
    ['这个 事情 我们 管 不 了', '这个事情我们管不了'],
  ])('removes the spaces of word-tokenised ASR output (five words or more, none over four characters): %s', (text, norm) =>
    expect(normalizeText(text)).toBe(norm),
  );
  it.each([
    ['喂 您好 听得到吗 喂', '喂，您好，听得到吗，喂'],
    ['好的 我帮您登记一下 明天给您回电话 您看行吗 好', '好的，我帮您登记一下，明天给您回电话，您看行吗，好'],
  ])('keeps spaces between spoken phrases as clause breaks: %s', (text, norm) => expect(normalizeText(text)).toBe(norm));
  it('makes full-width digits and letters half-width', () => expect(normalizeText('ＡＰＰ１２３')).toBe('app123'));
});

/**
 * Evasions (issue 9, part 1): a word hidden from matching by characters nobody hears. Each kind becomes the
 * plain word in the normal form.
 */
describe('evasions are undone', () => {
  const kinds: [string, string][] = [
    ['zero-width space', '神\u200b经\u200b病'],
    ['zero-width non-joiner and joiner', '神\u200c经\u200d病'],
    ['word joiner', '神\u2060经\u2060病'],
    ['byte-order mark inside', '神\ufeff经病'],
    ['soft hyphen', '神\u00ad经\u00ad病'],
    ['bidi embedding and override', '\u202a神\u202e经\u202c病'],
    ['bidi isolates', '\u2066神\u2069经\u2067病\u2068'],
    ['NUL and control characters', '神\u0000经\u0007病'],
    ['variation selectors', '神\ufe0f经\ufe00病'],
    ['Mongolian vowel separator', '神\u180e经病'],
    ['private-use characters', '神\ue000经\uf8ff病'],
    ['ASCII spaces between single characters', '神 经 病'],
    ['ideographic spaces', '神\u3000经\u3000病'],
    ['tabs', '神\t经\t病'],
    ['no-break spaces', '神\u00a0经\u00a0病'],
    ['thin and em spaces', '神\u2009经\u2003病'],
    ['narrow no-break space', '神\u202f经\u202f病'],
    ['full-width compatibility forms', '神经病'],
    ['Kangxi radicals and compatibility ideographs', '\u2f45\u{2f9ff}'],
    ['Traditional characters', '神經病'],
    ['a mix of the above', '你\u200b這\u3000人\u00a0神\u00ad經　病'],
  ];
  it.each(kinds)('%s', (_kind, text) => {
    const norm = normalizeText(text);
    if (_kind.startsWith('Kangxi')) expect(norm).toBe('方'.normalize('NFKC') + '\u{2f9ff}'.normalize('NFKC'));
    else expect(norm.endsWith('神经病')).toBe(true);
  });
  it('joins a spaced-out word inside a sentence but keeps other spaces as clause breaks', () => {
    expect(normalizeText('你这人 神 经 病 吧')).toBe('你这人神经病吧');
    expect(normalizeText('喂 你好 我想问一下')).toBe('喂，你好，我想问一下');
  });
  it('maps the normal form back to the original text for evidence', () => {
    const text = '你这人\u200b神\u3000經\u00a0病！';
    const n = normalizeWithMap(text);
    const i = n.norm.indexOf('神经病');
    expect(originalSpan(text, n, i, i + 3)).toBe('神\u3000經\u00a0病');
    expect(n.map).toHaveLength(n.norm.length + 1);
  });
});

describe('sound domain', () => {
  it('folds the confusions of Mandarin ASR and southern accents', () => {
    expect(canonicalSyllable('zhong')).toBe(canonicalSyllable('zong'));
    expect(canonicalSyllable('shi')).toBe(canonicalSyllable('si'));
    expect(canonicalSyllable('chang')).toBe(canonicalSyllable('can'));
    expect(canonicalSyllable('nan')).toBe(canonicalSyllable('lang'));
    expect(canonicalSyllable('fu')).toBe(canonicalSyllable('hu'));
    expect(canonicalSyllable('xing')).toBe(canonicalSyllable('xin'));
    expect(canonicalSyllable('nin')).not.toBe(canonicalSyllable('ni'));
  });
  it('gives same-sounding texts the same key', () => {
    expect(soundKey('县婚因登记中新')).toBe(soundKey('县婚姻登记中心'));
    expect(soundKey('您好')).not.toBe(soundKey('你好'));
  });
  it('rewrites a regex for the sound key', () => {
    const re = new RegExp(soundRegexSource('\\p{Script=Han}{2,}中心'), 'u');
    expect(re.test(soundKey('县婚姻登记中新'))).toBe(true);
    expect(re.test(soundKey('县婚姻登记处'))).toBe(false);
  });
  it('finds a phrase by sound, with a doubled or a dropped syllable', () => {
    expect(findSound('好的在见'.split(''), '再见'.split(''))).toMatchObject({ start: 2, end: 4, soundOnly: 1 });
    expect(findSound('你有玩没玩'.split(''), '有完没完'.split(''))).toMatchObject({ start: 1, end: 5 });
    expect(findSound('您您好，请讲'.split(''), '您好'.split(''))).toMatchObject({ start: 0, end: 3, doubled: 1 });
    expect(findSound('你有完没'.split(''), '有完没完'.split(''))).toMatchObject({ dropped: 1 });
  });
  it('does not take a different sound or a part of a word', () => {
    expect(findSound('你好'.split(''), '您好'.split(''))).toBeNull();
    expect(findSound('好的'.split(''), '您好'.split(''))).toBeNull();
    expect(findSound('我听不清'.split(''), '拎不清'.split(''))).toBeNull();
    expect(findSound('好，县中心'.split(''), '您好'.split(''))).toMatchObject({ start: 0, end: 1, dropped: 1 });
  });
});

describe('sound keys read particles as spoken', () => {
  it('了 after a verb is le, so 挂乐 and 挂勒 sound like 挂了 (ASR writes the spoken sound)', () => {
    expect(soundKey('挂乐')).toBe(soundKey('挂了'));
    expect(soundKey('挂勒')).toBe(soundKey('挂了'));
    expect(soundKey('挂聊')).not.toBe(soundKey('挂了'));
  });
  it('sentence-final 咯 sounds like 啰 and 呗 like 被', () => {
    expect(soundKey('去呗')).toBe(soundKey('去被'));
    expect(soundKey('好咯')).toBe(soundKey('好啰'));
  });
});

describe('normalizeNumerals', () => {
  it('reads small numbers as cardinals', () =>
    expect(normalizeNumerals('2号窗口，10点，15个，205室，1200元，0')).toBe('二号窗口，十点，十五个，二百零五室，一千二百元，零'));
  it('reads codes, long numbers and years digit by digit', () =>
    expect(normalizeNumerals('电话13800138000，编号0571，2026年')).toBe('电话一三八零零一三八零零零，编号零五七一，二零二六年'));
  it('reads decimals and full-width digits', () => expect(normalizeNumerals('３.５公里')).toBe('三点五公里'));
  it('leaves text without digits alone', () => expect(normalizeNumerals('您好，请讲')).toBe('您好，请讲'));
});
