/**
 * consent_before_hangup on kinds of closing from passive-aggressive northern calls: a caller who hangs up in
 * anger with a dare (我还就找去了) or a threat to remember the agent (我记住你了, the work number repeated and
 * 我记住了), a caller who goes to find it alone with a grumble after it (我自己找吧，真是的), and a northern
 * yes-word with "I've got it" as the last words (中，俺知道了). Each kind with sentences of its own, with near
 * misses that must keep their reading.
 */
import { describe, expect, it } from 'vitest';
import { consentOf, type Turn } from './helpers.js';

const opening: Turn[] = [
  ['agent', '您好，市政务服务中心，请讲。'],
  ['customer', '我家燃气表坏了找谁修'],
  ['agent', '燃气公司。'],
];

describe('consent_before_hangup: a northern caller leaves first', () => {
  it.each([
    ['a dare: I will go then', '那我还就告去了！'],
    ['a dare: I will go then', '行，我就投诉去了。'],
    ['a threat to remember the agent', '好，我记住你了。'],
    ['the work number repeated, remembered', '行，三一五，我记住了。'],
  ])('passes when the caller hangs up in anger (%s)', (_kind, last) => {
    expect(consentOf([...opening, ['agent', '爱找谁找谁。'], ['customer', last]]).status).toBe('pass');
  });

  it.each([
    ['find it alone, with a grumble', '算了，我自己找吧，真是的。'],
    ['find it alone', '行吧，我自己找。'],
    ['a northern yes-word, got it', '中，俺知道了。'],
    ['a yes-word, got it, unpunctuated', '行 我知道了'],
  ])('passes when the caller closes first (%s)', (_kind, last) => {
    expect(consentOf([...opening, ['customer', last], ['agent', '嗯。']]).status).toBe('pass');
  });

  it.each([
    ['got it, then another question', '中，俺知道了，那修表要钱不？'],
    ['remembered, then more', '我记住了，还有个事儿想问。'],
  ])('no close (%s): the agent ends on its own', (_kind, last) => {
    expect(consentOf([...opening, ['customer', last], ['agent', '就这样，挂了。']]).status).toBe('fail');
  });

  it('the agent saying 我记住了 is no close of the caller', () => {
    expect(consentOf([...opening, ['customer', '我叫李强'], ['agent', '行，我记住了。'], ['agent', '就这样吧。']]).status).toBe('fail');
  });
});
