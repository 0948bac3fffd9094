/**
 * The quality officers' review workspace: a Fastify server with server-rendered pages.
 *
 * Security: every route needs a signed-in user except /login and /healthz; `/admin/*` (failed recordings,
 * users, the bull-board queue dashboard) needs the admin role; /metrics needs an admin session or the
 * WEB_METRICS_TOKEN bearer token. Sessions: a random token in a signed, http-only, SameSite=Strict cookie,
 * stored hashed in PostgreSQL (ended on sign-out, disable or password change). Every form carries a CSRF
 * token (@fastify/csrf-protection, secret in a signed cookie, token bound to the session); failed sign-ins
 * are limited per IP (Redis) and per (account, IP) (lock-out, web/accounts.ts `LOCKOUT`). NUL bytes in any
 * input are refused with 400; queue filters and the sign-in form are checked with zod. Path parameters are
 * validated by pattern (recording ids are 40 hex digits, finding ids digits), so no parameter reaches storage
 * or the file system unchecked.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Redis } from 'ioredis';
import path from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { rescoreReportByRule, type ReviewedScore } from '../rules/analyze/score.js';
import { activeRuleset, rulesetOfVersion } from '../rules/ruleset-store.js';
import { bannedPhraseLabels } from '../domain/labels.js';
import type { Config } from '../infra/config.js';
import { countRecordingsByStatus, failedCountsByBucket, listFailedRecordings, type Pool } from '../infra/database.js';
import type { Logger } from '../infra/logger.js';
import type { ObjectStorage } from '../infra/object-storage.js';
import { transcriptKey } from '../pipeline/storage-keys.js';
import type { Transcript } from '../domain/transcript.js';
import { parseStoredTranscript } from '../pipeline/stages/stored-output.js';
import { formatTime } from '../pipeline/report/render-html.js';
import type { Report } from '../domain/report.js';
import { retryFailedRecordings } from '../workers/enqueue.js';
import { STAGES, type Queues } from '../workers/queues.js';
import { authenticate, createSession, recordFailedSignIn, deleteSession, listReviewers, listUsers, userOfSession, type Role, type User } from './accounts.js';
import { AudioStreamer, parseRange } from './audio.js';
import { callScript } from './assets.js';
import { maskText, searchRevealsMaskedDigits } from '../domain/privacy.js';
import { registerStatsRoutes } from './stats-downloads.js';
import { registerRulesRoutes } from './rules-pages.js';
import {
  assignCalls, assignEvenly, decodeCursor, filterChoices, loadCall, mayOpenCall, queuePage, recordCallDecision, recordDecision, type CallView, type QueueFilter,
} from './review-data.js';
import { listDismissReasons, registerDismissReasonRoutes } from './dismiss-reasons.js';
import { listMissedFindings } from './sampling-data.js';
import { registerSamplingRoutes } from './sampling-routes.js';
import { appealsOfCall, countPendingAppeals } from './appeals-data.js';
import { findingAppealHtml, registerAppealRoutes } from './appeals-routes.js';
import { createAppealNotifier } from './appeal-notifications.js';
import { registerReviewRoutes, type CallPageRefusal } from './review-routes.js';
import { backFilter, parseQueueFilter } from './queue-filter.js';
import { callPageHtml, errorPage, filterQuery, failedPageHtml, loginPage, queuePageHtml, usersPageHtml } from './views.js';
import { asrModelProblem } from '../pipeline/transcribe/engines.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    /** What CSRF tokens of this request are bound to: the session token's SHA-256 (hex), unset when not signed in. */
    csrfUserInfo?: string;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
    /** Roles allowed (default: any signed-in user). */
    roles?: Role[];
    /** The route refuses NUL characters in its input itself (the global check leaves it alone). */
    checksNul?: boolean;
  }
}

/** What the server needs. */
export interface WebDeps {
  config: Config;
  db: Pool;
  storage: ObjectStorage;
  redis: Redis;
  queues: Queues;
  log: Logger;
}

