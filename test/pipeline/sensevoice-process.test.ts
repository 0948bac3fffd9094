/**
 * The whole pipeline with ASR_ENGINE=sensevoice (`callqa process`, real Redis, S3 server, PostgreSQL, ffmpeg,
 * Silero VAD and sherpa-onnx) on a stereo sample call whose script is known, with the SenseVoice test model
 * of scripts/make-sensevoice-test-model.mjs: it writes 您好，县婚姻登记中心，请讲 for every speech stretch, so
 * what is checked is the plumbing — each channel's stretches decoded, put on the call's timeline with the
 * channel's speaker, merged, scored and reported with the engine recorded — not recognition.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { assertBuilt, runCallqa, startTestEnv, type TestEnv } from '../support/integration.js';
// @ts-expect-error plain ES module script without type declarations
import { writeTestModel } from '../../scripts/make-sensevoice-test-model.mjs';

const GREETING = '您好，县婚姻登记中心，请讲';

describe('callqa process with the sensevoice engine', () => {
  let t: TestEnv;
  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv({ ASR_ENGINE: 'sensevoice', ASR_THREADS: '1' });
    const model = path.join(t.dir, 'sensevoice-model');
    writeTestModel(model, { text: GREETING });
    t.env.ASR_MODEL_DIR = model;
  });
  afterAll(() => t?.cleanup());

  it('transcribes each channel stretch by stretch, merges them by time with speakers, and reports', async () => {
    const input = path.join(t.dir, 'in');
    await mkdir(input);
    // Stereo 8 kHz MP3, agent on channel 0; its metadata sidecar goes along, its script does not.
    await copyFile(path.join(SAMPLES_DIR, 'call-05-compliant.mp3'), path.join(input, 'call-05.mp3'));
    await copyFile(path.join(SAMPLES_DIR, 'call-05-compliant.mp3.json'), path.join(input, 'call-05.mp3.json'));
    const script = JSON.parse(await readFile(path.join(SAMPLES_DIR, 'call-05-compliant.mp3.script.json'), 'utf8')) as {
      segments: { start: number; end: number; speaker: string }[];
    };

    const out = path.join(t.dir, 'out');
    const r = await runCallqa(['process', input, '--out', out, '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).recordings[0]).toMatchObject({ status: 'reported', callId: 'demo-05' });

    const transcript = JSON.parse(await readFile(path.join(out, 'demo-05.transcript.json'), 'utf8'));
    expect(transcript.source).toMatchObject({
      kind: 'asr',
      engine: 'sensevoice',
      model: 'model.onnx',
      options: { language: 'zh', inverseTextNormalization: true },
    });
    const segments = transcript.segments as { start: number; end: number; speaker: string; text: string }[];
    expect(segments.length).toBeGreaterThanOrEqual(script.segments.length);
    expect(segments.every((s) => s.text === GREETING)).toBe(true);
    expect(segments.map((s) => s.start)).toEqual([...segments.map((s) => s.start)].sort((a, b) => a - b));
    // Every utterance lies inside a scripted turn of the same side (±0.3 s), and every turn was heard.
    for (const s of segments) {
      const turn = script.segments.find((x) => x.speaker === s.speaker && s.start >= x.start - 0.3 && s.end <= x.end + 0.3);
      expect(turn, `${s.speaker} ${s.start}–${s.end} s`).toBeDefined();
    }
    for (const turn of script.segments) {
      expect(
        segments.some((s) => s.speaker === turn.speaker && s.start < turn.end && s.end > turn.start),
        `${turn.speaker} ${turn.start} s`,
      ).toBe(true);
    }

    const report = JSON.parse(await readFile(path.join(out, 'demo-05.report.json'), 'utf8'));
    expect(report.transcriptSource).toMatchObject({ kind: 'asr', engine: 'sensevoice' });
    expect(report.rules.find((x: { id: string }) => x.id === 'opening_greeting').status).toBe('pass');
  }, 180_000);

  it('fails the recording with no_model naming the missing folder', async () => {
    const input = path.join(t.dir, 'in-no-model');
    await mkdir(input);
    await copyFile(path.join(SAMPLES_DIR, 'call-05-compliant.mp3'), path.join(input, 'call-05b.mp3'));
    const missing = path.join(t.dir, 'no-such-model');
    const r = await runCallqa(['process', input, '--out', path.join(t.dir, 'out-no-model'), '--json'], {
      ...t.env,
      ASR_MODEL_DIR: missing,
    });
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout).recordings[0];
    expect(entry.status).toBe('failed');
    expect(entry.reason).toMatch(/^no_model: .*no-such-model/);
  }, 180_000);
});
