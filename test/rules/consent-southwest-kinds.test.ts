/**
 * consent_before_hangup on kinds of closing from southwestern and northwestern lines (Sichuan, Chongqing,
 * Shaanxi, Henan, Gansu): the A-not-A ask closed by 没有 / 没 / 没得, answers in 木有 / 莫得, the caller's "that's
 * it" (那就这), going off alone with 各人 (oneself), giving up (懒得跟你说了), 着 said 到 / 起 in a threat, the
 * caller off to the superior, "got it" after 行了, and lines that ASR wrote word by word (no clause breaks left).
 * Each kind is tested with sentences of its own, with near misses that must keep their reading.
 */
import { describe, expect, it } from 'vitest';
import { consentOf, type Turn } from './helpers.js';

const opening: Turn[] = [
  ['agent', '您好，区政务服务中心，请讲。'],
  ['customer', '我想问一下灵活就业的社保咋个交'],
  ['agent', '在手机上下个天府通办，点社保缴费就可以了。'],
];

describe('consent_before_hangup: the ask closed by 没有 / 没 / 没得 and answers in 木有 / 莫得', () => {
  it.each([
    ['还有啥要办的没有 + 木有了', '您还有啥要办的没有？', '木有了。'],
    ['还有别的问题没 + 莫得了', '还有别的问题没？', '莫得了，要得。'],
    ['还有啥子没得 + 中', '那您还有啥子没得？', '中，莫有了。'],
    ['word by word: 还 有 什么 事 没有 + 木 有 了 谢 谢', '好 的 还 有 什么 事 没有', '木 有 了 谢 谢'],
  ])('passes when the agent asks and the caller answers (%s), then the agent ends', (_kind, ask, answer) => {
    const r = consentOf([...opening, ['customer', '晓得了。'], ['agent', ask], ['customer', answer], ['agent', '好，再见。']]);
    expect(r.status).toBe('pass');
  });

  it.each([
    ['还有两张表没有交 (no ask)', '还有两张表没有交，就这样。'],
    ['还有材料没有带 (no ask)', '您还有材料没有带齐，先这样。'],
  ])('still fails a statement with 没有 inside the clause (%s)', (_kind, line) => {
    expect(consentOf([...opening, ['customer', '那咋办嘛？'], ['agent', line]]).status).toBe('fail');
  });

  it('fails when the answer to the ask says there is more', () => {
    const r = consentOf([
      ...opening,
      ['agent', '还有别的事没有？'],
      ['customer', '还有个事，我妈的医保。'],
      ['agent', '明天再打嘛，挂了哈。'],
    ]);
    expect(r.status).toBe('fail');
  });
});

describe('consent_before_hangup: the caller closes in a southwestern or northwestern form', () => {
  it.each([
    ['那就这', '好嘛，那就这。'],
    ['先这样嘛', '中，先这样嘛。'],
    ['各人去找', '要得，我各人去社保局找。'],
    ['各人去跑 (word by word)', '算 了 我 各人 去 跑'],
    ['懒得跟你说了', '算了，懒得跟你说了。'],
    ['晓得了谢谢 (word by word)', '哦 晓得 了 谢谢 你'],
  ])('passes when the caller has the last word and closes (%s)', (_kind, close) => {
    expect(consentOf([...opening, ['customer', close]]).status).toBe('pass');
  });

  it.each([
    ['那就这 then a question', '那就这，还是那个，灵活就业咋个停？'],
    ['各人 in a question', '那我各人去找哪个窗口嘛？'],
  ])('fails when the caller goes on (%s) and the agent ends on her own', (_kind, close) => {
    expect(consentOf([...opening, ['customer', close], ['agent', '就这样嘛，挂了哈。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: the caller leaves with nothing from the agent after it', () => {
  it.each([
    ['你等到起', '要得，你等到起。'],
    ['我记到了', '好，工号我记到了。'],
    ['恁等着', '中，恁等着。'],
    ['off to the superior', '行，俺明天就找你们主任。'],
    ['行了，我知道了', '行了，我知道了。'],
    ['好嘛，晓得了', '好嘛，晓得了。'],
  ])('passes when the caller hangs up on it (%s)', (_kind, leave) => {
    expect(consentOf([...opening, ['agent', '规定就是这样的。'], ['customer', leave]]).status).toBe('pass');
  });

  it.each([
    ['你等到起', '你等到起。'],
    ['行了，我知道了', '行了，我知道了。'],
  ])('fails when the agent answers and ends after it (%s)', (_kind, leave) => {
    expect(consentOf([...opening, ['customer', leave], ['agent', '行了，挂了。']]).status).toBe('fail');
  });
});

describe('consent_before_hangup: a line check written word by word by ASR', () => {
  it.each([
    ['喂 喂 您 还 在 吗', '喂 喂 您 还 在 吗'],
    ['喂 您好 听 得 到 吗', '喂 您好 听 得 到 吗'],
    ['您还能听见吗', '喂？您还能听见吗？'],
    ['a surname before 先生', '王先生？喂？'],
  ])('is na when the caller dropped mid-sentence and the agent only checks the line (%s)', (_kind, check) => {
    const r = consentOf([...opening, ['customer', '我们那个单位的代码是'], ['agent', check], ['agent', '喂？']]);
    expect(r.status).toBe('na');
  });

  it('still fails when the agent checks the line and then answers something else and ends', () => {
    const r = consentOf([...opening, ['customer', '那我交了以后'], ['agent', '喂 您好 听 得 到 吗 就 这样 嘛']]);
    expect(r.status).toBe('fail');
  });
});
