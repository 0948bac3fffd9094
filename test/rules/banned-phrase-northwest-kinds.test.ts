/**
 * banned_phrase on kinds of northwestern and Jin agents (Shanxi, Inner Mongolia, Ningxia, Qinghai, Xinjiang):
 * banned meanings in local sayings (摸不着头脑, 庙小容不下大神, 脑子一锅粥), local offices (苏木, 嘎查, 村上),
 * regional rejections, hurry and closing words (要不得, 紧着点, 不上班了), and the same wordings as ASR delivers
 * them — cut across two segments of one agent turn, word by word, in Traditional characters. With the near
 * misses of the same shape that must not hit: a thing that is unclear (照片不清楚), "I can't say, I'll ask", a
 * referral to the sumu with a number, a head examination after a fall, a small centre that cannot seat many.
 * Sentences of their own, not from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTranscript } from '../../rules/analyze.js';
import type { Transcript } from '../../domain/transcript.js';
import { regionalForms } from '../../rules/meaning.js';
import { bannedIds, bannedIdsOfAgentLine } from './helpers.js';

const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那我这个事到底咋弄嘛');

describe('banned_phrase: kinds of northwestern and Jin agents', () => {
  it('reads concept words in northwestern function words (甚, 做甚, 嫑)', () => {
    expect(regionalForms('发什么神经')).toContain('发甚神经');
    expect(regionalForms('找我们干啥')).toContain('找我们做甚');
    expect(regionalForms('不要来我们')).toContain('嫑来我们');
    expect(regionalForms('领导')).toEqual(['领导']);
  });

  it.each([
    ['B11', '甚 for 什么 in an insult', '你发甚神经呢，大半夜打过来。'],
    ['B02', '做甚 for 干啥, an office named', '问我们做甚，那是社保局的事。'],
    ['B14', '嫑 for 不要, so capable', '你那么有本事，嫑来我们这儿办。'],
  ])('%s in northwestern function words: %s (%s)', (id, _kind, line) => {
    expect(idsOf(line)).toContain(id);
  });

  it.each([
    ['B01', 'no idea, in a saying', '这个补贴的事我是丈二和尚摸不着头脑，你别问了。'],
    ['B01', 'no idea, northern words', '我心里也没个数，你打听别处吧。'],
    ['B01', 'no idea, not the least ground', '下拨到啥时候我一点底也没有。'],
    ['B01', "can't say, no more", '啥系统不系统的，我讲不上来。'],
    ['B02', 'go to your sumu', '这个我们不管，你找你们嘎查去。'],
    ['B02', 'the village decides, telling me is no use', '你问你们乡上去，跟我说没用。'],
    ['B03', 'not acceptable, the whole sheet again', '要不得，你这张撕了重写。'],
    ['B03', 'regional no, all over again', '不得行，整张重来。'],
    ['B04', 'the board, come over and look yourself', '公示栏上贴着呢，自个儿过来瞅。'],
    ['B05', 'posted long ago, all there', '通知早就贴出来了，不是都有么。'],
    ['B05', 'the message said it clearly', '通知上不都写清楚了嘛。'],
    ['B06', 'off duty now, come tomorrow', '都六点半了，我们不上班了，你明儿个来。'],
    ['B07', 'northwestern hurry before closing', '麻利些，马上下班了。'],
    ['B07', 'hurry, the door closes soon', '你紧着点，一会儿就关门了。'],
    ['B08', 'the same words, how many times', '这句话我要说几遍你才记住。'],
    ['B09', 'too busy to attend to the caller', '我这儿排了一大堆人，顾不上你。'],
    ['B10', 'a head like porridge', '你脑袋一团乱麻，先想清楚再打。'],
    ['B11', 'go have your head looked at', '你该上医院查查脑子了。'],
    ['B14', 'the temple too small for a great god', '我们这小地方容不下你这尊大神。'],
    ['B14', 'find someone better', '你另请高明吧。'],
    ['B15', "haven't you said enough", '就这点事你还没说够啊？'],
  ])('%s: %s (%s)', (id, _kind, line) => {
    expect(idsOf(line)).toContain(id);
  });

  it.each([
    ['the photo is unclear', '退回是因为身份证照片拍得不清楚，重新拍一张传上来就行。'],
    ['the copy is unclear', '您这个复印件不清楚，我这边看不出号码。'],
    ["can't say now, will ask", '这个我一下说不上来，我问问科里再给您回电话。'],
    ['the caller new to it, with help', '您刚搬过来两眼一抹黑很正常，我一样一样给您说。'],
    ['southwestern "anything else" heard doubled', '还有没得得？'],
    ['a referral to the sumu with a number', '这个得找苏木办，电话是0479一二三四五六七，你可以先打过去问。'],
    ['a head examination after a fall', '老人家摔了一跤，得去医院查查脑子有没有事。'],
    ['a small centre that cannot seat many', '我们大厅小，容不下那么多人，您错开时间来。'],
    ['off duty stated with an apology', '不好意思，我们六点就不上班了，您明天上午来，我给您留个号。'],
    ['no need to write it again', '不用整张重写，您把这一栏改过来签个字就行。'],
    ['the notice read out', '通知上写了，我给你念一下：带身份证、户口本。'],
    ['busy, with an apology', '不好意思，刚才电话多，顾不上您，您再说一遍。'],
    ['"the same words" as a promise', '这句话我记下了，明天给您答复。'],
    ['the system in a mess', '系统今天乱成一锅粥了，您晚点再试。'],
    ['hurry with no closing time', '你紧着点把材料准备好，下周一前交上来。'],
    ['甚 in a plain question', '您办的是甚业务？我给您查一下。'],
    ['嫑 in reassurance', '嫑着急，材料齐了我们马上给你办。'],
  ])('no banned phrase: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('reads "said enough" about one small matter as B15 only, not B08', () => {
    expect(idsOf('颠来倒去就这点事，你还没问够吗？')).toEqual(['B15']);
  });

  it('reads an office named before "telling me is no use" as B02, not B12', () => {
    expect(idsOf('找你们村上，村上说了算，跟我说没用。')).toEqual(['B02']);
  });
});

/** A call whose agent turn at 8 s is `parts`, segments of one turn 0.1 s apart (ASR split it). */
function splitCall(parts: string[]): Transcript {
  const segments: Transcript['segments'] = [
    { start: 0, end: 3, speaker: 'agent', text: '您好 固原市原州区政务服务中心 请讲', confidence: 0.7 },
    { start: 3.5, end: 7, speaker: 'customer', text: '我问一下采暖补贴咋申请', confidence: 0.7 },
  ];
  let t = 8;
  for (const text of parts) {
    segments.push({ start: t, end: t + 1.2, speaker: 'agent', text, confidence: 0.7 });
    t += 1.3;
  }
  segments.push({ start: t + 0.5, end: t + 2, speaker: 'customer', text: '行 再见', confidence: 0.7 });
  return { callId: 'split', durationSec: t + 3, segments };
}

describe('banned_phrase: a wording ASR cut across two segments of one agent turn', () => {
  it.each([
    ['B07', ['紧 着 点', '马上 就 关门 了']],
    ['B11', ['你该上医院', '看看脑子了']],
    ['B14', ['庙小', '容不下您这尊大神']],
    ['B06', ['六點了 我們不上班了', '你明兒個來']],
  ])('%s once, across the cut (%j)', (id, parts) => {
    expect(bannedIds(analyzeTranscript(splitCall(parts), { now: new Date(0) }))).toEqual([id]);
  });

  it('a repeated segment counts once', () => {
    const report = analyzeTranscript(splitCall(['你另请高明吧', '你另请高明吧']), { now: new Date(0) });
    expect(bannedIds(report)).toEqual(['B14']);
  });

  it.each([[['我这边给您查', '看看资格认证到哪一步了']], [['大厅在一楼', '您来了我带您看']]])(
    'no banned phrase across a cut of a polite turn (%j)',
    (parts) => {
      expect(bannedIds(analyzeTranscript(splitCall(parts), { now: new Date(0) }))).toEqual([]);
    },
  );
});
