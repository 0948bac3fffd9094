import { describe, expect, it } from 'vitest';
import { findPinyin, normalizeNumerals, normalizeText, phrasePinyin } from '../../rules/normalize.js';

describe('normalizeText', () => {
  it('converts Traditional to Simplified', () => expect(normalizeText('您好，縣行政服務中心，請講。')).toBe('您好，县行政服务中心，请讲'));
  it('turns punctuation of any width into one clause separator', () =>
    expect(normalizeText('好的,您营业执照办好了吗?  是的！！')).toBe('好的，您营业执照办好了吗，是的'));
  it('removes spaces ASR put between every character', () => expect(normalizeText('您 好 ， 县 行 政 服 务 中 心')).toBe('您好，县行政服务中心'));
  it('keeps spaces between phrases as clause breaks', () => expect(normalizeText('喂 你好 我想问一下')).toBe('喂，你好，我想问一下'));
  it('makes full-width digits and letters half-width', () => expect(normalizeText('ＡＰＰ１２３')).toBe('app123'));
});

describe('sound-alike matching', () => {
  it('matches 在见 for 再见 and 有玩没玩 for 有完没完', () => {
    expect(findPinyin('好的在见'.split(''), phrasePinyin('再见'))).toEqual([2, 4]);
    expect(findPinyin('你有玩没玩'.split(''), phrasePinyin('有完没完'))).toEqual([1, 5]);
  });
  it('does not match a different sound', () => expect(findPinyin('你好'.split(''), phrasePinyin('您好'))).toBeNull());
});

describe('normalizeNumerals', () => {
  it('reads small numbers as cardinals', () =>
    expect(normalizeNumerals('2号窗口，10点，15个，205室，1200元，0')).toBe('二号窗口，十点，十五个，二百零五室，一千二百元，零'));
  it('reads codes, long numbers and years digit by digit', () =>
    expect(normalizeNumerals('电话13800138000，编号0571，2026年')).toBe('电话一三八零零一三八零零零，编号零五七一，二零二六年'));
  it('reads decimals and full-width digits', () => expect(normalizeNumerals('３.５公里')).toBe('三点五公里'));
  it('leaves text without digits alone', () => expect(normalizeNumerals('您好，请讲')).toBe('您好，请讲'));
});
