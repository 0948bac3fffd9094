/**
 * The whisper.cpp engine (pipeline/transcribe/whisper-engine.ts): window planning and time mapping by arrays;
 * window WAVs cut from real audio; the time mapping checked on real Mandarin speech laid into a long call
 * (../shared/audio) by running Silero VAD on the windows themselves and mapping what it finds back; and the
 * engine run end to end with the REAL whisper-cli and the empty test model (it transcribes nothing), plus a
 * stand-in program that answers like whisper-cli with known segment times, to check the mapping of its output.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../pipeline/audio/prepare.js';
import { detectSpeech } from '../../pipeline/audio/vad.js';
import { measureDecodedDuration } from '../../pipeline/audio/probe.js';
import { BadInputError } from '../../domain/errors.js';
import {
  CHANNEL_GAP_SEC,
  createWhisperEngine,
  MIN_WINDOW_SEC,
  packChannelWindows,
  partOfSegment,
  planWhisperWindows,
  singleChannelWindows,
  whisperDecodeOptions,
  windowTimeToChannel,
  writeWindowWavs,
  type DecodeWindow,
  type WhisperWindow,
} from '../../pipeline/transcribe/whisper-engine.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import { ffmpeg, makeLaidOutCall } from '../support/media.js';
import { ensureWhisperBinary, makeTestModel } from './helpers.js';

const sharedAudio = path.resolve(import.meta.dirname, '../../../shared/audio');
const aishell = path.join(sharedAudio, 'aishell-BAC009S0764W0121.wav');
const mandarin = path.join(sharedAudio, 'mandarin-test.wav');
const hasSharedAudio = existsSync(aishell) && existsSync(mandarin);
if (!hasSharedAudio) console.log(`SKIP real-speech time mapping: ${sharedAudio} is absent (fresh clone without ../shared)`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-whisper-engine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('planWhisperWindows', () => {
  it('pads each stretch (0.3 s before, 0.2 s after) and puts 0.5 s between stretches', () => {
    const windows = planWhisperWindows(
      [
        { start: 2, end: 4 },
        { start: 10, end: 11 },
      ],
      60,
    );
    expect(windows).toHaveLength(1);
    const [a, b] = windows[0]!.pieces;
    expect(a).toEqual({ sourceStart: 1.7, sourceEnd: 4.2, windowStart: 0 });
    expect(b!.sourceStart).toBeCloseTo(9.7, 9);
    expect(b!.sourceEnd).toBeCloseTo(11.2, 9);
    expect(b!.windowStart).toBeCloseTo(2.5 + 0.5, 9);
    expect(windows[0]!.lengthSec).toBeCloseTo(3 + 1.5, 9);
  });

  it('joins stretches that lie closer than the gap once padded, and never pads past the channel', () => {
    const windows = planWhisperWindows(
      [
        { start: 0.1, end: 1 },
        { start: 1.8, end: 2.5 },
        { start: 9.9, end: 10 },
      ],
      10,
    );
    expect(windows[0]!.pieces.map((p) => [p.sourceStart, p.sourceEnd])).toEqual([
      [0, 2.7],
      [9.6, 10],
    ]);
  });

  it('packs into windows of at most 30 s, in time order', () => {
    const stretches = Array.from({ length: 12 }, (_, i) => ({ start: i * 20, end: i * 20 + 8 }));
    const windows = planWhisperWindows(stretches, 300);
    // 8.5 s per padded stretch + 0.5 s gaps + 0.5 s closing gap: three per window (27 s), four would be 36 s.
    expect(windows).toHaveLength(4);
    for (const w of windows) {
      expect(w.lengthSec).toBeLessThanOrEqual(30);
      expect(w.pieces).toHaveLength(3);
    }
    const starts = windows.flatMap((w) => w.pieces.map((p) => p.sourceStart));
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
  });

  it('cuts a stretch longer than a window', () => {
    const windows = planWhisperWindows([{ start: 5, end: 70 }], 100);
    // 65.5 s of padded speech in pieces of at most 29.5 s (30 s less the closing gap).
    expect(windows.map((w) => w.lengthSec)).toEqual([expect.closeTo(29.5, 9), expect.closeTo(29.5, 9), expect.closeTo(6.5, 9)]);
    expect(windows[2]!.pieces[0]!.sourceEnd).toBeCloseTo(70.2, 9);
  });

  it('plans nothing without speech', () => {
    expect(planWhisperWindows([], 100)).toEqual([]);
  });
});

describe('windowTimeToChannel', () => {
  const window: WhisperWindow = {
    pieces: [
      { sourceStart: 10, sourceEnd: 12, windowStart: 0 },
      { sourceStart: 40, sourceEnd: 45, windowStart: 2.5 },
    ],
    lengthSec: 7.5,
  };
  it('maps times inside pieces by their offset', () => {
    expect(windowTimeToChannel(window, 0, 'start')).toBe(10);
    expect(windowTimeToChannel(window, 1.5, 'end')).toBe(11.5);
    expect(windowTimeToChannel(window, 3, 'start')).toBe(40.5);
    expect(windowTimeToChannel(window, 7.5, 'end')).toBe(45);
  });
  it('sends a time in a gap to the speech it belongs to: a start forward, an end back', () => {
    expect(windowTimeToChannel(window, 2.2, 'start')).toBe(40);
    expect(windowTimeToChannel(window, 2.2, 'end')).toBe(12);
    expect(windowTimeToChannel(window, 9, 'end')).toBe(45); // padding after the last piece
  });
});

/** A window of one piece from `from` to `to` on its channel (seconds). */
const oneStretch = (from: number, to: number): WhisperWindow => ({
  pieces: [{ sourceStart: from, sourceEnd: to, windowStart: 0 }],
  lengthSec: to - from,
});

