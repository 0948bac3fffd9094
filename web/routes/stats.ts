/**
 * Monthly statistics in the review workspace: `/stats` lists the months built into the results bucket
 * (`stats/<yyyy-mm>/`, see pipeline/stats/build.ts) with their files, and `/stats/<month>/<file>` hands one
 * out from object storage: the workbook and CSV files as downloads, the HTML report inline. Supervisors and
 * admins only (the files hold per-agent figures). Names are checked against the fixed set the build writes,
 * so a request never reaches another key.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { statsFileNames } from '../../pipeline/stats/tables.js';
import type { Role } from '../../domain/user.js';
import { signedInUser } from '../plugins/security.js';
import { esc, layout } from '../views.js';

/** `/stats/:month/…`: a month `yyyy-mm` of this millennium and a file name of lower-case letters, digits, dots and hyphens. */
const fileParams = z.object({ month: z.string().regex(/^2\d{3}-(0[1-9]|1[0-2])$/), file: z.string().regex(/^[a-z0-9.-]{1,64}$/) });

/** Content type and whether it is a download, per file-name ending. */
function fileType(name: string): { type: string; download: boolean } | undefined {
  if (name.endsWith('.xlsx')) return { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', download: true };
  if (name.endsWith('.csv')) return { type: 'text/csv; charset=utf-8', download: true };
  if (name.endsWith('.html')) return { type: 'text/html; charset=utf-8', download: false };
  if (name.endsWith('.json')) return { type: 'application/json; charset=utf-8', download: true };
  return undefined;
}

/** The files a month may hold, by name inside its folder. */
function allowedNames(month: string): Set<string> {
  return new Set(statsFileNames(month));
}

const FILE_LABELS: [RegExp, string][] = [
  [/\.xlsx$/, '工作簿（Excel）'],
  [/\.html$/, '图表报告（网页）'],
  [/^stats\.json$/, '全部数据（JSON）'],
  [/\.csv$/, 'CSV'],
];

/**
 * Registers the routes on the workspace's server (its sign-in and role checks apply: `config.roles`).
 *
 * @param deps.bucket the results bucket (S3_RESULTS_BUCKET)
 */
export const statsRoutes: FastifyPluginAsyncZod<{ storage: ObjectStorage; bucket: string }> = async (app, deps) => {
  const roles: Role[] = ['supervisor', 'admin'];

  app.get('/stats', { config: { roles } }, async (req, reply) => {
    const months = new Map<string, string[]>();
    for await (const o of deps.storage.list(deps.bucket, 'stats/')) {
      const m = /^stats\/(\d{4}-\d{2})\/(.+)$/.exec(o.key);
      if (m && allowedNames(m[1]!).has(m[2]!)) months.set(m[1]!, [...(months.get(m[1]!) ?? []), m[2]!]);
    }
    const rows = [...months.entries()]
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([month, names]) => {
        const links = names
          .sort()
          .map(
            (n) =>
              `<a href="/stats/${esc(month)}/${n.split('/').map(encodeURIComponent).join('/')}">${esc(FILE_LABELS.find(([re]) => re.test(n))?.[1] ?? '')} ${esc(n)}</a>`,
          )
          .join('<br>');
        return `<tr><td>${esc(month)}</td><td>${links}</td></tr>`;
      })
      .join('\n');
    const body = `<h1>月度统计</h1>
<p>每月 1 日凌晨自动生成上月统计；复核补录后可由管理员运行 <code>callqa stats --month yyyy-mm</code> 重新生成。</p>
${rows ? `<table><thead><tr><th>月份</th><th>文件</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>尚无统计。</p>'}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: '月度统计', user: signedInUser(req), body, csrf: reply.generateCsrf() }));
  });

  const send = async (month: string, name: string, reply: FastifyReply) => {
    const type = fileType(name);
    if (!type || !allowedNames(month).has(name)) return reply.code(404).type('text/plain; charset=utf-8').send('没有这个文件。');
    const key = `stats/${month}/${name}`;
    const found = await deps.storage.stat(deps.bucket, key);
    if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('没有这个文件。');
    const body = await deps.storage.client.getObject(deps.bucket, key);
    reply.type(type.type).header('Content-Length', String(found.size));
    if (type.download) reply.header('Content-Disposition', `attachment; filename="${name.replace('csv/', `${month}-`)}"`);
    return reply.send(body);
  };
  app.get('/stats/:month/:file', { config: { roles }, schema: { params: fileParams } }, (req, reply) =>
    send(req.params.month, req.params.file, reply),
  );
  app.get('/stats/:month/csv/:file', { config: { roles }, schema: { params: fileParams } }, (req, reply) =>
    send(req.params.month, `csv/${req.params.file}`, reply),
  );
};
