/**
 * `callqa status`: jobs per stage and recordings per status, the recordings not terminal for longer than
 * STUCK_AFTER_MS with their age, and the failed recordings with reasons.
 */
import type { Config } from '../infra/config.js';
import { countRecordingsByStatus, listFailedRecordings, listOpenRecordings } from '../infra/db/recordings-repository.js';
import { openDatabase } from '../infra/db/pool.js';
import type { Logger } from '../infra/logger.js';
import { failureCodeLabel, failureCodeName, recordingLocation } from '../domain/labels.js';
import { assertRedisReachable, createRedis } from '../infra/redis.js';
import { closeQueues, openQueues, STAGES } from '../workers/queues.js';

/** Job counts of one stage queue. */
export interface StageCounts {
  waiting: number;
  active: number;
  delayed: number;
  done: number;
  failed: number;
}

/**
 * Prints the status of every bucket the pipeline processed (the nightly recordings bucket and `callqa
 * process` runs), or of `bucket` alone (a table, or JSON with `json`); failure codes with their Chinese
 * explanation. Needs Redis and PostgreSQL, not object storage.
 *
 * @throws {Error} when Redis or PostgreSQL cannot be reached
 */
export async function statusCommand(
  config: Config,
  _log: Logger,
  options: { json?: boolean; limit: number; bucket?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  await assertRedisReachable(config.redisUrl);
  const db = await openDatabase(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  const queues = openQueues(redis, config);
  try {
    const stages: Record<string, StageCounts> = {};
    for (const stage of STAGES) {
      const c = await queues[stage].getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      stages[stage] = {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        done: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
    }
    const bucket = options.bucket;
    const recordings = await countRecordingsByStatus(db, bucket);
    const failed = await listFailedRecordings(db, { bucket, limit: options.limit });
    const stuck = await listOpenRecordings(db, bucket, config.stuckAfterMs, options.limit);
    if (options.json) {
      out.write(
        `${JSON.stringify({
          stages,
          bucket: bucket ?? null,
          recordings,
          stuckAfterSec: config.stuckAfterMs / 1000,
          stuck: stuck.map((r) => ({
            bucket: r.bucket,
            key: r.objectKey,
            file: r.originalName,
            callId: r.callId,
            status: r.status,
            ageSec: Math.round(r.ageSec),
            since: r.updatedAt,
          })),
          failed: failed.map((f) => ({
            bucket: f.bucket,
            key: f.objectKey,
            file: f.originalName,
            callId: f.callId,
            stage: f.failedStage,
            code: f.reasonCode,
            codeZh: failureCodeName(f.reasonCode) ?? null,
            reason: f.reason,
            at: f.updatedAt,
          })),
        })}\n`,
      );
      return;
    }
    out.write('stage       waiting  active  delayed  done  failed (jobs kept in Redis)\n');
    for (const [stage, c] of Object.entries(stages)) {
      out.write(
        `${stage.padEnd(10)} ${String(c.waiting).padStart(8)} ${String(c.active).padStart(7)} ${String(c.delayed).padStart(8)} ${String(c.done).padStart(5)} ${String(c.failed).padStart(7)}\n`,
      );
    }
    out.write(
      `\nrecordings in ${bucket ? `bucket ${bucket}` : 'every bucket'}: ${Object.entries(recordings)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}\n`,
    );
    if (stuck.length) {
      out.write(
        `\nnot finished for longer than ${formatAge(config.stuckAfterMs / 1000)} (STUCK_AFTER_MS), oldest first (key  status  age); the workers' reconciler queues those without a job again:\n`,
      );
      for (const r of stuck) out.write(`  ${recordingLocation(r)}  ${r.status}  ${formatAge(r.ageSec)}\n`);
    }
    if (failed.length) {
      const hint = retryHint(
        failed.map((f) => f.bucket),
        config.s3.processBucket,
      );
      out.write(`\nfailed recordings, newest first (bucket/key  [stage] code（说明）: reason); ${hint}:\n`);
      for (const f of failed) out.write(`  ${recordingLocation(f)}  [${f.failedStage}] ${failureCodeLabel(f.reasonCode)}: ${f.reason}\n`);
      const more = recordings.failed - failed.length;
      if (more > 0) out.write(`  … and ${more} more (--limit ${options.limit} shows the newest ${failed.length})\n`);
    }
  } finally {
    await closeQueues(queues);
    redis.disconnect();
    await db.end();
  }
}

/** An age in seconds as `2h05m`, `7m30s` or `45s`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * How `status` tells an operator to retry failed recordings (pure): `callqa retry` queues recordings of the
 * object storage again; a `callqa process` run (and the demo) uploads under generated keys into its own bucket,
 * so its failures are retried by running it on the same folder again (its summary names the original files).
 * Either way, a recording that failed on bad input fails again until the file itself is replaced.
 *
 * @param failedBuckets the bucket of each failed recording listed
 * @param processBucket `S3_PROCESS_BUCKET`
 */
export function retryHint(failedBuckets: readonly string[], processBucket: string): string {
  const fromProcess = `those in ${processBucket} come from \`callqa process\` (or the demo): run it on the same folder again`;
  const retry = '`callqa retry [--bucket B] [--prefix KEY-PREFIX]` queues them again';
  const badInput = 'once the cause is fixed (a file that is bad input, e.g. not_audio, fails again until it is replaced)';
  const inProcessBucket = failedBuckets.filter((b) => b === processBucket).length;
  if (inProcessBucket === failedBuckets.length) return `${fromProcess} ${badInput}`;
  return inProcessBucket > 0 ? `${retry}; ${fromProcess}; ${badInput}` : `${retry} ${badInput}`;
}
