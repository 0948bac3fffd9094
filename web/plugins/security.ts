/**
 * The review workspace's security, as one Fastify plugin (fastify-plugin: its hooks and decorators apply to
 * every route of the server):
 *
 * - sessions: a random token in a signed, http-only, SameSite=Strict cookie ({@link SESSION_COOKIE}),
 *   stored hashed in PostgreSQL (web/accounts.ts); the signed-in user is `request.user`, and route handlers
 *   take it with {@link signedInUser};
 * - every route needs a signed-in user unless its config says `public`; `config.roles` limits it to roles,
 *   and `/admin` and `/admin/*` need the admin role (decided by the route that matched, never the raw URL);
 *   anonymous page requests are sent to /login, anything else gets 401;
 * - CSRF: every form carries a token (@fastify/csrf-protection, secret in a signed cookie, token bound to
 *   the session's hash, read only from the form field `_csrf`);
 * - @fastify/rate-limit in Redis, for routes that ask for it (`config.rateLimit`, the sign-in form);
 * - NUL characters anywhere in the query, form or path are refused with 400 before any handler, unless the
 *   route checks them itself (`config.checksNul`);
 * - headers: nosniff and same-origin referrers everywhere, and on HTML pages (not bull-board's) a strict
 *   Content-Security-Policy, no framing and no caching;
 * - errors: Chinese error pages (CSRF failures, invalid parameters, 429s, 404s), 5xx logged with the route
 *   pattern only (query strings may hold searched numbers).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import type { Logger } from '../../infra/logger.js';
import { userOfSession } from '../accounts.js';
import type { Role, User } from '../../domain/user.js';
import { sendHtml } from '../routes/common.js';
import { errorPage } from '../views.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, undefined when not signed in (routes that need one read it with {@link signedInUser}). */
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

/** Name of the session cookie. */
export const SESSION_COOKIE = 'callqa_session';
/** What CSRF tokens are bound to without a session (the sign-in form); never a session hash (64 hex digits). */
const CSRF_ANONYMOUS = 'anonymous';

/** What the plugin needs. */
export interface SecurityOptions {
  /** The session secret (WEB_SESSION_SECRET): signs the cookies and keys the CSRF tokens' HMAC. */
  secret: string;
  web: Config['web'];
  db: Pool;
  /** Where @fastify/rate-limit counts, under `${queuePrefix}-web-rate-`. */
  redis: Redis;
  queuePrefix: string;
  log: Logger;
}

/** True when a string anywhere in `value` (objects, arrays, also keys) holds a NUL character. */
export function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  return false;
}

/**
 * The signed-in user of a request on a route that needs one (every route that is not `public`: the
 * plugin's sign-in check has answered the request already when there is none).
 *
 * @throws {Error} with status 401 when the request has no signed-in user (a public route asking for one)
 */
export function signedInUser(req: FastifyRequest): User {
  if (!req.user) throw Object.assign(new Error('请先登录。'), { statusCode: 401 });
  return req.user;
}

async function security(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  const { web, db, log, secret } = opts;
  app.decorateRequest('user', undefined);
  app.decorateRequest('csrfUserInfo', undefined);
  await app.register(fastifyCookie, { secret });
  await app.register(fastifyFormbody);
  // Tokens are bound to the session (getUserInfo: the session token's hash, set by the sign-in check below),
  // so a token from before sign-out or from another user's session does not pass; only the form field
  // `_csrf` is read (no headers: no script of ours sends them).
  await app.register(fastifyCsrf, {
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: web.cookieSecure },
    getUserInfo: (req) => req.csrfUserInfo ?? CSRF_ANONYMOUS,
    getToken: (req) => {
      const body = req.body;
      return body && typeof body === 'object' && '_csrf' in body && typeof body._csrf === 'string' ? body._csrf : undefined;
    },
    csrfOpts: { hmacKey: createHash('sha256').update(`callqa-csrf-hmac:${secret}`).digest('hex') },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    redis: opts.redis,
    nameSpace: `${opts.queuePrefix}-web-rate-`,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `登录尝试过于频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试。`,
    }),
  });

  // --- sign-in check, roles -----------------------------------------------------------------------
  app.addHook('onRequest', async (req, reply) => {
    // Every token this request's pages carry is bound to its session (see the CSRF plugin above).
    const generateCsrf = reply.generateCsrf.bind(reply);
    reply.generateCsrf = (o) => generateCsrf({ ...o, userInfo: req.csrfUserInfo ?? CSRF_ANONYMOUS });
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      const unsigned = req.unsignCookie(token);
      if (unsigned.valid && unsigned.value) {
        req.user = await userOfSession(db, unsigned.value);
        if (req.user) req.csrfUserInfo = createHash('sha256').update(unsigned.value).digest('hex');
      }
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
      return sendHtml(
        reply,
        errorPage('请求无效', '请求中含有无效字符（NUL），已拒绝。', req.user, req.user ? reply.generateCsrf() : undefined),
        400,
      );
    }
  });

  // --- headers ------------------------------------------------------------------------------------
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !(req.routeOptions.url ?? '').startsWith('/admin/queues')) {
      reply.header('X-Frame-Options', 'DENY');
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
      );
      reply.header('Cache-Control', 'no-store');
    }
    return payload;
  });

  // --- error pages --------------------------------------------------------------------------------
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
}

/** The security plugin (see the module comment); register it before any route. */
export const securityPlugin = fp(security, { name: 'callqa-security', fastify: '5.x' });