describe('packChannelWindows', () => {
  it('puts a window of one channel after a window of the other when both fit in 30 s, in time order', () => {
    // Agent: 27.2 s then 7.1 s; caller: 25.0 s then 10.9 s (the sides of a 120 s call). Alone: 4 windows.
    const agent = [oneStretch(0, 27.2), oneStretch(60, 67.1)];
    const caller = [oneStretch(30, 55), oneStretch(80, 90.9)];
    const packed = packChannelWindows([agent, caller]);
    expect(packed).toHaveLength(3);
    // The shortest (agent's 7.1 s) goes after the longest of the caller's it fits after: 10.9 s (25 s does not fit).
    expect(packed[0]!.parts.map((p) => [p.channel, +p.window.lengthSec.toFixed(6), +p.offsetSec.toFixed(6)])).toEqual([
      [0, 7.1, 0],
      [1, 10.9, +(7.1 + CHANNEL_GAP_SEC).toFixed(6)],
    ]);
    expect(packed[0]!.lengthSec).toBeCloseTo(7.1 + CHANNEL_GAP_SEC + 10.9, 9);
    expect(packed.slice(1).map((w) => w.parts.map((p) => [p.channel, +p.window.lengthSec.toFixed(6)]))).toEqual([[[0, 27.2]], [[1, 25]]]);
    // Every window of every channel is decoded exactly once.
    expect(packed.flatMap((w) => w.parts.map((p) => p.window)).sort((a, b) => a.lengthSec - b.lengthSec)).toEqual(
      [...agent, ...caller].sort((a, b) => a.lengthSec - b.lengthSec),
    );
  });

  it('never pairs windows of the same channel, never puts more than two parts in a window, and leaves a mono channel alone', () => {
    const short = [oneStretch(0, 3), oneStretch(10, 13), oneStretch(20, 23)];
    expect(packChannelWindows([short])).toEqual(singleChannelWindows(short));
    const packed = packChannelWindows([short, [oneStretch(5, 7), oneStretch(15, 17)]]);
    expect(packed).toHaveLength(3);
    for (const w of packed) {
      expect(w.parts.length).toBeLessThanOrEqual(2);
      expect(new Set(w.parts.map((p) => p.channel)).size).toBe(w.parts.length);
      expect(w.lengthSec + 0.5).toBeLessThanOrEqual(30);
    }
  });

  it('keeps windows apart that do not fit together with the gap between them and the closing gap', () => {
    // 14.5 + 1 + 14 + 0.5 = 30 fits; 14.5 + 1 + 14.1 + 0.5 does not.
    expect(packChannelWindows([[oneStretch(0, 14.5)], [oneStretch(20, 34)]])).toHaveLength(1);
    expect(packChannelWindows([[oneStretch(0, 14.5)], [oneStretch(20, 34.1)]])).toHaveLength(2);
  });
});

