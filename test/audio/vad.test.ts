/**
 * Silero VAD (pipeline/audio/vad.ts) on real Mandarin speech from ../shared/audio, laid into calls at known
 * offsets among silence, a ringback tone and hold music: stretches land where the speech was put (±0.1 s),
 * and neither the ringback nor the music counts as speech.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSpeech, vadSettings } from '../../pipeline/audio/vad.js';
import { measureDecodedDuration } from '../../pipeline/audio/probe.js';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { makeLaidOutCall, makeSilentWav, ffmpeg } from '../support/media.js';

const sharedAudio = path.resolve(import.meta.dirname, '../../../shared/audio');
const aishell = path.join(sharedAudio, 'aishell-BAC009S0764W0121.wav');
const mandarin = path.join(sharedAudio, 'mandarin-test.wav');
const hasSharedAudio = existsSync(aishell) && existsSync(mandarin);
const limits = { timeLimitMs: 30_000 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-vad-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detectSpeech without speech', () => {
  it('finds nothing in silence, a ringback tone or hold music', async () => {
    const silent16k = path.join(dir, 'silent16k.wav');
    const silent = path.join(dir, 'silent8k.wav');
    await makeSilentWav(silent, 3);
    await ffmpeg('-i', silent, '-ar', '16000', silent16k);
    expect(await detectSpeech(silent16k)).toEqual([]);
    const tones = path.join(dir, 'tones.wav');
    await makeLaidOutCall(tones, [{ ringback: 30 }, { hold: 30 }], () => 0);
    expect(await detectSpeech(tones)).toEqual([]);
  });

  it('names a missing model file as no_model', async () => {
    const silent = path.join(dir, 'short.wav');
    await ffmpeg('-f', 'lavfi', '-t', '1', '-i', 'anullsrc=r=16000:cl=mono', silent);
    await expect(detectSpeech(silent, { modelPath: path.join(dir, 'missing.onnx') })).rejects.toSatisfy(
      (e) => e instanceof BadInputError && e.code === 'no_model' && e.message.includes('missing.onnx'),
    );
  });

  it('stops at its time limit and when aborted', async () => {
    const long = path.join(dir, 'long.wav');
    await makeLaidOutCall(long, [{ hold: 600 }], () => 0);
    await expect(detectSpeech(long, { timeLimitMs: 5 })).rejects.toBeInstanceOf(TimeLimitError);
    const controller = new AbortController();
    const run = detectSpeech(long, { signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses audio that is not 16 kHz', async () => {
    const eightK = path.join(dir, 'eight.wav');
    await makeSilentWav(eightK, 1);
    await expect(detectSpeech(eightK)).rejects.toThrow(/16 kHz/);
  });

  it('fills in Silero defaults', () => {
    const s = vadSettings();
    expect(s.model.endsWith('silero_vad_v5.onnx')).toBe(true);
    expect(s).toMatchObject({ threshold: 0.5, minSilenceSec: 0.3, minSpeechSec: 0.25, maxSpeechSec: 20 });
  });
});

describe.skipIf(!hasSharedAudio)('detectSpeech on real speech laid out in a call (../shared/audio)', () => {
  it('finds each utterance where it was placed among ringback, hold music and silence', async () => {
    const durations = new Map<string, number>();
    for (const f of [aishell, mandarin]) durations.set(f, await measureDecodedDuration(f, limits));
    // Where the speech lies inside each file on its own: the reference the laid-out call must reproduce.
    const alone = new Map<string, { start: number; end: number }[]>();
    for (const f of [aishell, mandarin]) alone.set(f, await detectSpeech(f));
    expect(alone.get(aishell)).toHaveLength(1);

    const call = path.join(dir, 'call.wav');
    const placed = await makeLaidOutCall(
      call,
      [{ ringback: 20 }, { speech: aishell }, { silence: 6 }, { speech: mandarin }, { hold: 15 }, { speech: aishell }, { silence: 3 }],
      (f) => durations.get(f)!,
    );
    const found = await detectSpeech(call);
    const expected = placed.flatMap((p) => alone.get(p.file)!.map((s) => ({ start: s.start + p.offset, end: s.end + p.offset })));
    expect(found).toHaveLength(expected.length);
    // Measured: right after hold music Silero v5 starts about 0.2 s late (its recurrent state still holds the
    // music); engines pad stretches before decoding for that reason. Everywhere else ±0.1 s.
    const tolerance = [0.1, 0.1, 0.25];
    found.forEach((s, i) => {
      expect(Math.abs(s.start - expected[i]!.start)).toBeLessThanOrEqual(tolerance[i]!);
      expect(Math.abs(s.end - expected[i]!.end)).toBeLessThanOrEqual(0.1);
    });
    // Nothing inside the ringback (0–20 s) or the hold music.
    expect(found[0]!.start).toBeGreaterThan(20);
  });

  it('splits an utterance at its pauses (mandarin-vad-test.wav, telephone bandwidth)', async () => {
    const wav16 = path.join(dir, 'vad16.wav');
    await ffmpeg('-i', path.join(sharedAudio, 'mandarin-vad-test.wav'), '-ar', '16000', '-ac', '1', wav16);
    const found = await detectSpeech(wav16, { minSilenceSec: 0.2 });
    expect(found.length).toBeGreaterThanOrEqual(1);
    // The first 2.5 s are steady line noise (high zero-crossing rate, no voicing): not speech, unlike what
    // silencedetect's energy threshold says.
    expect(found[0]!.start).toBeGreaterThan(2.5);
    expect(found.at(-1)!.end).toBeGreaterThan(9.5);
  });
});
