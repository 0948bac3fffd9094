/**
 * Putting recordings on the prepare queue: from a prefix listing (scan), or again after they failed
 * (retry). Each recording version gets a deterministic job id and a `recordings` row, so enqueuing the
 * same night twice processes each recording once.
 */
import {
  insertQueuedRecordings,
  listFailedRecordings,
  resetRecordingToQueued,
  upsertQueuedRecording,
} from '../infra/db/recordings-repository.js';
import type { Pool } from '../infra/db/pool.js';
import type { ObjectStorage } from '../infra/object-storage.js';
import { isRecordingKey, recordingId } from '../pipeline/storage-keys.js';
import type { RecordingRef } from '../pipeline/stages/context.js';
import { STAGES, stageJobId, type Queues } from './queues.js';

/** Counts from one scan. */
export interface ScanResult {
  /** Recordings found under the prefix. */
  found: number;
  /** Newly queued for prepare. */
  queued: number;
  /** Already known (in progress, reported or failed; failed ones wait for `callqa retry`). */
  alreadyKnown: number;
  /** The recordings found, in listing order. */
  recordings: RecordingRef[];
  /** Ids of the recordings this scan queued (the others were known before). */
  queuedIds: Set<string>;
}

/**
 * Queues, for prepare, each of `recs` that has no `recordings` row yet (a recording seen before — in
 * progress, reported or failed — is left as it is).
 *
 * Row and job are one idempotent step (issue 10): the row is written first, then the prepare job of every
 * row that is still `queued` is added, new or not, under its deterministic job id (adding an existing id is
 * a no-op). A scan killed between the two therefore leaves rows that the next scan of the prefix, or the
 * reconciler (workers/reconcile.ts), completes with their jobs; nothing stays `queued` without a job.
 *
 * @returns the recordings new to the database now
 */
export async function queueNewRecordings(deps: { db: Pool; queues: Queues }, recs: RecordingRef[]): Promise<RecordingRef[]> {
  const { inserted, status } = await insertQueuedRecordings(
    deps.db,
    recs.map((rec) => ({
      id: rec.recordingId,
      bucket: rec.bucket,
      objectKey: rec.key,
      etag: rec.etag,
      sizeBytes: rec.size,
      originalName: rec.originalName,
    })),
  );
  const pending = recs.filter((r) => status.get(r.recordingId) === 'queued');
  await deps.queues.prepare.addBulk(
    pending.map((rec) => ({ name: 'prepare', data: rec, opts: { jobId: stageJobId('prepare', rec.recordingId) } })),
  );
  return recs.filter((r) => inserted.has(r.recordingId));
}

/**
 * Lists `prefix` in `bucket` and queues each recording not seen before (sidecar `.json` files are not
 * recordings). Works in batches so a night of tens of thousands of calls stays cheap.
 *
 * @param onProgress called after each batch with the running counts
 */
export async function scanPrefix(
  deps: { storage: ObjectStorage; db: Pool; queues: Queues },
  bucket: string,
  prefix: string,
  onProgress?: (counts: Omit<ScanResult, 'recordings' | 'queuedIds'>) => void,
): Promise<ScanResult> {
  const result: ScanResult = { found: 0, queued: 0, alreadyKnown: 0, recordings: [], queuedIds: new Set() };
  let batch: RecordingRef[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const fresh = await queueNewRecordings(deps, batch);
    result.queued += fresh.length;
    for (const rec of fresh) result.queuedIds.add(rec.recordingId);
    result.alreadyKnown += batch.length - fresh.length;
    batch = [];
    onProgress?.({ found: result.found, queued: result.queued, alreadyKnown: result.alreadyKnown });
  };
  for await (const object of deps.storage.list(bucket, prefix)) {
    if (!isRecordingKey(object.key)) continue;
    const rec: RecordingRef = {
      recordingId: recordingId(bucket, object.key, object.etag),
      bucket,
      key: object.key,
      etag: object.etag,
      size: object.size,
    };
    result.found += 1;
    result.recordings.push(rec);
    batch.push(rec);
    if (batch.length >= 500) await flush();
  }
  await flush();
  return result;
}

/**
 * Queues recordings again from the prepare stage, whatever their status: old jobs with the same ids are
 * removed first, the rows go back to `queued`. Stages whose output exists are skipped when they run, so
 * this resumes where each recording stopped.
 */
export async function requeueRecordings(deps: { db: Pool; queues: Queues }, recs: RecordingRef[]): Promise<void> {
  for (const rec of recs) {
    for (const stage of STAGES) {
      if (stage !== 'scan') await deps.queues[stage].remove(stageJobId(stage, rec.recordingId));
    }
    await upsertQueuedRecording(deps.db, {
      id: rec.recordingId,
      bucket: rec.bucket,
      objectKey: rec.key,
      etag: rec.etag,
      sizeBytes: rec.size,
    });
    await resetRecordingToQueued(deps.db, rec.recordingId);
    await deps.queues.prepare.add('prepare', rec, { jobId: stageJobId('prepare', rec.recordingId) });
  }
}

/** What {@link retryFailedRecordings} did with one failed recording. */
export interface RetryOutcome {
  /** The version queued: the failed one, or the object's current version when it was replaced. */
  recording: RecordingRef;
  /** `retried`: the same version again; `replaced`: the object changed since, its new version is queued. */
  action: 'retried' | 'replaced';
}

/**
 * Queues failed recordings again. Each object is looked up first: when it was replaced since (another
 * ETag), the old row becomes `superseded` and the current version is queued instead; when it is gone, the
 * row stays failed and is left out.
 *
 * @param filter only recordings in `bucket` whose keys start with `prefix`, or the one recording `id`; at
 *   most `limit` recordings
 * @returns what was queued, and the keys of objects that no longer exist
 */
export async function retryFailedRecordings(
  deps: { db: Pool; queues: Queues; storage: ObjectStorage },
  filter: { bucket?: string; prefix?: string; id?: string; limit?: number } = {},
): Promise<{ queued: RetryOutcome[]; missing: string[] }> {
  const failed = await listFailedRecordings(deps.db, filter);
  const queued: RetryOutcome[] = [];
  const missing: string[] = [];
  for (const row of failed) {
    const current = await deps.storage.stat(row.bucket, row.objectKey);
    if (!current) {
      missing.push(row.objectKey);
      continue;
    }
    const replaced = current.etag !== row.etag;
    const recording: RecordingRef = replaced
      ? {
          recordingId: recordingId(row.bucket, row.objectKey, current.etag),
          bucket: row.bucket,
          key: row.objectKey,
          etag: current.etag,
          size: current.size,
        }
      : { recordingId: row.id, bucket: row.bucket, key: row.objectKey, etag: row.etag, size: row.sizeBytes };
    await requeueRecordings(deps, [recording]);
    queued.push({ recording, action: replaced ? 'replaced' : 'retried' });
  }
  return { queued, missing };
}
