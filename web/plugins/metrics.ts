/**
 * The review workspace's Prometheus metrics (prom-client), as one Fastify plugin (fastify-plugin): a
 * registry of its own with Node's default metrics (prefix `callqa_web_`), request durations by route
 * pattern, method and status (seconds), review decisions and sign-in attempts (counted by the routes through
 * `app.metrics`), and gauges read at scrape time: scored calls by review status, recordings by pipeline
 * status, jobs per stage queue and state. Served by GET /metrics (web/routes/health.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { countRecordingsByStatus } from '../../infra/db/recordings-repository.js';
import { countReportsByReviewStatus } from '../../infra/db/reports-repository.js';
import type { Pool } from '../../infra/db/pool.js';
import { STAGES, type Queues } from '../../workers/queues.js';

/** The metrics the routes count and serve. */
export interface WebMetrics {
  registry: Registry;
  /** Review decisions recorded, by decision (confirmed, dismissed, comment). */
  decisions: Counter<'decision'>;
  /** Sign-in attempts, by result (ok, bad_credentials, locked, bad_input, rate_limited). */
  logins: Counter<'result'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The workspace's metrics (web/plugins/metrics.ts). */
    metrics: WebMetrics;
  }
}

async function metrics(app: FastifyInstance, opts: { db: Pool; queues: Queues }): Promise<void> {
  const { db } = opts;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callqa_web_' });
  const httpDuration = new Histogram({
    name: 'callqa_web_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'callqa_review_decisions_total',
    help: 'Review decisions recorded',
    labelNames: ['decision'] as const,
    registers: [registry],
  });
  const logins = new Counter({
    name: 'callqa_web_logins_total',
    help: 'Sign-in attempts',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'callqa_reports',
    help: 'Scored calls by review status',
    labelNames: ['review_status'] as const,
    registers: [registry],
    async collect() {
      const counts = await countReportsByReviewStatus(db);
      this.reset();
      for (const [status, n] of Object.entries(counts)) this.set({ review_status: status }, n);
    },
  });
  new Gauge({
    name: 'callqa_recordings',
    help: 'Recordings by pipeline status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await countRecordingsByStatus(db))) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'callqa_queue_jobs',
    help: 'Jobs per stage queue and state',
    labelNames: ['stage', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const stage of STAGES) {
        const c = await opts.queues[stage].getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
        for (const [state, n] of Object.entries(c)) this.set({ stage, state }, n ?? 0);
      }
    },
  });
  app.decorate('metrics', { registry, decisions, logins });
  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/** The metrics plugin (see the module comment); decorates the server with `metrics`. */
export const metricsPlugin = fp(metrics, { name: 'callqa-metrics', fastify: '5.x' });
