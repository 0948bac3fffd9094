/**
 * Putting recordings on the prepare queue: from a prefix listing (scan), or again after they failed
 * (retry). Each recording version gets a deterministic job id and a `recordings` row, so enqueuing the
 * same night twice processes each recording once.
 */
import { getRecordings, listFailedRecordings, upsertQueuedRecording, type Pool } from '../infra/database.js';
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
  onProgress?: (counts: Omit<ScanResult, 'recordings'>) => void,
): Promise<ScanResult> {
  const result: ScanResult = { found: 0, queued: 0, alreadyKnown: 0, recordings: [] };
  let batch: RecordingRef[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const known = new Set((await getRecordings(deps.db, batch.map((r) => r.recordingId))).map((r) => r.id));
    const fresh = batch.filter((r) => !known.has(r.recordingId));
    for (const rec of fresh) {
      await upsertQueuedRecording(deps.db, { id: rec.recordingId, bucket: rec.bucket, objectKey: rec.key, etag: rec.etag, sizeBytes: rec.size });
    }
    await deps.queues.prepare.addBulk(fresh.map((rec) => ({ name: 'prepare', data: rec, opts: { jobId: stageJobId('prepare', rec.recordingId) } })));
    result.queued += fresh.length;
    result.alreadyKnown += batch.length - fresh.length;
    batch = [];
    onProgress?.({ found: result.found, queued: result.queued, alreadyKnown: result.alreadyKnown });
  };
  for await (const object of deps.storage.list(bucket, prefix)) {
    if (!isRecordingKey(object.key)) continue;
    const rec: RecordingRef = { recordingId: recordingId(bucket, object.key, object.etag), bucket, key: object.key, etag: object.etag, size: object.size };
    result.found += 1;
    result.recordings.push(rec);
    batch.push(rec);
    if (batch.length >= 500) await flush();
  }
  await flush();
  return result;
}

/**
 * Queues failed recordings again from the prepare stage (stages whose output exists are skipped, so
 * this resumes where each failed). Old failed jobs with the same ids are removed first.
 *
 * @param filter only recordings in `bucket` whose keys start with `prefix`, or the one recording `id`; at
 *   most `limit` recordings
 * @returns the recordings queued again
 */
export async function retryFailedRecordings(
  deps: { db: Pool; queues: Queues },
  filter: { bucket?: string; prefix?: string; id?: string; limit?: number } = {},
): Promise<RecordingRef[]> {
  const failed = await listFailedRecordings(deps.db, filter);
  const queued: RecordingRef[] = [];
  for (const row of failed) {
    for (const stage of STAGES) {
      if (stage !== 'scan') await deps.queues[stage].remove(stageJobId(stage, row.id));
    }
    const rec: RecordingRef = { recordingId: row.id, bucket: row.bucket, key: row.objectKey, etag: row.etag, size: row.sizeBytes };
    await upsertQueuedRecording(deps.db, { id: row.id, bucket: row.bucket, objectKey: row.objectKey, etag: row.etag, sizeBytes: row.sizeBytes });
    await deps.queues.prepare.add('prepare', rec, { jobId: stageJobId('prepare', row.id) });
    queued.push(rec);
  }
  return queued;
}
