/**
 * ASR evaluation (pipeline/transcribe/evaluate-asr.ts) through the real prepare (ffmpeg), Silero VAD and the
 * sensevoice engine with the test model of scripts/make-sensevoice-test-model.mjs, whose output is known
 * (您好 per speech stretch), so every CER below is worked out by hand.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { createEngine } from '../../pipeline/transcribe/engines.js';
import { createSherpaEngine } from '../../pipeline/transcribe/sherpa-engine.js';
import { evaluateAsr, findAsrReferences, formatAsrEvaluation } from '../../pipeline/transcribe/evaluate-asr.js';
import type { TranscriptionEngine } from '../../pipeline/transcribe/engine.js';
import { ffmpeg, makeLaidOutCall } from '../support/media.js';
import { ensureWhisperBinary, hasSharedModel, makeTestModel, sharedTestModel } from './helpers.js';
// @ts-expect-error plain ES module script without type declarations
import { writeTestModel } from '../../scripts/make-sensevoice-test-model.mjs';

const sharedAudio = path.resolve(import.meta.dirname, '../../../shared/audio');
const aishell = path.join(sharedAudio, 'aishell-BAC009S0764W0121.wav');
const hasSharedAudio = existsSync(aishell);

let dir: string;
let engine: TranscriptionEngine;
const limits = { ffmpegTimeLimitMs: 60_000 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-eval-asr-'));
  const model = path.join(dir, 'model');
  writeTestModel(model, { text: '您好' });
  engine = createSherpaEngine('sensevoice', { modelDir: model, threads: 1, timeLimitMs: 60_000 });
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe('evaluateAsr without speech', () => {
  it('pairs recordings with references, counts what the engine missed, and lists failures', async () => {
    const set = path.join(dir, 'tones');
    await mkdir(set);
    // Ringback and hold music only: VAD finds no speech, the engine is not asked, the hypothesis is empty.
    await makeLaidOutCall(path.join(set, 'ringback.wav'), [{ ringback: 6 }, { hold: 4 }], () => 0);
    await writeFile(path.join(set, 'ringback.ref.txt'), '您好，请讲。\n');
    await writeFile(path.join(set, 'not-audio.mp3'), 'this is text, not audio');
    await writeFile(path.join(set, 'not-audio.ref.txt'), '喂');
    await makeLaidOutCall(path.join(set, 'unlabelled.wav'), [{ silence: 1 }], () => 0);

    expect((await findAsrReferences(set)).withoutReference).toEqual(['unlabelled.wav']);
    const work = await mkdtemp(path.join(dir, 'work-'));
    const result = await evaluateAsr(set, { engine, workDir: work, ...limits });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({
      name: 'ringback',
      hypothesis: '',
      referenceLength: 4,
      deletions: 4,
      substitutions: 0,
      insertions: 0,
      cer: 1,
    });
    expect(result.failed).toEqual([{ name: 'not-audio', reason: expect.stringMatching(/^not_audio: .*not-audio\.mp3/) }]);
    expect(result.overall).toMatchObject({ referenceLength: 4, deletions: 4, cer: 1 });
    expect(result.engine.id).toBe('sensevoice');
    const table = formatAsrEvaluation(result);
    expect(table).toMatch(/ringback +4 +0 +4 +0 +100\.0%/);
    expect(table).toContain('failed not-audio: not_audio');
    expect(table).toContain('no reference (skipped): unlabelled.wav');
  });
});

describe.skipIf(!hasSharedAudio)('evaluateAsr on real speech (../shared/audio)', () => {
  it('measures CER per file and pooled, with a text reference and a transcript JSON reference', async () => {
    const set = path.join(dir, 'speech');
    await mkdir(set);
    await copyFile(aishell, path.join(set, 'aishell.wav'));
    await writeFile(path.join(set, 'aishell.ref.txt'), '甚至出现交易几乎停滞的情况。');
    // A stereo 8 kHz call (agent left, silent caller right) whose reference is a transcript JSON.
    await ffmpeg(
      '-i',
      aishell,
      '-f',
      'lavfi',
      '-t',
      '4.2',
      '-i',
      'anullsrc=r=16000:cl=mono',
      '-filter_complex',
      '[0:a][1:a]amerge=inputs=2[a]',
      '-map',
      '[a]',
      '-ar',
      '8000',
      path.join(set, 'stereo.wav'),
    );
    const transcript = {
      format: 1,
      callId: 'stereo',
      durationSec: 4.2,
      language: 'zh',
      segments: [{ start: 0.3, end: 4, speaker: 'agent', text: '您好，請講' }],
    };
    await writeFile(path.join(set, 'stereo.transcript.json'), JSON.stringify(transcript));

    const work = await mkdtemp(path.join(dir, 'work-'));
    const result = await evaluateAsr(set, { engine, workDir: work, ...limits, channelMap: { agent: 0, customer: 1 } });
    expect(result.failed).toEqual([]);
    // aishell: VAD finds one stretch → 您好 against 13 characters: 2 substituted, 11 deleted.
    expect(result.files.find((f) => f.name === 'aishell')).toMatchObject({
      hypothesis: '您好',
      referenceLength: 13,
      substitutions: 2,
      deletions: 11,
      insertions: 0,
      cer: 1,
    });
    // stereo: 您好 on the agent channel, nothing on the silent one; reference 您好请讲 (Traditional 請講 normalised).
    expect(result.files.find((f) => f.name === 'stereo')).toMatchObject({ hypothesis: '您好', referenceLength: 4, deletions: 2, cer: 0.5 });
    // Pooled: (13 + 2) errors over 17 characters.
    expect(result.overall).toMatchObject({ referenceLength: 17, substitutions: 2, deletions: 13, insertions: 0 });
    expect(result.overall.cer).toBeCloseTo(15 / 17, 10);
  });
});

describe.skipIf(!hasSharedAudio)('evaluateAsr with the whisper.cpp engine and its test model (../shared/audio)', () => {
  it('runs whisper-cli through the registry; the test model writes nothing, so every reference character is a deletion', async () => {
    const model = hasSharedModel ? sharedTestModel : await makeTestModel(path.join(dir, 'ggml-test.bin'));
    const { engine: whisper, problem } = createEngine(
      loadConfig({ ASR_ENGINE: 'whisper.cpp', WHISPER_BIN: await ensureWhisperBinary(), WHISPER_MODEL: model, WHISPER_THREADS: '2' }),
    );
    expect(problem).toBeUndefined();
    const set = path.join(dir, 'whisper');
    await mkdir(set);
    await copyFile(aishell, path.join(set, 'aishell.wav'));
    await writeFile(path.join(set, 'aishell.ref.txt'), '甚至出现交易几乎停滞的情况');
    try {
      const result = await evaluateAsr(set, { engine: whisper, workDir: await mkdtemp(path.join(dir, 'work-')), ...limits });
      expect(result.engine.id).toBe('whisper.cpp');
      expect(result.failed).toEqual([]);
      expect(result.files[0]).toMatchObject({
        hypothesis: '',
        referenceLength: 13,
        deletions: 13,
        substitutions: 0,
        insertions: 0,
        cer: 1,
      });
      expect(result.files[0]!.asrSec).toBeGreaterThan(0);
    } finally {
      await whisper.close();
    }
  }, 120_000);
});
