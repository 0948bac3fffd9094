/**
 * Signing in and out: `GET /login` (the form; a signed-in user goes on to `next`), `POST /login` and
 * `POST /logout`. Failed sign-ins are limited per client address ({@link SIGN_IN_FAILURES_PER_IP}, a fixed
 * window in Redis, only failures count) and per (account, address) by the account lock-out (web/accounts.ts
 * `LOCKOUT`); all requests to `POST /login` per address by @fastify/rate-limit ({@link SIGN_IN_REQUESTS_PER_IP}).
 * A successful sign-in sets the session cookie (web/plugins/security.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import { authenticate, createSession, deleteSession, recordFailedSignIn } from '../accounts.js';
import { hasNul, SESSION_COOKIE } from '../plugins/security.js';
import { loginPage } from '../views.js';
import { csrfCheck, field, form, query, sendHtml, sentField } from './common.js';

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

/** The sign-in form's user name and password: without NUL characters, at most 200 and 1024 characters (a missing field is empty). */
const credentials = z.object({
  username: z
    .string()
    .max(200)
    .refine((s) => !s.includes('\u0000'))
    .default(''),
  password: z
    .string()
    .max(1024)
    .refine((s) => !s.includes('\u0000'))
    .default(''),
});

/** A safe local redirect target (a path on this site), else `/`. */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** What the routes need. */
export interface SignInRouteOptions {
  web: Config['web'];
  db: Pool;
  /** Counts failed sign-ins per address under `${queuePrefix}-web-login-failures:`. */
  redis: Redis;
  queuePrefix: string;
}

/** Registers `GET /login`, `POST /login` and `POST /logout`. */
export const signInRoutes: FastifyPluginAsyncZod<SignInRouteOptions> = async (app, opts) => {
  const { web, db, redis } = opts;

  app.get('/login', { config: { public: true }, schema: { querystring: query({ next: field }) } }, async (req, reply) => {
    const next = safeNext(req.query.next);
    if (req.user) return reply.redirect(next, 303);
    return sendHtml(reply, loginPage(reply.generateCsrf(), undefined, next));
  });

  app.post(
    '/login',
    {
      // The form's fields are checked here (NUL characters count as a failed attempt), not refused up front.
      config: { public: true, checksNul: true, rateLimit: SIGN_IN_REQUESTS_PER_IP },
      schema: { body: form({ username: sentField, password: sentField, next: field }) },
      preHandler: csrfCheck(app),
    },
    async (req, reply) => {
      const body = req.body;
      const next = safeNext(hasNul(body.next) ? undefined : body.next);
      // Failed sign-ins per address: a fixed window in Redis; successful sign-ins never count.
      const failKey = `${opts.queuePrefix}-web-login-failures:${req.ip}`;
      if (Number((await redis.get(failKey)) ?? 0) >= SIGN_IN_FAILURES_PER_IP.max) {
        const ttl = Math.max(1, await redis.ttl(failKey));
        app.metrics.logins.inc({ result: 'rate_limited' });
        return sendHtml(reply, loginPage(reply.generateCsrf(), `登录失败过于频繁，请 ${ttl} 秒后再试。`, next), 429);
      }
      const countFailure = () => redis.multi().set(failKey, 0, 'EX', SIGN_IN_FAILURES_PER_IP.windowSeconds, 'NX').incr(failKey).exec();
      const checked = credentials.safeParse({ username: body.username, password: body.password });
      if (!checked.success) {
        // Still an attempt: it counts toward the account's lock-out and the address's limit.
        await countFailure();
        await recordFailedSignIn(db, typeof body.username === 'string' ? body.username : '', req.ip);
        app.metrics.logins.inc({ result: 'bad_input' });
        return sendHtml(reply, loginPage(reply.generateCsrf(), '用户名或密码含有无效字符。', next), 400);
      }
      const username = checked.data.username.trim();
      const password = checked.data.password;
      const result =
        username && password ? await authenticate(db, username, password, req.ip) : ({ ok: false, reason: 'bad_credentials' } as const);
      app.metrics.logins.inc({ result: result.ok ? 'ok' : result.reason });
      if (!result.ok) {
        await countFailure();
        const msg = result.reason === 'locked' ? '登录失败次数过多，账号暂时锁定，请 15 分钟后再试。' : '用户名或密码错误，或账号已停用。';
        return sendHtml(reply, loginPage(reply.generateCsrf(), msg, next), 401);
      }
      const token = await createSession(db, result.user.id, web.sessionHours);
      reply.setCookie(SESSION_COOKIE, token, {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        secure: web.cookieSecure,
        path: '/',
        maxAge: web.sessionHours * 3600,
      });
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { schema: { body: form({}) }, preHandler: csrfCheck(app) }, async (req, reply) => {
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    if (unsigned?.valid && unsigned.value) await deleteSession(db, unsigned.value);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
};
