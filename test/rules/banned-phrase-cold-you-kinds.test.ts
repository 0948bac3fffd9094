/**
 * banned_phrase B09–B15 on kinds of wording met in a further author's calls: the rude words said with a cold,
 * sarcastic 您 (which does not soften them), and regional words (Wuhan, Shanghainese, Cantonese, Sichuanese).
 * Each kind with several sentences of its own, not taken from any labelled set, and near misses of the same
 * shape that must not hit.
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '我那个申请到底办好了没有');

describe('banned_phrase B09–B15: a cold 您 and regional words', () => {
  it.each([
    ['"not here for you alone" beside a queue', '后面排队的这么多人，又不是只为你一个服务的'],
    ['"only you have business?" beside being busy', '我这儿忙得脚不沾地，就您一个人要办事啊？'],
    ['Shanghainese "not for your household alone"', '侬看看后头排队的，又不是光为侬一家门服务'],
    ['"only you have business?" with the phone ringing', '电话响个不停你没听见？就你一人要办事？'],
  ])('B09, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B09']);
  });

  it.each([
    ['polite, with the queue', '不好意思，今天排队的人多，又不是只为哪一位服务，请您稍等'],
    ['others reported it too', '这个问题不止您一个人反映过，我们正在忙着处理'],
    ['the agent alone at the desk', '今天就我一个人值班，忙不过来，您稍等一下'],
  ])('no B09: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['Sichuanese muddle-headed', '你这个人昏戳戳的，表都填反了'],
    ['Sichuanese muddle-headed, doubled', '一天到黑昏昏戳戳的，你自己看嘛'],
  ])('B10, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B10']);
  });

  it.each([
    ['"is your head broken", with a cold 您', '您这脑袋是不是进水了？'],
    ['"is your head broken", words between', '你脑子是不是有点问题啊'],
    ['"is your head broken", Shanghainese', '侬脑子坏掉了是伐'],
    ['"go to the asylum", with a cold 您', '您早该进疯人院了'],
    ['"go to the asylum", a city slang name', '侬应该去宛平南路600号看看'],
    ['"go to the asylum"', '你该去精神病院住几天了'],
  ])('B11, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B11']);
  });

  it.each([
    ["a relative's condition", '您家老人脑子有点问题的话，可以申请护理补贴'],
    ["a child's development", '您孩子脑子发育的问题，可以去残联咨询'],
    ['an assessment at the hospital', '残疾鉴定您应该去安定医院做'],
    ['a place named after the hospital', '您去六角亭那边的社区办就行'],
    ['the agent about himself', '不好意思，我脑子有点乱，您再说一遍'],
  ])('no B11: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['Cantonese 搵 the boss', '你唔满意就搵我哋主任去'],
    ['"find the boss and tell him", with a cold 您', '不服您找我们科长说去'],
  ])('B12, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B12']);
  });

  it.each([
    ['the agent goes to the boss himself', '我去找领导说去，回头给您回电话'],
    ['the agent at once', '好，我马上找科长去'],
    ['the complaint passed on in Cantonese', '你嘅意见我会报俾我哋主任，叫佢覆你电话'],
  ])('no B12: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['the verb twice, with a cold 您', '您爱投诉就投诉，随便'],
    ['要…就…', '要投诉就投诉，我不怕'],
    ['尽管', '你尽管投诉去'],
  ])('B13, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B13']);
  });

  it.each([
    ['the channel given', '投诉是您的权利，要投诉就投诉，电话是12345'],
    ['the complaint handled', '您的投诉我们已经受理了'],
  ])('no B13: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['capable, with a cold 您', '您这么能耐，就别来我们这儿办了'],
    ['capable, with a cold 您', '您有那本事就别找我们'],
    ['capable, Shanghainese', '侬本事大，不要到阿拉此地来'],
    ['"our little temple"', '你有这本事还来我们这小庙做什么'],
    ['do it yourself, not here', '自己搞定去，不要来我们这儿烦'],
    ['do it yourself, not here, Shanghainese', '侬自家去搞定，别来阿拉此地'],
  ])('B14, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B14']);
  });

  it.each([
    ['capable, another way offered', '您这么能干，自己网上办也行，不用跑了'],
    ['do it yourself online', '您自己在网上就能搞定，不用来我们这儿跑'],
    ['if the caller cannot', '要是自己搞定不了，就来我们这儿'],
    ['"going round in circles"', '别在我这儿绕了，您直接说要办什么'],
  ])('no B14: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    ['Cantonese 冇', '你到底有完冇完'],
    ['Sichuanese 没得个完', '问起来没得个完了嗦'],
    ['"give it a rest", with a cold 您', '您能不能消停会儿？'],
  ])('B15, %s: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B15']);
  });

  it.each([
    ['the system, not the caller', '等系统消停一会儿再提交'],
    ['a finished matter', '您的事情办完了，没别的了'],
  ])('no B15: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });
});
