/**
 * Fast review: the call page's one review form and the way on to the next call.
 *
 * - `POST /calls/:id/review` (officers, supervisors): decisions on any or all findings of the call in one
 *   submit: per finding `decision-<fid>` (confirmed / dismissed), `reason-<fid>` (a listed dismiss reason,
 *   required to dismiss), `comment-<fid>` (free text; alone it is recorded as a comment); `all=confirmed`
 *   confirms every finding that has no decision yet and none chosen in the form. All are appended in one
 *   transaction (`recordDecisions`). A refused form comes back as the call page with the error on it and
 *   everything chosen and typed still filled in (400). `then=next` (the default button, Ctrl+Enter) goes on
 *   to the next pending call of the queue the call was opened from (`back`: its filter).
 * - `GET /queue/next?from=<recording id>&<queue filter>`: the first pending call of that filtered queue other
 *   than `from` that the user may open, else the queue with a notice.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../infra/db/pool.js';
import type { User } from '../../domain/user.js';
import { listDismissReasons } from '../../infra/db/dismiss-reasons-repository.js';
import { signedInUser } from '../plugins/security.js';
import { backFilter, parseQueueFilter, queueFilterFields } from '../queue-filter.js';
import { queuePage, type NewDecision, type QueueFilter } from '../../infra/db/reviews-repository.js';
import { recordDecisions, type CallView } from '../review-data.js';
import { filterQuery, type FindingChoice } from '../views.js';
import type { CallContext, CallPageRefusal } from './call-context.js';
import { callParams, csrfCheck, field, query, RECORDING_ID } from './common.js';

/** What the routes need. */
export interface ReviewRouteOptions {
  db: Pool;
  /** WEB_ASSIGNMENT: officers open only unassigned calls and their own. */
  assignment: boolean;
  calls: CallContext;
}

/**
 * The review form: per finding `decision-<fid>`, `reason-<fid>`, `comment-<fid>`, and `all`, `then`, `back`
 * and the CSRF token; every field a string, else absent (a missing or non-object body: an empty form).
 */
const reviewBody = z.preprocess((v) => (v && typeof v === 'object' ? v : {}), z.record(z.string(), field));

/**
 * Reads the review form against the call's findings.
 *
 * @returns the decisions to append, or the refusal (message and the form's choices) when the form is incomplete
 */
export function readReviewForm(
  body: Record<string, string | undefined>,
  call: CallView,
  reasons: string[],
  reviewer: string,
): Omit<NewDecision, 'recordingId'>[] | CallPageRefusal {
  const text = (k: string) => body[k]?.trim() ?? '';
  const choices: Record<number, FindingChoice> = {};
  const decisions: Omit<NewDecision, 'recordingId'>[] = [];
  const errors: string[] = [];
  const confirmAll = body.all === 'confirmed';
  for (const [i, f] of call.findings.entries()) {
    const raw = text(`decision-${f.id}`);
    const chosen: FindingChoice = {
      decision: raw === 'confirmed' || raw === 'dismissed' ? raw : undefined,
      reason: text(`reason-${f.id}`) || undefined,
      comment: text(`comment-${f.id}`).slice(0, 2000) || undefined,
    };
    choices[f.id] = chosen;
    const decision = chosen.decision ?? (confirmAll && !f.current ? 'confirmed' : undefined);
    if (decision === 'dismissed' && !(chosen.reason && reasons.includes(chosen.reason))) errors.push(`第 ${i + 1} 条发现驳回须选择理由`);
    if (decision)
      decisions.push({
        findingId: f.id,
        decision,
        reason: decision === 'dismissed' ? chosen.reason : undefined,
        comment: chosen.comment,
        reviewer,
      });
    else if (chosen.comment) decisions.push({ findingId: f.id, decision: 'comment', comment: chosen.comment, reviewer });
  }
  if (errors.length) return { error: `未保存：${errors.join('；')}。`, choices };
  if (!decisions.length) return { error: '未保存：请至少对一条发现选择结论或填写备注。', choices };
  return decisions;
}

/**
 * The first pending call of the filtered queue (its order: newest first), other than `from`, that `user` may
 * open (the queue leaves out calls assigned to other officers when assignment is on).
 */
export async function nextPendingCall(
  db: Pool,
  filter: QueueFilter,
  user: User,
  assignment: boolean,
  from?: string,
): Promise<string | undefined> {
  const page = await queuePage(db, { ...filter, status: 'pending' }, user, assignment);
  return page.rows.find((r) => r.recordingId !== from)?.recordingId;
}

/** Registers the fast-review routes (see the module comment). */
export const reviewRoutes: FastifyPluginAsyncZod<ReviewRouteOptions> = async (app, opts) => {
  const { db, calls } = opts;
  const toNext = async (req: FastifyRequest, reply: FastifyReply, filter: QueueFilter, from: string, notice: Record<string, string>) => {
    const next = await nextPendingCall(db, filter, signedInUser(req), opts.assignment, from);
    if (!next) return reply.redirect(`/${filterQuery(filter, { notice: 'queue-done' })}`, 303);
    return reply.redirect(`/calls/${next}${filterQuery(filter, notice)}`, 303);
  };

  app.post(
    '/calls/:id/review',
    {
      schema: { params: callParams, querystring: query(queueFilterFields), body: reviewBody },
      config: { roles: ['officer', 'supervisor'] },
      preHandler: csrfCheck(app),
    },
    async (req, reply) => {
      const call = await calls.openCall(req, reply, req.params.id);
      if (!call) return reply;
      const back = parseQueueFilter(req.query);
      const reasons = (await listDismissReasons(db)).map((r) => r.label);
      const checked = readReviewForm(req.body, call, reasons, signedInUser(req).username);
      if (!Array.isArray(checked)) return calls.renderCallPage(req, reply, call, { back, refused: checked, status: 400 });
      const report = await calls.loadReport(call.reportKey);
      if (!report)
        return calls.renderCallPage(req, reply, call, {
          back,
          refused: { error: '未保存：报告文件缺失，无法重算得分。', choices: {} },
          status: 503,
        });
      await recordDecisions(db, call.recordingId, checked, report);
      for (const d of checked) app.metrics.decisions.inc({ decision: d.decision });
      const filter = backFilter(req.body.back);
      if (req.body.then === 'stay') return reply.redirect(`/calls/${call.recordingId}${filterQuery(filter, { saved: '1' })}`, 303);
      return toNext(req, reply, filter, call.recordingId, { saved: call.callId });
    },
  );

  app.get('/queue/next', { schema: { querystring: query({ ...queueFilterFields, from: field }) } }, async (req, reply) => {
    const from = req.query.from !== undefined && RECORDING_ID.test(req.query.from) ? req.query.from : undefined;
    return toNext(req, reply, parseQueueFilter(req.query), from ?? '', { notice: 'skipped' });
  });
};
