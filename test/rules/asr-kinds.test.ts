/**
 * Kinds of case where simulated and real ASR errors broke the rules (ruleset service-norms@6, meaning@3):
 * syllables dropped, doubled or misheard by sound in the greeting, the recording notice and the closing, and
 * banned-phrase wordings of a second author's calls. Each kind is tested with sentences of its own, not taken
 * from any labelled set, beside near misses that must not hit.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTranscript } from '../../rules/analyze.js';
import { bannedIds, rule } from './helpers.js';

type Transcript = Parameters<typeof analyzeTranscript>[0];
type Segment = Transcript['segments'][number];

const analyze = (segments: Segment[]) =>
  analyzeTranscript({ callId: 'asr-kinds', durationSec: 60, segments } satisfies Transcript, { now: new Date(0) });

/** The opening_greeting status of a call whose agent opens with `text` (after optional earlier segments). */
const greeting = (text: string, before: Segment[] = []) =>
  rule(
    analyze([
      ...before,
      { start: 12, end: 15, speaker: 'agent', text },
      { start: 16, end: 18, speaker: 'customer', text: '我想问一下社保的事' },
    ]),
    'opening_greeting',
  ).status;

/** The consent_before_hangup status of a call that ends with the `[speaker, text]` turns. */
const consent = (turns: ['agent' | 'customer', string][]) =>
  rule(
    analyze([
      { start: 0, end: 3, speaker: 'agent', text: '您好，市政务服务中心，请讲。' },
      { start: 3.5, end: 6, speaker: 'customer', text: '我想问下居住证要带什么' },
      ...turns.map(([speaker, text], i): Segment => ({ start: 7 + i * 3.5, end: 10 + i * 3.5, speaker, text })),
    ]),
    'consent_before_hangup',
  ).status;

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string) =>
  bannedIds(
    analyze([
      { start: 0, end: 3, speaker: 'agent', text: '您好，县行政服务中心，请讲。' },
      { start: 4, end: 7, speaker: 'customer', text: '我这个事情今天能办吗' },
      { start: 8, end: 11, speaker: 'agent', text: line },
      { start: 12, end: 14, speaker: 'customer', text: '好的，再见' },
    ]),
  );

describe('opening_greeting under ASR errors (service-norms@6)', () => {
  it.each([
    ['a filler before 您好 misheard by sound', '喂凝豪，县政务服务中心，请讲。'],
    ['a filler before 您好 clipped to 好', '喂好，县政务服务中心，您请讲。'],
    ['您好 misheard by sound as a clause of its own after the name', '县政务服务中心，林号，请讲。'],
    ['您好 misheard by sound right after the name', '市公积金管理中心宁耗，请讲。'],
    ['心 of 中心 dropped right before 您好', '市民热线服务中您好，请讲。'],
    ['您好 misheard by sound with no pause before the name', '凝好县政务服务中心请讲'],
    ['心 of 中心 dropped inside a longer name', '您好，市政务服务中公积金窗口，请讲。'],
  ])('passes: %s', (_kind, text) => expect(greeting(text)).toBe('pass'));

  it.each([
    ['a filler before 你好', '喂你好，县政务服务中心，请讲。'],
    ['你好 as a clause after the name', '县政务服务中心，你好，请讲。'],
    ['你好 right after the name', '市公积金管理中心你好，请讲。'],
    ['你好 after a name missing 心', '市民热线服务中你好，请讲。'],
    ['no greeting word, only a name', '县政务服务中心，请讲。'],
    ['你好 with no pause before the name', '你好县政务服务中心请讲'],
    ['a name that is no 中心 after a service word', '您好，我们这里是服务大厅，请讲。'],
    ['a bureau, not a 中心', '您好，县医保局，请讲。'],
  ])('still fails: %s', (_kind, text) => expect(greeting(text)).toBe('fail'));

  it.each([
    ['被 dropped from the recording notice', '您好，您的通话可能会录音，请稍候。'],
    ['通 and 音 dropped from the notice', '您好，为了服务质量，您的话可能会被录，请稍候。'],
    ['请按 misheard by sound in the menu', '人工服务亲按0，业务查询请胺1。'],
    ['您 misheard in the transfer message', '正在为林转接人工坐席，请稍候。'],
  ])("a recorded message with an ASR error is no one's speech, so the greeting after it is in time: %s", (_kind, ivr) => {
    expect(greeting('您好，县政务服务中心，请讲。', [{ start: 0, end: 4, speaker: 'unknown', text: ivr }])).toBe('pass');
  });
  it('an agent saying 被录入 is speech, not a recording notice', () => {
    expect(greeting('您好，县政务服务中心，您的资料已经被录入了，请讲。')).toBe('pass');
    expect(greeting('县政务服务中心，您的资料已经被录入了，请讲。')).toBe('fail');
  });
});

