/**
 * banned_phrase on kinds of case found in a second author's calls (ruleset service-norms@5, meaning@2), each
 * with sentences of its own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { bannedIds } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => {
  const t: Transcript = {
    callId: 'kinds',
    durationSec: 20,
    segments: [
      { start: 0, end: 3, speaker: 'agent', text: '您好，县行政服务中心，请讲。' },
      { start: 4, end: 7, speaker: 'customer', text: '我这个材料交上去了能办吗' },
      { start: 8, end: 11, speaker: 'agent', text: line },
      { start: 12, end: 14, speaker: 'customer', text: '好的，再见' },
    ],
  };
  return bannedIds(analyzeTranscript(t, { now: new Date(0) }));
};

describe('banned_phrase: kinds of case (service-norms@5)', () => {
  it.each(['不行，得先把欠费补上才能办理。', '不行，因为原件没带，系统那边过不了。', '这个不行，按规定要本人到场签字。'])(
    'an explained refusal (the requirement or reason behind the no) is not B03: %s',
    (line) => {
      expect(idsOf(line)).toEqual([]);
    },
  );

  it.each([
    ['重填 heard as 从填 (c/ch, polyphone 重 read chong)', '这张不行，从填一张。'],
    ['重写 heard as 虫写', '写错了，虫写。'],
  ])('a curt rejection with 重填/重写 misheard is still B03 (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual(['B03']);
  });
});

describe('banned_phrase: reported speech and overlapping offences (service-norms@5)', () => {
  it('an agent reporting what a colleague answered, with an apology, is no B01', () => {
    expect(idsOf('之前接电话的同事说不知道，实在抱歉，我这就帮您查清楚。')).toEqual([]);
  });
  it('an agent answering 不知道 on their own is still B01', () => {
    expect(idsOf('这个我不知道。')).toEqual(['B01']);
  });
  it('"look yourself" said with the colloquial 自个儿 is B04', () => {
    expect(idsOf('门口有指示牌，自个儿瞅。')).toEqual(['B04']);
  });
});

describe('banned_phrase: regional and colloquial wordings (meaning@2)', () => {
  it.each([
    ['B01', '呢个我唔知噶。'],
    ['B11', '痴线，讲咗几次都唔明。'],
    ['B06', '我哋收档啦，听日先啦。'],
    ['B07', '麻溜点儿，要下班了。'],
    ['B04', '墙上贴住张牌牌，你自己睇下。'],
  ])('%s said in other words is still found: %s', (id, line) => {
    expect(idsOf(line)).toEqual([id]);
  });
  it('stating closing time politely in such words is no B06', () => {
    expect(idsOf('不好意思，我们五点收工，您明天上午来就可以办。')).toEqual([]);
  });
});
