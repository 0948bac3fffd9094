// pipeline/audio against the real ffmpeg/ffprobe: probe, prepare, silence, time limits, real speech, samples.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { ffmpegArgs, probeMedia, runFfmpeg } from '../../pipeline/audio/ffmpeg.js';
import { probeRecording, type RecordingProbe } from '../../pipeline/audio/probe.js';
import { buildConvertJob, planChannels, prepareRecording, readWavInfo } from '../../pipeline/audio/prepare.js';
import { analyzeSilence, buildSilenceJob, detectSilences, speechStretches } from '../../pipeline/audio/silence.js';

const run = promisify(execFile);
const LIMIT = { timeLimitMs: 20_000 };

let dir: string;
let work: string;

/** Runs ffmpeg with an argument array (test fixtures only). */
async function ff(...args: string[]): Promise<void> {
  await run('ffmpeg', ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args]);
}

/** Expects `promise` to reject with a BadInputError of `code` whose message names `name`. */
async function expectBadInput(promise: Promise<unknown>, code: string, name: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadInputError);
  expect((error as BadInputError).code).toBe(code);
  expect((error as BadInputError).message).toContain(name);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callqa-audio-'));
  work = path.join(dir, 'work');
  await run('mkdir', ['-p', work]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('A-law stereo with a channel map', () => {
  let input: string;
  beforeAll(async () => {
    input = path.join(dir, 'alaw-stereo.wav');
    // channel 0: 440 Hz sine for 10 s; channel 1: silent for 4 s, then white noise (per-sample expression).
    await ff(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=8000:duration=10',
      '-f',
      'lavfi',
      '-i',
      'aevalsrc=exprs=if(lt(t\\,4)\\,0\\,0.3*(2*random(0)-1)):s=8000:d=10',
      '-filter_complex',
      '[0:a][1:a]amerge=inputs=2[a]',
      '-map',
      '[a]',
      '-c:a',
      'pcm_alaw',
      '-ar',
      '8000',
      input,
    );
  });

  it('probes as A-law, 2 channels, 10 s', async () => {
    const p = await probeRecording(input, LIMIT);
    expect(p).toMatchObject({ codec: 'pcm_alaw', channels: 2, sampleRate: 8000, formatName: 'wav' });
    expect(p.durationSec).toBeCloseTo(10, 2);
  });

  it('splits into two 16 kHz mono 16-bit files of 10.00 s, agent = channel 0', async () => {
    const prepared = await prepareRecording(input, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT });
    expect(prepared.channels.map((c) => [c.role, c.channelIndex])).toEqual([
      ['agent', 0],
      ['customer', 1],
    ]);
    expect(Math.abs(prepared.durationSec - 10)).toBeLessThanOrEqual(0.02);
    for (const c of prepared.channels) {
      expect(path.dirname(c.path)).toBe(work);
      expect(path.basename(c.path)).not.toContain('alaw'); // generated names, not the input's
      expect(Math.abs(c.durationSec - 10)).toBeLessThanOrEqual(0.02);
      // header and size
      const wav = await readWavInfo(c.path);
      expect(wav).toMatchObject({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });
      expect(Math.abs(wav.dataBytes - 10 * 16000 * 2)).toBeLessThanOrEqual(0.02 * 32000);
      const { size } = await stat(c.path);
      expect(size - wav.dataBytes).toBeLessThan(200); // just a header on top of the samples
      // our own probe agrees
      const p = await probeRecording(c.path, LIMIT);
      expect(p).toMatchObject({ codec: 'pcm_s16le', channels: 1, sampleRate: 16000 });
      expect(Math.abs(p.durationSec - 10)).toBeLessThanOrEqual(0.02);
    }
    // content: the agent file holds the continuous sine (no silence); the customer file is silent for 0–4 s
    const [agent, customer] = prepared.channels;
    expect(await detectSilences(agent!.path, LIMIT)).toEqual([]);
    const customerSilences = await detectSilences(customer!.path, LIMIT);
    expect(customerSilences).toHaveLength(1);
    expect(customerSilences[0]!.start).toBe(0);
    expect(customerSilences[0]!.end).toBeCloseTo(4, 1);
    const speech = await speechStretches(customer!.path, LIMIT);
    expect(speech).toHaveLength(1);
    expect(speech[0]!.start).toBeCloseTo(4, 1);
    expect(speech[0]!.end).toBeCloseTo(10, 2);
  });

  it('without a map: one downmixed `unknown` channel', async () => {
    const prepared = await prepareRecording(input, { workDir: work, ...LIMIT });
    expect(prepared.channels).toHaveLength(1);
    expect(prepared.channels[0]).toMatchObject({ role: 'unknown', channelIndex: 0, sourceChannels: [0, 1] });
    expect(Math.abs(prepared.channels[0]!.durationSec - 10)).toBeLessThanOrEqual(0.02);
  });

  it('a map pointing at a missing channel is invalid metadata', async () => {
    await expectBadInput(
      prepareRecording(input, { workDir: work, channelMap: { agent: 0, customer: 3 }, ...LIMIT }),
      'invalid_metadata',
      'alaw-stereo.wav',
    );
  });

  it('fluent-ffmpeg runs exactly the built argument array', async () => {
    const out = path.join(work, 'argcheck.wav');
    const job = buildConvertJob(input, [{ plan: planChannels(2, undefined)[0]!, path: out }]);
    const result = await runFfmpeg(job, LIMIT, 'argcheck');
    expect(result.commandLine).toBe(['ffmpeg', ...ffmpegArgs(job)].join(' '));
    const silenceJob = buildSilenceJob(out);
    expect((await runFfmpeg(silenceJob, LIMIT, 'argcheck')).commandLine).toBe(['ffmpeg', ...ffmpegArgs(silenceJob)].join(' '));
  });
});

