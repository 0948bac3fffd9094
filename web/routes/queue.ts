/**
 * The review queue: `GET /` (the filtered, paged list of scored calls a user may see; agents see only their
 * own) and `POST /assign` (supervisors, admins: assign the ticked calls to a reviewer, take them back, or
 * spread the filtered pending calls evenly over chosen reviewers). Status messages come from fixed texts
 * ({@link noticeOf}), never from the URL.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bannedPhraseLabels } from '../../domain/labels.js';
import { searchRevealsMaskedDigits } from '../../domain/privacy.js';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import { activeRuleset } from '../../infra/ruleset-store.js';
import { listReviewers } from '../../infra/db/accounts-repository.js';
import type { User } from '../../domain/user.js';
import { countPendingAppeals } from '../../infra/db/appeals-repository.js';
import { signedInUser } from '../plugins/security.js';
import { parseQueueFilter, queueFilterFields, type QueueFilterQuery } from '../queue-filter.js';
import { assignCalls, assignEvenly, filterChoices, queuePage, type QueueFilter } from '../../infra/db/reviews-repository.js';
import { decodeCursor } from '../review-data.js';
import { errorPage, queuePageHtml } from '../views.js';
import { csrfCheck, field, fieldList, form, query, RECORDING_ID, sentField, sendHtml } from './common.js';

/** Shown instead of the results when a search was left out because it could reveal masked numbers. */
const SEARCH_REFUSED_NOTICE =
  '您的角色看到的号码已遮挡，不能按号码搜索转写文本：搜索词里的数字须前后紧挨文字（如“下午3点”），本次未按文本筛选。';

/**
 * Status messages a redirect may ask a page to show (`?notice=CODE`, with counts `n`, `k` and a reviewer's
 * user id `uid`): fixed Chinese texts; only whole numbers and a reviewer's name looked up by id fill them,
 * never text from the URL. Unknown codes show nothing.
 */
const NOTICES: Record<string, (p: { n: number; k: number; name?: string }) => string> = {
  assigned: ({ n, name }) => `已将 ${n} 条通话分配给${name ? ` ${name}` : '所选质检员'}。`,
  unassigned: ({ n }) => `已取消 ${n} 条通话的分配。`,
  evenly: ({ n, k }) => `已平均分配 ${n} 条通话给 ${k} 名质检员。`,
  'no-reviewers': () => '请至少选择一名质检员。',
  'no-calls': () => '请先勾选通话。',
  'bad-reviewer': () => '质检员无效。',
  requeued: ({ n }) => `已重新排队 ${n} 条录音。`,
  'queue-done': () => '队列里没有其他待复核的通话了。',
};

/** The query-string parameters of a notice (see {@link noticeOf}). */
export const noticeFields = { notice: field, n: field, k: field, uid: field };

/** The message of a `notice` code in a query string (see {@link NOTICES}), or undefined. */
export function noticeOf(q: { notice?: string; n?: string; k?: string; uid?: string }, reviewers: User[] = []): string | undefined {
  if (q.notice === undefined || !Object.hasOwn(NOTICES, q.notice)) return undefined;
  const count = (v: string | undefined) => (v !== undefined && /^\d{1,6}$/.test(v) ? Number(v) : 0);
  const uid = count(q.uid);
  return NOTICES[q.notice]!({ n: count(q.n), k: count(q.k), name: reviewers.find((r) => r.id === uid)?.displayName });
}

/** What the routes need. */
export interface QueueRouteOptions {
  web: Config['web'];
  db: Pool;
}

