/**
 * banned_phrase in long agent turns: a banned meaning buried in the middle of useful instructions (documents,
 * floors, forms), with a condition (如果, 要是, 万一, 假如) three clauses away that is about something else.
 * In a turn of more than four clauses a condition cancels a frame only in the frame's window and one clause on
 * either side (`nearUnless` in rules/banned-phrases.meaning.yaml, `reachOf` in rules/meaning.ts); in a
 * shorter turn anywhere, as before. Sentences of their own, not taken from any labelled set, with near
 * misses: the condition next to the words it softens, an offer of help, the norm quoted, a short turn, the
 * caller saying it.
 */
import { describe, expect, it } from 'vitest';
import { parseMeaning } from '../../rules/meaning.js';
import { normalizeText } from '../../text/normalize.js';
import { bannedIdsOfAgentLine } from './helpers.js';

/** A meaning file with one frame (没空) cancelled by a condition (bounded reach) and by 抱歉 (anywhere). */
const tiny = parseMeaning(
  [
    'version: m@1',
    'nearUnless: [condition]',
    'concepts: { busy: [没空], condition: [要是], polite: [抱歉] }',
    'frames:',
    '  - { id: X.busy, phrase: X, all: [busy], window: clause, unless: [condition, polite] }',
  ].join('\n'),
  'm.yaml',
);
/** Whether the tiny meaning file hits X in a line. */
const hitsX = (line: string): boolean => tiny.find({ norm: normalizeText(line) }, 'X') !== null;

describe('nearUnless: the reach of cancelling concepts', () => {
  it('a bounded concept cancels anywhere in a turn of up to four clauses', () => {
    expect(hitsX('没空，甲，乙，要是丙')).toBe(false);
  });
  it('in a longer turn it cancels only within one clause of the window', () => {
    expect(hitsX('甲，没空，乙，丙，要是丁')).toBe(true);
    expect(hitsX('甲，没空，要是乙，丙，丁')).toBe(false);
    expect(hitsX('要是甲，没空，乙，丙，丁')).toBe(false);
    expect(hitsX('要是甲，乙，没空，丙，丁')).toBe(true);
  });
  it('a concept not listed still cancels anywhere in a long turn', () => {
    expect(hitsX('甲，没空，乙，丙，抱歉丁')).toBe(false);
  });
  it('names an unknown concept with file and line', () => {
    expect(() => parseMeaning('version: m@1\nnearUnless: [nope]\nconcepts: { a: [x] }\n', 'm.yaml')).toThrow(
      /^m\.yaml:2: unknown concept "nope"/,
    );
  });
});

describe('banned_phrase: a banned meaning in a long turn, a condition far from it', () => {
  it.each([
    [
      'B09',
      'too busy to explain, a condition two clauses after',
      '要是材料齐了就先交，复印件放左边，原件放右边，我忙着呢没空跟你细说，回执自己收好，明天来取。',
    ],
    [
      'B09',
      'no time to teach, a condition opening the turn',
      '如果要发票就去二号窗口，证件照两张，蓝底白底都行，我哪有时间一个个教，表在桌上自己拿。',
    ],
    [
      'B09',
      'no time to teach, a condition two clauses after',
      '先去三楼拍照，再回来取号，我哪有时间一个个教，表在桌上自己拿，要是看不懂就问保安。',
    ],
    ['B09', 'no time for you, 万一 two clauses after', '材料放这儿，回执拿好，没空搭理你，明天十点来取，万一有事来不了打电话说一声。'],
    ['B10', 'muddle-headed, 假如 two clauses after', '身份证带上，户口本带上，你脑子糊涂了吧，结婚证复印一份，假如原件丢了就先去补。'],
    [
      'B10',
      'muddle-headed, 要是 two clauses after',
      '医保卡带上，社保卡也带上，你这人脑子糊涂，跟你说了半天，要是还不会就让家里年轻人来。',
    ],
  ])('%s: %s', (id, _kind, line) => {
    expect(bannedIdsOfAgentLine(line)).toContain(id);
  });

  it.each([
    ['the condition next to the words', '先去三楼拍照，再回来取号，要是今天没空过来，明天上午也可以，表在桌上，回执拿好。'],
    [
      'a condition and help in the neighbouring clause',
      '先去三楼拍照，再回来取号，我这会儿没空，要是您不急的话，我忙完给您回电话，回执拿好。',
    ],
    ['the caller may get confused, help offered', '先去三楼拍照，再回来取号，万一您搞糊涂了，再打过来问我，表在桌上，回执拿好。'],
    ['a condition on not knowing, help offered', '先去三楼拍照，再回来取号，这个我不知道的话，我帮您问问，表在桌上，回执拿好。'],
    ['the norm quoted in a long turn', '复印件放左边，原件放右边，规定不能说没空搭理你这种话，要是您着急，我先给您办，回执拿好。'],
    ['a referral with a condition, long turn', '先去三楼拍照，再回来取号，如果您看不懂表，可以问保安，表在桌上，回执拿好。'],
    ['a short turn: the condition colours the whole', '没空搭理你，明天来取，万一有事打电话。'],
  ])('no banned phrase: %s', (_kind, line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual([]);
  });

  it('no banned phrase when the caller says the long turn', () => {
    expect(
      bannedIdsOfAgentLine(
        '好的，我帮您查一下。',
        '我跑了三趟了，先去三楼拍照，再回来取号，你们说没空搭理我，表在桌上自己拿，要是看不懂就问保安',
      ),
    ).toEqual([]);
  });
});
