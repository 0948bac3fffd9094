/**
 * Appeal pages (申诉): an agent appeals a confirmed finding of their call from the call page
 * (`POST /calls/:id/findings/:fid/appeal`); `/appeals` lists an agent's own appeals, or for supervisors and
 * admins every appeal with the pending ones first; a supervisor upholds or overturns one
 * (`POST /appeals/:aid/decision`). Data and the rules of an appeal: web/appeals-data.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import type { Logger } from '../../infra/logger.js';
import { bannedPhraseLabels, phraseName, ruleName } from '../../domain/labels.js';
import { activeRuleset } from '../../infra/ruleset-store.js';
import type { User } from '../../domain/user.js';
import { appealRefusal, APPEAL_REFUSALS, decideAppeal } from '../appeals-data.js';
import { appealsOfCall, fileAppeal, getAppeal, listAppeals, type Appeal } from '../../infra/db/appeals-repository.js';
import { reportKeyOf } from '../../infra/db/reports-repository.js';
import { createAppealNotifier } from '../appeal-notifications.js';
import { signedInUser } from '../plugins/security.js';
import type { CallView } from '../review-data.js';
import { esc, formatDateTime, layout } from '../views.js';
import type { CallContext } from './call-context.js';
import { csrfCheck, field, findingParams, form, maskFor, query, rowId } from './common.js';

/** What the routes need. */
export interface AppealRouteOptions {
  /** WEB_APPEAL_DAYS and the masking roles (`web`); SMTP settings for the e-mails (web/appeal-notifications.ts). */
  config: Config;
  db: Pool;
  calls: CallContext;
  log: Logger;
}

const STATUS_NAMES: Record<Appeal['status'], string> = { pending: '待处理', upheld: '维持原判', overturned: '已改判（驳回该发现）' };
const NOTICES: Record<string, string> = { decided: '已处理申诉。', gone: '该申诉已处理过。', invalid: '请选择处理结果。' };

const appealForm = z.object({ reason: z.string().trim().min(1).max(2000) });
const decisionForm = z.object({ outcome: z.enum(['upheld', 'overturned']), note: z.string().trim().max(2000).default('') });

function pageHtml(
  user: User,
  csrf: string,
  appeals: Appeal[],
  mask: (t: string) => string,
  labels: Record<string, string>,
  notice?: string,
): string {
  const canDecide = user.role === 'supervisor';
  const pending = appeals.filter((a) => a.status === 'pending').length;
  const rows = appeals
    .map(
      (
        a,
      ) => `<tr id="appeal-${a.id}"><td><a href="/calls/${a.recordingId}#finding-${a.findingId}">${esc(a.callId)}</a></td><td>${esc(a.agentId ?? '—')}</td>
<td>${esc([ruleName(a.ruleId), a.phraseId ? phraseName(a.phraseId, labels) : ''].filter(Boolean).join(' '))}<br><span class="note">“${esc(mask(a.text))}”</span></td>
<td>${esc(mask(a.reason))}<br><span class="note">${esc(a.appellant)} ${esc(formatDateTime(a.createdAt))}</span></td>
<td class="status-${a.status === 'pending' ? 'pending' : a.status === 'overturned' ? 'dismissed' : 'confirmed'}">${STATUS_NAMES[a.status]}${a.decidedBy ? `<br><span class="note">${esc(a.decidedBy)} ${esc(formatDateTime(a.decidedAt))}${a.decisionNote ? `：${esc(mask(a.decisionNote))}` : ''}</span>` : ''}</td>
<td>${
        canDecide && a.status === 'pending'
          ? `<form method="post" action="/appeals/${a.id}/decision"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<label><input type="radio" name="outcome" value="overturned" required> 改判（驳回该发现，不再扣分）</label><br>
<label><input type="radio" name="outcome" value="upheld"> 维持原判</label><br>
<label>说明 <input name="note" maxlength="2000"></label> <button type="submit">提交</button></form>`
          : ''
      }</td></tr>`,
    )
    .join('\n');
  return layout({
    title: '申诉',
    user,
    csrf,
    body: `<h1>申诉</h1>${notice ? `<p role="status">${esc(notice)}</p>` : ''}
<p>${user.role === 'agent' ? '您提交的申诉。' : ''}待处理 <strong id="pending-appeals">${pending}</strong> 条。</p>
<table><thead><tr><th>通话</th><th>坐席</th><th>发现</th><th>申诉理由</th><th>状态</th><th>处理</th></tr></thead><tbody>
${rows || '<tr><td colspan="6">没有申诉。</td></tr>'}</tbody></table>`,
  });
}

