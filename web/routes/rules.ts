/**
 * Rules management in the review workspace (supervisors and admins; officers get 403): `/rules` shows the
 * active ruleset (version, who activated it and when, its YAML read-only), the saved versions and the
 * activation history, and a form to save a new version; `/rules/versions/:id` shows one saved version.
 * Saving checks the text with `parseRuleset` (errors shown with their line next to the text, nothing saved)
 * and refuses a `version:` that exists already; activating appends to the activation history with who and
 * when (infra/ruleset-store.ts). Every form carries the CSRF token. New reports are scored with the active
 * ruleset from the next analyze job on; `callqa rescore` re-scores older ones.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../infra/db/pool.js';
import { DEFAULT_RULESET_PATH, defaultRuleset } from '../../rules/ruleset.js';
import { activateRulesetVersion, RulesetStoreError, saveRulesetVersion } from '../../infra/ruleset-store.js';
import { getRulesetVersion, listRulesetActivations, listRulesetVersions } from '../../infra/db/rulesets-repository.js';
import { readFileSync } from 'node:fs';
import type { Role, User } from '../../domain/user.js';
import { signedInUser } from '../plugins/security.js';
import { esc, formatDateTime, layout } from '../views.js';
import { csrfCheck, field, form, query, rowId } from './common.js';

/** Largest ruleset text accepted from the form, in characters. */
const MAX_YAML_CHARS = 256 * 1024;

/** The shipped file's text, read once (shown when no saved version is active). */
let shippedText: string | undefined;
function shippedYaml(): string {
  shippedText ??= readFileSync(DEFAULT_RULESET_PATH, 'utf8');
  return shippedText;
}

/** A read-only YAML block with line numbers; `mark` (1-based) is highlighted. */
function yamlBlock(yaml: string, label: string, mark?: number, range?: [number, number]): string {
  const lines = yaml.split('\n');
  const [from, to] = range ?? [1, lines.length];
  const body = lines
    .slice(from - 1, to)
    .map((l, i) => {
      const n = from + i;
      return `<span class="yl${n === mark ? ' bad' : ''}"><span class="ln" aria-hidden="true">${n}</span>${esc(l)}</span>`;
    })
    .join('\n');
  return `<pre class="yaml" tabindex="0" aria-label="${esc(label)}">${body}</pre>`;
}

const STYLE = `<style>
pre.yaml{background:#f7f7f7;border:1px solid #ccc;padding:.5rem;max-height:28rem;overflow:auto;font-size:.85rem;line-height:1.35}
pre.yaml .ln{display:inline-block;width:3.5em;color:#888;user-select:none}
pre.yaml .bad{background:#ffd9d9;display:inline-block;width:100%}
textarea.yaml{width:100%;font-family:monospace;font-size:.85rem}
.active-mark{color:#2c7a2c;font-weight:bold}
</style>`;