export const SESSION_COOKIE = 'callqa_session';
/** What CSRF tokens are bound to without a session (the sign-in form); never a session hash (64 hex digits). */
const CSRF_ANONYMOUS = 'anonymous';
const RECORDING_ID = '^[0-9a-f]{40}$';

const idParams = { type: 'object', properties: { id: { type: 'string', pattern: RECORDING_ID } }, required: ['id'] } as const;
const findingParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: RECORDING_ID }, fid: { type: 'string', pattern: '^[0-9]{1,15}$' } },
  required: ['id', 'fid'],
} as const;

/**
 * Failed sign-ins allowed per client address in a minute (then 429 until the minute is over). Only failures
 * count, so a whole centre signing in at 8:00 behind one NAT address is not limited by its successes.
 */
export const SIGN_IN_FAILURES_PER_IP = { max: 10, windowSeconds: 60 };

/**
 * Flood guard on POST /login per client address (@fastify/rate-limit, in Redis), successes included: 300 a
 * minute, room for a centre of some hundreds of staff behind one address signing in within the same minute.
 */
const SIGN_IN_REQUESTS_PER_IP = { max: 300, timeWindow: '1 minute' };

/** The sign-in form: user name and password without NUL characters (a missing field is empty). */
const loginBody = z.object({
  username: z.string().max(200).refine((s) => !s.includes('\u0000')).default(''),
  password: z.string().max(1024).refine((s) => !s.includes('\u0000')).default(''),
});

/** True when a string anywhere in `value` (objects, arrays) holds a NUL character. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  return false;
}

/** Shown instead of the results when a search was left out because it could reveal masked numbers. */
const SEARCH_REFUSED_NOTICE = '您的角色看到的号码已遮挡，不能按号码搜索转写文本：搜索词里的数字须前后紧挨文字（如“下午3点”），本次未按文本筛选。';

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

/** Fixed notices of the call page (`?notice=CODE`); unknown codes show nothing. */
const CALL_NOTICES: Record<string, string> = {
  skipped: '已跳过上一通，这是队列里的下一通。',
  'missed-saved': '已登记漏检。',
  'missed-invalid': '漏检未登记：请选择规则并填写时间（秒）。',
  'not-sampled': '只有抽检抽中的通话可以登记漏检。',
  'appeal-filed': '已提交申诉，等待质检主管处理。',
};

/** The message of a `notice` code in a query string (see {@link NOTICES}), or undefined. */
function noticeOf(query: Record<string, unknown>, reviewers: User[] = []): string | undefined {
  const code = query.notice;
  if (typeof code !== 'string' || !Object.hasOwn(NOTICES, code)) return undefined;
  const count = (v: unknown) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : 0);
  const uid = count(query.uid);
  return NOTICES[code]!({ n: count(query.n), k: count(query.k), name: reviewers.find((r) => r.id === uid)?.displayName });
}

/** A safe local redirect target (a path on this site), else `/`. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/**
 * Builds the server (not listening yet).
 *
 * @param secret the session secret (WEB_SESSION_SECRET)
 */