describe('partOfSegment', () => {
  const shared: DecodeWindow = {
    parts: [
      { channel: 0, window: oneStretch(10, 16), offsetSec: 0 },
      { channel: 1, window: oneStretch(40, 48), offsetSec: 6 + CHANNEL_GAP_SEC },
    ],
    lengthSec: 6 + CHANNEL_GAP_SEC + 8,
  };
  it('gives a segment to the part it lies in, also when its times spill a little into the other part', () => {
    expect(partOfSegment(shared, 0.5, 5.9)).toBe(shared.parts[0]);
    expect(partOfSegment(shared, 7.2, 12)).toBe(shared.parts[1]);
    expect(partOfSegment(shared, 1, 7.25)).toBe(shared.parts[0]); // 0.25 s into the caller's part (its padding)
    expect(partOfSegment(shared, 6.2, 6.4)).toBe(shared.parts[0]); // in the silence between them, nearer the first
    expect(partOfSegment(shared, 6.7, 6.9)).toBe(shared.parts[1]);
  });
  it('says `both` for a segment that covers more than 0.3 s of each side', () => {
    expect(partOfSegment(shared, 4, 9)).toBe('both');
    expect(partOfSegment(shared, 5.6, 7.4)).toBe('both');
  });
  it('gives everything to the one part of a single-channel window', () => {
    const single = singleChannelWindows([oneStretch(10, 16)], 1)[0]!;
    expect(partOfSegment(single, 0, 25)).toBe(single.parts[0]);
  });
});

