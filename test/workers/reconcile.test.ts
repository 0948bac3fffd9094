/**
 * Issue 10, part 1: the recording row and its prepare job are one idempotent step, recording states only
 * move forward, the reconciler puts right rows whose job is gone or failed unrecorded, and `callqa status`
 * lists what is stuck with its age. Real Redis, PostgreSQL and S3 server.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRecordings, insertQueuedRecordings, markRecordingFailed, setRecordingStage } from '../../infra/db/recordings-repository.js';
import { openServices, type Services } from '../../infra/services.js';
import { recordingId } from '../../pipeline/storage-keys.js';
import type { RecordingRef } from '../../pipeline/stages/context.js';
import { queueNewRecordings } from '../../workers/enqueue.js';
import { closeQueues, openQueues, QUEUE_NAMES, stageJobId, type Queues } from '../../workers/queues.js';
import { reconcileOnce } from '../../workers/reconcile.js';
import { assertBuilt, runCallqa, startTestEnv, waitFor, type TestEnv } from '../support/integration.js';

describe('forward-only recording states and the reconciler', () => {
  let t: TestEnv;
  let services: Services;
  let queues: Queues;
  const refs = (prefix: string, n: number): RecordingRef[] =>
    Array.from({ length: n }, (_, i) => {
      const key = `${prefix}/call-${i}.wav`;
      return {
        recordingId: recordingId(t.config.s3.recordingsBucket, key, `etag-${prefix}-${i}`),
        bucket: t.config.s3.recordingsBucket,
        key,
        etag: `etag-${prefix}-${i}`,
        size: 100,
      };
    });
  const age = (ids: string[], seconds: number) =>
    services.db.query(`UPDATE recordings SET updated_at = now() - make_interval(secs => $2) WHERE id = ANY($1)`, [ids, seconds]);
  const options = () => ({ bucket: t.config.s3.recordingsBucket, graceMs: 60_000, maxRequeues: 2 });

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    services = await openServices(t.config, t.log, { allowLocalS3: false });
    queues = openQueues(services.redis, t.config);
  });
  afterAll(async () => {
    await closeQueues(queues);
    await services?.close();
    await t?.cleanup();
  });

  it('rows written by a scan that died before their jobs get their jobs from the next scan, once', async () => {
    const recs = refs('killed-scan', 5);
    // What a scan killed between the rows and the jobs left behind.
    await insertQueuedRecordings(
      services.db,
      recs.map((r) => ({ id: r.recordingId, bucket: r.bucket, objectKey: r.key, etag: r.etag, sizeBytes: r.size })),
    );
    expect(await queues.prepare.getJob(stageJobId('prepare', recs[0]!.recordingId))).toBeUndefined();
    const fresh = await queueNewRecordings({ db: services.db, queues }, recs);
    expect(fresh).toEqual([]); // known rows, not counted as new …
    for (const r of recs) expect(await queues.prepare.getJobState(stageJobId('prepare', r.recordingId))).toBe('waiting'); // … but queued
    await queueNewRecordings({ db: services.db, queues }, recs);
    expect(await queues.prepare.getJobCounts('waiting')).toMatchObject({ waiting: 5 });
    await queues.prepare.drain();
  });

  it('a stage never moves a row backwards, and a reported recording is never marked failed', async () => {
    const [rec] = refs('forward', 1);
    await queueNewRecordings({ db: services.db, queues }, [rec!]);
    expect(await setRecordingStage(services.db, rec!.recordingId, 'analyzing')).toBe(true);
    expect(await setRecordingStage(services.db, rec!.recordingId, 'preparing')).toBe(false);
    await services.db.query(`UPDATE recordings SET status = 'reported' WHERE id = $1`, [rec!.recordingId]);
    expect(await setRecordingStage(services.db, rec!.recordingId, 'analyzing')).toBe(false);
    await markRecordingFailed(services.db, rec!.recordingId, 'prepare', 'error', 'late failure of a stage that ran twice');
    expect((await getRecordings(services.db, [rec!.recordingId]))[0]!.status).toBe('reported');
    await queues.prepare.drain();
  });

  it('the reconciler queues rows without a job again, marks rows whose job failed unrecorded, and gives up after the limit', async () => {
    const [lost, failedJob, live] = refs('reconcile', 3);
    await insertQueuedRecordings(
      services.db,
      [lost!, failedJob!, live!].map((r) => ({ id: r.recordingId, bucket: r.bucket, objectKey: r.key, etag: r.etag, sizeBytes: r.size })),
    );
    // lost: `analyzing` with no job at all (its analyze job vanished with Redis data).
    await setRecordingStage(services.db, lost!.recordingId, 'analyzing');
    // failedJob: its transcribe job failed while PostgreSQL was down, so the row still says `transcribing`.
    await setRecordingStage(services.db, failedJob!.recordingId, 'transcribing');
    await queues.transcribe.add(
      'transcribe',
      { ...failedJob!, call: { callId: 'c' }, durationSec: 1, channels: [] },
      { jobId: stageJobId('transcribe', failedJob!.recordingId) },
    );
    // A bare worker whose processor fails the job the way run-workers.ts does, without touching the row.
    const failing = new Worker(
      QUEUE_NAMES.transcribe,
      async () => {
        throw new UnrecoverableError('asr_failed: whisper.cpp gave no output for x.wav');
      },
      { connection: services.redis.duplicate({ maxRetriesPerRequest: null }), prefix: t.config.queuePrefix },
    );
    await waitFor('the transcribe job to fail', async () =>
      (await queues.transcribe.getJobState(stageJobId('transcribe', failedJob!.recordingId))) === 'failed' ? true : undefined,
    );
    await failing.close();
    // live: waiting in a long queue; left alone however old.
    await queues.prepare.add('prepare', live!, { jobId: stageJobId('prepare', live!.recordingId) });
    await age([lost!.recordingId, failedJob!.recordingId, live!.recordingId], 600);

    const first = await reconcileOnce({ db: services.db, queues, log: t.log }, options());
    expect(first.requeued).toEqual([lost!.recordingId]);
    expect(first.failed).toEqual([failedJob!.recordingId]);
    const rows = new Map(
      (await getRecordings(services.db, [lost!.recordingId, failedJob!.recordingId, live!.recordingId])).map((r) => [r.id, r]),
    );
    expect(rows.get(lost!.recordingId)!.status).toBe('queued');
    expect(await queues.prepare.getJobState(stageJobId('prepare', lost!.recordingId))).toBe('waiting');
    expect(rows.get(failedJob!.recordingId)).toMatchObject({ status: 'failed', reasonCode: 'asr_failed', failedStage: 'transcribe' });
    expect(rows.get(failedJob!.recordingId)!.reason).toContain('x.wav');
    expect(rows.get(live!.recordingId)!.status).toBe('queued');

    // A row that keeps losing its job fails as `stalled` after maxRequeues, instead of going round for ever.
    for (let i = 0; i < 2; i += 1) {
      await queues.prepare.remove(stageJobId('prepare', lost!.recordingId));
      await age([lost!.recordingId], 600);
      await reconcileOnce({ db: services.db, queues, log: t.log }, options());
    }
    const [gaveUp] = await getRecordings(services.db, [lost!.recordingId]);
    expect(gaveUp).toMatchObject({ status: 'failed', reasonCode: 'stalled' });
    await queues.prepare.drain();
  });

  it('status lists recordings not terminal for longer than STUCK_AFTER_MS, with their age', async () => {
    const [rec] = refs('stuck', 1);
    await insertQueuedRecordings(services.db, [
      { id: rec!.recordingId, bucket: rec!.bucket, objectKey: rec!.key, etag: rec!.etag, sizeBytes: rec!.size },
    ]);
    await setRecordingStage(services.db, rec!.recordingId, 'transcribing');
    await age([rec!.recordingId], 3 * 3600 + 5 * 60);
    const json = await runCallqa(['status', '--json'], { ...t.env, STUCK_AFTER_MS: '3600000' });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.stuck).toContainEqual(expect.objectContaining({ key: rec!.key, status: 'transcribing' }));
    expect(parsed.stuck.find((s: { key: string }) => s.key === rec!.key).ageSec).toBeGreaterThanOrEqual(3 * 3600 + 5 * 60);
    const text = await runCallqa(['status'], { ...t.env, STUCK_AFTER_MS: '3600000' });
    expect(text.stdout).toMatch(/not finished for longer than 1h00m/);
    expect(text.stdout).toContain(`${rec!.key}  transcribing  3h05m`);
  });
});
