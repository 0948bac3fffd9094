/**
 * The quality officers' review workspace: a Fastify server with server-rendered pages, built from plugins.
 *
 * - web/plugins/security.ts: sessions and the signed-in user, roles, CSRF, sign-in rate limits, refusal of
 *   NUL characters, security headers, error pages;
 * - web/plugins/metrics.ts: Prometheus metrics (served by /metrics);
 * - web/routes/: one plugin per resource: sign-in, queue, calls, review, audio, sampling, appeals, dismiss
 *   reasons, rules, stats, admin (failed recordings, users, bull-board), health and metrics.
 *
 * Request bodies, path parameters and query strings are checked and typed by zod schemas on each route
 * (fastify-type-provider-zod): a path parameter that does not match (recording ids are 40 hex digits,
 * database ids digits) answers 400 before any handler, so no parameter reaches storage or the file system
 * unchecked; forms are read field by field and answered by the route (a 400 page, or back with a notice).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '../infra/config.js';
import type { Pool } from '../infra/db/pool.js';
import type { Logger } from '../infra/logger.js';
import type { ObjectStorage } from '../infra/object-storage.js';
import type { Queues } from '../workers/queues.js';
import { metricsPlugin } from './plugins/metrics.js';
import { securityPlugin } from './plugins/security.js';
import { adminRoutes } from './routes/admin.js';
import { appealRoutes } from './routes/appeals.js';
import { audioRoutes } from './routes/audio.js';
import { createCallContext } from './routes/call-context.js';
import { callRoutes } from './routes/calls.js';
import { dismissReasonRoutes } from './routes/dismiss-reasons.js';
import { healthRoutes } from './routes/health.js';
import { queueRoutes } from './routes/queue.js';
import { reviewRoutes } from './routes/review.js';
import { rulesRoutes } from './routes/rules.js';
import { samplingRoutes } from './routes/sampling.js';
import { signInRoutes } from './routes/sign-in.js';
import { statsRoutes } from './routes/stats.js';

/** What the server needs. */
export interface WebDeps {
  config: Config;
  db: Pool;
  storage: ObjectStorage;
  redis: Redis;
  queues: Queues;
  log: Logger;
}

/**
 * Builds the server (not listening yet).
 *
 * @param secret the session secret (WEB_SESSION_SECRET)
 */
export async function buildWebServer(deps: WebDeps, secret: string): Promise<FastifyInstance> {
  const { config, db, storage, redis, queues, log } = deps;
  const web = config.web;
  const app = Fastify({ logger: false, trustProxy: web.trustProxy, bodyLimit: 64 * 1024 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(metricsPlugin, { db, queues });
  await app.register(securityPlugin, { secret, web, db, redis, queuePrefix: config.queuePrefix, log });

  const calls = createCallContext({ config, db, storage });
  await app.register(signInRoutes, { web, db, redis, queuePrefix: config.queuePrefix });
  await app.register(queueRoutes, { web, db });
  await app.register(callRoutes, { config, db, calls });
  await app.register(reviewRoutes, { db, assignment: web.assignment, calls });
  await app.register(audioRoutes, { config, storage, calls });
  await app.register(samplingRoutes, { db, timeZone: config.stats.timeZone, calls });
  await app.register(appealRoutes, { config, db, calls, log });
  await app.register(dismissReasonRoutes, { db });
  await app.register(rulesRoutes, { db });
  await app.register(statsRoutes, { storage, bucket: config.s3.resultsBucket });
  await app.register(adminRoutes, { config, db, storage, queues });
  await app.register(healthRoutes, { config, db, redis });
  return app;
}
