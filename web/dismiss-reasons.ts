/**
 * The dismiss reasons of the review workspace (migration 020): the list officers pick from when they
 * dismiss a finding or find nothing wrong with a whole call, kept by supervisors (and admins) on
 * `/settings/dismiss-reasons`: add a reason, retire one, bring a retired one back. Retired reasons stay in
 * the table (decisions store the wording they were given), so history never changes. Officers add free
 * text in the decision's comment. Stored by infra/db/dismiss-reasons-repository.ts; this module is the page.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../infra/db/pool.js';
import { addDismissReason, listDismissReasons, setDismissReasonActive, type DismissReason } from '../infra/db/dismiss-reasons-repository.js';
import type { User } from '../domain/user.js';
import { esc, formatDateTime, layout } from './views.js';

const labelField = z.string().trim().min(1).max(60).refine((s) => !/[\u0000-\u001f]/.test(s));

const NOTICES: Record<string, string> = { added: '已添加驳回理由。', retired: '已停用该理由。', restored: '已恢复该理由。', invalid: '理由须为 1–60 个字符。' };

function pageHtml(user: User, csrf: string, reasons: DismissReason[], notice?: string): string {
  const rows = reasons
    .map((r) => `<tr><td>${esc(r.label)}</td><td>${r.active ? '使用中' : '已停用'}</td><td>${esc(r.createdBy)}</td><td>${esc(formatDateTime(r.createdAt))}</td>
<td><form method="post" action="/settings/dismiss-reasons/${r.id}/${r.active ? 'retire' : 'restore'}" class="inline"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<button type="submit">${r.active ? '停用' : '恢复'}</button></form></td></tr>`)
    .join('\n');
  return layout({
    title: '驳回理由',
    user,
    csrf,
    body: `<h1>驳回理由</h1>${notice ? `<p role="status">${esc(notice)}</p>` : ''}
<p class="note">质检员驳回发现（或判定整通无问题）时从下表的“使用中”理由里选择，并可在备注里补充说明。停用的理由不再出现在选项里，已有的复核记录不变。</p>
<table><thead><tr><th>理由</th><th>状态</th><th>添加人</th><th>添加时间</th><th>操作</th></tr></thead><tbody>${rows}</tbody></table>
<form method="post" action="/settings/dismiss-reasons" class="filters"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<label>新理由<input name="label" maxlength="60" required></label><button type="submit">添加</button></form>`,
  });
}

/** Registers `/settings/dismiss-reasons` (supervisors and admins). */
export function registerDismissReasonRoutes(app: FastifyInstance, deps: { db: Pool }): void {
  const roles = { roles: ['supervisor', 'admin'] as User['role'][] };
  const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,9}$' } }, required: ['id'] } as const;
  app.get('/settings/dismiss-reasons', { config: roles }, async (req, reply) => {
    const code = (req.query as Record<string, unknown>).notice;
    const notice = typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code] : undefined;
    const html = pageHtml(req.user!, reply.generateCsrf(), await listDismissReasons(deps.db, true), notice);
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.post('/settings/dismiss-reasons', { config: roles, preHandler: app.csrfProtection }, async (req, reply) => {
    const label = labelField.safeParse((req.body as Record<string, unknown> | undefined)?.label);
    if (!label.success) return reply.redirect('/settings/dismiss-reasons?notice=invalid', 303);
    await addDismissReason(deps.db, label.data, req.user!.username);
    return reply.redirect('/settings/dismiss-reasons?notice=added', 303);
  });
  for (const action of ['retire', 'restore'] as const) {
    app.post(`/settings/dismiss-reasons/:id/${action}`, { config: roles, schema: { params: idParams }, preHandler: app.csrfProtection }, async (req, reply) => {
      const found = await setDismissReasonActive(deps.db, Number((req.params as { id: string }).id), action === 'restore');
      if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('没有这个理由。');
      return reply.redirect(`/settings/dismiss-reasons?notice=${action === 'retire' ? 'retired' : 'restored'}`, 303);
    });
  }
}