describe('writeWindowWavs', () => {
  it('copies the pieces sample for sample, with silence between them and after the last (a lone 0.8 s "喂" makes a window of more than 1 s)', async () => {
    // A 10 s ramp-like signal: every sample differs from its neighbours, so an offset by one would show.
    const channel = path.join(dir, 'channel.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'aevalsrc=exprs=0.5*sin(2*PI*(50+10*t)*t):s=16000:d=10', '-ac', '1', '-c:a', 'pcm_s16le', channel);
    const windows: WhisperWindow[] = [
      {
        pieces: [
          { sourceStart: 1, sourceEnd: 2, windowStart: 0 },
          { sourceStart: 5, sourceEnd: 5.5, windowStart: 1.5 },
        ],
        lengthSec: 2,
      },
      { pieces: [{ sourceStart: 8, sourceEnd: 8.8, windowStart: 0 }], lengthSec: 0.8 },
    ];
    const out = await mkdtemp(path.join(dir, 'windows-'));
    const [w0, w1] = await writeWindowWavs([channel], singleChannelWindows(windows), out);
    const src = await readFile(channel);
    const srcInfo = await readWavInfo(channel);
    const sample = (buf: Buffer, offset: number, t: number) => buf.readInt16LE(offset + Math.round(t * 16000) * 2);

    const info0 = await readWavInfo(w0!);
    expect(info0).toMatchObject({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });
    expect(info0.durationSec).toBeCloseTo(2.5, 6); // 2 s of pieces and gap + the 0.5 s closing gap
    const b0 = await readFile(w0!);
    for (const t of [0, 0.123, 0.9999]) expect(sample(b0, info0.dataOffset, t)).toBe(sample(src, srcInfo.dataOffset, 1 + t));
    for (const t of [1.0, 1.2, 1.49]) expect(sample(b0, info0.dataOffset, t)).toBe(0);
    for (const t of [1.5, 1.77]) expect(sample(b0, info0.dataOffset, t)).toBe(sample(src, srcInfo.dataOffset, 5 + t - 1.5));
    for (const t of [2.0, 2.4]) expect(sample(b0, info0.dataOffset, t)).toBe(0);

    // The 0.8 s window (a lone "喂") is padded with silence so whisper.cpp does not skip it.
    const info1 = await readWavInfo(w1!);
    expect(info1.durationSec).toBeCloseTo(Math.max(MIN_WINDOW_SEC, 0.8 + 0.5), 6);
    const b1 = await readFile(w1!);
    expect(sample(b1, info1.dataOffset, 0.5)).toBe(sample(src, srcInfo.dataOffset, 8.5));
    expect(sample(b1, info1.dataOffset, 0.9)).toBe(0);
  });

  it('refuses a channel that is not 16 kHz mono 16-bit PCM, naming it (asr_failed)', async () => {
    const eight = path.join(dir, 'eight.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=8000:duration=2', '-c:a', 'pcm_s16le', eight);
    const err = await writeWindowWavs([eight], singleChannelWindows(planWhisperWindows([{ start: 0.5, end: 1 }], 2)), dir).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).code).toBe('asr_failed');
    expect((err as Error).message).toContain(eight);
  });

  it('lays the two parts of a shared window from their own channels, with the channel gap of silence between them', async () => {
    const left = path.join(dir, 'left.wav');
    const right = path.join(dir, 'right.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'aevalsrc=exprs=0.5*sin(2*PI*(50+10*t)*t):s=16000:d=10', '-ac', '1', '-c:a', 'pcm_s16le', left);
    await ffmpeg('-f', 'lavfi', '-i', 'aevalsrc=exprs=0.4*sin(2*PI*(70+15*t)*t):s=16000:d=10', '-ac', '1', '-c:a', 'pcm_s16le', right);
    const [packed] = packChannelWindows([[oneStretch(1, 3)], [oneStretch(6, 7)]]);
    const [wav] = await writeWindowWavs([left, right], [packed!], await mkdtemp(path.join(dir, 'shared-')));
    const info = await readWavInfo(wav!);
    expect(info.durationSec).toBeCloseTo(2 + CHANNEL_GAP_SEC + 1 + 0.5, 6);
    const [b, l, r] = await Promise.all([readFile(wav!), readFile(left), readFile(right)]);
    const [li, ri] = await Promise.all([readWavInfo(left), readWavInfo(right)]);
    const sample = (buf: Buffer, offset: number, t: number) => buf.readInt16LE(offset + Math.round(t * 16000) * 2);
    for (const t of [0, 0.5, 1.99]) expect(sample(b, info.dataOffset, t)).toBe(sample(l, li.dataOffset, 1 + t));
    for (const t of [2.01, 2.5, 2.99]) expect(sample(b, info.dataOffset, t)).toBe(0);
    for (const t of [3, 3.4, 3.99]) expect(sample(b, info.dataOffset, t)).toBe(sample(r, ri.dataOffset, 6 + t - 3));
    for (const t of [4.01, 4.4]) expect(sample(b, info.dataOffset, t)).toBe(0);
  });
});

describe.skipIf(!hasSharedAudio)('time mapping on real speech laid into a long call (../shared/audio)', () => {
  it('speech found in the windows maps back to where it was laid, within 0.1 s', async () => {
    const durations = new Map<string, number>();
    for (const f of [aishell, mandarin]) durations.set(f, await measureDecodedDuration(f, { timeLimitMs: 30_000 }));
    const call = path.join(dir, 'laid-out.wav');
    const placed = await makeLaidOutCall(
      call,
      [
        { ringback: 12 },
        { speech: aishell },
        { silence: 7 },
        { speech: mandarin },
        { hold: 15 },
        { speech: aishell },
        { silence: 20 },
        { speech: mandarin },
        { silence: 2 },
        { speech: aishell },
        { silence: 4 },
      ],
      (f) => durations.get(f)!,
    );
    const info = await readWavInfo(call);
    const stretches = await detectSpeech(call);
    const windows = planWhisperWindows(stretches, info.durationSec);
    // 5 utterances of ~4.3 s: they fit in one 30 s window with gaps, wherever they lie in the 90 s call.
    expect(windows.length).toBeLessThan(placed.length);
    const out = await mkdtemp(path.join(dir, 'laid-windows-'));
    const wavs = await writeWindowWavs([call], singleChannelWindows(windows), out);

    // Where each file's speech lies on its own: the reference (VAD of the file alone, shifted by its offset).
    const alone = new Map<string, { start: number; end: number }[]>();
    for (const f of [aishell, mandarin]) alone.set(f, await detectSpeech(f));
    const expected = placed.flatMap((p) => alone.get(p.file)!.map((s) => ({ start: s.start + p.offset, end: s.end + p.offset })));

    const mapped: { start: number; end: number }[] = [];
    for (const [i, wav] of wavs.entries()) {
      for (const s of await detectSpeech(wav)) {
        mapped.push({ start: windowTimeToChannel(windows[i]!, s.start, 'start'), end: windowTimeToChannel(windows[i]!, s.end, 'end') });
      }
    }
    expect(mapped).toHaveLength(expected.length);
    mapped.forEach((m, i) => {
      expect(Math.abs(m.start - expected[i]!.start)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(m.end - expected[i]!.end)).toBeLessThanOrEqual(0.1);
    });
  });
});

