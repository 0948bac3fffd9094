/**
 * Sampling pages: `/settings/sampling` (supervisors, admins) sets the rate per line or agent and
 * draws a day's sample into the queue; `POST /calls/:id/missed-findings` (officers, supervisors) records a
 * problem the rules missed on a sampled call (rule, time in seconds, note). Data: web/sampling-data.ts.
 * Forms that do not pass their check go back to the page with a notice (no 400 page).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../infra/db/pool.js';
import { RULE_NAMES } from '../../domain/labels.js';
import type { User } from '../../domain/user.js';
import { signedInUser } from '../plugins/security.js';
import { backFilter } from '../queue-filter.js';
import { filterChoices } from '../../infra/db/reviews-repository.js';
import { addMissedFinding, drawSample, listSamplingRates, setSamplingRate, type SamplingRate } from '../../infra/db/sampling-repository.js';
import { esc, filterQuery, formatDateTime, layout } from '../views.js';
import type { CallContext } from './call-context.js';
import { callParams, csrfCheck, field, form, query } from './common.js';

/** What the routes need. */
export interface SamplingRouteOptions {
  db: Pool;
  /** The zone days are read in for drawing: STATS_TZ, as the daily sampling run reads them (workers/daily-sampling.ts). */
  timeZone: string;
  calls: CallContext;
}

const NOTICES: Record<string, (n: number) => string> = {
  saved: () => '已保存抽检比例。',
  drawn: (n) => `已抽取 ${n} 通未标记的通话进入复核队列（标记为“抽检”）。`,
  invalid: () => '输入无效：比例须为 0–100 的数，线路或坐席须填写，日期须为 yyyy-mm-dd。',
};

const rateForm = z.object({
  scope: z.enum(['line', 'agent']),
  key: z.string().trim().min(1).max(100),
  percent: z.coerce.number().min(0).max(100),
});
const drawForm = z.object({
  date: z
    .string()
    .regex(/^[12]\d{3}-\d{2}-\d{2}$/)
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)),
});
/** A missed finding: a rule id of the norms (RULE_NAMES), a time in seconds, a note (e.g. the phrase said). */
const missedForm = z.object({
  rule: z.string().regex(/^[a-z_]{3,40}$/),
  start: z.coerce.number().min(0).max(86_400),
  note: z.string().trim().max(500).default(''),
});

function pageHtml(
  user: User,
  csrf: string,
  rates: SamplingRate[],
  choices: { agents: string[]; lines: string[] },
  notice?: string,
): string {
  const rows = rates
    .map(
      (r) =>
        `<tr><td>${r.scope === 'line' ? '线路' : '坐席'}</td><td>${esc(r.key)}</td><td>${(r.rate * 100).toFixed(1)}%</td><td>${esc(r.setBy)}</td><td>${esc(formatDateTime(r.setAt))}</td></tr>`,
    )
    .join('');
  const list = (id: string, values: string[]) =>
    `<datalist id="${id}">${values.map((v) => `<option value="${esc(v)}">`).join('')}</datalist>`;
  const hidden = `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
  return layout({
    title: '抽检设置',
    user,
    csrf,
    body: `<h1>抽检设置</h1>${notice ? `<p role="status">${esc(notice)}</p>` : ''}
<p class="note">每天从规则未标记的通话中按比例随机抽取一部分进入复核队列（标记为“抽检”），复核员整通下结论并登记规则漏检的问题；月度统计据此给出各规则的漏检率及其置信区间。坐席的比例优先于其线路的比例。</p>
<table><thead><tr><th>范围</th><th>线路/坐席</th><th>抽检比例</th><th>设置人</th><th>设置时间</th></tr></thead><tbody>${rows || '<tr><td colspan="5">尚未设置抽检比例。</td></tr>'}</tbody></table>
<form method="post" action="/settings/sampling" class="filters">${hidden}
<label>范围<select name="scope"><option value="line">线路</option><option value="agent">坐席</option></select></label>
<label>线路或坐席工号<input name="key" list="sampling-keys" required maxlength="100"></label>${list('sampling-keys', [...choices.lines, ...choices.agents])}
<label>抽检比例（%）<input type="number" name="percent" min="0" max="100" step="0.1" required></label>
<button type="submit">保存比例</button></form>
<form method="post" action="/settings/sampling/draw" class="filters">${hidden}
<label>抽取日期<input type="date" name="date" required></label><button type="submit">按比例抽取该日通话</button></form>`,
  });
}

/** Registers the sampling routes. */
export const samplingRoutes: FastifyPluginAsyncZod<SamplingRouteOptions> = async (app, opts) => {
  const { db, calls } = opts;
  const roles = { roles: ['supervisor', 'admin'] as User['role'][] };
  app.get('/settings/sampling', { config: roles, schema: { querystring: query({ notice: field, n: field }) } }, async (req, reply) => {
    const { notice: code, n: count } = req.query;
    const notice =
      code !== undefined && Object.hasOwn(NOTICES, code)
        ? NOTICES[code]!(count !== undefined && /^\d{1,6}$/.test(count) ? Number(count) : 0)
        : undefined;
    const html = pageHtml(signedInUser(req), reply.generateCsrf(), await listSamplingRates(db), await filterChoices(db), notice);
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.post(
    '/settings/sampling',
    { config: roles, schema: { body: form({ scope: field, key: field, percent: field }) }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const checked = rateForm.safeParse(req.body);
      if (!checked.success) return reply.redirect('/settings/sampling?notice=invalid', 303);
      await setSamplingRate(db, checked.data.scope, checked.data.key, checked.data.percent / 100, signedInUser(req).username);
      return reply.redirect('/settings/sampling?notice=saved', 303);
    },
  );
  app.post(
    '/settings/sampling/draw',
    { config: roles, schema: { body: form({ date: field }) }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const checked = drawForm.safeParse(req.body);
      if (!checked.success) return reply.redirect('/settings/sampling?notice=invalid', 303);
      const drawn = await drawSample(db, checked.data.date, opts.timeZone);
      return reply.redirect(`/settings/sampling?notice=drawn&n=${drawn.length}`, 303);
    },
  );
  app.post(
    '/calls/:id/missed-findings',
    {
      schema: { params: callParams, body: form({ rule: field, start: field, note: field, back: field }) },
      config: { roles: ['officer', 'supervisor'] },
      preHandler: csrfCheck(app),
    },
    async (req, reply) => {
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const checked = missedForm.safeParse(req.body);
      const back = backFilter(req.body.back);
      const valid = checked.success && Object.hasOwn(RULE_NAMES, checked.data.rule);
      if (!valid || !call.sampled)
        return reply.redirect(
          `/calls/${call.recordingId}${filterQuery(back, { notice: call.sampled ? 'missed-invalid' : 'not-sampled' })}#missed`,
          303,
        );
      await addMissedFinding(db, call.recordingId, {
        ruleId: checked.data.rule,
        startSec: checked.data.start,
        note: checked.data.note,
        reviewer: signedInUser(req).username,
      });
      return reply.redirect(`/calls/${call.recordingId}${filterQuery(back, { notice: 'missed-saved' })}#missed`, 303);
    },
  );
};
