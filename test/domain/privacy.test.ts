import { describe, expect, it } from 'vitest';
import { isValidIdCardNumber, maskSensitiveNumbers, maskText } from '../../domain/privacy.js';

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

  it('leaves numbers of fewer than 7 digits, dates and numbers in words alone', () => {
    for (const s of ['下午3点到5点', '2026-11-28', '2026/11/28', '2026.1.5', '收费100元', '验证码 123456', '一一说明', '一百三十八']) {
      expect(maskText(s)).toBe(s);
    }
  });

  it('masks every run of 7 or more digits: case numbers and landlines keep their last 4', () => {
    expect(maskText('案件编号 20261128001')).toBe('案件编号 *******8001');
    expect(maskText('座机 0519-85681234')).toBe('座机 ****-****1234');
    expect(maskText('分机 8568123')).toBe('分机 ***8123');
    // Not a date: the day is out of range, so it is a number like any other.
    expect(maskText('2026-02-30')).toBe('****-02-30');
  });

  it('joins digits separated by commas, 、, dots, slashes, NBSP and double spaces', () => {
    expect(maskText('手机139，8765，4321')).toBe('手机139，****，4321');
    expect(maskText('手机139,8765,4321')).toBe('手机139,****,4321');
    expect(maskText('手机139、8765、4321')).toBe('手机139、****、4321');
    expect(maskText('手机136.1234.5678')).toBe('手机136.****.5678');
    expect(maskText('手机135/1234/5678')).toBe('手机135/****/5678');
    expect(maskText('手机138\u00a01234\u00a05678')).toBe('手机138\u00a0****\u00a05678');
    expect(maskText('手机138  1234  5678')).toBe('手机138  ****  5678');
    expect(maskText('手机１３８－１２３４－５６７８')).toBe('手机１３８－****－５６７８');
  });

  it('masks a mobile with a leading 0 or an extra digit, keeping the last 4', () => {
    expect(maskText('打013912345678')).toBe('打********5678');
    expect(maskText('手机138123456789')).toBe('手机********6789');
  });

  it('reads formal numerals and 两/幺 as digits', () => {
    expect(maskText('号码壹叁捌壹贰叁肆伍陆柒捌')).toBe('号码壹叁捌****伍陆柒捌');
    expect(maskText('号码幺三八两两三四五六七八')).toBe('号码幺三八****五六七八');
    expect(maskText('卡号陆贰贰贰零贰壹贰叁肆伍陆柒捌玖零')).toBe('卡号************柒捌玖零');
  });
});