export async function buildWebServer(deps: WebDeps, secret: string): Promise<FastifyInstance> {
  const { config, db, storage, log } = deps;
  const web = config.web;
  const app = Fastify({ logger: false, trustProxy: web.trustProxy, bodyLimit: 64 * 1024 });
  const audio = new AudioStreamer(storage, path.join(config.workDir, `callqa-web-audio-${process.pid}-${Math.random().toString(36).slice(2, 8)}`), config.ffmpegTimeLimitMs);
  app.addHook('onClose', async () => audio.close());

  // --- metrics ------------------------------------------------------------------------------------
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callqa_web_' });
  const httpDuration = new Histogram({
    name: 'callqa_web_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const decisionsTotal = new Counter({ name: 'callqa_review_decisions_total', help: 'Review decisions recorded', labelNames: ['decision'] as const, registers: [registry] });
  const loginsTotal = new Counter({ name: 'callqa_web_logins_total', help: 'Sign-in attempts', labelNames: ['result'] as const, registers: [registry] });
  new Gauge({
    name: 'callqa_reports', help: 'Scored calls by review status', labelNames: ['review_status'] as const, registers: [registry],
    async collect() {
      const { rows } = await db.query('SELECT review_status, count(*)::int AS n FROM reports GROUP BY review_status');
      this.reset();
      for (const r of rows) this.set({ review_status: r.review_status }, r.n);
    },
  });
  new Gauge({
    name: 'callqa_recordings', help: 'Recordings by pipeline status', labelNames: ['status'] as const, registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await countRecordingsByStatus(db))) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'callqa_queue_jobs', help: 'Jobs per stage queue and state', labelNames: ['stage', 'state'] as const, registers: [registry],
    async collect() {
      this.reset();
      for (const stage of STAGES) {
        const c = await deps.queues[stage].getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
        for (const [state, n] of Object.entries(c)) this.set({ stage, state }, n ?? 0);
      }
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // --- plugins ------------------------------------------------------------------------------------
  await app.register(fastifyCookie, { secret });
  await app.register(fastifyFormbody);
  // Tokens are bound to the session (getUserInfo: the session token's hash, set by the sign-in check below),
  // so a token from before sign-out or from another user's session does not pass; only the form field
  // `_csrf` is read (no headers: no script of ours sends them).
  await app.register(fastifyCsrf, {
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: web.cookieSecure },
    getUserInfo: (req) => req.csrfUserInfo ?? CSRF_ANONYMOUS,
    getToken: (req) => {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof token === 'string' ? token : undefined;
    },
    csrfOpts: { hmacKey: createHash('sha256').update(`callqa-csrf-hmac:${secret}`).digest('hex') },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    redis: deps.redis,
    nameSpace: `${config.queuePrefix}-web-rate-`,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'Too Many Requests', message: `登录尝试过于频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试。` }),
  });

  // --- sign-in check, roles, headers --------------------------------------------------------------
  app.addHook('onRequest', async (req, reply) => {
    // Every token this request's pages carry is bound to its session (see the CSRF plugin above).
    const generateCsrf = reply.generateCsrf;
    reply.generateCsrf = (opts) => generateCsrf.call(reply, { ...opts, userInfo: req.csrfUserInfo ?? CSRF_ANONYMOUS });
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      const unsigned = req.unsignCookie(token);
      if (unsigned.valid && unsigned.value) req.user = await userOfSession(db, unsigned.value);
      if (req.user) req.csrfUserInfo = createHash('sha256').update(unsigned.value!).digest('hex');
    }
    const routeConfig = req.routeOptions.config ?? {};
    if (routeConfig.public) return;
    if (!req.user) {
      if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      }
      return reply.code(401).type('text/plain; charset=utf-8').send('请先登录。');
    }
    // Decide by the route that matched, never by the raw URL: the router decodes `/%61dmin/…` to `/admin/…`.
    const route = req.routeOptions.url ?? '';
    const roles = routeConfig.roles ?? (route === '/admin' || route.startsWith('/admin/') ? (['admin'] as Role[]) : undefined);
    if (roles && !roles.includes(req.user.role)) {
      return sendHtml(reply, errorPage('无权访问', '您的角色不能使用此页面。', req.user, reply.generateCsrf()), 403);
    }
  });
  // NUL characters are never meaningful and PostgreSQL text cannot hold them: refused before any handler.
  app.addHook('preValidation', async (req, reply) => {
    if (req.routeOptions.config?.checksNul) return;
    if (hasNul(req.query) || hasNul(req.body) || hasNul(req.params)) {
      return sendHtml(reply, errorPage('请求无效', '请求中含有无效字符（NUL），已拒绝。', req.user, req.user ? reply.generateCsrf() : undefined), 400);
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !(req.routeOptions.url ?? '').startsWith('/admin/queues')) {
      reply.header('X-Frame-Options', 'DENY');
      reply.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
      reply.header('Cache-Control', 'no-store');
    }
    return payload;
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    // The route pattern, not the URL: query strings may hold searched numbers.
    if (status >= 500) log.error({ err: error.message, route: req.routeOptions.url, method: req.method }, 'web request failed');
    const message =
      error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET'
        ? '表单已过期或无效（CSRF 校验失败），请返回刷新页面后重试。'
        : error.code === 'FST_ERR_VALIDATION'
          ? '请求参数无效。'
          : status === 429
            ? error.message
            : status >= 500
              ? '服务器内部错误。'
              : error.message;
    return sendHtml(reply, errorPage(`错误 ${status}`, message, req.user, req.user ? reply.generateCsrf() : undefined), status);
  });
  app.setNotFoundHandler((req, reply) => sendHtml(reply, errorPage('未找到', '没有这个页面。', req.user), 404));

  const mask = (user: User) => ((web.unmaskedRoles as string[]).includes(user.role) ? (t: string) => t : maskText);
  /**
   * The queue filter of a request for `user`. For roles that see masked text, a transcript search that could
   * confirm or reveal masked digits (`searchRevealsMaskedDigits`) is left out, and `searchRefused` says so.
   */
  const queueFilterOf = (user: User, query: Record<string, unknown>, invalid?: string[]): { filter: QueueFilter; searchRefused: boolean } => {
    const filter = parseQueueFilter(query, invalid);
    if (filter.q === undefined || (web.unmaskedRoles as string[]).includes(user.role) || !searchRevealsMaskedDigits(filter.q)) return { filter, searchRefused: false };
    delete filter.q;
    return { filter, searchRefused: true };
  };

  // --- sign-in ------------------------------------------------------------------------------------
  app.get('/login', { config: { public: true } }, async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (req.user) return reply.redirect(next, 303);
    return sendHtml(reply, loginPage(reply.generateCsrf(), undefined, next));
  });
  app.post(
    '/login',
    { config: { public: true, checksNul: true, rateLimit: SIGN_IN_REQUESTS_PER_IP }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(hasNul(body.next) ? undefined : body.next);
      // Failed sign-ins per address: a fixed window in Redis; successful sign-ins never count.
      const failKey = `${config.queuePrefix}-web-login-failures:${req.ip}`;
      if (Number((await deps.redis.get(failKey)) ?? 0) >= SIGN_IN_FAILURES_PER_IP.max) {
        const ttl = Math.max(1, await deps.redis.ttl(failKey));
        loginsTotal.inc({ result: 'rate_limited' });
        return sendHtml(reply, loginPage(reply.generateCsrf(), `登录失败过于频繁，请 ${ttl} 秒后再试。`, next), 429);
      }
      const countFailure = () => deps.redis.multi().set(failKey, 0, 'EX', SIGN_IN_FAILURES_PER_IP.windowSeconds, 'NX').incr(failKey).exec();
      const form = loginBody.safeParse(body);
      if (!form.success) {
        // Still an attempt: it counts toward the account's lock-out and the address's limit.
        await countFailure();
        await recordFailedSignIn(db, typeof body.username === 'string' ? body.username : '', req.ip);
        loginsTotal.inc({ result: 'bad_input' });
        return sendHtml(reply, loginPage(reply.generateCsrf(), '用户名或密码含有无效字符。', next), 400);
      }
      const username = form.data.username.trim();
      const password = form.data.password;
      const result = username && password ? await authenticate(db, username, password, req.ip) : ({ ok: false, reason: 'bad_credentials' } as const);
      loginsTotal.inc({ result: result.ok ? 'ok' : result.reason });
      if (!result.ok) {
        await countFailure();
        const msg = result.reason === 'locked' ? '登录失败次数过多，账号暂时锁定，请 15 分钟后再试。' : '用户名或密码错误，或账号已停用。';
        return sendHtml(reply, loginPage(reply.generateCsrf(), msg, next), 401);
      }
      const token = await createSession(db, result.user.id, web.sessionHours);
      reply.setCookie(SESSION_COOKIE, token, {
        signed: true, httpOnly: true, sameSite: 'strict', secure: web.cookieSecure, path: '/', maxAge: web.sessionHours * 3600,
      });
      return reply.redirect(next, 303);
    },
  );
  app.post('/logout', { preHandler: app.csrfProtection }, async (req, reply) => {
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    if (unsigned?.valid && unsigned.value) await deleteSession(db, unsigned.value);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  // --- queue --------------------------------------------------------------------------------------
  app.get('/', async (req, reply) => {
    const user = req.user!;
    const query = req.query as Record<string, unknown>;
    const invalid: string[] = [];
    const { filter, searchRefused } = queueFilterOf(user, query, invalid);
    const after = query.after === undefined || query.after === '' ? undefined : typeof query.after === 'string' ? decodeCursor(query.after) : undefined;
    if (query.after !== undefined && query.after !== '' && !after) {
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
    const notice = [searchRefused ? SEARCH_REFUSED_NOTICE : noticeOf(query, reviewers), invalid.length ? `以下筛选条件无效，已忽略：${invalid.join('、')}。` : undefined,
      pendingAppeals ? `有 ${pendingAppeals} 条申诉待处理（见“申诉”页）。` : undefined]
      .filter(Boolean).join(' ') || undefined;
    reply.header('Server-Timing', `db;dur=${elapsedMs.toFixed(1)}`);
    const phraseLabels = bannedPhraseLabels(await activeRuleset(db));
    return sendHtml(reply, queuePageHtml({ user, csrf: reply.generateCsrf(), filter, page, choices, reviewers, notice, elapsedMs, phraseLabels }));
  });

  app.post('/assign', { config: { roles: ['supervisor', 'admin'] }, preHandler: app.csrfProtection }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    const { filter } = queueFilterOf(req.user!, req.query as Record<string, unknown>);
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
      const ids = list(body.evenly).map(Number).filter((id) => byId.has(id));
      if (!ids.length) return back('no-reviewers');
      const counts = await assignEvenly(db, filter, ids, req.user!.username, req.user!);
      return back('evenly', { n: [...counts.values()].reduce((a, b) => a + b, 0), k: counts.size });
    }
    const recordingIds = list(body.ids).filter((id) => new RegExp(RECORDING_ID).test(id));
    if (!recordingIds.length) return back('no-calls');
    const userId = typeof body.user === 'string' && body.user !== '' ? Number(body.user) : null;
    if (userId !== null && !byId.has(userId)) return back('bad-reviewer');
    const n = await assignCalls(db, recordingIds, userId, req.user!.username);
    return back(userId === null ? 'unassigned' : 'assigned', userId === null ? { n } : { n, uid: userId });
  });

  // --- call page ----------------------------------------------------------------------------------
  async function openCall(req: FastifyRequest, reply: FastifyReply) {
    const { id } = req.params as { id: string };
    const call = await loadCall(db, id);
    if (!call) {
      sendHtml(reply, errorPage('未找到', '没有这个通话。', req.user, reply.generateCsrf()), 404);
      return undefined;
    }
    if (!mayOpenCall(req.user!, call, web.assignment)) {
      sendHtml(reply, errorPage('无权访问', req.user!.role === 'agent' ? '这不是您的通话。' : '此通话已分配给其他质检员。', req.user, reply.generateCsrf()), 403);
      return undefined;
    }
    return call;
  }
  const dismissReasonLabels = async () => (await listDismissReasons(db)).map((r) => r.label);
  async function loadReport(key: string): Promise<Report | undefined> {
    const text = await storage.getText(config.s3.resultsBucket, key);
    return text === undefined ? undefined : (JSON.parse(text) as Report);
  }
  async function loadTranscript(objectKey: string): Promise<Transcript | undefined> {
    const key = transcriptKey(objectKey);
    const text = await storage.getText(config.s3.resultsBucket, key);
    return text === undefined ? undefined : parseStoredTranscript(text, key);
  }

  /**
   * Renders the call page for `call` (opened by `openCall`) with the queue filter of the request's query
   * string kept for the back and next-call links; `refused` re-shows a review form that was not saved.
   */
  async function renderCallPage(req: FastifyRequest, reply: FastifyReply, call: CallView, extra: { notice?: string; refused?: CallPageRefusal; status?: number } = {}) {
    const [report, transcript, reasons, audioInfo, missed, appeals] = await Promise.all([
      loadReport(call.reportKey), loadTranscript(call.objectKey), listDismissReasons(db), storage.stat(call.bucket, call.objectKey),
      call.sampled ? listMissedFindings(db, call.recordingId) : Promise.resolve([]),
      appealsOfCall(db, call.recordingId),
    ]);
    const csrf = reply.generateCsrf();
    const findingExtras = new Map(call.findings.map((f) => [f.id, findingAppealHtml({ user: req.user!, call, findingId: f.id, appeals, appealDays: web.appealDays, csrf, mask: mask(req.user!) })]));
    const ruleset = report ? ((await rulesetOfVersion(db, report.rulesetVersion)) ?? (await activeRuleset(db))) : await activeRuleset(db);
    // After review, the breakdown shows what each rule still deducts, computed as the reviewed score is.
    let reviewed: ReviewedScore | undefined;
    if (report && call.reviewedScore !== null) {
      const dismissed = new Set(call.findings.filter((f) => f.current === 'dismissed').map((f) => `${f.ruleId}#${f.ordinal}`));
      reviewed = rescoreReportByRule(report, (ruleId, ordinal) => dismissed.has(`${ruleId}#${ordinal}`), ruleset);
    }
    const back = parseQueueFilter((req.query ?? {}) as Record<string, unknown>);
    return sendHtml(reply, callPageHtml({
      user: req.user!, csrf, call, report, transcript, mask: mask(req.user!), notice: extra.notice, reviewed, back, findingExtras,
      reasons: reasons.map((r) => r.label), phraseLabels: bannedPhraseLabels(ruleset), audioAvailable: !!audioInfo, refused: extra.refused, missed,
    }), extra.status);
  }

  app.get('/calls/:id', { schema: { params: idParams } }, async (req, reply) => {
    const call = await openCall(req, reply);
    if (!call) return reply;
    const q = req.query as Record<string, unknown>;
    const saved = typeof q.saved === 'string' && q.saved !== '' ? q.saved : undefined;
    const notice = saved === '1' ? '已保存复核结论。' : saved && /^[\w.-]{1,100}$/.test(saved) ? `已保存通话 ${saved} 的复核结论，这是队列里的下一通。` : Object.hasOwn(CALL_NOTICES, String(q.notice)) ? CALL_NOTICES[String(q.notice)] : undefined;
    return renderCallPage(req, reply, call, { notice });
  });

  app.get('/calls/:id/transcript.txt', { schema: { params: idParams } }, async (req, reply) => {
    const call = await openCall(req, reply);
    if (!call) return reply;
    const transcript = await loadTranscript(call.objectKey);
    if (!transcript) return reply.code(404).type('text/plain; charset=utf-8').send('转写文件缺失。');
    const m = mask(req.user!);
    const names: Record<string, string> = { agent: '坐席', customer: '来电人', unknown: '未知' };
    const lines = transcript.segments.map((s) => `[${formatTime(s.start)}–${formatTime(s.end)}] ${names[s.speaker] ?? s.speaker}：${m(s.text)}`);
    return reply
      .type('text/plain; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="transcript-${call.recordingId}.txt"`)
      .header('Cache-Control', 'no-store')
      .send(`通话 ${call.callId}\n${lines.join('\n')}\n`);
  });

  app.get('/calls/:id/audio', { schema: { params: idParams } }, async (req, reply) => {
    const call = await openCall(req, reply);
    if (!call) return reply;
    const source = await audio.source(call.recordingId, call.bucket, call.objectKey);
    if (!source) return reply.code(404).type('text/plain; charset=utf-8').send('录音文件缺失。');
    reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'private, no-store').type(source.contentType);
    const range = parseRange(req.headers.range, source.size);
    if (range === 'unsatisfiable') {
      return reply.code(416).header('Content-Range', `bytes */${source.size}`).send();
    }
    if (source.size === 0) return reply.header('Content-Length', 0).send();
    const r = range ?? { start: 0, end: source.size - 1 };
    if (range) reply.code(206).header('Content-Range', `bytes ${r.start}-${r.end}/${source.size}`);
    reply.header('Content-Length', r.end - r.start + 1);
    return reply.send(await source.open(r));
  });

  app.post(
    '/calls/:id/findings/:fid/decisions',
    { schema: { params: findingParams }, config: { roles: ['officer', 'supervisor'] }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const call = await openCall(req, reply);
      if (!call) return reply;
      const fid = Number((req.params as { fid: string }).fid);
      const bad = (message: string) => refuseDecision(req, reply, call.recordingId, message);
      const form = readDecisionForm(req.body, '驳回必须选择理由。', await dismissReasonLabels());
      if (typeof form === 'string') return bad(form);
      const { decision, reason, comment } = form;
      if (!call.findings.some((f) => f.id === fid)) return bad('该发现不属于此通话。');
      const report = await loadReport(call.reportKey);
      if (!report) return sendHtml(reply, errorPage('无法保存', '报告文件缺失，无法重算得分。', req.user, reply.generateCsrf()), 503);
      await recordDecision(db, { recordingId: call.recordingId, findingId: fid, decision, reason: decision === 'dismissed' ? reason : undefined, comment, reviewer: req.user!.username }, report);
      decisionsTotal.inc({ decision });
      return reply.redirect(`/calls/${call.recordingId}?saved=1#finding-${fid}`, 303);
    },
  );

  app.post(
    '/calls/:id/decisions',
    { schema: { params: idParams }, config: { roles: ['officer', 'supervisor'] }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const call = await openCall(req, reply);
      if (!call) return reply;
      const bad = (message: string) => refuseDecision(req, reply, call.recordingId, message);
      const form = readDecisionForm(req.body, '选“无问题”必须选择理由。', await dismissReasonLabels());
      if (typeof form === 'string') return bad(form);
      const { decision, reason, comment } = form;
      if (call.findings.length || call.reviewStatus === 'none') return bad('此通话请逐条复核发现。');
      await recordCallDecision(db, { recordingId: call.recordingId, decision, reason: decision === 'dismissed' ? reason : undefined, comment, reviewer: req.user!.username });
      decisionsTotal.inc({ decision });
      return reply.redirect(`/calls/${call.recordingId}${filterQuery(backFilter(req.body), { saved: '1' })}#call-review`, 303);
    },
  );

  app.get('/assets/call.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'private, max-age=300').send(callScript(config.channelMap.agent)),
  );

  // --- operations ---------------------------------------------------------------------------------
  // Every bucket the pipeline processed (nightly recordings and `callqa process` runs); `?bucket=` narrows it.
  const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
  app.get('/admin/failed', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const bucket = typeof q.bucket === 'string' && bucketName.test(q.bucket) ? q.bucket : undefined;
    const [failed, buckets] = await Promise.all([listFailedRecordings(db, { bucket, limit: 500 }), failedCountsByBucket(db)]);
    return sendHtml(reply, failedPageHtml({ user: req.user!, csrf: reply.generateCsrf(), failed, notice: noticeOf(q), bucket, buckets, retryBucket: bucket ?? config.s3.recordingsBucket }));
  });
  app.post('/admin/failed/retry', { preHandler: app.csrfProtection }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // One recording (its row's button) or, without an id, every failed recording of one bucket.
    if (body.id !== undefined && (typeof body.id !== 'string' || !/^[0-9a-f]{40}$/.test(body.id))) return reply.code(400).send('bad recording id');
    if (typeof body.bucket !== 'string' || !bucketName.test(body.bucket)) return reply.code(400).send('bad bucket');
    const id = body.id as string | undefined;
    const { queued } = await retryFailedRecordings({ db, queues: deps.queues, storage }, { bucket: body.bucket, id, limit: 1000 });
    return reply.redirect(`/admin/failed?notice=requeued&n=${queued.length}`, 303);
  });
  app.get('/admin/users', async (req, reply) => sendHtml(reply, usersPageHtml({ user: req.user!, csrf: reply.generateCsrf(), users: await listUsers(db) })));

  const board = new FastifyAdapter();
  createBullBoard({ queues: STAGES.map((s) => new BullMQAdapter(deps.queues[s])), serverAdapter: board, options: { uiConfig: { boardTitle: 'callqa 任务队列' } } });
  board.setBasePath('/admin/queues');
  await app.register(board.registerPlugin(), { prefix: '/admin/queues' });

  // --- monthly statistics (supervisors, admins) ----------------------------------------------------
  registerStatsRoutes(app, { storage, bucket: config.s3.resultsBucket });

  // --- fast review: the call page's one form, next call in the queue; dismiss reasons ---------------
  registerReviewRoutes(app, { db, assignment: web.assignment, openCall, loadReport, renderCallPage, onDecision: (decision) => decisionsTotal.inc({ decision }) });
  registerDismissReasonRoutes(app, { db });
  registerSamplingRoutes(app, { db, timeZone: 'Asia/Shanghai', openCall });
  const appealNotifier = createAppealNotifier(config, db, deps.log);
  app.addHook('onClose', async () => appealNotifier.close());
  registerAppealRoutes(app, { db, appealDays: web.appealDays, openCall, loadReport, mask, phraseLabels: async () => bannedPhraseLabels(await activeRuleset(db)), notifier: appealNotifier });

  // --- rules management (supervisors, admins) -----------------------------------------------------
  registerRulesRoutes(app, { db });

  // Browsers ask for it on every page; there is none (no 401/404 noise in their consoles).
  app.get('/favicon.ico', { config: { public: true } }, async (_req, reply) => reply.code(204).send());

  app.get('/healthz', { config: { public: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await db.query('SELECT 1');
      checks.postgres = 'ok';
    } catch {
      checks.postgres = 'down';
    }
    try {
      await deps.redis.ping();
      checks.redis = 'ok';
    } catch {
      checks.redis = 'down';
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    // ASR is the workers' concern, not the web app's: reported (same configuration, same check as the worker's
    // start-up), but it does not make the web app unhealthy.
    const asrProblem = asrModelProblem(config);
    const asr = { engine: config.asrEngine, status: asrProblem ? 'no_model' : 'ok', ...(asrProblem ? { problem: asrProblem } : {}) };
    return reply.code(ok ? 200 : 503).header('Cache-Control', 'no-store').send({ status: ok ? 'ok' : 'degraded', checks, asr });
  });

  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    const tokenOk = !!web.metricsToken && !!bearer && bearer.length === web.metricsToken.length && timingSafeEqual(Buffer.from(bearer), Buffer.from(web.metricsToken));
    if (!tokenOk && req.user?.role !== 'admin') return reply.code(req.user ? 403 : 401).type('text/plain; charset=utf-8').send('需要管理员登录或指标令牌。');
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  return app;
}

