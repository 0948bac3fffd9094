/**
 * Operations pages (admins: every `/admin` route needs the admin role, web/plugins/security.ts):
 * `GET /admin/failed` (failed recordings of every bucket the pipeline processed, nightly and `callqa process`
 * runs; `?bucket=` narrows it), `POST /admin/failed/retry` (one recording, or every failed recording of a
 * bucket, queued again), `GET /admin/users` and the bull-board queue dashboard under `/admin/queues`.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../infra/config.js';
import { failedCountsByBucket, listFailedRecordings } from '../../infra/db/recordings-repository.js';
import type { Pool } from '../../infra/db/pool.js';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { retryFailedRecordings } from '../../workers/enqueue.js';
import { STAGES, type Queues } from '../../workers/queues.js';
import { listUsers } from '../../infra/db/accounts-repository.js';
import { signedInUser } from '../plugins/security.js';
import { failedPageHtml, usersPageHtml } from '../views.js';
import { csrfCheck, field, form, query, RECORDING_ID, sendHtml } from './common.js';
import { noticeFields, noticeOf } from './queue.js';

/** An S3 bucket name as the pipeline accepts it (3–63 characters: lower-case letters, digits, dots, hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What the routes need. */
export interface AdminRouteOptions {
  config: Config;
  db: Pool;
  storage: ObjectStorage;
  queues: Queues;
}

/** Registers the operations pages and bull-board. */
export const adminRoutes: FastifyPluginAsyncZod<AdminRouteOptions> = async (app, opts) => {
  const { config, db, storage, queues } = opts;

  app.get('/admin/failed', { schema: { querystring: query({ ...noticeFields, bucket: field }) } }, async (req, reply) => {
    const q = req.query;
    const bucket = q.bucket !== undefined && BUCKET_NAME.test(q.bucket) ? q.bucket : undefined;
    const [failed, buckets] = await Promise.all([listFailedRecordings(db, { bucket, limit: 500 }), failedCountsByBucket(db)]);
    return sendHtml(
      reply,
      failedPageHtml({
        user: signedInUser(req),
        csrf: reply.generateCsrf(),
        failed,
        notice: noticeOf(q),
        bucket,
        buckets,
        retryBucket: bucket ?? config.s3.recordingsBucket,
      }),
    );
  });

  // Strict fields: a repeated id must not read as "no id" (which retries the whole bucket).
  const retryForm = form({ id: z.string().optional(), bucket: z.string().optional() });
  app.post('/admin/failed/retry', { schema: { body: retryForm }, preHandler: csrfCheck(app) }, async (req, reply) => {
    const { id, bucket } = req.body;
    // One recording (its row's button) or, without an id, every failed recording of one bucket.
    if (id !== undefined && !RECORDING_ID.test(id)) return reply.code(400).send('bad recording id');
    if (bucket === undefined || !BUCKET_NAME.test(bucket)) return reply.code(400).send('bad bucket');
    const { queued } = await retryFailedRecordings({ db, queues, storage }, { bucket, id, limit: 1000 });
    return reply.redirect(`/admin/failed?notice=requeued&n=${queued.length}`, 303);
  });

  app.get('/admin/users', async (req, reply) =>
    sendHtml(reply, usersPageHtml({ user: signedInUser(req), csrf: reply.generateCsrf(), users: await listUsers(db) })),
  );

  const board = new FastifyAdapter();
  createBullBoard({
    queues: STAGES.map((s) => new BullMQAdapter(queues[s])),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'callqa 任务队列' } },
  });
  board.setBasePath('/admin/queues');
  await app.register(board.registerPlugin(), { prefix: '/admin/queues' });
};