/** The `/rules` page. */
function rulesPageHtml(opts: {
  user: User;
  csrf: string;
  active: { version: string; by?: string; at?: Date; yaml: string; shipped: boolean };
  versions: Awaited<ReturnType<typeof listRulesetVersions>>;
  activations: Awaited<ReturnType<typeof listRulesetActivations>>;
  draft: string;
  error?: { message: string; line?: number };
  notice?: string;
}): string {
  const { active, csrf } = opts;
  const activateForm = (id: string, label: string) => `<form method="post" action="/rules/activate" class="inline">
<input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="id" value="${esc(id)}"><button type="submit">${esc(label)}</button></form>`;
  const versionRows = opts.versions
    .map(
      (
        v,
      ) => `<tr><td><a href="/rules/versions/${v.id}">${esc(v.version)}</a></td><td>${esc(v.savedBy)}</td><td>${esc(formatDateTime(v.savedAt))}</td>
<td>${v.active ? '<span class="active-mark">当前启用</span>' : activateForm(String(v.id), `启用 ${v.version}`)}</td></tr>`,
    )
    .join('\n');
  const shippedRow = `<tr><td>${esc(defaultRuleset().version)}（随软件发布的文件）</td><td>—</td><td>—</td>
<td>${active.shipped ? '<span class="active-mark">当前启用</span>' : activateForm('shipped', '恢复使用随软件发布的规则')}</td></tr>`;
  const activationRows = opts.activations
    .map(
      (a) =>
        `<li>${esc(formatDateTime(a.activatedAt))} ${esc(a.activatedBy)} 启用了 <strong>${esc(a.version ?? `${defaultRuleset().version}（随软件发布的文件）`)}</strong></li>`,
    )
    .join('');
  const err = opts.error;
  const errorLines = opts.draft.split('\n').length;
  const errorHtml = err
    ? `<div id="yaml-error" role="alert"><p class="error">未保存：${err.line ? `第 ${err.line} 行：` : ''}${esc(err.message)}</p>
${err.line ? yamlBlock(opts.draft, `第 ${err.line} 行附近`, err.line, [Math.max(1, err.line - 3), Math.min(errorLines, err.line + 3)]) : ''}</div>`
    : '';
  return layout({
    title: '规则管理',
    user: opts.user,
    csrf,
    body: `${STYLE}<h1>规则管理</h1>
${opts.notice ? `<p role="status">${esc(opts.notice)}</p>` : ''}
<section aria-labelledby="ah"><h2 id="ah">当前启用的规则集</h2>
<p>版本 <strong id="active-version">${esc(active.version)}</strong>${active.shipped ? '（随软件发布的文件 rules/service-norms.ruleset.yaml）' : ''}
${active.by ? ` · 由 ${esc(active.by)} 于 ${esc(formatDateTime(active.at))} 启用` : ''}</p>
<p class="note">新分析的通话使用当前启用的规则集评分；已有报告可用 <code>callqa rescore --from 日期 --to 日期</code> 按当前规则重新评分。</p>
${yamlBlock(active.yaml, `当前规则集 ${active.version}`)}
</section>
<section aria-labelledby="vh"><h2 id="vh">已保存的版本</h2>
<table><thead><tr><th scope="col">版本</th><th scope="col">保存人</th><th scope="col">保存时间</th><th scope="col">状态 / 操作</th></tr></thead>
<tbody>${versionRows}
${shippedRow}</tbody></table>
${activationRows ? `<h3>启用记录</h3><ol class="history">${activationRows}</ol>` : ''}
</section>
<section aria-labelledby="nh"><h2 id="nh">保存新版本</h2>
<p class="note">在下面修改规则集（YAML，写法见 docs/ruleset-language.md），并把 <code>version:</code> 改成一个新的版本号。保存前会检查格式和规则；保存后需在上表中点“启用”才会生效。</p>
${errorHtml}
<form method="post" action="/rules">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<p><label for="yaml">规则集 YAML</label><br>
<textarea id="yaml" name="yaml" class="yaml" rows="24" spellcheck="false" required${err ? ' aria-invalid="true" aria-describedby="yaml-error"' : ''}>${esc(opts.draft)}</textarea></p>
<p><button type="submit">检查并保存</button></p>
</form>
</section>`,
  });
}

/**
 * Registers `/rules`, `/rules/versions/:id`, `POST /rules` and `POST /rules/activate` on the workspace's
 * server (its sign-in, role (`config.roles`) and CSRF checks apply).
 */
