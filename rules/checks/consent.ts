/**
 * `check: consent` (consent_before_hangup): how the call was closed — the agent's ask and the caller's
 * answer, the caller's own closing, a unilateral hang-up, a dropped line.
 */
import type { RuleResult } from '../../domain/report.js';
import type { ConsentRule } from '../ruleset.js';
import { traceHit, type RuleState } from '../analyze/context.js';
import { finding } from '../analyze/findings.js';
import { quote } from '../analyze/notes.js';
import { select } from '../analyze/scope.js';
import type { Utterance } from '../analyze/utterances.js';

/**
 * consent_before_hangup (norms 三、文明用语 2: "中断或挂止电话，应先征得对方同意"). Decision, from the labelled
 * kinds of closing:
 * 1. consent: the agent asks (`ask`, within `askScope`) and the caller says anything after the ask starts —
 *    unless that answer is the caller's last utterance, does not close, and either says there is more
 *    (`callerMore`) or is followed by the agent only checking the line (the line dropped mid-answer:
 *    "行行行，我电话是一五九……" then 喂？); or the caller closes (`callerClose` within `closeScope`: 再见, 拜拜,
 *    没有了 …); or the agent proposes to end (`proposeEnd`: "那先这样好吧？") and the caller's answer agrees
 *    (`callerAgree`: 好, 嗯, 行 …) or closes; or the caller's last utterance leaves in anger (`callerLeaves`: 你等着, 我投诉你) and no agent
 *    utterance follows it (the caller hung up);
 * 2. a unilateral end: an agent utterance hit by `hangUp` (就这样, 我挂了 …) that is not an answered ask;
 * 3. fail when the agent asks and ends the call in the same utterance with the end after the ask and no answer
 *    from the caller ("还有事吗？没事挂了啊。"), even after the caller's own closing words; fail when there
 *    is a unilateral end and no consent before it, or the caller raised something new between
 *    the last consent and the unilateral end, or the answer taken as consent itself said there was more
 *    (`callerMore`: "还有一个…" to "还有别的事吗？", then "你下回再打吧，挂了"); pass when there is consent otherwise;
 * 4. otherwise, when after the caller's last words the agent says nothing or first only checks the line
 *    (`lineCheck`: 喂？还在吗？先生？), the caller's line dropped: `na` (whatever the agent says after that check,
 *    an announced end included: "那我先挂了" then asks nobody); else the agent ended without closing: fail.
 * `na` too when either side never speaks.
 */
