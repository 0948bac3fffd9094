/**
 * banned_phrase B09–B15 on kinds of wording met in calls by other authors (meaning@4): each kind with several
 * sentences of its own, not taken from any labelled set, and near misses of the same shape that must not hit.
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '我那个申请到底办好了没有');

describe('banned_phrase B09–B15: kinds of wording (meaning@4)', () => {
  it.each([
    ['busy in other words, and the caller pestering', '我这边忙得晕头转向的，你还一个劲儿催'],
    ['busy in other words, and the caller pestering', '手头一堆活压着呢，莫来烦我'],
    ['busy, no time to attend', '我哪有闲工夫陪你聊这个'],
    ['cannot you tell I am busy', '你看不出来我这儿忙着吗'],
    ['busy in other words, and the caller pestering', '我这会儿手都腾不出来，你等会儿再讲'],
    ['Cantonese busy', '我而家唔得闲'],
    ['busy as a heap of work, and the caller pestering', '我这一大堆事等着处理，你别催了'],
  ])('B09, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B09']);
  });

  it.each([
    ['muddle-headed without the Wu word', '你这人就是一根筋，说不通'],
    ['muddle-headed without the Wu word', '哎呀你真是老糊涂了'],
    ['southwestern muddle-headed', '你脑壳昏起了哦'],
    ['calling the caller confused', '你是不是糊涂了，上个月刚领过'],
    ['stubborn or slow in other words', '你这个人真是死心眼'],
    ['Wu: get your head clear', '侬脑子拎拎清好伐'],
  ])('B10, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B10']);
  });

  it.each([
    ['lunatic in regional or slang words', '你是不是吃错药了，跟我嚷嚷'],
    ['lunatic in regional or slang words', '发啥子神经嘛'],
    ['lunatic in regional or slang words', '你脑壳有包吧'],
    ['lunatic in regional or slang words', '你这脑子是被驴踢过吧'],
    ['the door-squeezed head, its particle misheard', '你脑子是被门夹把'],
    ['"you are ill" to stop the caller', '脑子有问题就去看看，别往这儿打'],
    ['"you are ill" to stop the caller', '有病就去医院，别在这儿闹'],
  ])('B11, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B11']);
  });

  it.each([
    ['the higher-ups in other words', '你找我们上头说去'],
    ['boss and "shouting at me is no use"', '跟我说也没用，领导在二楼'],
    ['boss, then "whatever"', '不服气就找局长去，随便你'],
  ])('B12, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B12']);
  });

  it.each([
    ['my temper is like this, go and report it', '我就这脾气，你去反映好了'],
    ['complain, nothing will change', '投诉去吧，投诉了也一样'],
  ])('B13, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B13']);
  });

  it.each([
    ['sarcastic "you know so much", go elsewhere', '你这么懂，去别家办嘛'],
    ['sarcastic "you know so much", why call us', '你那么厉害还打电话来干啥'],
    ['if you look down on us, do not come', '瞧不上我们这儿就甭来'],
    ['"too much trouble" then do not come (麻烦 is no polite marker there)', '嫌麻烦就别来办了'],
  ])('B14, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B14']);
  });

  it.each([
    ['how long will you go on', '你还要说多久啊'],
    ['how long will you go on', '你这么烦人，问个不停'],
    ['how long will you go on', '你要纠缠我到几点'],
  ])('B15, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B15']);
  });

  it.each([
    '不好意思，这会儿有点忙，我过二十分钟给您回过去。',
    '你催的那个件我已经问了，后天出结果。',
    '这两个政策确实容易弄糊涂，我给你再捋一遍。',
    '我一时糊涂把日期写错了，马上改过来。',
    '家里老人精神有问题的话可以办残疾证。',
    '有病的话先去医院看，发票都留好。',
    '系统抽风了，您稍等一下。',
    '这个我做不了主，我向领导请示一下再回复你。',
    '这是上头定的规定，我们也没办法。',
    '投诉是你的权利，监督电话是12345。',
    '你反映的情况我们登记了，三天内回复。',
    '你这么懂政策，那填表就快了。',
    '够了，这些材料就够了。',
    '好了好了，已经办完了，你放心。',
  ])('a near miss of the same shape hits nothing: %s', (line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['a fault of a thing, not of the caller (B11)', '网络有毛病，你过十分钟再提交。'],
    ["the caller's complaint being handled (B13)", '你投诉的那件事已经受理了，五个工作日内答复。'],
    ['"no need to come" with another way offered (B14)', '你腿脚不方便就别来了，我们邮寄过去。'],
    ['"stop calling, we will let you know" (B15)', '你别再打了哈，审批一有结果就短信通知你。'],
    ["the boss takes the caller's point seriously (B12)", '领导很重视你提的这个意见。'],
    ['an ASR slip giving 蠢 inside another word (储存 heard as 储蠢), no B11', '材料先储蠢在系统里，你明天来拿。'],
    ['southwestern 啥子 sounds like 傻子, no B11', '你还要办啥子，我给你列个单子。'],
    ['a price of 二百五十, no B11', '工本费一共二百五十块，现场交。'],
  ])('%s hits nothing: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    '单位培训过，不能对群众说“你有完没完”。',
    '“神经病”这种是禁用语，我们绝对不会讲。',
    '规范里写着，有意见找领导去这种话不能讲。',
    '刚才那位先生骂我拎不清，我没跟他吵。',
    '同事说了句“我就这个态度”，我替他跟您赔不是。',
  ])('the agent quoting the norm or reporting words said to them is no B09–B15: %s', (line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('a retort that merely goes on talking is still found: 你有完没完，我不能一直陪你耗着讲', () => {
    expect(idsOf('你有完没完，我不能一直陪你耗着讲')).toEqual(['B15']);
  });
});