export const rulesRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, opts) => {
  const roles: Role[] = ['supervisor', 'admin'];
  const { db } = opts;

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { draft?: string; error?: { message: string; line?: number }; notice?: string } = {},
    status = 200,
  ) {
    const [versions, activations] = await Promise.all([listRulesetVersions(db), listRulesetActivations(db)]);
    const current = versions.find((v) => v.active);
    const latest = activations[0];
    const active = current
      ? {
          version: current.version,
          by: latest?.activatedBy,
          at: latest?.activatedAt,
          yaml: (await getRulesetVersion(db, current.id))!.yaml!,
          shipped: false,
        }
      : { version: defaultRuleset().version, by: latest?.activatedBy, at: latest?.activatedAt, yaml: shippedYaml(), shipped: true };
    const html = rulesPageHtml({
      user: signedInUser(req),
      csrf: reply.generateCsrf(),
      active,
      versions,
      activations,
      draft: extra.draft ?? active.yaml,
      error: extra.error,
      notice: extra.notice,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  app.get('/rules', { config: { roles }, schema: { querystring: query({ notice: field }) } }, async (req, reply) =>
    page(req, reply, { notice: req.query.notice?.slice(0, 200) }),
  );

  app.get('/rules/versions/:id', { config: { roles }, schema: { params: z.object({ id: rowId }) } }, async (req, reply) => {
    const row = await getRulesetVersion(db, req.params.id);
    if (!row) return reply.code(404).type('text/plain; charset=utf-8').send('没有这个规则集版本。');
    const body = `${STYLE}<p><a href="/rules">← 返回规则管理</a></p><h1>规则集 ${esc(row.version)}</h1>
<p>由 ${esc(row.savedBy)} 于 ${esc(formatDateTime(row.savedAt))} 保存${row.active ? ' · <span class="active-mark">当前启用</span>' : ''}</p>
${yamlBlock(row.yaml!, `规则集 ${row.version}`)}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: `规则集 ${row.version}`, user: signedInUser(req), csrf: reply.generateCsrf(), body }));
  });

  app.post(
    '/rules',
    { config: { roles }, bodyLimit: 2 * 1024 * 1024, schema: { body: form({ yaml: field }) }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const yaml = req.body.yaml?.replace(/\r\n/g, '\n') ?? '';
      if (!yaml.trim()) return page(req, reply, { draft: yaml, error: { message: '规则集内容为空。' } }, 400);
      if (yaml.length > MAX_YAML_CHARS)
        return page(
          req,
          reply,
          { draft: yaml.slice(0, MAX_YAML_CHARS), error: { message: `规则集过长（上限 ${MAX_YAML_CHARS} 字符）。` } },
          400,
        );
      try {
        const saved = await saveRulesetVersion(db, yaml, signedInUser(req).username);
        return reply.redirect(`/rules?notice=${encodeURIComponent(`已保存版本 ${saved.version}（尚未启用）。`)}`, 303);
      } catch (error) {
        if (!(error instanceof RulesetStoreError)) throw error;
        const message = error.kind === 'duplicate' ? `版本号已存在，请修改 version:（${error.message}）` : error.message;
        return page(req, reply, { draft: yaml, error: { message, line: error.line } }, error.kind === 'duplicate' ? 409 : 400);
      }
    },
  );

  app.post(
    '/rules/activate',
    { config: { roles }, schema: { body: form({ id: field }) }, preHandler: csrfCheck(app) },
    async (req, reply) => {
      const { id: sent } = req.body;
      const id = sent === 'shipped' ? null : sent !== undefined && /^[0-9]{1,15}$/.test(sent) ? Number(sent) : undefined;
      if (id === undefined) return page(req, reply, { error: { message: '请选择要启用的版本。' } }, 400);
      try {
        const version = await activateRulesetVersion(db, id, signedInUser(req).username);
        return reply.redirect(`/rules?notice=${encodeURIComponent(`已启用规则集 ${version}，新分析的通话将按此评分。`)}`, 303);
      } catch (error) {
        if (!(error instanceof RulesetStoreError)) throw error;
        return page(
          req,
          reply,
          { error: { message: error.kind === 'not_found' ? '没有这个规则集版本。' : `无法启用：${error.message}` } },
          error.kind === 'not_found' ? 404 : 400,
        );
      }
    },
  );
};
