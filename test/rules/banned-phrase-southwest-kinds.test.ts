/**
 * banned_phrase on kinds of wording of southwestern and northwestern agents (Sichuan, Chongqing, Shaanxi, Henan,
 * Gansu), many of them ASR output written word by word: the regional function words 额 / 俺 / 恁 / 各人 / 啥子 /
 * 咋个 / 木有 inside banned wordings (各 only as written: 个人 is no 各人), local sayings (瓜, 瓷马二楞, 脑壳里装的
 * 浆糊, 两眼一抹黑, 耳朵打蚊子去了, 捡到要紧的说), southwestern 好久 ("how long") and 起 ("written"), 晓 written 小
 * by ASR, "ask whoever you should", a form declared void, a posted notice, "you think we're idle", a 闲 heard
 * for 嫌, a banned meaning in the middle of a long unpunctuated ASR line, a reproach followed by help; and the
 * near misses of the same shape: "I know, I know", the caller not knowing, an office named for a step it does,
 * an office ending in 区, an apology, a condition next to the words, 申请你 (no 请你). Sentences of their own, not
 * from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { regionalForms, reachPieces } from '../../rules/meaning.js';
import { bannedIdsOfAgentLine } from './helpers.js';

const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那这个事到底咋个弄嘛');

describe('southwestern and northwestern function words', () => {
  it('gives concept words their regional forms', () => {
    expect(regionalForms('你自己看')).toEqual(['你自己看', '恁自己看', '你各人看', '恁各人看']);
    expect(regionalForms('我们闲')).toEqual(['我们闲', '额们闲', '俺们闲']);
    expect(regionalForms('那么能干')).toEqual(['那么能干', '恁能干']);
    expect(regionalForms('怎么还不懂')).toEqual(['怎么还不懂', '咋个还不懂', '咋还不懂']);
    expect(regionalForms('没有完')).toEqual(['没有完', '冇有完', '木有完', '没得完']);
  });

  it('cuts a clause whose breaks ASR lost into pieces at word boundaries, and leaves short clauses alone', () => {
    const short: [number, number][] = [
      [0, 8],
      [9, 20],
    ];
    expect(reachPieces(short, () => [])).toBe(short);
    const words = [
      '二期',
      '的话',
      '协议',
      '签',
      '了',
      '之后',
      '先是',
      '评估',
      '结果',
      '公示',
      '公示',
      '完',
      '了',
      '再',
      '走',
      '财政',
      '拨付',
      '你',
      '协议',
      '上',
      '有个',
      '编号',
    ];
    const length = words.join('').length;
    const pieces = reachPieces([[0, length]], () => words);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces[0]![0]).toBe(0);
    expect(pieces.at(-1)![1]).toBe(length);
    for (const [s, e] of pieces.slice(0, -1)) expect(e - s).toBeGreaterThanOrEqual(10);
  });
});

describe('banned_phrase: kinds of southwestern and northwestern agents', () => {
  it.each([
    ['B01', 'not a clue, nobody can say', '这个补偿啥时候发，俺这儿一点谱都没有，谁也说不准。'],
    ['B01', '咋能晓得 with 额', '额咋能晓得他们批不批。'],
    ['B01', '晓 written 小 by ASR', '这个 政策 我 小 不 得'],
    ['B01', 'in the dark oneself', '审批那边的事我也两眼一抹黑。'],
    [
      'B01',
      'in a long unpunctuated ASR line, its condition far away',
      '拆迁 的话 要 先 签 协议 签 了 之后 评估 公示 公示 完 了 再 走 财政 拨付 你 把 协议 收好 鬼 晓得 好久 才 拨 得 下来',
    ],
    ['B02', 'ask whoever you should', '该问谁你就问谁去，问我做啥嘛。'],
    ['B02', '各人 + the talent centre + 莫问我', '你 各人 找 人才 中心 去 嘛 莫 问 我'],
    ['B03', 'void, tear it up and write another', '你这张涂得乱七八糟的，不算数，撕了另写一张。'],
    ['B03', 'void, fetch another and fill it in', '这份不算，重新拿一张来填过。'],
    ['B04', 'a posted notice, look yourself', '楼道里贴的通告，你自己瞅去。'],
    ['B04', 'all written up there, look yourself with 各人', '大厅门口有个板板，上头都写着，你各人去看。'],
    ['B05', 'written with 起, plainly', '网上那个指南里头不是明明白白写起的哇？'],
    ['B05', 'the same, ASR word by word with slips', '网上 那个 指南 里头 不 是 名名白白 些 起 的 哇'],
    ['B07', 'pick out the important bit before closing', '你捡到要紧的说，我们五点半就关门了。'],
    ['B07', 'stop rambling, closing soon', '莫东拉西扯的，马上下班了。'],
    ['B08', 'told you, still not taking it in', '刚才就给你说了，你咋还听不进去？'],
    ['B08', 'a reproach followed by help, 我给 inside the telling', '前头俺给恁说过一回，咋还转不过弯嘞，有房产证可以先报名。'],
    ['B08', 'ears off swatting mosquitoes', '我讲了半天，你耳朵打蚊子去了？'],
    ['B08', '申请你 holds no polite 请你', '社区让你申请你就申请，刚才给你说了，你咋还听不进去。'],
    ['B09', 'you think we are idle', '你以为我们闲得很嗦，电话一个接一个的。'],
    ['B09', 'you take me for idle', '我这儿忙得转不开身，你当我是闲着呢？'],
    ['B09', 'the only caller', '一摊子事等着，你当就你一个人打电话啊。'],
    ['B10', '瓜', '你这个人咋个这么瓜，房子和户口都分不清。'],
    ['B10', '瓷马二楞', '你咋瓷马二楞的，协议都不看。'],
    ['B10', 'a head full of paste', '你脑壳里装的浆糊嗦，这都搞不清。'],
    ['B10', 'in the dark, said of the caller', '你两眼一抹黑就来签字？'],
    ['B14', 'capable in regional words, do not come', '你能行得很，那你别上我们这儿来办。'],
    ['B14', '恁 for 那么, do it yourself', '恁那么能耐，恁自己修去，别来俺这儿。'],
    ['B14', 'you mind us being slow, 莫来', '你嫌我们慢，那你莫来我们这点办撒。'],
    ['B14', '嫌 heard 闲 by ASR', '你 闲 我们 慢 那 你 莫 来 我们 这 点 办'],
    ['B15', 'how long will you keep at it', '你到底还要扯好久嘛，扯过来扯过去的。'],
    ['B15', 'finished nattering yet', '你啰嗦完了没得？'],
    ['B15', 'round and round with 缠好久, not B08', '一件事翻来覆去讲，你还要缠好久？'],
  ])('%s: %s', (id, _kind, line) => {
    expect(idsOf(line)).toEqual([id]);
  });

  it.each([
    ['I know, I know (ASR word by word)', '晓得 了 晓得 了 星期 一 上午 带 身份证 来 办'],
    ['the caller not knowing what he signed', '这是你自家签的你不晓得？协议第三条就是补偿方式。'],
    ['in the dark, then finding out', '这个我也两眼一抹黑，我帮您问一下科长再回您电话。'],
    ['a condition right next to the words in an unpunctuated line', '要是 没 签 协议 的话 鬼 晓得 好久 才 有'],
    ['an office named for a step it does', '那你找原单位开证明，开好了寄到新疆那边。'],
    ['an office ending in 区 is no 去', '社区可以上门，你找社区。'],
    ['a void column fixed in the system', '涂改了也不要紧，不算数的那栏我在系统里改，不用另写一张。'],
    ['a posted notice read out', '楼道里贴的那张通告我给你念一下：周三停暖检修。'],
    ['个人 is no 各人', '板板上写着的是缴费档次，员工个人去看看自己的缴费记录就行了。'],
    ['written with 起, read out and booked', '指南上头写起的是工作日，周末不办，我给您约周一。'],
    ['no hurry, closing later', '不急，你捡到要紧的先说，我们六点才下班。'],
    ['an apology for speaking too fast', '不好意思，刚才给您说得太快了，您没听进去我再说一遍。'],
    ['still not clear, said with a condition', '听不醒豁的话我再给你讲一遍。'],
    ['not idle, with 您', '您别以为我们闲着不管，这个事我们一直在跟，有结果马上通知您。'],
    ['瓜 of the agent herself', '我这个人有点瓜，刚才把您的号码记错了，不好意思。'],
    ['瓜 in 西瓜', '西瓜地的补偿按亩算，一亩两千。'],
    ['slow, another way offered', '您要是嫌我们这儿慢，也可以在网上办，不用跑。'],
    ['finished, no hurry', '不急，您慢慢说，说完了没关系，我再给您查。'],
    ['好久 as a wait', '这个手续要等好久，您耐心等一下。'],
  ])('no banned phrase: %s', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });

  it('reads 听不醒豁 after "I told you twice" as B08, not as calling the caller muddle-headed', () => {
    expect(idsOf('我都跟你说了两遍了，你咋个还是听不醒豁呢？')).toEqual(['B08']);
  });
});
