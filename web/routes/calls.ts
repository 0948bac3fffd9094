/**
 * The call page and its single decisions: `GET /calls/:id` (report, transcript, findings, review forms;
 * the queue filter of the query string kept for the back and next-call links), `GET /calls/:id/transcript.txt`
 * (masked for roles that see numbers masked), `POST /calls/:id/findings/:fid/decisions` and
 * `POST /calls/:id/decisions` (officers, supervisors: one decision on a finding, or on a call without
 * findings), and `GET /assets/call.js`, the call page's script. The call page's one review form is
 * web/routes/review.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import { formatTime } from '../../pipeline/report/render-html.js';
import { callScript } from '../assets.js';
import { listDismissReasons } from '../../infra/db/dismiss-reasons-repository.js';
import { signedInUser } from '../plugins/security.js';
import { backFilter, parseQueueFilter, queueFilterFields } from '../queue-filter.js';
import { recordCallDecision } from '../../infra/db/reviews-repository.js';
import { recordDecision } from '../review-data.js';
import { errorPage, filterQuery } from '../views.js';
import type { CallContext } from './call-context.js';
import { callParams, csrfCheck, field, findingParams, form, maskFor, query, sendHtml } from './common.js';

/** Fixed notices of the call page (`?notice=CODE`); unknown codes show nothing. */
const CALL_NOTICES: Record<string, string> = {
  skipped: '已跳过上一通，这是队列里的下一通。',
  'missed-saved': '已登记漏检。',
  'missed-invalid': '漏检未登记：请选择规则并填写时间（秒）。',
  'not-sampled': '只有抽检抽中的通话可以登记漏检。',
  'appeal-filed': '已提交申诉，等待质检主管处理。',
};

/** A decision form as posted from the call page: decision, reason (a listed dismiss reason), comment, queue filter. */
const decisionBody = form({ decision: field, reason: field, comment: field, back: field });

/** A checked decision form. `reason` only for dismissals; `comment` at most 2000 characters. */
interface DecisionForm {
  decision: 'confirmed' | 'dismissed' | 'comment';
  reason: string;
  comment: string;
}

/**
 * Checks a decision form (on a finding or on a whole call).
 *
 * @param missingReason the message when a dismissal has no listed reason (the two forms word it differently)
 * @param reasons the dismiss reasons in use (infra/db/dismiss-reasons-repository.ts)
 * @returns the form, or the message to show when it is incomplete
 */
function readDecisionForm(
  body: { decision?: string; reason?: string; comment?: string },
  missingReason: string,
  reasons: string[],
): DecisionForm | string {
  const { decision } = body;
  const reason = body.reason?.trim() ?? '';
  const comment = body.comment?.trim().slice(0, 2000) ?? '';
  if (decision !== 'confirmed' && decision !== 'dismissed' && decision !== 'comment') return '请选择复核结论。';
  if (decision === 'dismissed' && !reasons.includes(reason)) return missingReason;
  if (decision === 'comment' && !comment) return '请填写备注。';
  return { decision, reason, comment };
}

/** Answers 400 with the message and a link back to the call the form was on. */
function refuseDecision(req: FastifyRequest, reply: FastifyReply, recordingId: string, message: string): FastifyReply {
  return sendHtml(
    reply,
    errorPage('无法保存', message, req.user, reply.generateCsrf(), { href: `/calls/${recordingId}`, label: '返回这通通话' }),
    400,
  );
}

/** What the routes need. */
export interface CallRouteOptions {
  config: Config;
  db: Pool;
  calls: CallContext;
}

