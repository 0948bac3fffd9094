/**
 * consent_before_hangup on kinds of closing found in a second author's calls (ruleset service-norms@5): each
 * kind is tested with sentences of its own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { consentOf } from './helpers.js';

const opening: ['agent' | 'customer', string][] = [
  ['agent', '您好，市政务服务中心，请讲。'],
  ['customer', '我想问下公积金提取要带什么'],
  ['agent', '带身份证和银行卡，线上也能办。'],
];

describe('consent_before_hangup: kinds of closing (service-norms@5)', () => {
  it.each([
    ['谢了', '行，晓得了，谢了哈。'],
    ['多谢', '好嘞，多谢多谢。'],
    ['唔该 (Cantonese)', '知道啦，唔该。'],
    ['麻烦了 without 您', '好的好的，麻烦了。'],
  ])('passes when the caller thanks as the last word in a colloquial form (%s)', (_kind, thanks) => {
    expect(consentOf([...opening, ['customer', thanks], ['agent', '不客气，再见。']]).status).toBe('pass');
  });

  it.each([
    ['好伐', '那我先挂了哈，好伐？'],
    ['行不', '我这边先挂了，行不？'],
    ['ASR slip on 挂', '那我先瓜了，可以吗？'],
  ])('passes when the agent asks leave with a regional tag or a misheard verb and the caller answers (%s)', (_kind, ask) => {
    expect(consentOf([...opening, ['agent', ask], ['customer', '嗯嗯，行。'], ['agent', '好，再见。']]).status).toBe('pass');
  });

  it('fails when the agent asks and hangs up in one breath, even after the caller said they would go', () => {
    const r = consentOf([...opening, ['customer', '那我先去银行问问看'], ['agent', '好。还有别的吗？没有就挂了啊。']]);
    expect(r.status).toBe('fail');
    expect(r.findings[0]?.text).toContain('挂了');
  });

  it('fails 先这样 after the caller only said they would think again (再想想 is no 再见)', () => {
    const r = consentOf([...opening, ['customer', '哦，那我回去再想想吧'], ['agent', '行，那先这样。']]);
    expect(r.status).toBe('fail');
  });

  it('still passes when the caller really says goodbye by sound (在见)', () => {
    expect(consentOf([...opening, ['customer', '好的，在见。'], ['agent', '再见。']]).status).toBe('pass');
  });
});

describe('consent_before_hangup: an answer that says there is more is no consent (service-norms@7)', () => {
  const asked: ['agent' | 'customer', string][] = [...opening, ['agent', '您还有别的事吗？']];

  it.each([
    ['还有', '还有一个，就是那个异地提取……'],
    ['有 + 个', '有个事儿，我还想问下贷款的。'],
    ['等一下', '等一下，我再问个别的。'],
    ['我还想', '我还想问一下退休提取。'],
    ['filler + 另外', '嗯，另外那个租房的能不能提？'],
  ])('fails when the agent then ends the call himself (%s)', (_kind, more) => {
    const result = consentOf([...asked, ['customer', more], ['agent', '好，就这样吧，我先挂了。']]);
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.note).toBe('坐席未征得来电人同意就结束通话');
  });

  it.each([
    ['没有了', '没有了，谢谢。'],
    ['没有 (starts with 没)', '没有，就这些。'],
    ['有 in a thanks', '好的，有劳了，谢谢。'],
  ])('passes when the answer closes (%s), then the agent ends', (_kind, close) => {
    expect(consentOf([...asked, ['customer', close], ['agent', '好，就这样，再见。']]).status).toBe('pass');
  });

  it('passes when the agent serves the new question and asks again before ending', () => {
    const result = consentOf([
      ...asked,
      ['customer', '还有一个，租房能提吗？'],
      ['agent', '可以，每月提一次。您看还有别的问题吗？'],
      ['customer', '没了没了。'],
      ['agent', '好的，就这样，再见。'],
    ]);
    expect(result.status).toBe('pass');
  });
});

describe("consent_before_hangup: the caller's line dropped (service-norms@7)", () => {
  const cut: ['agent' | 'customer', string] = ['customer', '那如果我是异地的话，那个——'];

  it.each([
    ['a form of address', ['喂？阿姨？信号不太好。']],
    ['a remark on the line', ['喂？您那边还在吗？', '好像断了。']],
    ['no sound', ['喂？喂？听得见吗？没声音了。']],
    ['an announced end after the check', ['喂，您好，能听到吗？', '听不到的话我先挂了，您可以再打过来。']],
    ['那我先挂了 after the check', ['喂？喂？', '那我先挂了。']],
  ])('is na when the agent first only checks the line (%s)', (_kind, checks) => {
    const turns: ['agent' | 'customer', string][] = [...opening, cut, ...checks.map((t): ['agent', string] => ['agent', t])];
    expect(consentOf(turns).status).toBe('na');
  });

  it('still fails when the agent ends without checking the line first', () => {
    expect(consentOf([...opening, cut, ['agent', '那我先挂了。']]).status).toBe('fail');
  });

  it('still fails when the agent answers and ends on his own, a 喂 inside the answer', () => {
    expect(consentOf([...opening, ['customer', '那异地的呢？'], ['agent', '喂，异地的也行，就这样吧。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: southwestern and Wuhan asks and answers, Wu 再会', () => {
  it.each([
    ['还有没得 A-not-A', '那您还有没得别的要办的？', '没得了，谢谢哈。'],
    ['还有没得 at the end', '还有没得？', '没得了。'],
    ['还有冇得 (Wuhan)', '您还有冇得其他的事？', '冇得了。'],
    ['还有么事 (Wuhan 么事 = 什么事)', '还有么事冇？', '冇有了。'],
  ])('passes when the agent asks and the caller answers (%s)', (_kind, ask, answer) => {
    expect(consentOf([...opening, ['agent', ask], ['customer', answer], ['agent', '好，拜拜。']]).status).toBe('pass');
  });

  it.each([
    ['没得了 without an ask', '好，晓得了，没得了。'],
    ['冇得了 without an ask', '哦，冇得了冇得了。'],
    ['再会 (Wu)', '好额，谢谢侬，再会。'],
    ['再会 alone', '再会。'],
  ])('passes when the caller closes (%s)', (_kind, close) => {
    expect(consentOf([...opening, ['customer', close], ['agent', '好，再见。']]).status).toBe('pass');
  });

  it.each([
    ['没得 as a verb', '我没得那个证，咋办嘛？'],
    ['再会 inside a word', '那我再会同社区一起去。'],
  ])('still fails when the agent ends on his own after a caller who does not close (%s)', (_kind, line) => {
    expect(consentOf([...opening, ['customer', line], ['agent', '先这样。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: the caller gives up or leaves in anger', () => {
  it.each([
    ['不问了', '你这么横，我不问了。'],
    ['不跟你说了', '行行行，我不跟你讲了。'],
    ['goes to do it alone', '得了，我自己去查吧。'],
    ['自己等', '算了算了，我自己等。'],
    ['the rest for another call', '行，剩下的下回再说吧。'],
  ])('passes when the caller gives up as the last words, even with the agent only saying 嗯 (%s)', (_kind, close) => {
    expect(consentOf([...opening, ['customer', close], ['agent', '嗯。']]).status).toBe('pass');
  });

  it.each([
    ['a threat', '好，你等着！'],
    ['a complaint', '行，我投诉你。'],
    ['going to the boss', '好，我找去！'],
    ["a retort on the agent's attitude", '你这人怎么这样？你什么态度！'],
  ])('passes when the caller leaves in anger and the agent says nothing after (%s)', (_kind, leave) => {
    expect(consentOf([...opening, ['customer', leave]]).status).toBe('pass');
  });

  it.each([
    ['a threat, then 行了', '你等着', '行了。'],
    ['a complaint, then 随便', '我投诉你！', '随便，就这样。'],
  ])('fails when the agent still speaks after the angry words and ends himself (%s)', (_kind, leave, end) => {
    expect(consentOf([...opening, ['customer', leave], ['agent', end]]).status).toBe('fail');
  });

  it.each([
    ['giving up mid-utterance', '我自己去查吧，那个地址是哪里？'],
    ['a retort, then a question', '你什么态度，我问个事都不行？'],
    ['不问了 as part of a question', '那我是不是就不用再问了？'],
  ])('still fails when the agent ends on his own after words that do not leave (%s)', (_kind, line) => {
    expect(consentOf([...opening, ['customer', line], ['agent', '就这样吧。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: the last answer to the ask does not close', () => {
  it.each([
    ['还有一个, cut short', '还有一个，就是我那个'],
    ['等一下', '等一下，我再问个'],
  ])('fails when the answer says there is more and the agent ends with a goodbye (%s)', (_kind, more) => {
    expect(consentOf([...opening, ['agent', '还有别的事吗？'], ['customer', more], ['agent', '那下回再说，拜拜。']]).status).toBe('fail');
  });

  it('passes when the answer starts with more but leaves it for another call', () => {
    const turns: ['agent' | 'customer', string][] = [
      ...opening,
      ['agent', '还有别的事吗？'],
      ['customer', '还有一个……算了，下次再问吧，谢。'],
      ['agent', '好的，再见。'],
    ];
    expect(consentOf(turns).status).toBe('pass');
  });

  it('is na when the line drops while the caller answers a proposal and the agent only checks the line', () => {
    const turns: ['agent' | 'customer', string][] = [
      ...opening,
      ['agent', '这个我帮您问一下，明天给您回电话，您看可以吗？'],
      ['customer', '可以可以，我的号码是一三九……'],
      ['agent', '喂？'],
      ['agent', '喂，您好，还能听到吗？'],
    ];
    expect(consentOf(turns).status).toBe('na');
  });

  it.each([
    [
      'a closing answer, then the line',
      [
        ['customer', '没有了，谢谢。'],
        ['agent', '喂？'],
      ],
    ],
    [
      'an answer, then the agent closes',
      [
        ['customer', '可以可以。'],
        ['agent', '好的，再见。'],
      ],
    ],
  ] as [string, ['agent' | 'customer', string][]][])('still passes (%s)', (_kind, rest) => {
    expect(consentOf([...opening, ['agent', '那我明天给您回电话，您看可以吗？'], ...rest]).status).toBe('pass');
  });
});
