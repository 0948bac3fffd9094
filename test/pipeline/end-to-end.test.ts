/**
 * The whole nightly pipeline on real parts: real Redis (BullMQ), a real S3 server (s3rver), real
 * PostgreSQL, real ffmpeg and the real whisper.cpp binary with an empty test model (it runs, transcribes
 * nothing: the test checks the run, the stages and the failure handling, not words).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type Services } from '../../infra/services.js';
import { getRecordings, listFailedRecordings } from '../../infra/db/recordings-repository.js';
import { reportHtmlKey, reportKey, transcriptKey } from '../../pipeline/storage-keys.js';
import type { Transcript } from '../../domain/transcript.js';
import type { Report } from '../../domain/report.js';
import { retryFailedRecordings, scanPrefix } from '../../workers/enqueue.js';
import { closeQueues, openQueues, stageJobId, STAGES, type Queues } from '../../workers/queues.js';
import { startWorkers, type RunningWorkers } from '../../workers/run-workers.js';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { startTestEnv, waitFor, type TestEnv } from '../support/integration.js';
import { makeAlawStereo, makeLyingHeaderWav, makeSilentWav } from '../support/media.js';

const NIGHT = '2026/11/28/';

describe('nightly pipeline, end to end', () => {
  let t: TestEnv;
  let services: Services;
  let queues: Queues;
  let workers: RunningWorkers | undefined;
  const bucket = () => t.config.s3.recordingsBucket;
  const results = () => t.config.s3.resultsBucket;

  async function put(key: string, file: string): Promise<void> {
    await services.storage.putFile(bucket(), key, file);
  }

  async function terminal(ids: string[]) {
    return waitFor(
      'every recording reported or failed',
      async () => {
        const rows = await getRecordings(services.db, ids);
        return rows.length === ids.length && rows.every((r) => r.status === 'reported' || r.status === 'failed') ? rows : undefined;
      },
      240_000,
      300,
    );
  }

  async function getJson<T>(key: string): Promise<T> {
    const text = await services.storage.getText(results(), key);
    expect(text, `missing ${results()}/${key}`).toBeDefined();
    return JSON.parse(text!) as T;
  }

  beforeAll(async () => {
    t = await startTestEnv();
    services = await openServices(t.config, t.log, { allowLocalS3: false });
    queues = openQueues(services.redis, t.config);
    const files = path.join(t.dir, 'files');
    await import('node:fs/promises').then((fs) => fs.mkdir(files));

    // The bundled sample calls (espeak-ng speech) with their metadata, without their scripts: ASR runs.
    for (const name of await readdir(SAMPLES_DIR)) {
      if (name.endsWith('.script.json') || name === 'README.md') continue;
      await put(NIGHT + name, path.join(SAMPLES_DIR, name));
    }
    await writeFile(path.join(files, 'empty.wav'), '');
    await put(`${NIGHT}empty.wav`, path.join(files, 'empty.wav'));
    await makeSilentWav(path.join(files, 'zero.wav'), 1.2);
    await put(`${NIGHT}silence-1.2s.wav`, path.join(files, 'zero.wav'));
    await makeAlawStereo(path.join(files, 'alaw.wav'));
    await put(`${NIGHT}alaw-stereo-10s.wav`, path.join(files, 'alaw.wav'));
    await services.storage.putJson(bucket(), `${NIGHT}alaw-stereo-10s.wav.json`, {
      callId: 'alaw-10s',
      channels: { agent: 0, customer: 1 },
    });
    await makeLyingHeaderWav(path.join(files, 'lying.wav'));
    await put(`${NIGHT}lying-header.wav`, path.join(files, 'lying.wav'));
    await put(`${NIGHT}张三 通话1.wav`, path.join(SAMPLES_DIR, 'call-01-compliant.wav'));
    // A recording that arrives with its transcript: ASR is skipped and the report says so.
    await put(`${NIGHT}with-transcript.wav`, path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'));
    // The sidecar gets the same clean-up as ASR output: an invented label line and outro at the end go.
    const script = JSON.parse(await readFile(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav.script.json'), 'utf8')) as Transcript;
    // Inside the recording (a sidecar may not run past it), at its very end.
    const d = script.durationSec;
    script.segments.push(
      { start: d - 0.4, end: d - 0.2, speaker: 'customer', text: '(音樂播放中)' },
      { start: d - 0.2, end: d, speaker: 'customer', text: '我们下期再见' },
    );
    await writeFile(path.join(files, 'script.json'), JSON.stringify(script));
    await put(`${NIGHT}with-transcript.wav.transcript.json`, path.join(files, 'script.json'));
    // Another night: must not be touched.
    await put('2026/11/29/next-night.wav', path.join(files, 'zero.wav'));
  }, 180_000);

  afterAll(async () => {
    await workers?.close();
    if (queues) await closeQueues(queues);
    await services?.close();
    await t?.cleanup();
  });

  it('queues each recording of the night once, however often the night is enqueued', async () => {
    const [first, second] = await Promise.all([
      scanPrefix({ storage: services.storage, db: services.db, queues }, bucket(), NIGHT),
      scanPrefix({ storage: services.storage, db: services.db, queues }, bucket(), NIGHT),
    ]);
    const third = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket(), NIGHT);
    expect(first.found).toBe(13);
    expect(first.recordings.map((r) => r.key)).not.toContain('2026/11/29/next-night.wav');
    expect(third).toMatchObject({ found: 13, queued: 0, alreadyKnown: 13 });
    const counts = await queues.prepare.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(13);
    expect(first.queued + second.queued).toBeGreaterThanOrEqual(13);
  });

  it('ends every recording reported, or failed with a reason, and writes reports', async () => {
    workers = startWorkers({ services, queues }, STAGES);
    const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket(), NIGHT);
    const rows = await terminal(scan.recordings.map((r) => r.recordingId));
    const byKey = new Map(rows.map((r) => [r.objectKey.slice(NIGHT.length), r]));

    expect(byKey.get('empty.wav')).toMatchObject({ status: 'failed', failedStage: 'prepare', reasonCode: 'empty_file' });
    expect(byKey.get('empty.wav')!.reason).toContain('empty.wav');
    expect(byKey.get('broken-page.wav')).toMatchObject({ status: 'failed', failedStage: 'prepare', reasonCode: 'not_audio' });
    expect(byKey.get('broken-page.wav')!.reason).toContain('broken-page.wav');
    const reported = rows
      .filter((r) => r.status === 'reported')
      .map((r) => r.objectKey.slice(NIGHT.length))
      .sort();
    expect(reported).toEqual(
      [
        'alaw-stereo-10s.wav',
        'call-01-compliant.wav',
        'call-02-compliant.wav',
        'call-03-banned-phrases.wav',
        'call-04-no-consent.wav',
        'call-05-compliant.mp3',
        'call-06-banned-phrases.amr',
        'lying-header.wav',
        'silence-1.2s.wav',
        'with-transcript.wav',
        '张三 通话1.wav',
      ].sort(),
    );

    // ASR ran (real whisper.cpp, empty test model): the transcript says which engine and model, and is empty.
    const asr = await getJson<Transcript>(transcriptKey(`${NIGHT}call-01-compliant.wav`));
    expect(asr.source).toMatchObject({
      kind: 'asr',
      engine: 'whisper.cpp',
      model: path.basename(t.modelPath),
      options: expect.objectContaining({ binary: 'whisper-cli', suppressNonSpeech: true, carryInitialPrompt: true }),
    });
    expect(asr.segments).toEqual([]);
    expect(asr.callId).toBe('demo-01');
    expect(asr.agentId).toBe('A017');

    // Audio measurements from the prepared channels (pipeline/audio/measure.ts): per side for a stereo call,
    // talk times as scripted within 0.2 s per turn; roles from the channels.
    const script01 = JSON.parse(await readFile(path.join(SAMPLES_DIR, 'call-01-compliant.wav.script.json'), 'utf8')) as Transcript;
    expect(asr.roles).toEqual({ method: 'channels', confidence: 1 });
    expect(asr.audio?.speech.agent?.length).toBeGreaterThan(0);
    expect(asr.audio?.speech.customer?.length).toBeGreaterThan(0);
    for (const role of ['agent', 'customer'] as const) {
      const turns = script01.segments.filter((s) => s.speaker === role);
      const scripted = turns.reduce((sum, s) => sum + s.end - s.start, 0);
      expect(Math.abs(asr.audio!.talkSec[role]! - scripted), `${role} talk time`).toBeLessThanOrEqual(0.2 * turns.length);
    }
    expect(asr.audio?.agentTalkRatio).toBeGreaterThan(0.5);
    // The mono AMR call: one unknown channel, and the role assignment says what it did (nothing to go on here:
    // the empty test model transcribes nothing, so speakers stay unknown).
    const amr = await getJson<Transcript>(transcriptKey(`${NIGHT}call-06-banned-phrases.amr`));
    expect(amr.roles?.method).toBe('unknown');
    expect(Object.keys(amr.audio?.speech ?? {})).toEqual(['unknown']);
    expect(amr.audio?.talkSec.unknown).toBeGreaterThan(5);

    // The stereo A-law call was split into agent and caller channels of 10.00 s.
    const alaw = await getJson<Transcript>(transcriptKey(`${NIGHT}alaw-stereo-10s.wav`));
    expect(alaw.durationSec).toBeGreaterThan(9.98);
    expect(alaw.durationSec).toBeLessThan(10.02);
    const alawPrepare = await queues.prepare.getJob(stageJobId('prepare', byKey.get('alaw-stereo-10s.wav')!.id));
    expect(alawPrepare?.returnvalue).toMatchObject({ status: 'done', detail: { channels: ['agent', 'customer'] } });

    // All-zero 1.2 s and a header that lies about its length: real durations, no hang.
    expect((await getJson<Report>(reportKey(`${NIGHT}silence-1.2s.wav`))).durationSec).toBeCloseTo(1.2, 1);
    const lying = await getJson<Report>(reportKey(`${NIGHT}lying-header.wav`));
    expect(lying.durationSec).toBeGreaterThan(4.9);
    expect(lying.durationSec).toBeLessThan(5.1);

    // A transcript beside the recording is used instead of ASR, and scored; the recording is measured all the same.
    const sidecarTranscript = await getJson<Transcript>(transcriptKey(`${NIGHT}with-transcript.wav`));
    expect(sidecarTranscript.audio?.speech.agent?.length).toBeGreaterThan(0);
    expect(sidecarTranscript.audio?.speech.customer?.length).toBeGreaterThan(0);
    expect(sidecarTranscript.segments.map((x) => x.text).join('|')).not.toMatch(/音乐|音樂|下期再见/);
    const sidecar = await getJson<Report>(reportKey(`${NIGHT}with-transcript.wav`));
    expect(sidecar.transcriptSource).toMatchObject({ kind: 'sidecar' });
    const banned = sidecar.rules.find((r) => r.id === 'banned_phrase')!;
    expect(banned.status).toBe('fail');
    expect(sidecar.flagged).toBe(true);

    // Keys with Chinese characters and spaces round-trip into report keys; the HTML page exists.
    const chinese = await getJson<Report>(reportKey(`${NIGHT}张三 通话1.wav`));
    expect(chinese.recording?.key).toBe(`${NIGHT}张三 通话1.wav`);
    const html = await services.storage.getText(results(), reportHtmlKey(`${NIGHT}张三 通话1.wav`));
    expect(html).toContain('通话质检报告');

    // Every reported recording has its summary row.
    const { rows: summaries } = await services.db.query(
      'SELECT recording_id, score, ruleset_version FROM reports WHERE recording_id = ANY($1::text[])',
      [rows.filter((r) => r.status === 'reported').map((r) => r.id)],
    );
    expect(summaries).toHaveLength(11);
    expect(summaries.every((s) => s.ruleset_version === sidecar.rulesetVersion)).toBe(true);
    // The flagged call waits for review, with one finding row per finding in its report.
    const sidecarId = byKey.get('with-transcript.wav')!.id;
    const {
      rows: [summary],
    } = await services.db.query('SELECT review_status, line FROM reports WHERE recording_id = $1', [sidecarId]);
    expect(summary).toEqual({ review_status: 'pending', line: null });
    const { rows: findingRows } = await services.db.query(
      'SELECT rule_id, phrase_id FROM findings WHERE recording_id = $1 ORDER BY rule_id, ordinal',
      [sidecarId],
    );
    expect(findingRows).toHaveLength(sidecar.rules.reduce((n, r) => n + r.findings.length, 0));
    expect(findingRows.filter((f) => f.rule_id === 'banned_phrase').map((f) => f.phrase_id)).toEqual(
      banned.findings.map((f) => f.phraseId),
    );
  }, 300_000);

  it('re-running the night does no work twice', async () => {
    const before = await getJson<Report>(reportKey(`${NIGHT}call-02-compliant.wav`));
    const again = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket(), NIGHT);
    expect(again.queued).toBe(0);
    const after = await getJson<Report>(reportKey(`${NIGHT}call-02-compliant.wav`));
    expect(after.analyzedAt).toBe(before.analyzedAt);
  });

  it('retry queues the failed recordings again; bad input fails again with the same reason', async () => {
    const { queued: retried } = await retryFailedRecordings({ db: services.db, queues, storage: services.storage }, { bucket: bucket() });
    expect(retried.map((r) => [r.recording.key.slice(NIGHT.length), r.action]).sort()).toEqual([
      ['broken-page.wav', 'retried'],
      ['empty.wav', 'retried'],
    ]);
    const rows = await terminal(retried.map((r) => r.recording.recordingId));
    expect(rows.map((r) => r.reasonCode).sort()).toEqual(['empty_file', 'not_audio']);
  }, 60_000);

  it('retry after the operator replaced a failed file queues the new version and retires the old one', async () => {
    const [old] = await listFailedRecordings(services.db, { bucket: bucket(), prefix: `${NIGHT}empty.wav` });
    await put(`${NIGHT}empty.wav`, path.join(t.dir, 'files', 'zero.wav'));
    const { queued } = await retryFailedRecordings(
      { db: services.db, queues, storage: services.storage },
      { bucket: bucket(), prefix: `${NIGHT}empty.wav` },
    );
    expect(queued).toHaveLength(1);
    expect(queued[0]!.action).toBe('replaced');
    expect(queued[0]!.recording.recordingId).not.toBe(old!.id);
    const [fresh] = await terminal([queued[0]!.recording.recordingId]);
    expect(fresh!.status).toBe('reported');
    const [retired] = await getRecordings(services.db, [old!.id]);
    expect(retired!.status).toBe('superseded');
    expect((await listFailedRecordings(services.db, { bucket: bucket() })).map((r) => r.objectKey)).toEqual([`${NIGHT}broken-page.wav`]);
  }, 60_000);

  it('without a model, transcription fails with reason no_model and nothing else is lost', async () => {
    const file = path.join(t.dir, 'files', 'zero.wav');
    const noModel = await startTestEnv({ WHISPER_MODEL: '' });
    const s2 = await openServices(noModel.config, noModel.log, { allowLocalS3: false });
    const q2 = openQueues(s2.redis, noModel.config);
    const w2 = startWorkers({ services: s2, queues: q2 }, STAGES);
    try {
      await s2.storage.putFile(noModel.config.s3.recordingsBucket, 'x/needs-asr.wav', file);
      await s2.storage.putFile(noModel.config.s3.recordingsBucket, 'x/has-transcript.wav', file);
      await s2.storage.putJson(noModel.config.s3.recordingsBucket, 'x/has-transcript.wav.transcript.json', {
        callId: 'has-transcript',
        durationSec: 1.2,
        segments: [{ start: 0.1, end: 1.0, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' }],
      });
      // A mono sidecar (speakers unknown) gets roles assigned in prepare, as mono ASR output does.
      await s2.storage.putFile(noModel.config.s3.recordingsBucket, 'x/mono-transcript.wav', file);
      await s2.storage.putJson(noModel.config.s3.recordingsBucket, 'x/mono-transcript.wav.transcript.json', {
        callId: 'mono-transcript',
        durationSec: 1.2,
        segments: [
          { start: 0.0, end: 0.2, speaker: 'unknown', text: '您好，县婚姻登记中心，请讲。' },
          { start: 0.45, end: 0.7, speaker: 'unknown', text: '你好，我想问一下结婚登记要带什么材料？' },
          { start: 0.95, end: 1.15, speaker: 'unknown', text: '请您带上身份证和户口本。' },
        ],
      });
      const scan = await scanPrefix({ storage: s2.storage, db: s2.db, queues: q2 }, noModel.config.s3.recordingsBucket, 'x/');
      const rows = await waitFor('both terminal', async () => {
        const r = await getRecordings(
          s2.db,
          scan.recordings.map((x) => x.recordingId),
        );
        return r.every((x) => x.status === 'reported' || x.status === 'failed') ? r : undefined;
      });
      const byKey = Object.fromEntries(rows.map((r) => [r.objectKey, r]));
      expect(byKey['x/needs-asr.wav']).toMatchObject({ status: 'failed', failedStage: 'transcribe', reasonCode: 'no_model' });
      expect(byKey['x/needs-asr.wav']!.reason).toMatch(/WHISPER_MODEL/);
      expect(byKey['x/has-transcript.wav']).toMatchObject({ status: 'reported' });
      expect(byKey['x/mono-transcript.wav']).toMatchObject({ status: 'reported' });
      const mono = JSON.parse(
        (await s2.storage.getText(noModel.config.s3.resultsBucket, transcriptKey('x/mono-transcript.wav')))!,
      ) as Transcript;
      expect(mono.roles?.method).toBe('greeting');
      expect(mono.segments.map((x) => x.speaker)).toEqual(['agent', 'customer', 'agent']);
      expect(mono.audio).toMatchObject({ speech: { unknown: [] }, silences: [], nonTalkSec: 0 });
    } finally {
      await w2.close();
      await closeQueues(q2);
      await s2.close();
      await noModel.cleanup();
    }
  }, 60_000);
});