describe('bad input', () => {
  it('a 0-byte file → empty_file, naming the file', async () => {
    const f = path.join(dir, 'empty.wav');
    await writeFile(f, '');
    await expectBadInput(probeRecording(f, LIMIT), 'empty_file', 'empty.wav');
    await expectBadInput(prepareRecording(f, { workDir: work, ...LIMIT }), 'empty_file', 'empty.wav');
  });

  it('an HTML page saved as .wav → not_audio, naming the file (display name used when given)', async () => {
    const f = path.join(dir, 'page.wav');
    await writeFile(f, '<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not Found</body></html>\n');
    await expectBadInput(probeRecording(f, LIMIT), 'not_audio', 'page.wav');
    await expectBadInput(
      prepareRecording(f, { workDir: work, displayName: 'recordings/2026/11/28/x.wav', ...LIMIT }),
      'not_audio',
      'recordings/2026/11/28/x.wav',
    );
  });

  it('binary junk → not_audio from ffprobe, classified', async () => {
    const f = path.join(dir, 'junk.wav');
    await writeFile(f, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256)));
    await expectBadInput(probeRecording(f, LIMIT), 'not_audio', 'junk.wav');
  });

  it('a video without audio → no_audio_stream', async () => {
    const f = path.join(dir, 'video-only.avi');
    await ff('-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1', '-c:v', 'mjpeg', f);
    await expectBadInput(probeRecording(f, LIMIT), 'no_audio_stream', 'video-only.avi');
  });

  it('a WAV header without samples → zero_duration', async () => {
    const f = path.join(dir, 'header-only.wav');
    await ff('-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0', '-c:a', 'pcm_s16le', f);
    await expectBadInput(probeRecording(f, LIMIT), 'zero_duration', 'header-only.wav');
  });
});

