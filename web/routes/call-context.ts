/**
 * What the routes on one call share (call page, decisions, fast review, audio, transcript, sampling,
 * appeals): opening the call of a path's recording id with the access rules (404 when unknown, 403 when
 * not the user's: an agent's other calls, or a call assigned to another officer when WEB_ASSIGNMENT is
 * on), reading its report and transcript from the results bucket, and rendering the call page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bannedPhraseLabels } from '../../domain/labels.js';
import type { Report } from '../../domain/report.js';
import type { Transcript } from '../../domain/transcript.js';
import type { Config } from '../../infra/config.js';
import type { Pool } from '../../infra/db/pool.js';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { parseStoredTranscript } from '../../pipeline/stages/stored-output.js';
import { transcriptKey } from '../../pipeline/storage-keys.js';
import { rescoreReportByRule, type ReviewedScore } from '../../rules/analyze/score.js';
import { activeRuleset, rulesetOfVersion } from '../../infra/ruleset-store.js';
import { appealsOfCall } from '../../infra/db/appeals-repository.js';
import { listDismissReasons } from '../../infra/db/dismiss-reasons-repository.js';
import { signedInUser } from '../plugins/security.js';
import { loadCall, mayOpenCall, type CallView } from '../review-data.js';
import type { QueueFilter } from '../../infra/db/reviews-repository.js';
import { listMissedFindings } from '../../infra/db/sampling-repository.js';
import { callPageHtml, errorPage, type FindingChoice } from '../views.js';
import { findingAppealHtml } from './appeals.js';
import { maskFor, sendHtml } from './common.js';

/** A review form that was not saved: the message, and the choices to show again. */
export interface CallPageRefusal {
  error: string;
  choices: Record<number, FindingChoice>;
  callComment?: string;
}

/** The call routes' shared parts (see the module comment). */
export interface CallContext {
  /** The call of `recordingId` for the signed-in user, or undefined once a 404/403 page was sent. */
  openCall(req: FastifyRequest, reply: FastifyReply, recordingId: string): Promise<CallView | undefined>;
  /** The report JSON under `key` in the results bucket, undefined when missing. */
  loadReport(key: string): Promise<Report | undefined>;
  /** The stored transcript of the recording at `objectKey`, undefined when missing. */
  loadTranscript(objectKey: string): Promise<Transcript | undefined>;
  /**
   * Renders the call page of `call` (opened by `openCall`); `back` is the queue filter the back and
   * next-call links keep; `refused` re-shows a review form that was not saved; `status` defaults to 200.
   */
  renderCallPage(
    req: FastifyRequest,
    reply: FastifyReply,
    call: CallView,
    extra: { back: QueueFilter; notice?: string; refused?: CallPageRefusal; status?: number },
  ): Promise<FastifyReply>;
}

/** Makes the {@link CallContext} of a server. */
export function createCallContext(deps: { config: Config; db: Pool; storage: ObjectStorage }): CallContext {
  const { config, db, storage } = deps;
  const web = config.web;
  const loadReport = async (key: string): Promise<Report | undefined> => {
    const text = await storage.getText(config.s3.resultsBucket, key);
    return text === undefined ? undefined : (JSON.parse(text) as Report);
  };
  const loadTranscript = async (objectKey: string): Promise<Transcript | undefined> => {
    const key = transcriptKey(objectKey);
    const text = await storage.getText(config.s3.resultsBucket, key);
    return text === undefined ? undefined : parseStoredTranscript(text, key);
  };
  return {
    loadReport,
    loadTranscript,
    async openCall(req, reply, recordingId) {
      const user = signedInUser(req);
      const call = await loadCall(db, recordingId);
      if (!call) {
        sendHtml(reply, errorPage('未找到', '没有这个通话。', user, reply.generateCsrf()), 404);
        return undefined;
      }
      if (!mayOpenCall(user, call, web.assignment)) {
        sendHtml(
          reply,
          errorPage('无权访问', user.role === 'agent' ? '这不是您的通话。' : '此通话已分配给其他质检员。', user, reply.generateCsrf()),
          403,
        );
        return undefined;
      }
      return call;
    },
    async renderCallPage(req, reply, call, extra) {
      const user = signedInUser(req);
      const mask = maskFor(web, user);
      const [report, transcript, reasons, audioInfo, missed, appeals] = await Promise.all([
        loadReport(call.reportKey),
        loadTranscript(call.objectKey),
        listDismissReasons(db),
        storage.stat(call.bucket, call.objectKey),
        call.sampled ? listMissedFindings(db, call.recordingId) : Promise.resolve([]),
        appealsOfCall(db, call.recordingId),
      ]);
      const csrf = reply.generateCsrf();
      const findingExtras = new Map(
        call.findings.map((f) => [
          f.id,
          findingAppealHtml({ user, call, findingId: f.id, appeals, appealDays: web.appealDays, csrf, mask }),
        ]),
      );
      const ruleset = report ? ((await rulesetOfVersion(db, report.rulesetVersion)) ?? (await activeRuleset(db))) : await activeRuleset(db);
      // After review, the breakdown shows what each rule still deducts, computed as the reviewed score is.
      let reviewed: ReviewedScore | undefined;
      if (report && call.reviewedScore !== null) {
        const dismissed = new Set(call.findings.filter((f) => f.current === 'dismissed').map((f) => `${f.ruleId}#${f.ordinal}`));
        reviewed = rescoreReportByRule(report, (ruleId, ordinal) => dismissed.has(`${ruleId}#${ordinal}`), ruleset);
      }
      return sendHtml(
        reply,
        callPageHtml({
          user,
          csrf,
          call,
          report,
          transcript,
          mask,
          notice: extra.notice,
          reviewed,
          back: extra.back,
          findingExtras,
          reasons: reasons.map((r) => r.label),
          phraseLabels: bannedPhraseLabels(ruleset),
          audioAvailable: !!audioInfo,
          refused: extra.refused,
          missed,
        }),
        extra.status,
      );
    },
  };
}
