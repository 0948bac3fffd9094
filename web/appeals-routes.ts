/**
 * Appeal pages (申诉, issue 12): an agent appeals a confirmed finding of their call from the call page
 * (`POST /calls/:id/findings/:fid/appeal`); `/appeals` lists an agent's own appeals, or for supervisors and
 * admins every appeal with the pending ones first; a supervisor upholds or overturns one
 * (`POST /appeals/:aid/decision`). Data and the rules of an appeal: web/appeals-data.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../infra/db/pool.js';
import { phraseName, ruleName } from '../domain/labels.js';
import type { Report } from '../domain/report.js';
import type { User } from '../domain/user.js';
import { appealRefusal, APPEAL_REFUSALS, decideAppeal } from './appeals-data.js';
import { appealsOfCall, fileAppeal, getAppeal, listAppeals, type Appeal } from '../infra/db/appeals-repository.js';
import { reportKeyOf } from '../infra/db/reports-repository.js';
import type { AppealNotifier } from './appeal-notifications.js';
import type { CallView } from './review-data.js';
import { esc, formatDateTime, layout } from './views.js';

/** What the routes need from the server. */
export interface AppealRouteDeps {
  db: Pool;
  /** WEB_APPEAL_DAYS. */
  appealDays: number;
  openCall(req: FastifyRequest, reply: FastifyReply): Promise<CallView | undefined>;
  loadReport(key: string): Promise<Report | undefined>;
  /** Masks numbers for roles that see them masked (domain/privacy.ts). */
  mask(user: User): (text: string) => string;
  phraseLabels(): Promise<Record<string, string>>;
  /** E-mails on filing and deciding (web/appeal-notifications.ts; a no-op without SMTP settings). */
  notifier: AppealNotifier;
}

const STATUS_NAMES: Record<Appeal['status'], string> = { pending: '待处理', upheld: '维持原判', overturned: '已改判（驳回该发现）' };
const NOTICES: Record<string, string> = { decided: '已处理申诉。', gone: '该申诉已处理过。', invalid: '请选择处理结果。' };

const appealForm = z.object({ reason: z.string().trim().min(1).max(2000) });
const decisionForm = z.object({ outcome: z.enum(['upheld', 'overturned']), note: z.string().trim().max(2000).default('') });