/** Registers `GET /` and `POST /assign`. */
export const queueRoutes: FastifyPluginAsyncZod<QueueRouteOptions> = async (app, opts) => {
  const { web, db } = opts;

  /**
   * The queue filter of a request for `user`. For roles that see masked text, a transcript search that could
   * confirm or reveal masked digits (`searchRevealsMaskedDigits`) is left out, and `searchRefused` says so.
   */
  const queueFilterOf = (user: User, q: QueueFilterQuery, invalid?: string[]): { filter: QueueFilter; searchRefused: boolean } => {
    const filter = parseQueueFilter(q, invalid);
    if (filter.q === undefined || (web.unmaskedRoles as string[]).includes(user.role) || !searchRevealsMaskedDigits(filter.q))
      return { filter, searchRefused: false };
    delete filter.q;
    return { filter, searchRefused: true };
  };

  app.get('/', { schema: { querystring: query({ ...queueFilterFields, ...noticeFields, after: sentField }) } }, async (req, reply) => {
    const user = signedInUser(req);
    const q = req.query;
    const invalid: string[] = [];
    const { filter, searchRefused } = queueFilterOf(user, q, invalid);
    const after = q.after === undefined || q.after === '' ? undefined : typeof q.after === 'string' ? decodeCursor(q.after) : undefined;
    if (q.after !== undefined && q.after !== '' && !after) {
      return sendHtml(reply, errorPage('请求无效', '翻页位置无效，请回到队列第一页。', user, reply.generateCsrf()), 400);
    }
    const started = performance.now();
    const page = await queuePage(db, filter, user, web.assignment, after);
    const elapsedMs = performance.now() - started;
    // Agents see nothing of other agents: no lists of agents and lines, no reviewers.
    const [choices, reviewers] = await Promise.all([
      user.role === 'agent' ? Promise.resolve({ agents: [], lines: [] }) : filterChoices(db),
      user.role === 'officer' || user.role === 'agent' ? Promise.resolve([]) : listReviewers(db),
    ]);
    const pendingAppeals = user.role === 'supervisor' ? await countPendingAppeals(db) : 0;
    const notice =
      [
        searchRefused ? SEARCH_REFUSED_NOTICE : noticeOf(q, reviewers),
        invalid.length ? `以下筛选条件无效，已忽略：${invalid.join('、')}。` : undefined,
        pendingAppeals ? `有 ${pendingAppeals} 条申诉待处理（见“申诉”页）。` : undefined,
      ]
        .filter(Boolean)
        .join(' ') || undefined;
    reply.header('Server-Timing', `db;dur=${elapsedMs.toFixed(1)}`);
    const phraseLabels = bannedPhraseLabels(await activeRuleset(db));
    return sendHtml(
      reply,
      queuePageHtml({ user, csrf: reply.generateCsrf(), filter, page, choices, reviewers, notice, elapsedMs, phraseLabels }),
    );
  });

  app.post(
    '/assign',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: { querystring: query(queueFilterFields), body: form({ mode: field, evenly: fieldList, ids: fieldList, user: field }) },
      preHandler: csrfCheck(app),
    },
    async (req, reply) => {
      const user = signedInUser(req);
      const body = req.body;
      const { filter } = queueFilterOf(user, req.query);
      const back = (notice: keyof typeof NOTICES, counts: Record<string, number> = {}) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
        q.set('notice', notice);
        for (const [k, v] of Object.entries(counts)) q.set(k, String(v));
        return reply.redirect(`/?${q}`, 303);
      };
      const reviewers = await listReviewers(db);
      const byId = new Map(reviewers.map((r) => [r.id, r]));
      if (body.mode === 'evenly') {
        const ids = body.evenly.map(Number).filter((id) => byId.has(id));
        if (!ids.length) return back('no-reviewers');
        const counts = await assignEvenly(db, filter, ids, user.username, user);
        return back('evenly', { n: [...counts.values()].reduce((a, b) => a + b, 0), k: counts.size });
      }
      const recordingIds = body.ids.filter((id) => RECORDING_ID.test(id));
      if (!recordingIds.length) return back('no-calls');
      const userId = body.user !== undefined && body.user !== '' ? Number(body.user) : null;
      if (userId !== null && !byId.has(userId)) return back('bad-reviewer');
      const n = await assignCalls(db, recordingIds, userId, user.username);
      return back(userId === null ? 'unassigned' : 'assigned', userId === null ? { n } : { n, uid: userId });
    },
  );
};
