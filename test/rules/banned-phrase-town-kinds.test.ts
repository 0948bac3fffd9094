/**
 * banned_phrase on kinds of wording of blunt town and county agents: a new form fetched to write again, the
 * form's own instructions or a document thrown back rhetorically, a notice nobody went to read, a board that
 * "has it all", southern "speak fast" before closing, "you think I am idle?", southern 冇看到, regional
 * muddle-headed words, a complaint sent "up", "how long will you go on talking". Each kind with sentences of
 * its own, not taken from any labelled set, and near misses of the same shape that must not hit (polite forms,
 * the caller saying it, help offered).
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那我这个表到底要怎么弄');

describe('banned_phrase: kinds of blunt town and county agents', () => {
  it.each([
    ['B03', 'a rejection, then fetch a new form', '涂了的不要，作废，你再拿一张从头写。'],
    ['B03', 'a rejection, then fetch a new form', '这份不合格，重新领一张来填。'],
    ['B03', 'Hakka/Cantonese 写过', '签错了，不行，你从头写过。'],
    ['B04', 'the board has it all, look yourself', '大门右边有块展板，上面全有，你自个儿看嘛。'],
    ['B04', 'look against the sign', '收费都在门口那个牌子上，你来了照着看。'],
    ['B04', 'look against the sign', '墙上贴着呢，你对着瞅就是了。'],
    ['B05', "the form's own instructions thrown back", '表格背面不是有填表须知吗？'],
    ['B05', 'a document "says it in it", 讲 misheard', '告知单上面不是奖了么，带原件。'],
    ['B05', 'the slip shows it, take it out and look', '表上不就有你的编号？翻出来看看嘛。'],
    ['B05', 'posted long ago, nobody went to read', '公示名单贴出来半个月了，你们组都没去看？'],
    ['B07', 'southern speak fast before closing', '快啲讲啦，要收工了。'],
    ['B07', 'closing announced as imminent, hurry', '系统马上就要关了，你抓紧说。'],
    ['B09', 'you think I am idle', '你以为我闲着呢？后面一排人。'],
    ['B09', 'no time, with a filler', '我哪有那个闲工夫一样一样给你查。'],
    ['B09', 'southern 冇看到 + busy', '你冇看见我这边在接电话啊？'],
    ['B10', 'Central Plains 迷瞪', '你这人咋恁迷瞪，要本人来。'],
    ['B10', 'Cantonese 懵查查', '你成日懵查查，唔记得带证件。'],
    ['B10', 'a brain like paste', '你脑子像浆糊一样，两样东西都分不清。'],
    ['B12', 'a complaint sent up', '有意见你往上面反映去，我这里就这样。'],
    ['B12', 'a complaint sent up', '不满意你上面去投诉。'],
    ['B14', 'the dare said as a condition', '你要是有本事，就别上我们这儿来办。'],
    ['B14', 'the dare said as a condition', '你要是这么能干，自己去办就是了，别来找我们。'],
    ['B15', 'how long will you go on talking', '你到底要讲到什么时候？'],
    ['B15', 'talked for ages and not done', '说了半天还没说完，你到底要办什么？'],
  ])('%s, %s: %s', (id, _kind, line) => {
    expect(idsOf(line)).toEqual([id]);
  });

  it.each([
    ['a form replaced politely', '填错了没关系，我再给您寄一张，您从头写就行。'],
    ['a form replaced with an apology', '不好意思，这张不能用，麻烦再领一张。'],
    ['the instructions read out', '表格背面有填写说明，我给您念一下。'],
    ['a document pointed to politely', '通知里面讲了要带户口本，您带上就行。'],
    ['the slip pointed to politely', '回执上有日期，您拿出来看一下。'],
    ['a notice mentioned politely', '名单贴出来了，您有空去看一下。'],
    ['the board read out', '牌子上都有，我给您念一下。'],
    ['hours stated calmly', '我们五点下班，您不着急，慢慢讲。'],
    ['busy stated with an apology', '不好意思，我这边人多，您稍等一下。'],
    ['reassurance about confusion', '没关系，很多人都迷瞪，我再给您说一遍。'],
    ['a complaint channel offered', '您要是有意见，可以往上面反映，电话是12345。'],
    ['the agent lets the caller finish', '你慢慢说，说完我再讲。'],
    ['a real condition with another way', '你要是有本事在网上办，就不用来跑了，网上就能办。'],
  ])('no hit: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('a complaint sent to a boss with 你去问 is B12 only', () => {
    expect(idsOf('有意见你去问我们科长。')).toEqual(['B12']);
  });

  it.each([
    ['迷瞪', '俺老了，脑子迷瞪，你多担待。'],
    ['你当我闲着', '你们当我闲着啊，一趟一趟跑。'],
    ['讲到什么时候', '你们到底要拖到什么时候？'],
  ])('no hit when the caller says it (%s)', (_kind, callerLine) => {
    expect(bannedIdsOfAgentLine('好的，我帮您查一下。', callerLine)).toEqual([]);
  });

  it.each([
    ['B08 gives way to B15', '同一个问题翻来覆去，你要问几遍？', ['B15']],
    ['B13 gives way to B12', '有意见你上面去反映，反正我这就这样。', ['B12']],
    ['B04 gives way to B05', '表格背面不是有填写说明吗？', ['B05']],
    ['B15 gives way to B09', '我忙得要命，你还一直问，我哪有那个工夫。', ['B09']],
  ])('one reading where two ids are close: %s', (_kind, line, ids) => {
    expect(idsOf(line)).toEqual(ids);
  });
});