function pageHtml(user: User, csrf: string, appeals: Appeal[], mask: (t: string) => string, labels: Record<string, string>, notice?: string): string {
  const canDecide = user.role === 'supervisor';
  const pending = appeals.filter((a) => a.status === 'pending').length;
  const rows = appeals
    .map((a) => `<tr id="appeal-${a.id}"><td><a href="/calls/${a.recordingId}#finding-${a.findingId}">${esc(a.callId)}</a></td><td>${esc(a.agentId ?? '—')}</td>
<td>${esc([ruleName(a.ruleId), a.phraseId ? phraseName(a.phraseId, labels) : ''].filter(Boolean).join(' '))}<br><span class="note">“${esc(mask(a.text))}”</span></td>
<td>${esc(mask(a.reason))}<br><span class="note">${esc(a.appellant)} ${esc(formatDateTime(a.createdAt))}</span></td>
<td class="status-${a.status === 'pending' ? 'pending' : a.status === 'overturned' ? 'dismissed' : 'confirmed'}">${STATUS_NAMES[a.status]}${a.decidedBy ? `<br><span class="note">${esc(a.decidedBy)} ${esc(formatDateTime(a.decidedAt))}${a.decisionNote ? `：${esc(mask(a.decisionNote))}` : ''}</span>` : ''}</td>
<td>${canDecide && a.status === 'pending' ? `<form method="post" action="/appeals/${a.id}/decision"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<label><input type="radio" name="outcome" value="overturned" required> 改判（驳回该发现，不再扣分）</label><br>
<label><input type="radio" name="outcome" value="upheld"> 维持原判</label><br>
<label>说明 <input name="note" maxlength="2000"></label> <button type="submit">提交</button></form>` : ''}</td></tr>`)
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
export function findingAppealHtml(opts: { user: User; call: CallView; findingId: number; appeals: Map<number, Appeal>; appealDays: number; csrf: string; mask: (t: string) => string }): string {
  const appeal = opts.appeals.get(opts.findingId);
  if (appeal) {
    return `<p class="appeal">申诉（${esc(appeal.appellant)} ${esc(formatDateTime(appeal.createdAt))}）：${esc(opts.mask(appeal.reason))} — <strong>${STATUS_NAMES[appeal.status]}</strong></p>`;
  }
  if (opts.user.role !== 'agent' || appealRefusal(opts.call, opts.findingId, new Set(opts.appeals.keys()), opts.appealDays)) return '';
  return `<form method="post" action="/calls/${opts.call.recordingId}/findings/${opts.findingId}/appeal" class="appeal"><input type="hidden" name="_csrf" value="${esc(opts.csrf)}">
<label>申诉理由（确认后 ${opts.appealDays} 天内，每条发现限一次）<br><textarea name="reason" rows="2" cols="40" maxlength="2000" required></textarea></label>
<button type="submit">提交申诉</button></form>`;
}

/** Registers the appeal routes. */
export function registerAppealRoutes(app: FastifyInstance, deps: AppealRouteDeps): void {
  const { db } = deps;
  const findingParams = {
    type: 'object',
    properties: { id: { type: 'string', pattern: '^[0-9a-f]{40}$' }, fid: { type: 'string', pattern: '^[0-9]{1,15}$' } },
    required: ['id', 'fid'],
  } as const;
  app.post('/calls/:id/findings/:fid/appeal', { schema: { params: findingParams }, config: { roles: ['agent'] }, preHandler: app.csrfProtection }, async (req, reply) => {
    const call = await deps.openCall(req, reply);
    if (!call) return reply;
    const fid = Number((req.params as { fid: string }).fid);
    const form = appealForm.safeParse(req.body);
    const appeals = await appealsOfCall(db, call.recordingId);
    const refusal = appealRefusal(call, fid, new Set(appeals.keys()), deps.appealDays);
    const message = refusal === 'too_late' ? `${APPEAL_REFUSALS.too_late}发现确认后 ${deps.appealDays} 天内可申诉。` : refusal ? APPEAL_REFUSALS[refusal] : !form.success ? '请填写申诉理由（最多 2000 字）。' : undefined;
    if (message) {
      return reply.code(400).type('text/html; charset=utf-8').send(layout({
        title: '无法申诉', user: req.user, csrf: reply.generateCsrf(),
        body: `<h1>无法申诉</h1><p>${esc(message)}</p><p><a href="/calls/${call.recordingId}#finding-${fid}">返回这通通话</a></p>`,
      }));
    }
    const appealId = await fileAppeal(db, { recordingId: call.recordingId, findingId: fid, appellant: req.user!.username, reason: form.data!.reason });
    // After the appeal is saved and never awaited: a slow or failing mail server does not touch the appeal.
    void getAppeal(db, appealId).then((a) => (a ? deps.notifier.appealFiled(a) : false)).catch(() => false);
    return reply.redirect(`/calls/${call.recordingId}?notice=appeal-filed#finding-${fid}`, 303);
  });

  app.get('/appeals', { config: { roles: ['agent', 'supervisor', 'admin'] } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const notice = typeof q.notice === 'string' && Object.hasOwn(NOTICES, q.notice) ? NOTICES[q.notice] : undefined;
    const html = pageHtml(req.user!, reply.generateCsrf(), await listAppeals(db, req.user!), deps.mask(req.user!), await deps.phraseLabels(), notice);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  const appealParams = { type: 'object', properties: { aid: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['aid'] } as const;
  app.post('/appeals/:aid/decision', { schema: { params: appealParams }, config: { roles: ['supervisor'] }, preHandler: app.csrfProtection }, async (req, reply) => {
    const form = decisionForm.safeParse(req.body);
    if (!form.success) return reply.redirect('/appeals?notice=invalid', 303);
    const report = async (recordingId: string) => {
      const key = await reportKeyOf(db, recordingId);
      return key ? deps.loadReport(key) : undefined;
    };
    const done = await decideAppeal(db, Number((req.params as { aid: string }).aid), { outcome: form.data.outcome, note: form.data.note, by: req.user!.username }, report);
    if (done) {
      const aid = Number((req.params as { aid: string }).aid);
      void getAppeal(db, aid).then((a) => (a ? deps.notifier.appealDecided(a, form.data.outcome, form.data.note) : false)).catch(() => false);
    }
    return reply.redirect(`/appeals?notice=${done ? 'decided' : 'gone'}`, 303);

  });
}
