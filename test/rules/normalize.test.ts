import { describe, expect, it } from 'vitest';
import { findPinyin, normalizeText, phrasePinyin } from '../../rules/normalize.js';

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
