/**
 * consent_before_hangup on kinds of closing from northwestern and Jin calls: a caller who gives up with 算了 as
 * the last clause, says they will call again another day, or stops asking with a grumble after it (不问了，啥人
 * 嘛); nothing more said with 甚 for 什么 (没甚了); an agent whose last words send the caller off to another day
 * (你明天) and say nothing to the caller's protest; an invented 「谢谢观看 再见」 on the caller channel after the
 * agent ended, which is no caller's goodbye. Sentences of their own, with near misses that keep their reading.
 */
import { describe, expect, it } from 'vitest';
import { consentOf, type Turn } from './helpers.js';

const opening: Turn[] = [
  ['agent', '您好，石嘴山市大武口区政务服务中心，请讲。'],
  ['customer', '我问一下煤改电的补贴啥时候到账'],
  ['agent', '这个月底。'],
];

describe('consent_before_hangup: a northwestern caller closes first', () => {
  it.each([
    ['gives up with 算了', '唉，那算了。'],
    ['gives up after a complaint', '谁也不管，算了吧。'],
    ['calls again another day', '行，我明儿个再打。'],
    ['asks again the day after', '那我后天再问吧。'],
    ['stops asking with a grumble', '不问了，甚服务嘛。'],
    ['nothing more with 甚', '没甚事了。'],
  ])('passes (%s)', (_kind, last) => {
    expect(consentOf([...opening, ['customer', last]]).status).toBe('pass');
  });

  it('passes when the agent asks and the caller answers 没甚了', () => {
    expect(consentOf([...opening, ['agent', '还有别的事情吗？'], ['customer', '没甚了。'], ['agent', '嗯，再见。']]).status).toBe('pass');
  });

  it.each([
    ['算了 then another question', '算了，那采暖补贴咋算的？'],
    ['another day mid-sentence', '我明天再打还是现在就能问清楚？'],
  ])('no close (%s): the agent ending on its own fails', (_kind, last) => {
    expect(consentOf([...opening, ['customer', last], ['agent', '就这样。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: the agent sends the caller off to another day', () => {
  it.each([
    ['cut after 明天', '系统关了，你明天'],
    ['another day, bare', '那就改天吧'],
    ['come tomorrow', '时间到了，你明儿个来'],
  ])('fails when the caller protests and nothing follows (%s)', (_kind, end) => {
    expect(consentOf([...opening, ['customer', '那我钱到底到没到'], ['agent', end], ['customer', '我明天还要上班啊']]).status).toBe('fail');
  });

  it('passes when the caller then closes', () => {
    expect(consentOf([...opening, ['agent', '那你明天来'], ['customer', '好的，谢谢，再见。']]).status).toBe('pass');
  });

  it('a day named inside the instructions is no end', () => {
    expect(
      consentOf([...opening, ['agent', '你明天带身份证来'], ['customer', '好'], ['agent', '还有别的事吗'], ['customer', '没了']]).status,
    ).toBe('pass');
  });
});

describe('consent_before_hangup: an invented outro on the caller channel', () => {
  it.each([['谢谢观看 再见'], ['谢谢观看，再见！'], ['感谢收看 拜拜']])('is no caller goodbye (%s)', (invented) => {
    expect(consentOf([...opening, ['customer', '那要是'], ['agent', '行了，就这样。'], ['customer', invented]]).status).toBe('fail');
  });

  it('a real goodbye after thanks still closes', () => {
    expect(consentOf([...opening, ['customer', '好，谢谢，再见。']]).status).toBe('pass');
  });
});