/** A decision form as posted from the call page. `reason` only for dismissals; `comment` at most 2000 characters. */
interface DecisionForm {
  decision: 'confirmed' | 'dismissed' | 'comment';
  reason: string;
  comment: string;
}

/**
 * Reads a decision form (on a finding or on a whole call).
 *
 * @param missingReason the message when a dismissal has no listed reason (the two forms word it differently)
 * @param reasons the dismiss reasons in use (web/dismiss-reasons.ts)
 * @returns the form, or the message to show when it is incomplete
 */
function readDecisionForm(body: unknown, missingReason: string, reasons: string[]): DecisionForm | string {
  const b = (body ?? {}) as Record<string, unknown>;
  const decision = b.decision;
  const reason = typeof b.reason === 'string' ? b.reason.trim() : '';
  const comment = typeof b.comment === 'string' ? b.comment.trim().slice(0, 2000) : '';
  if (decision !== 'confirmed' && decision !== 'dismissed' && decision !== 'comment') return '请选择复核结论。';
  if (decision === 'dismissed' && !reasons.includes(reason)) return missingReason;
  if (decision === 'comment' && !comment) return '请填写备注。';
  return { decision, reason, comment };
}

/** Answers 400 with the message and a link back to the call the form was on. */
function refuseDecision(req: FastifyRequest, reply: FastifyReply, recordingId: string, message: string): FastifyReply {
  return sendHtml(reply, errorPage('无法保存', message, req.user, reply.generateCsrf(), { href: `/calls/${recordingId}`, label: '返回这通通话' }), 400);
}
