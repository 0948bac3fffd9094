import { describe, expect, it } from 'vitest';
import { characterErrorRate, textForCer } from '../../pipeline/transcribe/cer.js';

describe('characterErrorRate', () => {
  it('is 0 for identical text and counts substitutions, deletions and insertions separately', () => {
    expect(characterErrorRate('县婚姻登记中心', '县婚姻登记中心')).toMatchObject({ substitutions: 0, deletions: 0, insertions: 0, cer: 0 });
    // 姻→因 (S), 登 dropped (D), 心 doubled (I): 3 errors over 7 reference characters.
    expect(characterErrorRate('县婚姻登记中心', '县婚因记中心心')).toEqual({ substitutions: 1, deletions: 1, insertions: 1, referenceLength: 7, cer: 3 / 7 });
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