/** Registers the call page, its transcript download, the single-decision forms and the page's script. */
export const callRoutes: FastifyPluginAsyncZod<CallRouteOptions> = async (app, opts) => {
  const { config, db, calls } = opts;
  const dismissReasonLabels = async () => (await listDismissReasons(db)).map((r) => r.label);

  app.get(
    '/calls/:id',
    { schema: { params: callParams, querystring: query({ ...queueFilterFields, saved: field, notice: field }) } },
    async (req, reply) => {
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const { saved: savedParam, notice: code } = req.query;
      const saved = savedParam !== undefined && savedParam !== '' ? savedParam : undefined;
      const notice =
        saved === '1'
          ? '已保存复核结论。'
          : saved && /^[\w.-]{1,100}$/.test(saved)
            ? `已保存通话 ${saved} 的复核结论，这是队列里的下一通。`
            : code !== undefined && Object.hasOwn(CALL_NOTICES, code)
              ? CALL_NOTICES[code]
              : undefined;
      return calls.renderCallPage(req, reply, call, { back: parseQueueFilter(req.query), notice });
    },
  );

  app.get('/calls/:id/transcript.txt', { schema: { params: callParams } }, async (req, reply) => {
    const call = await calls.openCall(req, reply, req.params.id);
    if (!call) return reply;
    const transcript = await calls.loadTranscript(call.objectKey);
    if (!transcript) return reply.code(404).type('text/plain; charset=utf-8').send('转写文件缺失。');
    const m = maskFor(config.web, signedInUser(req));
    const names: Record<string, string> = { agent: '坐席', customer: '来电人', unknown: '未知' };
    const lines = transcript.segments.map(
      (s) => `[${formatTime(s.start)}–${formatTime(s.end)}] ${names[s.speaker] ?? s.speaker}：${m(s.text)}`,
    );
    return reply
      .type('text/plain; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="transcript-${call.recordingId}.txt"`)
      .header('Cache-Control', 'no-store')
      .send(`通话 ${call.callId}\n${lines.join('\n')}\n`);
  });

  app.post(
    '/calls/:id/findings/:fid/decisions',
    { schema: { params: findingParams, body: decisionBody }, config: { roles: ['officer', 'supervisor'] }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const user = signedInUser(req);
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const { fid } = req.params;
      const bad = (message: string) => refuseDecision(req, reply, call.recordingId, message);
      const checked = readDecisionForm(req.body, '驳回必须选择理由。', await dismissReasonLabels());
      if (typeof checked === 'string') return bad(checked);
      const { decision, reason, comment } = checked;
      if (!call.findings.some((f) => f.id === fid)) return bad('该发现不属于此通话。');
      const report = await calls.loadReport(call.reportKey);
      if (!report) return sendHtml(reply, errorPage('无法保存', '报告文件缺失，无法重算得分。', user, reply.generateCsrf()), 503);
      await recordDecision(
        db,
        {
          recordingId: call.recordingId,
          findingId: fid,
          decision,
          reason: decision === 'dismissed' ? reason : undefined,
          comment,
          reviewer: user.username,
        },
        report,
      );
      app.metrics.decisions.inc({ decision });
      return reply.redirect(`/calls/${call.recordingId}?saved=1#finding-${fid}`, 303);
    },
  );

  app.post(
    '/calls/:id/decisions',
    { schema: { params: callParams, body: decisionBody }, config: { roles: ['officer', 'supervisor'] }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const user = signedInUser(req);
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const bad = (message: string) => refuseDecision(req, reply, call.recordingId, message);
      const checked = readDecisionForm(req.body, '选“无问题”必须选择理由。', await dismissReasonLabels());
      if (typeof checked === 'string') return bad(checked);
      const { decision, reason, comment } = checked;
      if (call.findings.length || call.reviewStatus === 'none') return bad('此通话请逐条复核发现。');
      await recordCallDecision(db, {
        recordingId: call.recordingId,
        decision,
        reason: decision === 'dismissed' ? reason : undefined,
        comment,
        reviewer: user.username,
      });
      app.metrics.decisions.inc({ decision });
      return reply.redirect(`/calls/${call.recordingId}${filterQuery(backFilter(req.body.back), { saved: '1' })}#call-review`, 303);
    },
  );

  app.get('/assets/call.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'private, max-age=300').send(callScript(config.channelMap.agent)),
  );
};
