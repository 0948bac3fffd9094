/**
 * The fault suite (issue 10): the real `callqa worker` and `callqa scan` processes against real Redis,
 * PostgreSQL and S3 server, reached through TCP proxies that the tests cut and restore, with real ffmpeg and
 * whisper.cpp. Each test ends with the same check: every recording ended reported or failed with a reason,
 * exactly once; nothing stays open; no child process of a worker is left; no temp folder is left.
 *
 * Kept short for `npm test` (tens of recordings, outages of seconds, job locks of 5 s):
 * `scripts/fault-trial.ts` runs the long versions (2,500 recordings under one prefix, outages longer than
 * the production lock).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { dropDatabase, openDatabase, type Pool } from '../../infra/db/pool.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { TRANSCRIPT_SIDECAR_SUFFIX } from '../../pipeline/storage-keys.js';
import {
  assertBuilt,
  CALLQA_BIN,
  pgrep,
  runCallqa,
  startTestEnv,
  testDatabaseUrl,
  TEST_REDIS_URL,
  waitFor,
  type TestEnv,
} from '../support/integration.js';
import {
  expectEveryRecordingEndedOnce,
  logLines,
  startWorker,
  stopWorker,
  TcpProxy,
  waitAllEnded,
  type WorkerProcess,
} from '../support/faults.js';
import { makeAlawStereo, makeNoiseWav } from '../support/media.js';

/** Settings that make faults show within seconds: 5 s locks, a reconciler every 2 s, 4 s shutdown limit. */
const FAST = {
  JOB_LOCK_MS: '5000',
  RECONCILE_INTERVAL_MS: '2000',
  RECONCILE_GRACE_MS: '4000',
  SHUTDOWN_TIME_LIMIT_MS: '4000',
  DEPENDENCY_RETRY_MS: '500',
  JOB_ATTEMPTS: '2',
  JOB_BACKOFF_MS: '200',
};
/** How long each outage lasts: longer than a job lock. */
const OUTAGE_MS = 7_000;

