/**
 * A `callqa worker` whose ASR engine has no model (WHISPER_MODEL unset) refuses the transcribe stage with a
 * message naming the variable, runs its other stages, and leaves transcribe jobs waiting (no recording fails
 * for the configuration mistake); `callqa serve`'s /healthz says the same. Real processes, Redis, PostgreSQL,
 * S3 server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type Services } from '../../infra/services.js';
import { getRecordings, upsertQueuedRecording } from '../../infra/db/recordings-repository.js';
import { recordingId } from '../../pipeline/storage-keys.js';
import { scanPrefix } from '../../workers/enqueue.js';
import { closeQueues, openQueues, stageJobId, type Queues } from '../../workers/queues.js';
import { assertBuilt, CALLQA_BIN, startTestEnv, waitFor, type TestEnv } from '../support/integration.js';

describe('worker without an ASR model', () => {
  let t: TestEnv;
  let services: Services;
  let queues: Queues;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv({ WHISPER_MODEL: '' });
    services = await openServices(t.config, t.log, { allowLocalS3: false });
    queues = openQueues(services.redis, t.config);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await closeQueues(queues);
    await services?.close();
    await t?.cleanup();
  });

  function start(args: string[], extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, [CALLQA_BIN, ...args], {
      env: { ...process.env, ...t.env, LOG_LEVEL: 'info', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const out = { text: '' };
    child.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.text += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, out, exited };
  }

  it('refuses the transcribe stage naming WHISPER_MODEL, runs the others, and fails no recording for it', async () => {
    // A transcribe job already waiting (as prepare hands it on) must stay waiting, not fail with no_model.
    const key = 'night/needs-asr.wav';
    const id = recordingId(t.config.s3.recordingsBucket, key, 'etag-asr');
    await upsertQueuedRecording(services.db, { id, bucket: t.config.s3.recordingsBucket, objectKey: key, etag: 'etag-asr', sizeBytes: 1 });
    await queues.transcribe.add(
      'transcribe',
      {
        recordingId: id,
        bucket: t.config.s3.recordingsBucket,
        key,
        etag: 'etag-asr',
        size: 1,
        call: { callId: 'needs-asr' },
        durationSec: 5,
        channels: [],
      },
      { jobId: stageJobId('transcribe', id) },
    );
    // A recording for the prepare stage, which still runs: an empty file fails there with empty_file.
    const empty = path.join(t.dir, 'empty.wav');
    await writeFile(empty, '');
    await services.storage.putFile(t.config.s3.recordingsBucket, 'other/empty.wav', empty, 'audio/wav');

    const w = start(['worker', '--stages', 'prepare,transcribe', '--no-schedule']);
    await waitFor('workers started', async () => (w.out.text.includes('workers started') ? true : undefined), 30_000);
    expect(w.out.text).toContain('transcribe stage not started');
    expect(w.out.text).toContain('WHISPER_MODEL is not set');

    const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, t.config.s3.recordingsBucket, 'other/');
    const emptyId = scan.recordings[0]!.recordingId;
    const [failed] = await waitFor('prepare ran', async () => {
      const rows = await getRecordings(services.db, [emptyId]);
      return rows[0]?.status === 'failed' ? rows : undefined;
    });
    expect(failed).toMatchObject({ failedStage: 'prepare', reasonCode: 'empty_file' });

    expect(await queues.transcribe.getJobState(stageJobId('transcribe', id))).toBe('waiting');
    expect((await getRecordings(services.db, [id]))[0]!.status).not.toBe('failed');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  }, 90_000);

  it('/healthz reports the missing model while the web app stays up', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const s = start(['serve'], { WEB_SESSION_SECRET: 'test-secret-0123456789-abcdefghijklmnop', WEB_PORT: String(port) });
    try {
      await waitFor('listening', async () => (s.out.text.includes('listening on') ? true : undefined), 30_000);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; asr: { engine: string; status: string; problem: string } };
      expect(body.status).toBe('ok');
      expect(body.asr).toMatchObject({ engine: 'whisper.cpp', status: 'no_model' });
      expect(body.asr.problem).toContain('WHISPER_MODEL is not set');
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
  }, 60_000);
});