describe('the engine with whisper-cli', () => {
  let binary: string;
  let model: string;
  let channel: string;
  beforeAll(async () => {
    binary = await ensureWhisperBinary();
    model = await makeTestModel(path.join(dir, 'tiny.bin'));
    channel = path.join(dir, 'engine-channel.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=sample_rate=16000:duration=40:amplitude=0.1:color=pink', '-c:a', 'pcm_s16le', channel);
  });
  const settings = () => ({
    binaryPath: binary,
    modelPath: model,
    threads: 2,
    language: 'zh',
    timeLimitMs: 120_000,
    noSpeechThreshold: 0.6,
    prompt: initialPrompt(['县婚姻登记中心']),
  });

  it('runs the real whisper-cli on every window of the channel in one process (the test model transcribes nothing)', async () => {
    const engine = createWhisperEngine(settings());
    const workDir = await mkdtemp(path.join(dir, 'real-'));
    const stretches = [
      { start: 1, end: 1.8 },
      { start: 5, end: 24 },
      { start: 28, end: 39 },
    ];
    expect(await engine.transcribe({ wavPath: channel, durationSec: 40, stretches, workDir })).toEqual([]);
    // One JSON per window, written by whisper-cli 1.9.1 with the options asked for.
    const windows = planWhisperWindows(stretches, 40);
    expect(windows).toHaveLength(2);
    for (let i = 0; i < windows.length; i++) {
      const json = JSON.parse(await readFile(path.join(workDir, `whisper-out-00${i}.json`), 'utf8'));
      expect(json.params.language).toBe('zh');
      expect(json.model.type).toBe('tiny');
      expect(json.transcription).toEqual([]);
    }
    expect(engine.descriptor).toMatchObject({
      id: 'whisper.cpp',
      model: 'tiny.bin',
      options: { binary: 'whisper-cli', noSpeechThreshold: 0.6, suppressNonSpeech: true, carryInitialPrompt: true, windowSec: 30 },
    });
    await engine.close();
  });

  it('returns nothing, and runs nothing, for a channel without speech', async () => {
    const engine = createWhisperEngine({ ...settings(), binaryPath: path.join(dir, 'no-such-binary') });
    expect(await engine.transcribe({ wavPath: channel, durationSec: 40, stretches: [], workDir: dir })).toEqual([]);
  });

  it('fails with no_model, naming the file, when the model is missing or not configured', async () => {
    const missing = path.join(dir, 'models', 'ggml-small.bin');
    const engine = createWhisperEngine({ ...settings(), modelPath: missing });
    const err = await engine
      .transcribe({ wavPath: channel, durationSec: 40, stretches: [{ start: 1, end: 2 }], workDir: dir })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).code).toBe('no_model');
    expect((err as Error).message).toContain(missing);
    const unset = createWhisperEngine({ ...settings(), modelPath: undefined });
    await expect(
      unset.transcribe({ wavPath: channel, durationSec: 40, stretches: [{ start: 1, end: 2 }], workDir: dir }),
    ).rejects.toMatchObject({
      code: 'no_model',
      message: expect.stringMatching(/WHISPER_MODEL/),
    });
  });

  it('maps the segments whisper-cli writes back onto the channel, with their confidence', async () => {
    // A stand-in that answers like whisper-cli -ojf: for every -f/-of pair one segment from 0.2 s to 3.2 s of
    // that window (ms offsets, token probabilities), and a log of its arguments.
    const workDir = await mkdtemp(path.join(dir, 'standin-'));
    const standIn = path.join(workDir, 'fake-whisper-cli');
    const argLog = path.join(workDir, 'args.json');
    await writeFile(
      standIn,
      `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(argLog)}, JSON.stringify(args));
for (let i = 0; i < args.length; i++) if (args[i] === '-of') {
  fs.writeFileSync(args[i + 1] + '.json', JSON.stringify({ transcription: [{ offsets: { from: 200, to: 3200 }, text: '您好',
    tokens: [{ text: '[_BEG_]', p: 0.1 }, { text: '您', p: 0.9 }, { text: '好', p: 0.7 }] }] }));
}
`,
      { mode: 0o755 },
    );
    const engine = createWhisperEngine({ ...settings(), binaryPath: standIn });
    const stretches = [
      { start: 5, end: 6 },
      { start: 20.3, end: 22 },
    ];
    const utterances = await engine.transcribe({ wavPath: channel, durationSec: 40, stretches, workDir });
    // One window: [4.7, 6.2] at 0, [20.0, 22.2] at 2.0. Window 0.2 s → 4.9 s; window 3.2 s → 21.2 s.
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.start).toBeCloseTo(4.9, 6);
    expect(utterances[0]!.end).toBeCloseTo(21.2, 6);
    expect(utterances[0]!.confidence).toBeCloseTo(0.8, 6);
    const args: string[] = JSON.parse(await readFile(argLog, 'utf8'));
    const prompt = initialPrompt(['县婚姻登记中心']);
    expect(args.slice(0, 14)).toEqual([
      '-m',
      model,
      '-l',
      'zh',
      '-t',
      '2',
      '-nth',
      '0.6',
      '-sns',
      '-mc',
      String(Buffer.byteLength(prompt) + 1),
      '--prompt',
      prompt,
      '--carry-initial-prompt',
    ]);
    expect(args.filter((a) => a === '-f')).toHaveLength(1);
  });

  /**
   * A stand-in that answers like whisper-cli -ojf and logs each run's arguments (one JSON line per run): the
   * first input of a run gets `firstRun`'s segments (ms offsets) in the recording's own folder, every input
   * of a re-run (folder `parts-alone`) one segment from 0.2 s to 1.0 s.
   */
  async function sharedWindowStandIn(
    workDir: string,
    firstRun: { from: number; to: number; text: string }[],
  ): Promise<{ binary: string; runs: () => Promise<string[][]> }> {
    const binary = path.join(workDir, 'fake-whisper-cli');
    const argLog = path.join(workDir, 'runs.jsonl');
    await writeFile(
      binary,
      `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(argLog)}, JSON.stringify(args) + '\\n');
const seg = (from, to, text) => ({ offsets: { from, to }, text, tokens: [{ text, p: 0.5 }] });
for (let i = 0; i < args.length; i++) if (args[i] === '-of') {
  const out = args[i + 1];
  const segments = out.includes('parts-alone') ? [seg(200, 1000, 'alone')] : out.endsWith('000') ? ${JSON.stringify(firstRun)}.map((s) => seg(s.from, s.to, s.text)) : [];
  fs.writeFileSync(out + '.json', JSON.stringify({ transcription: segments }));
}
`,
      { mode: 0o755 },
    );
    return {
      binary,
      runs: async () =>
        (await readFile(argLog, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[]),
    };
  }

  it('decodes both channels of a call in one run, sharing a window, and gives each segment to its channel', async () => {
    const workDir = await mkdtemp(path.join(dir, 'shared-'));
    // Agent speech 1–5 s, caller 20–24 s: padded windows [0.7, 5.2] and [19.7, 24.2], one decode window with the
    // caller's part at 4.5 + 1 = 5.5 s.
    const standIn = await sharedWindowStandIn(workDir, [
      { from: 200, to: 4000, text: '您好' },
      { from: 5800, to: 9500, text: '我想问一下' },
    ]);
    const engine = createWhisperEngine({ ...settings(), binaryPath: standIn.binary });
    const [agent, caller] = await engine.transcribeChannels!(
      [
        { wavPath: channel, durationSec: 40, stretches: [{ start: 1, end: 5 }] },
        { wavPath: channel, durationSec: 40, stretches: [{ start: 20, end: 24 }] },
      ],
      { workDir },
    );
    expect(agent).toHaveLength(1);
    expect(agent![0]).toMatchObject({ text: '您好' });
    expect(agent![0]!.start).toBeCloseTo(0.9, 6);
    expect(agent![0]!.end).toBeCloseTo(4.7, 6);
    expect(caller).toHaveLength(1);
    expect(caller![0]).toMatchObject({ text: '我想问一下' });
    expect(caller![0]!.start).toBeCloseTo(20, 6);
    expect(caller![0]!.end).toBeCloseTo(23.7, 6);
    const runs = await standIn.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.filter((a) => a === '-f')).toHaveLength(1);
  });

  it('decodes the two parts of a shared window again each on its own when a segment runs across both sides', async () => {
    const workDir = await mkdtemp(path.join(dir, 'straddle-'));
    const standIn = await sharedWindowStandIn(workDir, [{ from: 3000, to: 7000, text: '您好我想问一下' }]);
    const engine = createWhisperEngine({ ...settings(), binaryPath: standIn.binary });
    const [agent, caller] = await engine.transcribeChannels!(
      [
        { wavPath: channel, durationSec: 40, stretches: [{ start: 1, end: 5 }] },
        { wavPath: channel, durationSec: 40, stretches: [{ start: 20, end: 24 }] },
      ],
      { workDir },
    );
    // Nothing of the mixed segment is kept; each side's own decode is (0.2–1.0 s of its window).
    expect(agent!.map((u) => [u.text, +u.start.toFixed(3), +u.end.toFixed(3)])).toEqual([['alone', 0.9, 1.7]]);
    expect(caller!.map((u) => [u.text, +u.start.toFixed(3), +u.end.toFixed(3)])).toEqual([['alone', 19.9, 20.7]]);
    const runs = await standIn.runs();
    expect(runs.map((r) => r.filter((a) => a === '-f').length)).toEqual([1, 2]);
  });

  it('runs the real whisper-cli once for a stereo call, with the windows of both sides packed together', async () => {
    const engine = createWhisperEngine(settings());
    const workDir = await mkdtemp(path.join(dir, 'real-stereo-'));
    const agent = [
      { start: 1, end: 12 },
      { start: 30, end: 36 },
    ];
    const caller = [{ start: 21, end: 29 }];
    const result = await engine.transcribeChannels!(
      [
        { wavPath: channel, durationSec: 40, stretches: agent },
        { wavPath: channel, durationSec: 40, stretches: caller },
      ],
      { workDir },
    );
    expect(result).toEqual([[], []]);
    // Alone each side needs a window (agent 11.5 + 0.5 + 6.5 s, caller 8.5 s); together they fit in one.
    expect(packChannelWindows([planWhisperWindows(agent, 40), planWhisperWindows(caller, 40)])).toHaveLength(1);
    const json = JSON.parse(await readFile(path.join(workDir, 'whisper-out-000.json'), 'utf8'));
    expect(json.transcription).toEqual([]);
    expect(existsSync(path.join(workDir, 'whisper-out-001.json'))).toBe(false);
    await engine.close();
  });

  it('is stopped by close(): the running whisper-cli is killed', async () => {
    const long = path.join(dir, 'long.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=sample_rate=16000:duration=300:amplitude=0.1', '-c:a', 'pcm_s16le', long);
    const engine = createWhisperEngine({ ...settings(), threads: 1 });
    const stretches = Array.from({ length: 10 }, (_, i) => ({ start: i * 30 + 1, end: i * 30 + 25 }));
    const pending = engine
      .transcribe({ wavPath: long, durationSec: 300, stretches, workDir: await mkdtemp(path.join(dir, 'close-')) })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await engine.close();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('whisperDecodeOptions', () => {
  it('carries the prompt and keeps -mc to its length; no prompt means -mc 0', () => {
    expect(whisperDecodeOptions({ noSpeechThreshold: 0.6, prompt: '您好' })).toEqual({
      noSpeechThreshold: 0.6,
      suppressNonSpeech: true,
      maxContext: 7,
      prompt: '您好',
    });
    expect(whisperDecodeOptions({ noSpeechThreshold: 0.5, prompt: ' ' })).toEqual({
      noSpeechThreshold: 0.5,
      suppressNonSpeech: true,
      maxContext: 0,
    });
  });
});