describe('sound keys use the spoken reading of particles (service-norms@6; soundKey itself: normalize.test.ts)', () => {
  it.each(['行了，我挂乐啊。', '好了，我先挂勒。'])('a unilateral hang-up with 了 misheard is still one: %s', (end) => {
    expect(
      consent([
        ['agent', '带身份证原件就行。'],
        ['customer', '嗯'],
        ['agent', end],
        ['customer', '哎，等一下，我还……'],
      ]),
    ).toBe('fail');
  });
});

describe('consent_before_hangup under ASR errors and regional closings (service-norms@6)', () => {
  it.each([
    ['Cantonese "nothing more, thanks a lot"', '冇啦，唔该晒。'],
    ['没了 after a filler', '嗯没了，谢谢你。'],
    ['northern 没啥了', '没啥了，就这些。'],
  ])('passes when the agent asks and the caller closes: %s', (_kind, close) => {
    expect(
      consent([
        ['agent', '您还有别的问题吗？'],
        ['customer', close],
        ['agent', '好的，再见。'],
      ]),
    ).toBe('pass');
  });
  it.each([
    ['有 dropped from the ask', '您看还别的事吗？'],
    ['the northern question tag 不', '还有啥要办的不？'],
    ['吗 dropped from "还有事吗"', '好，还有事？'],
  ])('an ask with an ASR error or a regional tag is still an ask: %s', (_kind, ask) => {
    expect(
      consent([
        ['agent', ask],
        ['customer', '嗯，那我明天过去。'],
        ['agent', '好的，再见。'],
      ]),
    ).toBe('pass');
  });
  it.each(['谢谢啊，在见。', '好，知道了，载件。'])("再见 misheard in both syllables as the caller's last clause closes: %s", (close) => {
    expect(
      consent([
        ['customer', close],
        ['agent', '好的，再见。'],
      ]),
    ).toBe('pass');
  });
  it('"我还有事" is the agent ending the call, not an ask', () => {
    expect(
      consent([
        ['customer', '嗯，我明天过去。'],
        ['agent', '我还有事，先挂了。'],
      ]),
    ).toBe('fail');
  });
  it('a statement ending the call without an ask still fails', () => {
    expect(
      consent([
        ['customer', '我们那边楼还在建'],
        ['agent', '行了，就这样。'],
      ]),
    ).toBe('fail');
  });
  it('the agent checking the line with 到 dropped, after the caller cut off, is na', () => {
    expect(
      consent([
        ['customer', '那我那个材料是不是还要……'],
        ['agent', '喂？喂？您好，还能听吗？'],
      ]),
    ).toBe('na');
  });
});

describe('banned_phrase: kinds of case (meaning@3)', () => {
  it.each([
    ['B06', '都要关门了，这事今天弄不了，下周再说。'],
    ['B06', '快下班了，今天整不了，明天再来。'],
    ['B09', '我哪顾得上你，没看见电话一直在响吗？'],
    ['B12', '有意见找你们领导说去，别冲我来。'],
    ['B13', '要投诉就投诉呗，随你。'],
    ['B15', '你要问到啥时候啊？'],
    ['B04', '墙上贴着告示呢，自家看。'],
    ['B01', '不知道，你问我也没用。'],
    ['B03', '不行，重填一张。'],
  ])('%s in a colloquial or second wording: %s', (id, line) => expect(idsOf(line)).toEqual([id]));

  it.each([
    ['closing time stated politely with a colloquial verb', '不好意思，今天五点关门，可能弄不了，您明天上午来就行。'],
    ['a refusal with a requirement and no redo', '不行，得先去派出所开个证明。'],
    ['an offer to handle a complaint', '有意见您跟我说，我来处理。'],
    ['telling the caller where to complain, politely', '您要是想投诉，可以打12345。'],
    ['asking when something will be ready', '您这个要等到啥时候，我帮您查一下。'],
    ['quoting the norm that forbids 不知道', '规定里不能说不知道，我一定帮你问清楚。'],
  ])('no banned phrase: %s', (_kind, line) => expect(idsOf(line)).toEqual([]));
});
