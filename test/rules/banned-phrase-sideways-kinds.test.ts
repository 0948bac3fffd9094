/**
 * banned_phrase on kinds of wording of passive-aggressive northern agents, who say a banned meaning sideways:
 * through sayings and idioms (only heaven knows, every wrong has its doer, a brain that will not turn the
 * millstone, lips worn out), mock politeness (a 您 in a line that is rude all the same), irony (the text
 * "put there for looks") and questions thrown back ("you think I sit here idle?"). Each kind with sentences
 * of its own, not taken from any labelled set, and near misses of the same words used harmlessly: polite
 * forms, help offered, the agent speaking of itself or of a third person, the caller saying it.
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那我这个事到底咋整啊');

describe('banned_phrase: kinds of passive-aggressive northern agents', () => {
  it.each([
    ['B01', 'only heaven knows', '这事儿啊，老天爷才知道。'],
    ['B01', 'only heaven knows', '啥时候批下来，神仙才知道。'],
    ['B01', 'I would ask whom, with 您', '您问我，我问谁去？'],
    ['B01', 'asking me is asking in vain', '您问我也白问，我这儿没信儿。'],
    ['B02', 'not ours, with an office named', '您别问我，上车管所问去。'],
    ['B02', 'telling me is no use, go to the company', '燃气不通您跟我说没用，找燃气公司去。'],
    ['B02', 'every wrong has its doer', '冤有头债有主，谁办的您找谁去。'],
    ['B03', 'scrapped, start over', '您这张废了，从头再来吧。'],
    ['B04', 'look yourself and that is it', '大厅墙上有流程图，您自己看就完了。'],
    ['B04', 'written plainly, look against it', '材料一样一样写得明明白白，您自己对着看。'],
    ['B05', 'the text put there for looks', '单子上那几个字是摆着好看的？'],
    ['B06', 'closing now, call tomorrow', '到点儿了，您明儿再打吧。'],
    ['B06', 'not today any more, come tomorrow', '今儿不行了，明天再来。'],
    ['B07', 'blunt hurry before closing, with 您', '您麻溜点，我们这就下班了。'],
    ['B07', 'blunt hurry before closing', '快着点说，马上到点了。'],
    ['B08', 'lips worn out telling you', '我嘴皮子都磨破了，您还问。'],
    ['B08', 'it went in one ear', '合着您是一句没听进去啊。'],
    ['B08', 'told you once, still asking', '不是跟您说过了吗，咋还问？'],
    ['B09', "didn't you hear the phones, with 您", '您没听见我这电话一个接一个的吗？'],
    ['B09', 'you think I sit here idle, with 您', '您当我搁这儿闲着呢？'],
    ['B09', 'swamped, and the caller asks again', '我这儿电话都打爆了，您还一遍遍问。'],
    ['B10', 'a brain that will not turn the millstone', '您这咋就转不过磨来呢？'],
    ['B10', 'a head like paste', '你这人跟浆糊似的，两件事分不清。'],
    ['B11', 'a fit, with 您', '您这是抽风了吧？'],
    ['B11', 'the pills skipped', '你今天是不是药没吃？'],
    ['B11', 'should book the psychiatric ward', '您该去精神科看看了。'],
    ['B12', 'displeased, go to the section head', '不乐意您找我们处长去。'],
    ['B12', 'displeased, send it up', '您要不满意，往上反映去。'],
    ['B13', 'report as you like, I talk the same', '随便举报，我还是这么说话。'],
    ['B14', 'mind us, then do not come', '嫌我们这儿规矩多，您别来我们这儿啊。'],
    ['B14', 'so able, do it yourself', '您这么能耐，自个儿办去呗，找我们干啥。'],
    ['B15', 'a cart-wheel of words', '您这车轱辘话说了一上午了。'],
    ['B15', 'will it ever end', '您还有头没有？'],
    ['B15', 'endless, with 您', '您这没完没了的，我这还干不干活了。'],
  ])('%s, %s: %s', (id, _kind, line) => {
    expect(idsOf(line)).toEqual([id]);
  });

  it.each([
    ['heaven said harmlessly', '谢天谢地，您这个材料齐了。'],
    ['not sure, with a call-back', '这个我现在确实不清楚，我问一下科长再给您回电话。'],
    ['the caller does not know, help offered', '如果您不清楚怎么弄，我一步一步教您。'],
    ['a saying with help', '冤有头债有主，这事得开发商负责，我帮您登记上。'],
    ['a referral with a number', '这个归燃气公司管，您可以打他们电话，号码是96777。'],
    ['a form fixed politely', '不好意思，这张不能用了，麻烦您再填一张，我帮您看着填。'],
    ['the board read out', '墙上有流程图，我给您念一下。'],
    ['a slip read out', '回执单上写的是十五个工作日，您放心。'],
    ['hours stated with a booking', '我们五点下班，我给您登记上，您明天上午来直接办。'],
    ['calm before closing', '您别着急，慢慢说，下班前我肯定给您办完。'],
    ['the agent takes no offence', '没事儿，我没往心里去，您接着说。'],
    ['the agent offers to repeat', '可能是我刚才没说清楚，我再给您说一遍。'],
    ['busy with an apology', '不好意思，我这边电话一个接一个，我记下来给您回过去。'],
    ['the agent of itself', '我这脑子也转不过磨来了，您稍等我查一下。'],
    ['a machine that has a fit', '系统又抽风了，您稍等一下。'],
    ['a relative who took no pills', '老人药没吃完的话，可以找社区医生。'],
    ['a complaint channel with help', '您要是不满意，我帮您转给我们处长，他会给您回电话。'],
    ['the right to complain', '您有权投诉，投诉电话是12345。'],
    ['another way offered', '您嫌跑着麻烦的话，不用来，网上就能办。'],
    ['no hurry', '您问几遍都行，不着急。'],
  ])('no hit: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['老天爷才知道', '这破事老天爷才知道咋整。'],
    ['没完没了', '你们这没完没了地让我跑，有完没完。'],
    ['药没吃', '我是不是药没吃，咋记不住。'],
    ['嫌…别来', '嫌我烦，那我以后别来你们这儿了。'],
  ])('no hit when the caller says it (%s)', (_kind, callerLine) => {
    expect(bannedIdsOfAgentLine('好的，我帮您查一下。', callerLine)).toEqual([]);
  });

  it('the consent question beside "wait then" is no "I have other things to do" (B09)', () => {
    expect(idsOf('那就等着。还有别的事吗？')).toEqual([]);
  });

  it('磨叽 while swamped is the busy brush-off (B09), not B15', () => {
    expect(idsOf('我这儿忙得脚打后脑勺，你还在这磨叽。')).toEqual(['B09']);
  });
});
