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

/**
 * Kind: "不着急" with 着 misheard (不罩急, 不兆急) or "用不着" with 着 misheard (用不找) reads by sound as 不造, the
 * slang "don't know" (B01). 不造 before 急 or after 用 / 犯 / 睡 / 够 / 管 is 不着.
 */
describe('banned_phrase: 不着 misheard is no 不造', () => {
  it.each([
    '您慢慢说，不兆急，我在听。',
    '不召急的，材料明天补也行。',
    '这个用不找您跑一趟，网上就能办。',
    '睡不罩也别急，明天一早来就行。',
  ])('no B01: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual([]);
  });
  it.each(['这事我不造，别问了。', '不造啊，谁管这个。'])('B01 is still found: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toContain('B01');
  });
});

/**
 * Kind: 告 of 告诉 alone after ASR misheard 诉 (告树你, 告素你) or wrote 告 twice (告告诉你): a one-character
 * concept word (告, "sue") that starts a longer concept word heard by sound or across the doubling is the
 * first syllable of that word.
 */
describe('banned_phrase: 告 of a misheard 告诉 is no "sue"', () => {
  it.each(['我来告素你怎么填，第一栏写姓名。', '窗口的同事会告告诉你流程，您放心。', '到了窗口人家会告树你在哪排队。'])(
    'no B13: %s',
    (line) => {
      expect(bannedIdsOfAgentLine(line)).toEqual([]);
    },
  );
  it.each(['不满意你就去告，我不怕。', '你告去吧，随便。'])('B13 is still found: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual(['B13']);
  });
});

/**
 * Kind: ASR wrote the last character of a word twice and made a reduplicated concept word (说明明: 明明,
 * "plainly", with 说明 and 写 a B04 / B05 frame). 明明 is dropped where the text with one 明 has it inside a
 * longer word.
 */
describe('banned_phrase: a doubled last character making 明明', () => {
  it.each(['超期了也能办，就是要多写个说明明。', '您在申请表后面附个说明明就行，别的不用。'])('no B04/B05: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual([]);
  });
  it.each(['上面明明写着，你不会看吗？', '告知单上明明都写了，自己看。'])('a real 明明 still hits: %s', (line) => {
    expect(bannedIdsOfAgentLine(line).some((id) => id === 'B04' || id === 'B05')).toBe(true);
  });
});

/**
 * Kind: "不用重填" (no need to redo it) with 用 misheard (不咏重填, 不臃重写) or 不 dropped (都用重新填): the redo
 * word is still there by sound, so 用重填 / 用重新写 cancel B03 like 不用.
 */
describe('banned_phrase: a misheard 不用 before the redo word', () => {
  it.each(['名字少写一个字，不咏重填，补上签个字就行。', '这一栏不臃重写，划掉旁边写上就可以。', '别的都用重新填，只改第三栏。'])(
    'no B03: %s',
    (line) => {
      expect(bannedIdsOfAgentLine(line)).toEqual([]);
    },
  );
  it.each(['不行，重填。', '错了，重新填一张。'])('B03 is still found: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toEqual(['B03']);
  });
});

/**
 * Kind: 您 in a sound match standing for another character (nin / lin: 您不清 for 拎不清) — 您看不清 with 看
 * dropped, 您不清楚 with a doubled syllable or 楚 misheard. 您 in the text stands only for itself.
 */
describe('banned_phrase: 您 is never a sound-alike', () => {
  it.each(['如果您您不清楚，我一步一步教您。', '门口有指示牌，您不清也没关系，我给您说。', '大爷您不不顷楚的话，我再讲一遍。'])(
    'no B10: %s',
    (line) => {
      expect(bannedIdsOfAgentLine(line)).toEqual([]);
    },
  );
  it.each(['你这人真是拎不清。', '你怎么拧不清啊，说了多少遍。'])('B10 is still found: %s', (line) => {
    expect(bannedIdsOfAgentLine(line)).toContain('B10');
  });
});