describe('the pipeline under faults', () => {
  let t: TestEnv;
  let db: Pool;
  let storage: ObjectStorage;
  let redis: TcpProxy;
  let pg: TcpProxy;
  let s3: TcpProxy;
  let databaseUrl: string;
  let shortWav: string;
  let shortWavSec: number;
  const workers: WorkerProcess[] = [];
  /** Recovery times measured, printed at the end: fault → seconds from restore to the next recording ended. */
  const recovery: Record<string, number> = {};

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    databaseUrl = testDatabaseUrl('faults');
    db = await openDatabase(databaseUrl);
    storage = new ObjectStorage(t.s3.connection);
    const redisUrl = new URL(TEST_REDIS_URL);
    const dbUrl = new URL(databaseUrl);
    const s3Url = new URL(t.s3.connection.endpoint);
    redis = await TcpProxy.start(redisUrl.hostname, Number(redisUrl.port || 6379));
    pg = await TcpProxy.start(dbUrl.hostname, Number(dbUrl.port || 5432));
    s3 = await TcpProxy.start(s3Url.hostname, Number(s3Url.port));
    shortWav = path.join(t.dir, 'short.wav');
    shortWavSec = 6;
    await makeAlawStereo(shortWav, shortWavSec);
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all([redis, pg, s3].map((p) => p?.close()));
    await db?.end();
    if (databaseUrl) await dropDatabase(databaseUrl).catch(() => undefined);
    await t?.cleanup();
    if (Object.keys(recovery).length)
      process.stderr.write(`fault suite, seconds from restore to the next recording ended: ${JSON.stringify(recovery)}\n`);
  });

  /** A scenario's own buckets, queue prefix and temp folder, reaching every service through the proxies. */
  async function scenario(name: string) {
    const bucket = `${name}-${t.env.S3_RECORDINGS_BUCKET}`;
    const resultsBucket = `${name}-${t.env.S3_RESULTS_BUCKET}`;
    const workDir = path.join(t.dir, `work-${name}`);
    await mkdir(workDir);
    await storage.ensureBuckets([bucket, resultsBucket]);
    const proxied = (url: string, port: number) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString().replace(/\/$/, '');
    };
    const env: Record<string, string> = {
      ...t.env,
      ...FAST,
      QUEUE_PREFIX: `${t.env.QUEUE_PREFIX}-${name}`,
      S3_RECORDINGS_BUCKET: bucket,
      S3_RESULTS_BUCKET: resultsBucket,
      REDIS_URL: proxied(TEST_REDIS_URL, redis.port),
      DATABASE_URL: proxied(databaseUrl, pg.port),
      S3_ENDPOINT: proxied(t.s3.connection.endpoint, s3.port),
      WORK_DIR: workDir,
    };
    const worker = (stages?: string) => {
      const w = startWorker(env, stages);
      workers.push(w);
      return w;
    };
    const check = (outcomes: Map<string, 'reported' | `failed:${string}`>) =>
      expectEveryRecordingEndedOnce({ db, storage, bucket, resultsBucket, workDir, processNeedles: [workDir, t.modelPath] }, outcomes);
    const ended = async () =>
      Number(
        (await db.query(`SELECT count(*) AS n FROM recordings WHERE bucket = $1 AND status IN ('reported', 'failed')`, [bucket])).rows[0].n,
      );
    return { bucket, resultsBucket, workDir, env, worker, check, ended };
  }

  /** Uploads a short stereo call with a transcript sidecar (no ASR needed: prepare measures the audio, analyze scores). */
  async function putCall(bucket: string, key: string, audio = shortWav, durationSec = shortWavSec): Promise<void> {
    await storage.putFile(bucket, key, audio, 'audio/wav');
    const transcript = {
      callId: path.basename(key, path.extname(key)),
      durationSec,
      segments: [
        { start: 0.5, end: 2, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
        { start: 2.5, end: 4, speaker: 'customer', text: '我想问一下结婚登记要带什么。' },
      ],
    };
    await storage.putText(bucket, key + TRANSCRIPT_SIDECAR_SUFFIX, JSON.stringify(transcript), 'application/json');
  }

  /** Seconds from `since` until one more recording of the scenario has ended. */
  async function secondsToNextEnd(ended: () => Promise<number>, before: number, since: number): Promise<number> {
    await waitFor('a recording to end after the restore', async () => ((await ended()) > before ? true : undefined), 120_000, 100);
    return Math.round((Date.now() - since) / 100) / 10;
  }

  it('kill -9 of a worker mid-prepare and mid-transcription: its children die with it, its jobs come back, every recording ends once', async () => {
    const s = await scenario('kill');
    const longWav = path.join(t.dir, 'long-600s.wav');
    await makeNoiseWav(longWav, 600);
    // Real (synthesised) speech, so VAD hands whisper.cpp something to transcribe.
    const asrWav = path.join(SAMPLES_DIR, 'call-01-compliant.wav');
    await putCall(s.bucket, 'night/long-prepare.wav', longWav, 600);
    await storage.putFile(s.bucket, 'night/asr.wav', asrWav, 'audio/wav');
    for (let i = 0; i < 4; i += 1) await putCall(s.bucket, `night/call-${i}.wav`);
    const scan = await runCallqa(['scan', 'night/'], s.env);
    expect(scan.code, scan.stderr).toBe(0);

    // Mid-prepare: ffmpeg runs on a file in this scenario's work folder.
    const w1 = s.worker('prepare');
    await waitFor('ffmpeg to run in prepare', async () => (pgrep(s.workDir).length ? true : undefined), 60_000, 20);
    w1.child.kill('SIGKILL');
    await w1.exited;
    const killedAt = Date.now();
    await waitFor(
      'the ffmpeg of the killed worker to die with it',
      async () => (pgrep(s.workDir).length === 0 ? true : undefined),
      3_000,
      20,
    );
    recovery['kill -9 mid-prepare: children gone (s)'] = (Date.now() - killedAt) / 1000;

    // Mid-transcription: whisper.cpp runs with this test's model.
    const w2 = s.worker();
    await waitFor('whisper.cpp to run', async () => (pgrep(t.modelPath).length ? true : undefined), 120_000, 50);
    w2.child.kill('SIGKILL');
    await w2.exited;
    await waitFor(
      'whisper.cpp of the killed worker to die with it',
      async () => (pgrep(t.modelPath).length === 0 ? true : undefined),
      3_000,
      20,
    );

    const w3 = s.worker();
    const restartedAt = Date.now();
    await waitAllEnded(db, s.bucket, 6);
    recovery['kill -9 (twice): all ended after restart (s)'] = (Date.now() - restartedAt) / 1000;
    expect(await stopWorker(w3), w3.output()).toBe(0);
    expect(w3.output()).toContain('removed temp folders left by workers that are gone');
    await s.check(
      new Map([
        ['night/long-prepare.wav', 'reported'],
        ['night/asr.wav', 'reported'],
        ...[0, 1, 2, 3].map((i) => [`night/call-${i}.wav`, 'reported'] as const),
      ]),
    );
  }, 300_000);

  it('PostgreSQL, object storage and Redis each down longer than a job lock: workers pause, live on, use no attempts, and every recording is reported once', async () => {
    const s = await scenario('outage');
    const w1 = s.worker();
    const w2 = s.worker();
    const outcomes = new Map<string, 'reported'>();
    for (const [fault, proxy] of [
      ['PostgreSQL', pg],
      ['object storage', s3],
      ['Redis', redis],
    ] as const) {
      const prefix = `${fault.replace(' ', '-')}/`;
      for (let i = 0; i < 12; i += 1) {
        await putCall(s.bucket, `${prefix}call-${i}.wav`);
        outcomes.set(`${prefix}call-${i}.wav`, 'reported');
      }
      const scan = await runCallqa(['scan', prefix], {
        ...s.env,
        REDIS_URL: TEST_REDIS_URL,
        DATABASE_URL: databaseUrl,
        S3_ENDPOINT: t.s3.connection.endpoint,
      });
      expect(scan.code, scan.stderr).toBe(0);
      // Cut while the batch is under way.
      const before = await s.ended();
      await waitFor(`the ${fault} batch to start`, async () => ((await s.ended()) > before ? true : undefined), 60_000, 50);
      await proxy.cut();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const during = await s.ended();
      await proxy.restore();
      recovery[`${fault} down ${OUTAGE_MS / 1000} s`] = await secondsToNextEnd(s.ended, during, Date.now());
      await waitAllEnded(db, s.bucket, outcomes.size);
      for (const w of [w1, w2]) expect(w.child.exitCode, w.output()).toBeNull();
    }
    const logs = [...logLines(w1.output()), ...logLines(w2.output())];
    expect(logs.some((l) => String(l.msg).startsWith('pausing workers: PostgreSQL'))).toBe(true);
    expect(logs.some((l) => l.msg === 'dependencies answer again: workers resumed')).toBe(true);
    for (const w of [w1, w2]) expect(await stopWorker(w), w.output()).toBe(0);
    await s.check(outcomes);
  }, 300_000);

  it('a worker starts while PostgreSQL is down and waits for it; SIGTERM while Redis is down ends within the shutdown limit', async () => {
    const s = await scenario('start');
    await putCall(s.bucket, 'day/call-0.wav');
    await pg.cut();
    const w = s.worker();
    await waitFor(
      'the worker to say it waits',
      async () => (w.output().includes('waiting for PostgreSQL') ? true : undefined),
      30_000,
      100,
    );
    expect(w.child.exitCode).toBeNull();
    await pg.restore();
    const restoredAt = Date.now();
    await waitFor('the worker to start', async () => (w.output().includes('workers started') ? true : undefined), 30_000, 100);
    recovery['worker started while PostgreSQL down: started after restore (s)'] = (Date.now() - restoredAt) / 1000;
    const scan = await runCallqa(['scan', 'day/'], s.env);
    expect(scan.code, scan.stderr).toBe(0);
    await waitAllEnded(db, s.bucket, 1);
    await redis.cut();
    const stopping = Date.now();
    const code = await stopWorker(w, 60_000);
    const stoppedInSec = (Date.now() - stopping) / 1000;
    await redis.restore();
    expect(stoppedInSec, w.output()).toBeLessThan(4 + 5 + 3); // SHUTDOWN_TIME_LIMIT_MS + closing the connections + start-up slack
    expect(typeof code === 'number', w.output()).toBe(true);
    recovery['SIGTERM with Redis down: exited (s)'] = stoppedInSec;
    await s.check(new Map([['day/call-0.wav', 'reported']]));
  }, 180_000);

  it('4 workers and 2 scans at once, and a recording replaced by another of the same size after its scan: each call reported once', async () => {
    const s = await scenario('race');
    const outcomes = new Map<string, 'reported'>();
    for (let i = 0; i < 16; i += 1) {
      await putCall(s.bucket, `race/call-${String(i).padStart(2, '0')}.wav`);
      outcomes.set(`race/call-${String(i).padStart(2, '0')}.wav`, 'reported');
    }
    const first = await runCallqa(['scan', 'race/'], s.env);
    expect(first.code, first.stderr).toBe(0);
    // Replaced after the scan, before any worker downloads it: same size, other bytes.
    const bytes = await readFile(shortWav);
    const changed = Buffer.from(bytes);
    for (let i = changed.length - 400; i < changed.length; i += 1) changed[i] = changed[i]! ^ 0x55;
    const replacement = path.join(t.dir, 'replacement.wav');
    await writeFile(replacement, changed);
    await storage.putFile(s.bucket, 'race/call-00.wav', replacement, 'audio/wav');
    expect((await storage.stat(s.bucket, 'race/call-00.wav'))!.size).toBe(bytes.length);

    const ws = [s.worker(), s.worker(), s.worker(), s.worker()];
    const scans = await Promise.all([runCallqa(['scan', 'race/'], s.env), runCallqa(['scan', 'race/'], s.env)]);
    for (const r of scans) expect(r.code, r.stderr).toBe(0);
    await waitAllEnded(db, s.bucket, 17);
    for (const w of ws) expect(await stopWorker(w), w.output()).toBe(0);
    await s.check(outcomes);
    const versions = (
      await db.query(`SELECT status FROM recordings WHERE bucket = $1 AND object_key = 'race/call-00.wav' ORDER BY status`, [s.bucket])
    ).rows.map((r) => r.status);
    expect(versions).toEqual(['reported', 'superseded']);
    // Nothing ran twice: one analysis per recording version across the four workers.
    const analyses = ws.flatMap((w) => logLines(w.output())).filter((l) => l.stage === 'analyze' && l.msg === 'analyze done');
    const perJob = new Map<string, number>();
    for (const l of analyses) perJob.set(String(l.jobId), (perJob.get(String(l.jobId)) ?? 0) + 1);
    expect(perJob.size).toBe(16);
    expect([...perJob.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);

  it('kill -9 of a scan part-way: the next scan and the reconciler complete it, every recording ends once', async () => {
    const s = await scenario('scan');
    const outcomes = new Map<string, 'reported' | 'failed:not_audio'>();
    const notAudio = path.join(t.dir, 'not-audio.wav');
    await writeFile(notAudio, 'this is a text file, not a recording\n'.repeat(20));
    const keys = Array.from({ length: 300 }, (_, i) => `scan/page-${String(i).padStart(3, '0')}.wav`);
    for (let i = 0; i < keys.length; i += 25)
      await Promise.all(keys.slice(i, i + 25).map((k) => storage.putFile(s.bucket, k, notAudio, 'audio/wav')));
    for (const k of keys) outcomes.set(k, 'failed:not_audio');
    for (let i = 0; i < 3; i += 1) {
      await putCall(s.bucket, `scan/zz-call-${i}.wav`);
      outcomes.set(`scan/zz-call-${i}.wav`, 'reported');
    }
    const w = s.worker();
    // `callqa scan` killed as soon as its first rows are in the database.
    const scanner = spawn(process.execPath, [CALLQA_BIN, 'scan', 'scan/'], { env: { ...process.env, ...s.env }, stdio: 'ignore' });
    await waitFor(
      'the scan to write rows',
      async () => ((await db.query('SELECT 1 FROM recordings WHERE bucket = $1 LIMIT 1', [s.bucket])).rowCount ? true : undefined),
      60_000,
      5,
    );
    scanner.kill('SIGKILL');
    // The operator runs the night's scan again; the reconciler gives lost rows their jobs.
    const again = await runCallqa(['scan', 'scan/'], s.env);
    expect(again.code, again.stderr).toBe(0);
    await waitAllEnded(db, s.bucket, outcomes.size, 240_000);
    expect(await stopWorker(w), w.output()).toBe(0);
    await s.check(outcomes);
  }, 300_000);
});
