/**
 * Public routes for monitoring and browsers: `GET /healthz` (PostgreSQL and Redis reachable: 200, else
 * 503; the ASR model's state is reported but is the workers' concern), `GET /metrics` (Prometheus text of
 * web/plugins/metrics.ts, for an admin session or the WEB_METRICS_TOKEN bearer token, compared in constant
 * time) and `GET /favicon.ico` (204: there is none).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../../infra/config.js';
import { pingDatabase, type Pool } from '../../infra/db/pool.js';
import { asrModelProblem } from '../../pipeline/transcribe/engines.js';

/** What the routes need. */
export interface HealthRouteOptions {
  config: Config;
  db: Pool;
  redis: Redis;
}

/** Registers `/healthz`, `/metrics` and `/favicon.ico`. */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  const { config, db, redis } = opts;
  const metricsToken = config.web.metricsToken;

  // Browsers ask for it on every page; there is none (no 401/404 noise in their consoles).
  app.get('/favicon.ico', { config: { public: true } }, async (_req, reply) => reply.code(204).send());

  app.get('/healthz', { config: { public: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await pingDatabase(db);
      checks.postgres = 'ok';
    } catch {
      checks.postgres = 'down';
    }
    try {
      await redis.ping();
      checks.redis = 'ok';
    } catch {
      checks.redis = 'down';
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    // ASR is the workers' concern, not the web app's: reported (same configuration, same check as the worker's
    // start-up), but it does not make the web app unhealthy.
    const asrProblem = asrModelProblem(config);
    const asr = { engine: config.asrEngine, status: asrProblem ? 'no_model' : 'ok', ...(asrProblem ? { problem: asrProblem } : {}) };
    return reply
      .code(ok ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ status: ok ? 'ok' : 'degraded', checks, asr });
  });

  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const tokenOk =
      !!metricsToken &&
      !!bearer &&
      bearer.length === metricsToken.length &&
      timingSafeEqual(Buffer.from(bearer), Buffer.from(metricsToken));
    if (!tokenOk && req.user?.role !== 'admin')
      return reply
        .code(req.user ? 403 : 401)
        .type('text/plain; charset=utf-8')
        .send('需要管理员登录或指标令牌。');
    const { registry } = app.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