describe('edge cases', () => {
  it('a 1.2 s all-zero WAV: prepared, 1.2 s, no speech', async () => {
    const f = path.join(dir, 'zeros.wav');
    await ff('-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '1.2', '-c:a', 'pcm_s16le', f);
    const prepared = await prepareRecording(f, { workDir: work, ...LIMIT });
    expect(prepared.durationSec).toBeCloseTo(1.2, 3);
    const c = prepared.channels[0]!;
    expect(await speechStretches(c.path, LIMIT)).toEqual([]);
    const a = await analyzeSilence(c.path, LIMIT);
    expect(a.durationSec).toBeCloseTo(1.2, 3);
    expect(a.silences).toEqual([{ start: 0, end: 1.2 }]);
  });

  it('a WAV whose header claims an hour but holds 5 s returns promptly with ~5 s', async () => {
    const f = path.join(dir, 'lying-header.wav');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=8000:duration=5', '-c:a', 'pcm_s16le', f);
    const buf = await readFile(f);
    const data = buf.indexOf('data');
    buf.writeUInt32LE(3600 * 16000, data + 4); // data chunk: one hour of 8 kHz 16-bit mono
    buf.writeUInt32LE(3600 * 16000 + data, 4); // RIFF size to match
    await writeFile(f, buf);
    const t0 = Date.now();
    const p = await probeRecording(f, { timeLimitMs: 5000 });
    const prepared = await prepareRecording(f, { workDir: work, timeLimitMs: 5000, probe: p });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(p.durationSec).toBeCloseTo(5, 1);
    expect(Math.abs(prepared.durationSec - 5)).toBeLessThanOrEqual(0.02);
  });

  it('MP3 (stereo, joint) decodes; duration by decoding, not the padded container figure', async () => {
    const f = path.join(dir, 'tone.mp3');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=16000:duration=6', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '32k', f);
    const p = await probeRecording(f, LIMIT);
    expect(p).toMatchObject({ codec: 'mp3', formatName: 'mp3', channels: 2, durationSource: 'decoded' });
    expect(Math.abs(p.durationSec - 6)).toBeLessThanOrEqual(0.03);
    const prepared = await prepareRecording(f, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT, probe: p });
    expect(prepared.channels.map((c) => c.role)).toEqual(['agent', 'customer']);
    expect(Math.abs(prepared.durationSec - 6)).toBeLessThanOrEqual(0.03);
  });

  const haveSoxAmr = spawnSync('sox', ['-h'], { encoding: 'utf8' }).stdout?.includes('amr-nb') ?? false;
  it.skipIf(!haveSoxAmr)('AMR-NB decodes (encoded by sox: this ffmpeg has no AMR encoder)', async () => {
    const wav = path.join(dir, 'amr-src.wav');
    await ff('-f', 'lavfi', '-i', 'sine=frequency=700:sample_rate=8000:duration=4', '-c:a', 'pcm_s16le', wav);
    const f = path.join(dir, 'tone.amr');
    await run('sox', ['-R', wav, '-t', 'amr-nb', '-C', '7', f]);
    const p = await probeRecording(f, LIMIT);
    expect(p).toMatchObject({ codec: 'amr_nb', channels: 1, sampleRate: 8000, durationSource: 'decoded' });
    expect(Math.abs(p.durationSec - 4)).toBeLessThanOrEqual(0.03);
    const prepared = await prepareRecording(f, { workDir: work, ...LIMIT, probe: p });
    expect(Math.abs(prepared.durationSec - 4)).toBeLessThanOrEqual(0.03);
  });
  if (!haveSoxAmr) console.log('SKIP AMR-NB encode test: sox without amr-nb support (ffmpeg here cannot encode AMR)');
});

