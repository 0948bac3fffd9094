/**
 * banned_phrase, opening_greeting and the recorded prompt on kinds of agents of the southern coast (Guangdong,
 * Fujian, Zhejiang, Shanghai, Jiangsu): banned meanings hidden in cold officialese and buck-passing (打官腔),
 * Cantonese, Min and Wu words, a mock 您; and the near misses of the same shape that must not hit — a proper
 * referral in officialese, a rule explained with an offer to help, a cold but legitimate refusal, a
 * reassurance that nothing needs redoing, 中 meaning "OK", 嫌…麻烦 as the banned wording, the agent repeating
 * the caller's words. Sentences of their own, not from any labelled set.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTranscript } from '../../rules/analyze.js';
import { bannedIdsOfAgentLine, rule } from './helpers.js';

const idsOf = (line: string): string[] => bannedIdsOfAgentLine(line, '那我这个事到底要怎么弄');

describe('banned_phrase: kinds of coastal agents (officialese, Cantonese, Min, Wu)', () => {
  it.each([
    ['B01', 'no official line, cannot answer', '这个情况我们这边暂无相关口径，答复不了。'],
    ['B01', 'no official line said with 您', '您问的政策目前没有统一口径。'],
    ['B01', 'Cantonese nobody can say', '几时批落来冇人讲得准，你等住啦。'],
    ['B01', 'Cantonese how would I know', '你以前单位有冇交，我点知啊。'],
    ['B01', 'asking is in vain', '手续费这块问了也白问。'],
    ['B02', 'not our remit, consult on your own', '这个事项不在本中心受理范围，请您自行咨询相关职能部门。'],
    ['B02', 'not ours, look for them yourself', '签注不归我们管，你自己找出入境去。'],
    ['B02', 'relevant department on your own, no office named', '具体的你自行联系有关部门吧。'],
    ['B03', 'rejected, check it yourself', '格式不规范就退回，你自己对照一下。'],
    ['B03', '中来 for 重来 after a rejection', '表填错了，中来一张。'],
    ['B04', "look against the sign, I won't explain on the phone", '一楼有块流程牌，你照着看就行，电话里我就不讲了。'],
    ['B05', 'Cantonese "isn\'t it written"', '回执上面唔系写咗咩，你冇睇啊？'],
    ['B05', '"not written on it?" answered by the agent', '办事指南上没写吗？写了你就按指南带。'],
    ['B07', 'closing hour, the clock, a bare hurry', '我们五点半停止受理，现在五点二十了，快点。'],
    ['B08', 'explained clearly, still cannot understand, mock 您', '我已经解释得很清楚了，您还是理解不了，我也没办法。'],
    ['B09', 'people queueing, no time to talk', '窗口后面排了十几个人，没时间跟你在电话里慢慢讲。'],
    ['B09', 'Cantonese no time', '我呢度好多人等紧，冇时间同你倾。'],
    ['B09', 'busy and the caller asking again (not B15)', '我忙都忙死了，你还要问来问去。'],
    ['B11', 'head broken, go to hospital', '你脑子有毛病吧，去医院查查。'],
    ['B12', 'sent upward, not responsible to listen', '有不同意见，您向上级部门写材料反映，我们这里不负责听。'],
    ['B13', 'the dare with 好了 and the manner defended', '您要投诉我好了，我就是这么讲话的。'],
    ['B14', "Cantonese so clever, don't call us", '你咁醒，就唔好打来问啦。'],
    ['B14', 'so knowing, why call, do it online yourself', '你那么懂，还打来干嘛，自己网上弄去。'],
    ['B14', '嫌…麻烦 with words between', '嫌跑来跑去麻烦，就别来我们这办。'],
    ['B15', 'Cantonese had enough', '你问够未啊？同一个问题问咗好多次。'],
    ['B15', 'Cantonese when will you stop', '你仲要讲几耐先收口？'],
    ['B11', 'Cantonese 黐线', '你系咪黐线啊，讲极都唔明。'],
    ['B10', 'Wu 一团浆糊', '侬脑子一团浆糊。'],
  ])('%s: %s (%s)', (id, _kind, line) => {
    expect(idsOf(line)).toContain(id);
  });

  it('reads busy with the caller asking again as B09 only, not B15', () => {
    expect(idsOf('我忙都忙死了，你还要问来问去。')).toEqual(['B09']);
  });

  it.each([
    ['a referral in officialese with a number', '该事项不属于本中心受理范围，您可以拨打12366咨询税务部门。'],
    ['a referral with a transfer', '这个不归我们管，我帮您转接出入境服务热线。'],
    ['a referral with an address', '这个你要自己去出入境办，地址在人民路一百号。'],
    ['no official line, with a promise to reply', '这个问题暂无口径，我向科室请示后给您回电话。'],
    ['cannot answer on the phone, with a reason', '因为涉及个人信息，电话里无法答复，您带身份证来窗口查。'],
    ['a rule explained with an offer to pre-check', '系统就是这样设计的，逾期未补正会自动终止，材料发我，我帮你预审一下。'],
    ['a cold but legitimate refusal', '不行。规定要本人到场，来不了可以办委托公证。'],
    ['reassurance that nothing needs redoing', '写错一个字没事，不用重填，划掉签个名就行。'],
    ['Cantonese reassurance', '唔使重新填，改咗呢个数签个名就得。'],
    ['中 meaning OK, then come', '中来窗口领就行。'],
    ['a real question whether the return note says it', '退回意见上没写吗？'],
    ['many people find it confusing, reassured', '这个政策好多人都搞不灵清，不要紧，有啥想问尽管问。'],
    ['the agent repeating what the caller said', '您刚才说我们是拎不清，我理解您着急。'],
    ['嫌…麻烦 with another way offered', '嫌来回跑麻烦的话，网上办也可以，不用来。'],
    ['call again tomorrow as the end of a call, no closing time', '先这样，你明天再打过来问吧。'],
    ['hours stated calmly', '我们五点停止办理，现在四点五十，不着急，来得及。'],
    ['a real illness of a relative', '老人家身体有毛病，先去医院开个证明。'],
    ['busy, with an apology', '不好意思，今天排队的人多，让您久等了。'],
    ['a complaint channel given', '对结果有异议，您可以向上级主管部门申请复核，电话是12345。'],
    ['explained again on offer', '如果我刚才没讲清楚，您还是不理解的话，我再给您讲一遍。'],
  ])('no banned phrase: %s (%s)', (_kind, line) => {
    expect(idsOf(line)).toEqual([]);
  });
});

/** The opening_greeting status of a call whose first utterance (agent, at 0 s) is `greeting`. */
function greetingOf(greeting: string, first?: { speaker: 'unknown'; text: string }): string {
  const segments = [
    ...(first ? [{ start: 0, end: 4, speaker: first.speaker, text: first.text }] : []),
    { start: first ? 11.5 : 0.5, end: first ? 15 : 4, speaker: 'agent' as const, text: greeting },
    { start: first ? 16 : 5, end: first ? 19 : 8, speaker: 'customer' as const, text: '喂 你好 我想问一下' },
  ];
  return rule(analyzeTranscript({ callId: 'greeting', durationSec: 20, segments }, { now: new Date(0) }), 'opening_greeting').status;
}

