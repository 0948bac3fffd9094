/**
 * `/settings/dismiss-reasons` (supervisors and admins): the dismiss reasons officers pick from
 * (infra/db/dismiss-reasons-repository.ts), with forms to add a reason (1–60 characters, no control characters), retire one
 * and bring a retired one back. A label that does not pass goes back to the page with a notice.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../infra/db/pool.js';
import type { User } from '../../domain/user.js';
import {
  addDismissReason,
  listDismissReasons,
  setDismissReasonActive,
  type DismissReason,
} from '../../infra/db/dismiss-reasons-repository.js';
import { signedInUser } from '../plugins/security.js';
import { esc, formatDateTime, layout } from '../views.js';
import { csrfCheck, field, form, query } from './common.js';

// A reason is one line of plain text: control characters (U+0000–U+001F: tabs, line breaks, NUL) are refused.
// eslint-disable-next-line no-control-regex -- the control characters are what this pattern finds
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
const labelField = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .refine((s) => !CONTROL_CHARACTER.test(s));

const NOTICES: Record<string, string> = {
  added: '已添加驳回理由。',
  retired: '已停用该理由。',
  restored: '已恢复该理由。',
  invalid: '理由须为 1–60 个字符。',
};

function pageHtml(user: User, csrf: string, reasons: DismissReason[], notice?: string): string {
  const rows = reasons
    .map(
      (
        r,
      ) => `<tr><td>${esc(r.label)}</td><td>${r.active ? '使用中' : '已停用'}</td><td>${esc(r.createdBy)}</td><td>${esc(formatDateTime(r.createdAt))}</td>
<td><form method="post" action="/settings/dismiss-reasons/${r.id}/${r.active ? 'retire' : 'restore'}" class="inline"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<button type="submit">${r.active ? '停用' : '恢复'}</button></form></td></tr>`,
    )
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

/** Registers `/settings/dismiss-reasons` and its forms (supervisors and admins). */
export const dismissReasonRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, opts) => {
  const roles = { roles: ['supervisor', 'admin'] as User['role'][] };
  const idParams = z.object({
    id: z
      .string()
      .regex(/^[0-9]{1,9}$/)
      .transform(Number),
  });
  app.get('/settings/dismiss-reasons', { config: roles, schema: { querystring: query({ notice: field }) } }, async (req, reply) => {
    const code = req.query.notice;
    const notice = code !== undefined && Object.hasOwn(NOTICES, code) ? NOTICES[code] : undefined;
    const html = pageHtml(signedInUser(req), reply.generateCsrf(), await listDismissReasons(opts.db, true), notice);
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.post(
    '/settings/dismiss-reasons',
    { config: roles, schema: { body: form({ label: field }) }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const label = labelField.safeParse(req.body.label);
      if (!label.success) return reply.redirect('/settings/dismiss-reasons?notice=invalid', 303);
      await addDismissReason(opts.db, label.data, signedInUser(req).username);
      return reply.redirect('/settings/dismiss-reasons?notice=added', 303);
    },
  );
  for (const action of ['retire', 'restore'] as const) {
    app.post(
      `/settings/dismiss-reasons/:id/${action}`,
      { config: roles, schema: { params: idParams, body: form({}) }, preHandler: csrfCheck(app) },
      async (req, reply) => {
        const found = await setDismissReasonActive(opts.db, req.params.id, action === 'restore');
        if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('没有这个理由。');
        return reply.redirect(`/settings/dismiss-reasons?notice=${action === 'retire' ? 'retired' : 'restored'}`, 303);
      },
    );
  }
};