describe('time limits kill the child process', () => {
  /** pids of processes whose command line contains `needle`. */
  function pgrep(needle: string): string[] {
    const r = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean);
  }

  it('ffmpeg: a tiny limit on a one-hour conversion → TimeLimitError, no ffmpeg left', async () => {
    const f = path.join(dir, 'long-hour-7f3a9c.wav');
    await ff('-f', 'lavfi', '-i', 'anoisesrc=sample_rate=8000:duration=3600:amplitude=0.1', '-c:a', 'pcm_alaw', f);
    const probe: RecordingProbe = await probeRecording(f, LIMIT);
    const t0 = Date.now();
    const error = await prepareRecording(f, { workDir: work, timeLimitMs: 1, probe }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeLimitError);
    expect((error as TimeLimitError).what).toBe('ffmpeg');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(pgrep('long-hour-7f3a9c')).toEqual([]);
  });

  it('ffmpeg blocked on an input that never delivers (a FIFO) → killed at the limit', async () => {
    const fifo = path.join(dir, 'stalled-input-5b81e2.wav');
    await run('mkfifo', [fifo]);
    const probe: RecordingProbe = {
      durationSec: 60,
      channels: 1,
      sampleRate: 8000,
      codec: 'pcm_s16le',
      formatName: 'wav',
      durationSource: 'ffprobe',
    };
    const t0 = Date.now();
    const error = await prepareRecording(fifo, { workDir: work, timeLimitMs: 400, probe }).catch((e: unknown) => e);
    const elapsed = Date.now() - t0;
    expect(error).toBeInstanceOf(TimeLimitError);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(3000);
    expect(pgrep('stalled-input-5b81e2')).toEqual([]);
  });

  it('ffprobe blocked on a FIFO → TimeLimitError("ffprobe"), no ffprobe left', async () => {
    const fifo = path.join(dir, 'stalled-probe-c40d17.wav');
    await run('mkfifo', [fifo]);
    const error = await probeMedia(fifo, { timeLimitMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeLimitError);
    expect((error as TimeLimitError).what).toBe('ffprobe');
    expect(pgrep('stalled-probe-c40d17')).toEqual([]);
  });

  it('an AbortSignal cancels a run and kills the process', async () => {
    const fifo = path.join(dir, 'aborted-input-9e0b44.wav');
    await run('mkfifo', [fifo]);
    const probe: RecordingProbe = {
      durationSec: 60,
      channels: 1,
      sampleRate: 8000,
      codec: 'pcm_s16le',
      formatName: 'wav',
      durationSource: 'ffprobe',
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await prepareRecording(fifo, { workDir: work, timeLimitMs: 20_000, probe, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('AbortError');
    expect(pgrep('aborted-input-9e0b44')).toEqual([]);
  });
});

const sharedAudio = fileURLToPath(new URL('../../../shared/audio/', import.meta.url));
const haveShared = existsSync(path.join(sharedAudio, 'mandarin-vad-test.wav'));
if (!haveShared) console.log(`SKIP real-speech tests: ${sharedAudio} (shared/audio) is not there`);

describe.skipIf(!haveShared)('real Mandarin speech (shared/audio)', () => {
  it.each([
    ['aishell-BAC009S0764W0121.wav', 4.2, 16000],
    ['mandarin-test.wav', 4.34, 16000],
    ['mandarin-vad-test.wav', 10.28, 8000],
  ])('%s prepares to %d s', async (name, seconds, rate) => {
    const f = path.join(sharedAudio, name);
    const p = await probeRecording(f, LIMIT);
    expect(p).toMatchObject({ channels: 1, sampleRate: rate });
    const prepared = await prepareRecording(f, { workDir: work, ...LIMIT, probe: p });
    expect(prepared.channels).toHaveLength(1);
    expect(prepared.channels[0]!.role).toBe('unknown');
    expect(Math.abs(prepared.durationSec - seconds)).toBeLessThanOrEqual(0.02);
    expect((await readWavInfo(prepared.channels[0]!.path)).sampleRate).toBe(16000);
  });

  it('mandarin-vad-test.wav: pauses at about 2.59–3.13 s and 6.18–6.71 s, before and after prepare', async () => {
    const f = path.join(sharedAudio, 'mandarin-vad-test.wav');
    const prepared = await prepareRecording(f, { workDir: work, ...LIMIT });
    for (const file of [f, prepared.channels[0]!.path]) {
      const silences = await detectSilences(file, { ...LIMIT, noiseDb: -35, minSilenceSec: 0.4 });
      expect(silences).toHaveLength(2);
      const got = silences.flatMap((s) => [s.start, s.end]);
      [2.59, 3.13, 6.18, 6.71].forEach((want, i) => expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(0.1));
      const speech = await speechStretches(file, LIMIT);
      expect(speech).toHaveLength(3);
      expect(speech[2]!.end).toBeCloseTo(10.28, 1);
    }
  });
});