export function evaluateConsent(rule: ConsentRule, state: RuleState): Omit<RuleResult, 'id'> {
  const { utts, ctx } = state;
  const agent = utts.filter((u) => u.speaker === 'agent');
  const customer = utts.filter((u) => u.speaker === 'customer');
  if (!agent.length || !customer.length) {
    return { status: 'na', findings: [], note: '通话中坐席和来电人没有都讲话，无法判断挂机前是否征得同意' };
  }
  // The caller's line dropped: after the caller's last words the agent's first utterance only checks the line
  // (喂？先生？). An end the agent announces after that ("那我先挂了") asks nobody: it is no unilateral end.
  const lastCustomer = customer.at(-1)!;
  const afterCaller = agent.filter((u) => u.start > lastCustomer.start && u.norm);
  const droppedFrom = afterCaller[0] && rule.lineCheck(afterCaller[0], ctx) ? afterCaller[0].idx : Infinity;
  const saysMore = (c: Utterance): boolean => !!rule.callerMore?.(c, ctx) && !rule.callerClose(c, ctx);
  let consentIdx = -1;
  let consentNote = '';
  const answeredAsks = new Set<number>();
  let askedAndHungUp: Utterance | undefined;
  for (const u of select(state, rule.askScope)) {
    const reply = customer.find((c) => c.start > u.start && c.end > u.end);
    // A proposal to end is an ask only when the caller agrees to it (or closes): "那先这样好吧？" answered by
    // "等一下" or a new question asked nothing the caller consented to. Unanswered, it is an ask not waited for.
    const proposed = rule.proposeEnd?.(u, ctx);
    const agreed = proposed && (!reply || rule.callerAgree?.(reply, ctx) || rule.callerClose(reply, ctx));
    const askHit = rule.ask(u, ctx) ?? (agreed ? proposed : null);
    if (!askHit) continue;
    if (state.trace) traceHit(state, 'ask', u, askHit);
    // The caller's last words answer the ask but do not close: they say there is more ("还有一个…"), or the
    // line dropped while the caller was still talking (the agent next only checks the line). No consent.
    const unfinished = reply === lastCustomer && !rule.callerClose(reply, ctx) && (saysMore(reply) || droppedFrom !== Infinity);
    if (!reply) {
      // Asked and hung up in one breath ("还有事吗？没事挂了啊。") with no answer from the caller: the ask
      // did not wait for one, so it is no consent, whatever the caller said before.
      const h = rule.hangUp(u, ctx);
      if (h && h.start >= askHit.end) {
        askedAndHungUp = u;
        if (state.trace) traceHit(state, 'hangUp', u, h);
      }
    } else {
      answeredAsks.add(u.idx);
      if (!unfinished && reply.idx > consentIdx) {
        consentIdx = reply.idx;
        consentNote = `坐席已征询（${quote(u.text)}），来电人作了回应（${quote(reply.text)}）`;
      }
    }
  }
  for (const u of select(state, rule.closeScope)) {
    const closeHit = u.idx > consentIdx ? rule.callerClose(u, ctx) : null;
    if (closeHit) {
      if (state.trace) traceHit(state, 'callerClose', u, closeHit);
      consentIdx = u.idx;
      consentNote = `来电人表示结束通话（${quote(u.text)}）`;
    }
  }
  // The caller leaves in anger ("你等着！") and the agent says nothing more: the caller hung up.
  const leaveHit = !afterCaller.length && lastCustomer.idx > consentIdx ? rule.callerLeaves?.(lastCustomer, ctx) : null;
  if (leaveHit) {
    if (state.trace) traceHit(state, 'callerLeaves', lastCustomer, leaveHit);
    consentIdx = lastCustomer.idx;
    consentNote = `来电人表示结束通话后挂机（${quote(lastCustomer.text)}）`;
  }
  let hangUp: Utterance | undefined;
  for (const u of agent) {
    const h = answeredAsks.has(u.idx) || u.idx > droppedFrom ? null : rule.hangUp(u, ctx);
    if (!h) continue;
    hangUp = u;
    if (state.trace) traceHit(state, 'hangUp', u, h);
  }
  // A hang-up after consent only counts when the caller raised something new in between ("那就这样，再见"
  // right after the caller's "没有了" is a normal closing).
  // So does an answer to the ask that says there is more ("还有一个…"): the agent ending the call then did not
  // serve it.
  const reopened = (h: Utterance): boolean =>
    consentIdx < 0 ||
    customer.some((c) => c.idx < h.idx && ((c.idx > consentIdx && !rule.callerClose(c, ctx)) || (c.idx === consentIdx && saysMore(c))));
  if (askedAndHungUp && !agent.some((u) => u.idx > askedAndHungUp.idx && rule.ask(u, ctx))) {
    return {
      status: 'fail',
      findings: [finding(state, askedAndHungUp, null, rule.precise, '坐席询问后未等来电人回答就结束通话')],
    };
  }
  if (hangUp && hangUp.idx > consentIdx && reopened(hangUp)) {
    return {
      status: 'fail',
      findings: [finding(state, hangUp, null, rule.precise, '坐席未征得来电人同意就结束通话')],
    };
  }
  if (consentIdx >= 0) return { status: 'pass', findings: [], note: consentNote };
  if (afterCaller.every((u) => rule.lineCheck(u, ctx) || u.idx > droppedFrom)) {
    return { status: 'na', findings: [], note: '来电人一方已断线：来电人最后一句话之后，坐席只在确认线路（如“喂，您还在吗”）' };
  }
  return {
    status: 'fail',
    findings: [
      finding(state, afterCaller.at(-1)!, null, rule.precise, '通话结束前，坐席没有询问来电人是否还有其他事项，来电人也没有表示结束'),
    ],
  };
}
