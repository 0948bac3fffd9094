/**
 * banned_phrase on kinds of wording of Xiang, Gan and southwestern agents, often through ASR with southern
 * slips: the regional function words 冇 / 咯 / 哒 / 么子 inside banned wordings, f said as hu- (电发 for 电话),
 * "how would I know" with 咋个 and "who can say", "you'll find out when the time comes", "I don't get it
 * either, try it yourself", a 处 / 所 / 队 head as the boss, the dare said with 就去 or "even complain about
 * me", the manner defended (我说话就是直), southern 莫 + don't come to us, "if you think elsewhere is better",
 * 讲过一道 (道 for 遍), "the same words" said again, Wuhan 苕, "you must have gone mad", 瞄 at a board 贴起的,
 * "listed for you", 清清白白, 关机子 / 搞不成, 忙不赢 and "you think you are the only one", "how much longer
 * will you talk", the labour inspectorate as an office. Sentences of their own, not from any labelled set,
 * and near misses of the same shape that must not hit.
 */
import { describe, expect, it } from 'vitest';
import { canonicalSyllable } from '../../text/normalize.js';
import { regionalForms } from '../../rules/meaning.js';
import { bannedIdsOfAgentLine } from './helpers.js';

const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那我这个事到底要怎么弄');

describe('sound folds and regional function words', () => {
  it('folds f before a vowel other than u into hu-', () => {
    expect(canonicalSyllable('fa')).toBe(canonicalSyllable('hua'));
    expect(canonicalSyllable('fei')).toBe(canonicalSyllable('hui'));
    expect(canonicalSyllable('fang')).toBe(canonicalSyllable('huan'));
    expect(canonicalSyllable('feng')).toBe(canonicalSyllable('hun'));
    expect(canonicalSyllable('fu')).toBe(canonicalSyllable('hu'));
    expect(canonicalSyllable('fa')).not.toBe(canonicalSyllable('ha'));
  });
  it('gives concept words their regional function words', () => {
    expect(regionalForms('还没搞懂')).toEqual(['还没搞懂', '还冇搞懂']);
    expect(regionalForms('几点了')).toEqual(['几点了', '几点哒']);
    expect(regionalForms('问到什么时候')).toEqual(['问到什么时候', '问到么子时候', '问到啥子时候', '问到甚时候']);
    expect(regionalForms('这样没了')).toEqual([
      '这样没了',
      '这样冇了',
      '咯样没了',
      '咯样冇了',
      '这样没哒',
      '这样冇哒',
      '咯样没哒',
      '咯样冇哒',
    ]);
    expect(regionalForms('领导')).toEqual(['领导']);
  });
});

describe('banned_phrase: kinds of Xiang, Gan and southwestern agents', () => {
  it.each([
    ['B01', '咋个 how would I know', '房租补贴咋个算我咋个晓得嘛。'],
    ['B01', 'who can say', '审批要多久，谁说得准嘛。'],
    ['B01', "you'll find out when the time comes", '批不批得下来我也讲不好，到时候你就知道了。'],
    ['B01', "don't get it either, try it yourself", '这个系统我也搞不懂，你自己去试。'],
    ['B02', 'the labour inspectorate as the office', '工伤认定不归我们，你去找劳动仲裁。'],
    ['B08', '道 for 遍', '我都跟你讲过两道了，你咋个还在问。'],
    ['B08', 'the same words again, 冇 for 没', '一样的话我说了三遍，你还冇听进去。'],
    ['B08', 'the same words again, 冒 slip of 冇', '同一句话讲好几遍哒，你还冒搞懂。'],
    ['B09', '忙不赢 and still dragging it out', '我这边忙都忙不赢，你还在咯里磨。'],
    ['B09', 'calls one after another, the only one', '电发一个接一个，你以为就你一个人啊。'],
    ['B10', 'Wuhan 苕', '你真是个苕，户口本都不带。'],
    ['B11', 'you must have gone mad', '你是不是疯掉了，身份证借给人家贷款。'],
    ['B12', 'the head of a 处 or 队', '有意见去找我们队长，我管不着。'],
    ['B13', 'the dare with 就去', '你想告就去告，我不怕。'],
    ['B13', 'even complain about me', '你打热线投诉我也可以，随便。'],
    ['B13', 'the manner defended, 举报', '我说话就是直，你去举报嘛。'],
    ['B14', 'think elsewhere is better, 莫到', '你觉得别的地方好，就莫到我们这里来。'],
    ['B14', 'do it online yourself, not to us', '你懂得多，自己在网上办，莫来找我们。'],
    ['B04', '瞄 at a board 贴起的', '门口公示栏贴起的，你自己去瞄一下。'],
    ['B05', 'listed for you', '手机短信里不是都列给你了？'],
    ['B05', 'written 清清白白', '告知书上写得清清白白，你冇看啊？'],
    ['B06', 'the machine switched off, come tomorrow', '电脑都关机子了，今天搞不成，你明天再来。'],
    ['B06', '哒 for 了, come tomorrow', '都几点哒，明天再来。'],
    ['B15', 'how much longer will you talk', '你还要讲好久，有完没完。'],
    ['B15', '么子 for 什么', '你这个事要问到么子时候？'],
  ])('%s: %s (%s)', (id, _kind, line) => {
    expect(idsOf(line)).toContain(id);
  });

  it.each([
    ['a real answer about when', '到时候我们会短信通知您，您就知道了。'],
    ['not knowing, with a follow-up', '这个我咋个晓得，我问一下科室再给你回电话。'],
    ['the labour inspectorate as a referral to complain', '你去劳动监察大队投诉，地址在人民路。'],
    ['a step done on a hotline', '你先打12333挂失，再带身份证来补。'],
    ['the caller lent a card to others', '你这卡借给别人用了是吧，那要本人来。'],
    ['the same words, patiently', '同样的话我换个说法，您看这样好懂些。'],
    ['是否有问题 said of a form', '你这个表有问题，跟你讲了要签字的地方。'],
    ['苕 as a sweet potato', '我们村里种的红苕今年收成好。'],
    ['mad said of a machine', '这个系统怕是疯掉了，一直跳。'],
    ['a board pointed to politely', '您可以到门口公示栏瞄一下，我也跟你说下，在二楼。'],
    ['a polite come tomorrow', '不好意思，系统已经关机子了，麻烦您明天再来。'],
    ['busy said with an apology', '不好意思，我这边电话一个接一个，让您久等了。'],
    ['a complaint channel given', '您要是不满意，可以举报，监督电话是12345。'],
    ['manner explained and apologised', '我说话比较直，对不起啊，我再给您讲一遍。'],
    ['no need to come, another way', '你觉得跑一趟不方便，就莫到这边来，网上办也可以。'],
    ['the caller saying he is muddled', '没关系，我再换个说法给你讲。'],
  ])('no banned phrase: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });
});
