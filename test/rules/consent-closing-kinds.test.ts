/**
 * consent_before_hangup on kinds of closing from town and county lines: a proposal to end asked as a question
 * ("那先这样好吧？") that the caller agrees to, "nothing else, right?" asked with 吧, regional asks and answers
 * (还有冇？ / 没得了), thanks with 恁, a caller leaving in anger or to ask elsewhere, and 那个 that starts another
 * question. Each kind is tested with sentences of its own, with near misses that must keep their reading.
 */
import { describe, expect, it } from 'vitest';
import { parseRuleset } from '../../rules/ruleset.js';
import { consentOf, customRuleset, type Turn } from './helpers.js';

const opening: Turn[] = [
  ['agent', '您好，县医保服务中心，请讲。'],
  ['customer', '我想问一下门诊慢性病怎么申请'],
  ['agent', '带病历和诊断证明，到一楼三号窗口交。'],
];

describe('consent_before_hangup: a proposal to end, asked as a question', () => {
  it.each([
    ['那先这样好吧 + 好', '好，那先这样好吧？', '好。'],
    ['就这样行不行 + 嗯', '那就这样，行不行？', '嗯嗯。'],
    ['先这样中不中 + 中', '那咱先这样中不中？', '中，中。'],
    ['就到这儿可以吗 + 可以', '今天就到这儿，可以吗？', '可以可以。'],
  ])('passes when the caller agrees (%s)', (_kind, proposal, answer) => {
    expect(consentOf([...opening, ['agent', proposal], ['customer', answer], ['agent', '嗯，再见。']]).status).toBe('pass');
  });

  it.each([
    ['等一下', '等一下，我还有个事。'],
    ['a new question', '那个病历要原件吗？'],
  ])('fails when the caller does not agree (%s) and the agent ends anyway', (_kind, answer) => {
    const r = consentOf([...opening, ['agent', '那先这样，好吧？'], ['customer', answer], ['agent', '行了，就这样吧。']]);
    expect(r.status).toBe('fail');
  });

  it.each([
    ['那先这样哈', '那先这样哈。'],
    ['就这吧', '那就这吧。'],
    ['好，再见', '好，再见。'],
  ])("fails when the agent ends after the caller's acknowledging 好的, without asking (%s)", (_kind, end) => {
    expect(consentOf([...opening, ['customer', '哦，好的。'], ['agent', end]]).status).toBe('fail');
  });

  it('fails when the agent proposes and hangs up in one breath', () => {
    expect(consentOf([...opening, ['customer', '好的。'], ['agent', '那就这样好吧，挂了啊。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: "nothing else, right?" and regional asks and answers', () => {
  it.each([
    ['没别的事了吧 + 嗯', '嗯，没别的事了吧？', '嗯。'],
    ['没有其他问题了吧 + 对', '没有其他问题了吧？', '对。'],
    ['还有冇 + 冇得了', '还有冇？', '冇得了。'],
    ['还有没得其他的 + 没得了', '还有没得其他的？', '没得了，行嘛。'],
    ['还有啥子 + 莫得了', '还有啥子？', '莫得了。'],
    ['仲有乜嘢 + 冇啦', '仲有乜嘢？', '冇啦。'],
  ])('passes when the agent asks and the caller answers (%s), then the agent ends', (_kind, ask, answer) => {
    expect(consentOf([...opening, ['customer', '晓得了。'], ['agent', ask], ['customer', answer], ['agent', '那挂了。']]).status).toBe(
      'pass',
    );
  });

  it.each([
    ['没别的办法了吧 (no ask)', '没别的办法了吧，就这样。'],
    ['还有没得交的 (a statement)', '还有没得交的月份要补，就这样。'],
  ])('still fails a statement that only looks like the ask (%s)', (_kind, line) => {
    expect(consentOf([...opening, ['customer', '那咋办？'], ['agent', line]]).status).toBe('fail');
  });

  it('fails when the answer to 没别的了吧 says there is more', () => {
    const r = consentOf([
      ...opening,
      ['agent', '没别的了吧？'],
      ['customer', '嗯，还有一个，我爸的也要办。'],
      ['agent', '下回再说，挂了。'],
    ]);
    expect(r.status).toBe('fail');
  });
});

describe('consent_before_hangup: the caller closes in a regional or angry form', () => {
  it.each([
    ['谢谢恁', '中，那俺知道了，谢谢恁啊。'],
    ['不问了', '算了，不问了！'],
    ['不跟你讲了', '算了算了，我不跟你讲了。'],
    ['going to ask in person', '行，我自己去镇上问。'],
    ['sending someone else to ask', '那我叫我女儿明天来问。'],
  ])('passes when the caller has the last word and leaves (%s)', (_kind, close) => {
    expect(consentOf([...opening, ['customer', close]]).status).toBe('pass');
  });

  it('fails when the caller only threatens (你等着) and the agent ends', () => {
    expect(consentOf([...opening, ['customer', '你这什么态度，你等着。'], ['agent', '行了。']]).status).toBe('fail');
  });

  it('fails when the caller says where they will ask and goes on with a question the agent cuts off', () => {
    const r = consentOf([...opening, ['customer', '那我去社区问，那个表在哪领？'], ['agent', '就这样。']]);
    expect(r.status).toBe('fail');
  });
});

describe('consent_before_hangup: 那个 that starts another question', () => {
  it.each([
    ['嗯 那个', '嗯，那个……'],
    ['那个 + question', '那个，我老伴的能一起办吗？'],
  ])('fails when the agent ends after the answer (%s)', (_kind, answer) => {
    const r = consentOf([...opening, ['agent', '还有别的问题吗？'], ['customer', answer], ['agent', '好，那先这样，再见。']]);
    expect(r.status).toBe('fail');
  });

  it('passes when 那个 is followed by a closing', () => {
    const r = consentOf([...opening, ['agent', '还有别的问题吗？'], ['customer', '那个，没有了，谢谢。'], ['agent', '好，再见。']]);
    expect(r.status).toBe('pass');
  });
});

describe('ruleset: proposeEnd and callerAgree', () => {
  it('rejects a consent rule that gives one without the other', () => {
    const yaml = customRuleset('      - id: X\n        when: { any: [滚] }').replace(
      '    lineCheck: { any: [喂] }\n',
      '    lineCheck: { any: [喂] }\n    proposeEnd: { any: [先这样好吧] }\n',
    );
    expect(() => parseRuleset(yaml, 'x.yaml')).toThrow(/proposeEnd and callerAgree go together/);
  });
});
