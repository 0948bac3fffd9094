/**
 * The reconciler (issue 10): every worker runs it periodically, one at a time across all workers by a
 * Redis lock. It puts right the recordings of the recordings bucket that are not terminal and have not
 * changed for a grace period, but have no live queue job:
 *
 * - the newest job of the recording (analyze, else transcribe, else prepare) **failed**, but marking the
 *   recording failed did not happen (e.g. PostgreSQL was down at that moment): the recording is marked
 *   failed now, with the job's reason;
 * - its job is **gone** (a scan killed between the row and the job, jobs lost with Redis data) or
 *   **finished out of order** (the row did not follow): the recording is queued again from prepare; stages
 *   whose output exists are skipped, so this resumes where it stopped. After `maxRequeues` such requeues the
 *   recording fails with reason `stalled` instead of going round for ever.
 *
 * Every change is a compare-and-set on the row's status and `updated_at`, so a stage that moves the row on
 * at the same moment wins.
 */
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  listOpenRecordings,
  markRecordingFailed,
  requeueStaleRecording,
  type OpenRecordingRow,
} from '../infra/db/recordings-repository.js';
import type { Pool } from '../infra/db/pool.js';
import type { Logger } from '../infra/logger.js';
import type { RecordingRef } from '../pipeline/stages/context.js';
import { stageJobId, type Queues } from './queues.js';

/** The recording stages, newest last. */
const RECORDING_STAGES = ['prepare', 'transcribe', 'analyze'] as const;
/** BullMQ job states in which the job will still run. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);
/** Reason codes that a failed job's reason may start with (`code: message`, see workers/run-workers.ts). */
const REASON_CODE = /^([a-z_]+): /;

/** What one reconciler pass did. */
export interface ReconcileResult {
  /** Open recordings older than the grace period that were looked at. */
  checked: number;
  /** Queued again from prepare (job gone or finished out of order). */
  requeued: string[];
  /** Marked failed from their failed job, or as `stalled` after too many requeues. */
  failed: string[];
}

/** Options of {@link reconcileOnce}. Times in milliseconds. */
export interface ReconcileOptions {
  bucket: string;
  graceMs: number;
  maxRequeues: number;
}

/**
 * One reconciler pass over the open recordings of `options.bucket` (at most 500, oldest first).
 */
export async function reconcileOnce(deps: { db: Pool; queues: Queues; log: Logger }, options: ReconcileOptions): Promise<ReconcileResult> {
  const rows = await listOpenRecordings(deps.db, options.bucket, options.graceMs);
  const result: ReconcileResult = { checked: rows.length, requeued: [], failed: [] };
  for (const row of rows) {
    const jobs = [];
    for (const stage of RECORDING_STAGES) {
      const job = await deps.queues[stage].getJob(stageJobId(stage, row.id));
      jobs.push({ stage, job, state: job ? await job.getState() : 'missing' });
    }
    if (jobs.some((j) => LIVE_STATES.has(j.state))) continue;
    const newest = [...jobs].reverse().find((j) => j.state !== 'missing' && j.state !== 'unknown');
    if (newest?.state === 'failed') {
      const reason = newest.job?.failedReason ?? 'the job failed';
      const code = REASON_CODE.exec(reason)?.[1] ?? (/stalled/i.test(reason) ? 'stalled' : 'error');
      await markRecordingFailed(deps.db, row.id, newest.stage, code, reason.replace(REASON_CODE, ''));
      deps.log.warn({ key: row.objectKey, stage: newest.stage, code }, 'reconciler: recording marked failed from its failed job');
      result.failed.push(row.id);
      continue;
    }
    if (
      await requeue(
        deps,
        row,
        options.maxRequeues,
        jobs.map((j) => j.stage),
      )
    )
      result.requeued.push(row.id);
    else result.failed.push(row.id);
  }
  return result;
}

/** Queues `row` again from prepare; false when it failed as `stalled` instead (or changed meanwhile). */
async function requeue(
  deps: { db: Pool; queues: Queues; log: Logger },
  row: OpenRecordingRow,
  maxRequeues: number,
  stages: readonly (typeof RECORDING_STAGES)[number][],
): Promise<boolean> {
  if (row.requeueCount >= maxRequeues) {
    await markRecordingFailed(
      deps.db,
      row.id,
      row.status,
      'stalled',
      `lost its queue job ${row.requeueCount + 1} times (last seen ${row.status}); \`callqa retry\` queues it again`,
    );
    deps.log.warn({ key: row.objectKey, status: row.status }, 'reconciler: recording failed as stalled');
    return false;
  }
  const count = await requeueStaleRecording(deps.db, row);
  if (count === undefined) return false; // moved on meanwhile
  for (const stage of stages) await deps.queues[stage].remove(stageJobId(stage, row.id));
  const rec: RecordingRef = { recordingId: row.id, bucket: row.bucket, key: row.objectKey, etag: row.etag, size: row.sizeBytes };
  await deps.queues.prepare.add('prepare', rec, { jobId: stageJobId('prepare', row.id) });
  deps.log.warn(
    { key: row.objectKey, was: row.status, ageSec: Math.round(row.ageSec), requeue: count },
    'reconciler: recording had no queue job; queued again',
  );
  return true;
}

/** A running periodic reconciler. */
export interface Reconciler {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/**
 * Runs {@link reconcileOnce} every `intervalMs` in this process, when this process holds the reconciler
 * lock (`<prefix>:reconciler:lock`, taken with SET NX PX for one interval and left to expire): however many
 * workers run, one pass per interval happens. The first attempt is made soon after start-up. Errors (a
 * dependency down) are logged and the next interval tries again.
 */
export function startReconciler(
  deps: { db: Pool; queues: Queues; redis: Redis; log: Logger; queuePrefix: string },
  options: ReconcileOptions & { intervalMs: number },
): Reconciler {
  const token = randomUUID();
  const lockKey = `${deps.queuePrefix}:reconciler:lock`;
  let running: Promise<void> | undefined;
  const pass = async () => {
    const got = await deps.redis.set(lockKey, token, 'PX', options.intervalMs, 'NX');
    if (got !== 'OK') return;
    const result = await reconcileOnce(deps, options);
    if (result.requeued.length || result.failed.length)
      deps.log.info({ checked: result.checked, requeued: result.requeued.length, failed: result.failed.length }, 'reconciler pass');
  };
  const tick = () => {
    if (running) return;
    running = pass()
      .catch((error: unknown) => deps.log.warn({ err: (error as Error).message }, 'reconciler pass failed; trying again next interval'))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, Math.min(options.intervalMs, 5_000));
  const timer = setInterval(tick, options.intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
