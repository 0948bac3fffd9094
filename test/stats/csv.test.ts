/** CSV quoting of the monthly statistics (RFC 4180, Excel-safe). */
import { describe, expect, it } from 'vitest';
import { csvField, tableToCsv } from '../../pipeline/stats/csv.js';

describe('csv', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('plain 文本')).toBe('plain 文本');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('他说"不知道"')).toBe('"他说""不知道"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });
  it('keeps spreadsheets from running text as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+86 138')).toBe("'+86 138");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@a')).toBe("'@a");
  });
  it('writes numbers plainly, rounded to 6 decimals; null as an empty field', () => {
    expect(csvField(2 / 3)).toBe('0.666667');
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(10)).toBe('10');
    expect(csvField(null)).toBe('');
  });
  it('a table: BOM, header, CRLF after every line', () => {
    const text = tableToCsv({
      id: 't',
      title: 'T',
      columns: [
        { header: '名称', kind: 'text' },
        { header: '比例', kind: 'rate' },
      ],
      rows: [
        ['a,1', 0.5],
        ['b', null],
      ],
    });
    expect(text).toBe('\uFEFF名称,比例\r\n"a,1",0.5\r\nb,\r\n');
  });
});