/** The appeal part of a finding on the call page: its status, or (agents) the form while an appeal is allowed. */
export function findingAppealHtml(opts: {
  user: User;
  call: CallView;
  findingId: number;
  appeals: Map<number, Appeal>;
  appealDays: number;
  csrf: string;
  mask: (t: string) => string;
}): string {
  const appeal = opts.appeals.get(opts.findingId);
  if (appeal) {
    return `<p class="appeal">申诉（${esc(appeal.appellant)} ${esc(formatDateTime(appeal.createdAt))}）：${esc(opts.mask(appeal.reason))} — <strong>${STATUS_NAMES[appeal.status]}</strong></p>`;
  }
  if (opts.user.role !== 'agent' || appealRefusal(opts.call, opts.findingId, new Set(opts.appeals.keys()), opts.appealDays)) return '';
  return `<form method="post" action="/calls/${opts.call.recordingId}/findings/${opts.findingId}/appeal" class="appeal"><input type="hidden" name="_csrf" value="${esc(opts.csrf)}">
<label>申诉理由（确认后 ${opts.appealDays} 天内，每条发现限一次）<br><textarea name="reason" rows="2" cols="40" maxlength="2000" required></textarea></label>
<button type="submit">提交申诉</button></form>`;
}

/**
 * Registers the appeal routes; e-mails on filing and deciding go out through the appeal notifier (a no-op
 * without SMTP settings), closed with the server.
 */
export const appealRoutes: FastifyPluginAsyncZod<AppealRouteOptions> = async (app, opts) => {
  const { db, calls } = opts;
  const appealDays = opts.config.web.appealDays;
  const notifier = createAppealNotifier(opts.config, db, opts.log);
  app.addHook('onClose', async () => notifier.close());

  app.post(
    '/calls/:id/findings/:fid/appeal',
    { schema: { params: findingParams, body: form({ reason: field }) }, config: { roles: ['agent'] }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const user = signedInUser(req);
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const { fid } = req.params;
      const checked = appealForm.safeParse(req.body);
      const appeals = await appealsOfCall(db, call.recordingId);
      const refusal = appealRefusal(call, fid, new Set(appeals.keys()), appealDays);
      const message =
        refusal === 'too_late'
          ? `${APPEAL_REFUSALS.too_late}发现确认后 ${appealDays} 天内可申诉。`
          : refusal
            ? APPEAL_REFUSALS[refusal]
            : !checked.success
              ? '请填写申诉理由（最多 2000 字）。'
              : undefined;
      if (message || !checked.success) {
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .send(
            layout({
              title: '无法申诉',
              user,
              csrf: reply.generateCsrf(),
              body: `<h1>无法申诉</h1><p>${esc(message ?? '')}</p><p><a href="/calls/${call.recordingId}#finding-${fid}">返回这通通话</a></p>`,
            }),
          );
      }
      const appealId = await fileAppeal(db, {
        recordingId: call.recordingId,
        findingId: fid,
        appellant: user.username,
        reason: checked.data.reason,
      });
      // After the appeal is saved and never awaited: a slow or failing mail server does not touch the appeal.
      void getAppeal(db, appealId)
        .then((a) => (a ? notifier.appealFiled(a) : false))
        .catch(() => false);
      return reply.redirect(`/calls/${call.recordingId}?notice=appeal-filed#finding-${fid}`, 303);
    },
  );

  app.get(
    '/appeals',
    { config: { roles: ['agent', 'supervisor', 'admin'] }, schema: { querystring: query({ notice: field }) } },
    async (req, reply) => {
      const user = signedInUser(req);
      const code = req.query.notice;
      const notice = code !== undefined && Object.hasOwn(NOTICES, code) ? NOTICES[code] : undefined;
      const labels = bannedPhraseLabels(await activeRuleset(db));
      const html = pageHtml(user, reply.generateCsrf(), await listAppeals(db, user), maskFor(opts.config.web, user), labels, notice);
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.post(
    '/appeals/:aid/decision',
    {
      schema: { params: z.object({ aid: rowId }), body: form({ outcome: field, note: field }) },
      config: { roles: ['supervisor'] },
      preHandler: csrfCheck(app),
    },
    async (req, reply) => {
      const checked = decisionForm.safeParse(req.body);
      if (!checked.success) return reply.redirect('/appeals?notice=invalid', 303);
      const report = async (recordingId: string) => {
        const key = await reportKeyOf(db, recordingId);
        return key ? calls.loadReport(key) : undefined;
      };
      const { aid } = req.params;
      const { outcome, note } = checked.data;
      const done = await decideAppeal(db, aid, { outcome, note, by: signedInUser(req).username }, report);
      if (done)
        void getAppeal(db, aid)
          .then((a) => (a ? notifier.appealDecided(a, outcome, note) : false))
          .catch(() => false);
      return reply.redirect(`/appeals?notice=${done ? 'decided' : 'gone'}`, 303);
    },
  );
};
