/**
 * banned_phrase under simulated ASR errors: kinds of failure of the meaning layer's concept matching found by
 * scoring the tune sets with noise (rules/asr-noise.ts), each with sentences of its own and near misses that
 * must stay clean.
 */
import { describe, expect, it } from 'vitest';
import { undoubledText } from '../../rules/meaning.js';
import { bannedIdsOfAgentLine } from './helpers.js';

describe('undoubledText', () => {
  it('leaves out a Han character that repeats the one before it and maps each kept one back', () => {
    expect(undoubledText('我咋知知道，好')).toEqual({ norm: '我咋知道，好', at: [0, 1, 2, 4, 5, 6, 7] });
  });
  it('is null when no character repeats, and keeps two characters of one sound that differ', () => {
    expect(undoubledText('就是事情')).toBeNull();
  });
});

/**
 * Kind: ASR wrote one syllable of a concept word twice (开发发商, 咋知知道, 脑壳壳有包), so the word as written
 * and its sound key no longer match; the concept is also looked for in the text without the repeats.
 */
describe('banned_phrase: a doubled character inside a concept word', () => {
  it.each([
    ['B02', '那你问开发发商去，房子不归我们管。'],
    ['B01', '这个我咋知知道，又不是我批的。'],
    ['B11', '你脑壳壳有包哦，天天打过来。'],
    ['B10', '你这人一根根筋，说了不办就是不办。'],
  ])('%s is still found: %s', (id, line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual([id]);
  });
  it.each(['您慢慢说，我帮您看看是哪个部门的。', '刚刚同事问问我，我已经帮你登记了。'])(
    'real reduplications in a compliant line add nothing: %s',
    (line) => {
      expect(bannedIdsOfAgentLine(line)).toEqual([]);
    },
  );
});

/**
 * Kind: a concept word made only of function characters (不都, 不是, 的吗) with one of them misheard (不斗, 不抖)
 * was never found by sound, since a sound match had to keep a character of the word that is no function
 * character. Such a word now keeps any of its own characters, provided the match cuts no word of the text.
 */
describe('banned_phrase: a misheard concept word of function characters only', () => {
  it.each([
    ['B05', '回执上不斗印着吗？'],
    ['B05', '通知上不抖写着呢。'],
  ])('%s is still found: %s', (id, line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual([id]);
  });
  it.each(['材料全部都列着，带齐了就能办。', '这几样全部都写着，带齐了就能办。'])(
    'the same sound inside another word (全部都) is no rhetorical 不都: %s',
    (line) => {
      expect(bannedIdsOfAgentLine(line)).toEqual([]);
    },
  );
});
