/**
 * SIGTERM during a transcription: the real `callqa worker` process, a real whisper.cpp run on a long
 * recording, real Redis. Afterwards no whisper process is left, the job is waiting again (not stuck in
 * active, no attempt used) and the recording is not marked failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type Services } from '../../infra/services.js';
import { getRecordings, upsertQueuedRecording } from '../../infra/db/recordings-repository.js';
import { preparedAudioKey, recordingId } from '../../pipeline/storage-keys.js';
import { closeQueues, openQueues, stageJobId, type Queues } from '../../workers/queues.js';
import { assertBuilt, CALLQA_BIN, pgrep, startTestEnv, waitFor, type TestEnv } from '../support/integration.js';
import { makeNoiseWav } from '../support/media.js';

describe('worker shutdown', () => {
  let t: TestEnv;
  let services: Services;
  let queues: Queues;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    services = await openServices(t.config, t.log, { allowLocalS3: false });
    queues = openQueues(services.redis, t.config);
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await closeQueues(queues);
    await services?.close();
    await t?.cleanup();
  });

  it('SIGTERM during transcription kills whisper.cpp and returns the job to waiting', async () => {
    const wav = path.join(t.dir, 'long.wav');
    await makeNoiseWav(wav, 900);
    const key = 'night/long-call.wav';
    const id = recordingId(t.config.s3.recordingsBucket, key, 'etag-long');
    const prepared = preparedAudioKey(id, 'unknown', 0);
    await services.storage.putFile(t.config.s3.resultsBucket, prepared, wav, 'audio/wav');
    await upsertQueuedRecording(services.db, { id, bucket: t.config.s3.recordingsBucket, objectKey: key, etag: 'etag-long', sizeBytes: 1 });
    await queues.transcribe.add(
      'transcribe',
      {
        recordingId: id,
        bucket: t.config.s3.recordingsBucket,
        key,
        etag: 'etag-long',
        size: 1,
        call: { callId: 'long-call' },
        durationSec: 900,
        // Speech stretches as prepare hands them on (VAD), here all over the recording so whisper.cpp has work.
        channels: [
          {
            role: 'unknown',
            channelIndex: 0,
            key: prepared,
            durationSec: 900,
            speech: Array.from({ length: 45 }, (_, i) => ({ start: i * 20, end: i * 20 + 19 })),
          },
        ],
      },
      { jobId: stageJobId('transcribe', id) },
    );

    let output = '';
    worker = spawn(process.execPath, [CALLQA_BIN, 'worker', '--stages', 'transcribe', '--no-schedule'], {
      env: { ...process.env, ...t.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker!.on('exit', (code) => resolve(code)));

    // whisper.cpp runs with the test model, whose unique path identifies this test's processes.
    await waitFor('whisper.cpp to start', async () => (pgrep(t.modelPath).length ? true : undefined), 60_000, 100);
    const job = await queues.transcribe.getJob(stageJobId('transcribe', id));
    expect(await job!.getState()).toBe('active');

    worker.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(code, output).toBe(0);
    expect(pgrep(t.modelPath)).toEqual([]);
    const after = await queues.transcribe.getJob(stageJobId('transcribe', id));
    expect(await after!.getState()).toBe('waiting');
    expect(after!.attemptsMade).toBe(0);
    const [row] = await getRecordings(services.db, [id]);
    expect(row!.status).not.toBe('failed');
    expect(output).toContain('job returned to waiting');
  }, 120_000);
});
