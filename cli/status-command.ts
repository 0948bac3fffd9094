/** `callqa status`: jobs per stage and recordings per status, and the failed recordings with reasons. */
import type { Config } from '../infra/config.js';
import { countRecordingsByStatus, listFailedRecordings, openDatabase } from '../infra/database.js';
import type { Logger } from '../infra/logger.js';
import { FAILURE_CODE_NAMES, failureCodeLabel } from '../pipeline/report/labels.js';
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
export async function statusCommand(config: Config, _log: Logger, options: { json?: boolean; limit: number; bucket?: string }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  await assertRedisReachable(config.redisUrl);
  const db = await openDatabase(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  const queues = openQueues(redis, config);
  try {
    const stages: Record<string, StageCounts> = {};
    for (const stage of STAGES) {
      const c = await queues[stage].getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      stages[stage] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0 };
    }
    const bucket = options.bucket;
    const recordings = await countRecordingsByStatus(db, bucket);
    const failed = await listFailedRecordings(db, { bucket, limit: options.limit });
    if (options.json) {
      out.write(`${JSON.stringify({ stages, bucket: bucket ?? null, recordings, failed: failed.map((f) => ({ bucket: f.bucket, key: f.objectKey, callId: f.callId, stage: f.failedStage, code: f.reasonCode, codeZh: FAILURE_CODE_NAMES[f.reasonCode ?? ''] ?? null, reason: f.reason, at: f.updatedAt })) })}\n`);
      return;
    }
    out.write('stage       waiting  active  delayed  done  failed (jobs kept in Redis)\n');
    for (const [stage, c] of Object.entries(stages)) {
      out.write(`${stage.padEnd(10)} ${String(c.waiting).padStart(8)} ${String(c.active).padStart(7)} ${String(c.delayed).padStart(8)} ${String(c.done).padStart(5)} ${String(c.failed).padStart(7)}\n`);
    }
    out.write(`\nrecordings in ${bucket ? `bucket ${bucket}` : 'every bucket'}: ${Object.entries(recordings).map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
    if (failed.length) {
      out.write(`\nfailed recordings, newest first (bucket/key  [stage] code（说明）: reason); \`callqa retry [--bucket B] [--prefix KEY-PREFIX]\` queues them again:\n`);
      for (const f of failed) out.write(`  ${f.bucket}/${f.objectKey}  [${f.failedStage}] ${failureCodeLabel(f.reasonCode)}: ${f.reason}\n`);
    }
  } finally {
    await closeQueues(queues);
    redis.disconnect();
    await db.end();
  }
}
