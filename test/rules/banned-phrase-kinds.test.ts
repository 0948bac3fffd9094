/**
 * banned_phrase on kinds of case found in a second author's calls (ruleset service-norms@5, meaning@2), each
 * with sentences of its own, not taken from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { bannedIdsOfAgentLine } from './helpers.js';

/** Banned-phrase ids of a short call in which the agent says `line` in the middle. */
const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line);

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

describe('banned_phrase: kinds of B01–B08 wordings by a fourth author (service-norms@7, meaning@4)', () => {
  it.each([
    ['B01', 'how would I know, in a turn that says 您 elsewhere', '快递什么时候到我咋知道，您等着就是了。'],
    ['B01', 'southwestern 哪个晓得', '审批几时下来我哪个晓得嘛，又不是我批的。'],
    ['B01', 'where would I find out', '那个窗口几点开我上哪儿知道去，您自己打过去。'],
    ['B02', 'an office named, then "don\'t call here"', '社保卡丢了找银行，别往这儿打。'],
    ['B02', 'an office named, then "why ask us"', '这是街道办管的，找我们干啥。'],
    ['B02', 'northern 自个儿 with the reduplicated 问问', '你自个儿上派出所问问'],
    ['B03', 'rejected, then resubmit', '材料不合格，重新提交。'],
    ['B03', 'turned down, then upload again', '被驳回了，重新上传。'],
    ['B03', 'void, then write another', '这份作废，再写一张。'],
    ['B04', 'a guide board, then find it yourself', '门口导视牌上都有，自己找去。'],
    ['B04', 'posted there, one look tells you', '流程都贴那儿了，一看就知道。'],
    ['B04', 'the big screen, look up', '大屏上滚着呢，你抬头看。'],
    ['B04', 'written plainly on a board, go and look yourself (not B05)', '告示栏里写得清清楚楚，自个儿瞅去。'],
    ['B05', 'northern "didn\'t you see it"', '那一栏你没瞅见啊，写着呢。'],
    ['B05', 'listed in the guide, need you ask', '办事指南里列着呢，还用问？'],
    ['B05', 'the notice already says it (not B08)', '通知里不是说了嘛，要带原件。'],
    ['B06', 'the system is shut, come another day', '系统都关了，明儿个再来。'],
    ['B06', 'closed for the day without 下班', '今天截止了，下周再说。'],
    ['B07', 'hurry, the shift hands over', '快点儿，我这边要交班了。'],
    ['B07', 'hurry, I leave on the dot', '麻利些，我六点准时走人。'],
    ['B06', 'past the hour, not doing it today', '过了点了，今天不办了。'],
    ['B01', 'ask me and whom do I ask', '你问我，我又问谁去'],
    ['B01', 'only the devil knows', '鬼才晓得窗口几时开'],
    ['B03', 'southwestern 不得行, start over', '这张不得行，从头再来。'],
    ['B05', 'in black and white', '回执上白纸黑字写着的'],
    ['B03', 'void, sign it again', '这份签错了，拿回去重签。'],
    ['B04', 'a board over there, go and have a look', '那边展板上都有，你过去看。'],
    ['B05', 'plain as day, written there', '这不明摆着写在上面吗'],
    ['B06', 'cannot be done today, next week', '今天弄不了了，下礼拜再说。'],
    ['B06', 'locking up, another day', '我们要锁门了，你改天来。'],
    ['B07', 'hurry, the window is closing', '你能快些不，我们要关窗口了。'],
    ['B08', 'just explained it, asking again', '刚说完你又问'],
    ['B08', "wasn't I clear enough (not B01)", '我说得还不够清楚吗'],
    ['B08', 'explained it clearly, still did not get it', '跟你讲明白了的，你咋还是没听懂。'],
    ['B08', 'how many times must I say it', '你要我讲几遍？'],
    ['B08', "didn't I say it (讲 for 说)", '前头不是讲过了吗'],
  ])('%s: %s', (id, _kind, line) => {
    expect(idsOf(line)).toEqual([id]);
  });

  it.each([
    ['the agent checks which matter is meant', '你到底是问民政局还是问法院？'],
    ['the agent checks which matter is meant', '你是问税务局那个退税吗'],
    ['how would I know, then finds out', '我哪知道您已经交过了，我再帮您查一下。'],
    ['a referral with a number', '这个归街道办管，电话是12345678，您打过去问问'],
    ['a referral with help', '户口的事派出所办，我把他们的电话发您'],
    ['a polite resubmit', '不好意思，审核没通过，麻烦您重新上传一下'],
    ['a resubmit with its reason', '没通过是因为照片模糊，重新拍一张传上来就行'],
    ['a polite pointer to the screen', '您抬头看一下叫号屏，到您了我也会喊您'],
    ['a guide board with help', '导视牌在一楼，我带您过去'],
    ['what the notice says, stated politely', '通知里说了九点开门，您按时来就行'],
    ['the cut-off stated politely', '不好意思，四点半截止受理，您明天上午来就可以'],
    ['the shift change with calm', '您不着急，我们交班前都能给您办'],
    ['offering to say it again', '您没听懂的话我再讲一遍'],
    ['owning the unclear explanation', '我刚才可能没讲明白，您哪里没听懂我再说'],
    ['cannot read a character (not ignorance)', '你这张照片哪个字不清楚，再拍一张'],
    ['not knowing yet, looking it up (words between 帮您 and 查)', '我这边暂时不知道，您稍等，我帮您到系统里查'],
    ['not knowing the number is fine, the agent looks it up', '单号不知道没关系，报个手机号我来查'],
    ['you may leave once it is done', '你明天来了拿完就走人，很快'],
    ['a redo with reassurance', '签名错了不要紧，重签一下就好'],
    ['starting over together, with 您', '那我们从头来，先报一下您的手机号'],
    ['clueless, then asks for the caller', '这个我也一头雾水，我帮您问问'],
    ['apologising for a colleague who sent the caller away', '上回同事让你去问街道办，实在抱歉，这个我们这儿就能办'],
    ['a pointer with 你可以 and a number', '你可以打12345问问，那边晚上也有人接'],
    ['a pointer with help said with 你', '这个你问一下你们居委会，我这边也帮你登记上'],
    ['the caller said it several times and the agent noted it', '你说了好几遍的那个地址我都记下来了'],
    ['a board, and the agent tells the way too', '门口有导视牌，你过去看一眼就知道，我也跟你说下，在三楼'],
    ['owning an unclear explanation', '可能我说得不清楚，我换个说法'],
    ['locking time stated with 您', '我们六点锁门，您明天来也行'],
  ])('no banned phrase: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it.each([
    '我们规范里不允许说快点要下班了这种话',
    '规定不能说你去问别的部门，这件事我们负责到底',
    '上面不是写好了吗这种话，我们是不能说的',
    '按要求不能对群众说不行重填，我们得一项一项教',
    '禁用语里有一条就是已经告诉你一遍了还不懂',
    '不能让群众自己看牌子，我们要主动讲清楚',
  ])('the agent quoting the norm is no violation: %s', (line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('a bare "别问我" after 不清楚 is the B01 brush-off, not B02; with an office it is B02', () => {
    expect(idsOf('这个我不清楚，你别问我了')).toEqual(['B01']);
    expect(idsOf('别问我，问街道办去')).toEqual(['B02']);
  });
  it('"don\'t call here" with no office named sends nobody anywhere: no B02', () => {
    expect(idsOf('打错了吧，这里是政务中心，别往这儿打了')).not.toContain('B02');
  });
});
