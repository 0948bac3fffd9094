import { describe, expect, it } from 'vitest';
import { characterErrorRate, normalizeForCer, textForCer } from '../../text/cer.js';

describe('characterErrorRate', () => {
  it('is 0 for identical text and counts substitutions, deletions and insertions separately', () => {
    expect(characterErrorRate('县婚姻登记中心', '县婚姻登记中心')).toMatchObject({ substitutions: 0, deletions: 0, insertions: 0, cer: 0 });
    // 姻→因 (S), 登 dropped (D), 心 doubled (I): 3 errors over 7 reference characters.
    expect(characterErrorRate('县婚姻登记中心', '县婚因记中心心')).toEqual({
      substitutions: 1,
      deletions: 1,
      insertions: 1,
      referenceLength: 7,
      cer: 3 / 7,
    });
  });
  it('handles empty texts and characters outside the BMP as one character each', () => {
    expect(characterErrorRate('', '')).toMatchObject({ cer: 0, referenceLength: 0 });
    expect(characterErrorRate('', '您好')).toMatchObject({ insertions: 2, cer: 2 });
    expect(characterErrorRate('您好', '')).toMatchObject({ deletions: 2, cer: 1 });
    expect(characterErrorRate('𠀀好', '𠀁好')).toMatchObject({ substitutions: 1, referenceLength: 2, cer: 0.5 });
  });
  it('can exceed 1 when the hypothesis invents text', () => {
    expect(characterErrorRate('好', '谢谢观看好').cer).toBe(4);
  });
});

describe('textForCer', () => {
  it('drops punctuation and spaces and folds full-width forms', () => {
    expect(textForCer('您 好，县婚姻登记中心！ＡＢ１')).toBe('您好县婚姻登记中心ab1');
  });
});

describe('normalizeForCer', () => {
  const cer = (reference: string, hypothesis: string) => characterErrorRate(normalizeForCer(reference), normalizeForCer(hypothesis));
  it('leaves only the characters that were said', () =>
    expect(normalizeForCer('您好！請問3號窗口 在哪裡？')).toBe('您好请问三号窗口在哪里'));
  it('does not count script, punctuation, spaces, width or how numbers are written as errors', () => {
    expect(cer('您好，县行政服务中心，请讲。', '您 好 縣行政服務中心 請講')).toMatchObject({ cer: 0 });
    expect(cer('请到二号窗口，电话一三八零零一三八零零零', '請到2號窗口。電話13800138000')).toMatchObject({ cer: 0 });
    expect(cer('ＡＰＰ下载', 'app下载')).toMatchObject({ cer: 0 });
    expect(cer('两个人，幺三八零零幺三八零零零，二〇二六年', '2个人，13800138000，2026年')).toMatchObject({ cer: 0 });
  });
  it('still counts what was heard differently', () =>
    expect(cer('您好请讲', '你好讲')).toEqual({ substitutions: 1, deletions: 1, insertions: 0, referenceLength: 4, cer: 0.5 }));
});
