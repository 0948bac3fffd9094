/** Character error rate (pipeline/transcribe/cer.ts): edit counts worked out by hand, and the normalisation. */
import { describe, expect, it } from 'vitest';
import { characterErrorRate, normalizeForCer } from '../../pipeline/transcribe/cer.js';

describe('characterErrorRate', () => {
  it('is 0 for equal texts', () =>
    expect(characterErrorRate('甚至出现交易几乎停滞的情况', '甚至出现交易几乎停滞的情况')).toEqual({
      substitutions: 0,
      deletions: 0,
      insertions: 0,
      referenceLength: 13,
      rate: 0,
    }));

  it('counts substitutions, deletions and insertions', () => {
    // 您好请讲 → 你好讲: 您→你 (S), 请 missing (D); 请讲 → 请您讲: 您 extra (I).
    expect(characterErrorRate('您好请讲', '你好讲')).toEqual({ substitutions: 1, deletions: 1, insertions: 0, referenceLength: 4, rate: 0.5 });
    expect(characterErrorRate('请讲', '请您讲')).toEqual({ substitutions: 0, deletions: 0, insertions: 1, referenceLength: 2, rate: 0.5 });
    expect(characterErrorRate('您好', '')).toMatchObject({ deletions: 2, rate: 1 });
    expect(characterErrorRate('', '您好')).toMatchObject({ insertions: 2, rate: Infinity });
    expect(characterErrorRate('', '')).toMatchObject({ rate: 0 });
    // More insertions than reference characters: CER above 1.
    expect(characterErrorRate('好', '谢谢观看好')).toMatchObject({ insertions: 4, rate: 4 });
  });

  it('does not count script, punctuation, spaces, width or numerals as errors', () => {
    expect(characterErrorRate('您好，县行政服务中心，请讲。', '您 好 縣行政服務中心 請講')).toMatchObject({ rate: 0 });
    expect(characterErrorRate('请到二号窗口，电话一三八零零一三八零零零', '請到2號窗口。電話13800138000')).toMatchObject({ rate: 0 });
    expect(characterErrorRate('ＡＰＰ下载', 'app下载')).toMatchObject({ rate: 0 });
    expect(characterErrorRate('两个人，幺三八零零幺三八零零零，二〇二六年', '2个人，13800138000，2026年')).toMatchObject({ rate: 0 });
  });

  it('compares the strings as given with normalize: false', () =>
    expect(characterErrorRate('您好。', '您好', { normalize: false })).toMatchObject({ deletions: 1 }));
});

describe('normalizeForCer', () => {
  it('leaves only the characters that were said', () => expect(normalizeForCer('您好！請問3號窗口 在哪裡？')).toBe('您好请问三号窗口在哪里'));
});
