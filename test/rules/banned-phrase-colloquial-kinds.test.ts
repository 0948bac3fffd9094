/**
 * banned_phrase B01–B08 on kinds of wording found in a fifth author's calls: curt lines said with a habitual
 * 您 (Beijing speech), Wu and Cantonese words for closing time, tomorrow, "how would I know" and "send away",
 * display verbs other than 写 in the rhetorical "isn't it written there", a refusal to read the notice out,
 * and another office's hotline given as a brush-off (a fourth author's kind). Each kind has sentences of its own (none taken from a labelled set) and near misses that must not hit:
 * polite or helpful forms, the caller saying it, the agent quoting the norm.
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line);

/** Banned-phrase ids of a short call in which the caller says `line` and the agent answers plainly. */
const idsOfCaller = (line: string): string[] => bannedIdsOfAgentLine('好的，我帮您查一下。', line);

describe('banned_phrase: B01–B08 kinds of a fifth author', () => {
  it.each([
    ['B01', 'Wu "how would I know" (哪能晓得)', '这种事体阿拉哪能晓得啦。'],
    ['B01', '"how would I know" with 哪能', '审批几时下来我哪能知道。'],
    ['B01', 'cannot make sense of it either, work it out yourself', '这个我也搞不懂，你自己琢磨去吧。'],
    ['B01', 'hard to say, fend for yourself, said with 您', '说不好，您自个儿想办法吧。'],
    ['B02', 'Cantonese 揾 an office', '呢啲事你揾街道啦。'],
    ['B02', 'Cantonese 揾 an office, asking me is no use', '你揾城管啦，揾我冇用。'],
    ['B02', 'offices listed, then whoever you like, with 您', '民政局、街道、社区，您爱找谁找谁。'],
    ['B02', 'offices listed, then whoever you like to ask', '派出所还是住建委，您爱问谁问谁去。'],
    ['B02', "don't go round in circles with me, the office knows", '别跟我这儿绕了，人事科比我清楚。'],
    ['B02', "another office's hotline as a brush-off", '工资的事你打12366问税务那边去。'],
    ['B02', "another office's hotline, then not my business", '你打12315问去，我们不管。'],
    ['B03', 'Wu "filled in for nothing, start over"', '这张白填了，从头来过。'],
    ['B03', 'written for nothing, start over (重头 for 从头)', '侬格份白写了，重头来过。'],
    ['B04', 'a board, then look yourself in blunt words, with 您', '门口公告栏都贴着，您自个儿瞅去。'],
    ['B04', 'a screen, then see for yourself with 瞧, with 您', '电子屏上都有，您自己瞧吧。'],
    ['B04', 'look up at it, I will not read it out', '您到了抬头看就是了，我这儿不挨个念。'],
    ['B04', 'take a look yourself, I will not read it to you', '自己看一眼，我不给你念。'],
    ['B05', 'written out plainly, rhetorical, with 您 after', '通知单上不是写得清清楚楚的嘛，您没看啊？'],
    ['B05', 'printed on it (southwestern 印起)', '那张单子上不都印起的吗。'],
    ['B05', 'printed on the receipt, and you still call', '回执上不都印着的吗，还打电话问。'],
    ['B05', 'shown on the home page (挂着 … 呢嘛)', '网站首页不都挂着呢嘛，您都不看。'],
    ['B05', 'listed there (列着 … 么)', '指南后面不是列着的么。'],
    ['B06', 'look at the time, come early tomorrow, with 您', '都几点了您看看，明儿请早吧。'],
    ['B06', 'Wu: shut for the day, come tomorrow (打烊, 明朝)', '阿拉打烊了，明朝再来。'],
    ['B06', 'Cantonese: time is up, call tomorrow (到钟, 听日)', '都到钟了，听日再打过来啦。'],
    ['B06', 'knocked off, come tomorrow', '收工了，明儿个再来办。'],
    ['B07', 'hurry, it is nearly time, with 您', '您麻利点儿，马上到点了。'],
    ['B07', 'hurry, the system shuts, with 您', '您抓紧说，我们五点半关系统。'],
    ['B07', 'Cantonese hurry (快啲), knocking off', '快啲啦，我哋要收工喇。'],
    ['B08', 'told twice, still not figured out, with 您', '跟您说两回了，这还没整明白？'],
    ['B08', 'how come still not got it, with 您', '您咋还没搞懂呢。'],
    ['B08', 'explained at length, still cannot make it out', '讲了半天您还整不明白。'],
  ])('%s (%s): %s', (id, _kind, line) => {
    expect(idsOf(line)).toEqual([id]);
  });

  it.each([
    ['"how could you know", said of the caller with sympathy', '您哪能知道这个，头一回办都这样。'],
    ['hard to say, with the figures sent', '这个我也说不好，您自己琢磨琢磨哪个划算，我把两种价格都发给您。'],
    ['work it out yourself if unclear, call back', '您要是搞不明白，自己琢磨也行，不行再打过来问我。'],
    ['an office with 你可以 and help', '你可以揾街道，我帮你打过去问下。'],
    ['offices listed, any of them will do, with the numbers', '街道、社区都能办，您找谁都行，我把两个电话都发给您。'],
    ['the office knows better, with its number', '您别着急，人事处那边比我们清楚，我把电话给您。'],
    ['a hotline with 你可以', '这个归人社管，你可以打12333问问。'],
    ['a hotline, with the number sent', '人社的热线是12333，我把号码发你短信。'],
    ['nothing was filled in for nothing', '没白填，系统里都存着，不用从头来过。'],
    ['coming in the daytime (白天, not 白填)', '白天来也行，不用从头来。'],
    ['a redo with an apology', '不好意思，这张白填了，麻烦您从头来过。'],
    ['look at the board yourself, with help', '您自己看一下门口的指示牌，看不明白我再给您讲。'],
    ['the board, and the agent takes the caller there', '展板在一楼，我带您过去瞅瞅。'],
    ['reading it out one by one', '我给您一条条念一下，您记一下。'],
    ['written plainly, stated', '上面写得很清楚，您看第二条就是。'],
    ['the caller hung up (挂了, not 挂着)', '你不是挂了吗，我还以为断线了。'],
    ['a photo pasted on (贴了)', '照片不是贴了吗，贴了就行。'],
    ['closed for the day, with an apology', '不好意思，我们已经打烊了，您明天上午来我第一个给您办。'],
    ['knocking-off time stated with 您', '我们五点收工，您明天来也行。'],
    ['bringing it to the centre tomorrow (到中, not 到钟)', '明天送到中心来就行。'],
    ['no hurry before closing', '您不着急，我们到点了也会给您办完。'],
    ['the agent has not yet found out which office', '我这边还没弄明白是哪个部门管，我先帮您问问。'],
    ['offering to explain again', '要是还整不明白，我再给您讲一遍。'],
  ])('no banned phrase: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    '你们都几点了还不下班，我明朝再来吧。',
    '我自己琢磨吧，反正你也说不好。',
    '上面不是写得明明白白的吗，我就是看不懂。',
    '派出所、街道，我爱找谁找谁。',
  ])('the caller saying it is no violation: %s', (line) => {
    expect(idsOfCaller(line)).toEqual([]);
  });

  it.each([
    '规范里不允许说上面不是印着的吗这种话。',
    '规定不能说打烊了明朝再来，我们要讲清楚几点能办。',
    '禁用语里有一条，不能让群众自个儿瞅牌子。',
  ])('the agent quoting the norm is no violation: %s', (line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('the caller not even knowing what they want is no "I don\'t know" of the agent (B01)', () => {
    expect(idsOf('你自己要办什么都搞不清楚，先想好再打过来。')).not.toContain('B01');
    expect(idsOf('这个我也搞不清楚。')).toEqual(['B01']);
  });
});