describe('opening_greeting: coastal openings and ASR slips', () => {
  it.each([
    ['好 clipped, 您 run into the name', '您 苏州市吴中区政务服务中心 请讲'],
    ['哈喽 then a clipped 您', '哈喽 您 宁波市鄞州区行政服务中心'],
    ['哈喽, 您好 and the name', '哈喽，您好，温州市政务服务中心，请讲。'],
    ['a long centre name', '您好，杭州市12345政务服务热线中心，请讲。'],
  ])('passes: %s (%s)', (_kind, greeting) => {
    expect(greetingOf(greeting)).toBe('pass');
  });

  it.each([
    ['哈喽 without 您好', '哈喽，常州市政务服务中心。'],
    ['哈喽, please speak', '哈喽，请讲。'],
    ['a name sounding like 您 (宁) is no 您', '宁波市行政服务中心，请讲。'],
    ['a work number only', '工号三三零一，请讲。'],
    ['a hotline, no 中心', '您好，12345市民服务热线，请讲。'],
  ])('fails: %s (%s)', (_kind, greeting) => {
    expect(greetingOf(greeting)).toBe('fail');
  });

  it.each([
    ['录 dropped from the notice', '欢迎致电南通市政务服务中心，通话可能会被音，请稍候。'],
    ['the prompt asking to wait for a person', '欢迎致电厦门市行政服务中心，人工服务请稍候。'],
  ])('a recorded prompt before the greeting is no speech: %s', (_kind, prompt) => {
    expect(greetingOf('您好，厦门市行政服务中心，请讲。', { speaker: 'unknown', text: prompt })).toBe('pass');
  });
});
