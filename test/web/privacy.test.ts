import { describe, expect, it } from 'vitest';
import { isValidIdCardNumber, maskSensitiveNumbers, maskText } from '../../web/privacy.js';

// 11010519491231002X is the standard's own example of a valid ID number.
const ID = '11010519491231002X';

describe('privacy masking', () => {
  it('checks ID-card check characters', () => {
    expect(isValidIdCardNumber(ID)).toBe(true);
    expect(isValidIdCardNumber('110105194912310021')).toBe(false);
    expect(isValidIdCardNumber('11010519491231002')).toBe(false);
  });

  it('masks mobile numbers keeping the first 3 and last 4 digits', () => {
    expect(maskText('我的手机是13812345678，谢谢')).toBe('我的手机是138****5678，谢谢');
    expect(maskText('电话 138 1234 5678。')).toBe('电话 138 **** 5678。');
    expect(maskText('+86 13812345678')).toBe('+86 138****5678');
    expect(maskText('8613812345678')).toBe('86138****5678');
  });

  it('masks numbers ASR wrote in Chinese numerals or full-width digits', () => {
    expect(maskText('号码是幺三八一二三四五六七八')).toBe('号码是幺三八****五六七八');
    expect(maskText('１３８１２３４５６７８')).toBe('１３８****５６７８');
  });

  it('masks ID numbers (valid check character) keeping the last 4', () => {
    const r = maskSensitiveNumbers(`身份证${ID}。`);
    expect(r.text).toBe('身份证**************002X。');
    expect(r.masked).toEqual([{ kind: 'id_card', start: 3, end: 21 }]);
    expect(maskText('身份证 110105 19491231 002x')).toBe('身份证 ****** ******** 002x');
  });

  it('masks bank cards and other 15–19 digit numbers keeping the last 4', () => {
    expect(maskText('卡号6222021234567890123')).toBe('卡号***************0123');
    expect(maskText('卡号 6222 0212 3456 7890')).toBe('卡号 **** **** **** 7890');
    expect(maskSensitiveNumbers('110105194912310021').masked[0]!.kind).toBe('long_number');
    expect(maskText('老身份证110105491231002')).toBe('老身份证***********1002');
  });

  it('masks each of two numbers side by side, and long glued runs', () => {
    expect(maskText('13812345678 13987654321')).toBe('138****5678 139****4321');
    expect(maskText('123456789012345678901234')).toBe('********************1234');
  });

  it('leaves ordinary numbers alone', () => {
    for (const s of ['下午3点到5点', '2026-11-28', '收费100元', '案件编号 20261128001', '座机 0519-85681234', '一一说明', '一百三十八']) {
      expect(maskText(s)).toBe(s);
    }
  });
});
