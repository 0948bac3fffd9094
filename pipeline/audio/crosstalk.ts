/**
 * Crosstalk between the two channels of a stereo call: each side's voice leaking, much quieter, into the other
 * side's channel. Low-bitrate stereo codecs do this (Opus at 24 kbit/s codes the channels jointly: measured on
 * real speech, each channel carries the other side's voice about 25 dB down), as do some recorders and
 * handsets. Silero VAD hears that quiet copy as speech, so without this step a turn of one side shows up on both
 * channels: false interruptions, doubled talk time, and the same words transcribed twice.
 *
 * The test is per frame of 50 ms where both channels' VAD found speech: a frame is leak on the quieter channel
 * when that channel is at least {@link CROSSTALK_MARGIN_DB} below the other. Genuine double talk keeps both
 * voices at their own channel's level, so it stays; a genuine voice 20 dB quieter than the other side during
 * double talk would be taken for leak (levels that far apart are rare in one recording; recorders level both
 * sides).
 *
 * Units: seconds, dBFS.
 */
import { open } from 'node:fs/promises';
import type { TimeSpan } from '../../domain/transcript.js';
import { readWavInfo } from './prepare.js';

/** Frame length of {@link frameLevels}, seconds. */
export const LEVEL_FRAME_SEC = 0.05;
/** How far below the other channel a frame must be to count as leak, dB. Measured leak: ~25 dB down. */
export const CROSSTALK_MARGIN_DB = 20;
/** Level given to a frame of digital silence, dBFS (instead of -Infinity). */
const FLOOR_DB = -120;

/**
 * The level of a 16-bit PCM mono WAV in frames of {@link LEVEL_FRAME_SEC}: 10·log10 of the mean square sample
 * (full scale = 0 dBFS). Reads the file in chunks (no whole-file buffer), yielding to the event loop between them.
 *
 * @param wavPath prepared channel (16 kHz mono 16-bit PCM WAV)
 * @returns one value per whole or partial frame, dBFS, never below -120
 * @throws {Error} when the file is not a 16-bit mono PCM WAV
 */
export async function frameLevels(wavPath: string): Promise<Float32Array> {
  const info = await readWavInfo(wavPath);
  if (info.formatTag !== 1 || info.channels !== 1 || info.bitsPerSample !== 16) {
    throw new Error(`${wavPath}: levels need a 16-bit mono PCM WAV, got ${JSON.stringify(info)}`);
  }
  const frameSamples = Math.round(LEVEL_FRAME_SEC * info.sampleRate);
  const totalSamples = Math.floor(info.dataBytes / 2);
  const frames = Math.ceil(totalSamples / frameSamples);
  const levels = new Float32Array(frames);
  const fh = await open(wavPath, 'r');
  try {
    const chunkFrames = 400; // 20 s at 50 ms
    const buf = Buffer.alloc(chunkFrames * frameSamples * 2);
    for (let f0 = 0; f0 < frames; f0 += chunkFrames) {
      const first = f0 * frameSamples;
      const count = Math.min(chunkFrames * frameSamples, totalSamples - first);
      const { bytesRead } = await fh.read(buf, 0, count * 2, info.dataOffset + first * 2);
      const samples = Math.floor(bytesRead / 2);
      for (let f = 0; f * frameSamples < samples; f++) {
        let sum = 0;
        const end = Math.min(samples, (f + 1) * frameSamples);
        for (let i = f * frameSamples; i < end; i++) {
          const v = buf.readInt16LE(i * 2) / 32768;
          sum += v * v;
        }
        const mean = sum / (end - f * frameSamples);
        levels[f0 + f] = mean > 0 ? Math.max(FLOOR_DB, 10 * Math.log10(mean)) : FLOOR_DB;
      }
    }
  } finally {
    await fh.close();
  }
  return levels;
}

/** Options of {@link removeCrosstalk}. Seconds and dB. */
export interface CrosstalkOptions {
  /** See {@link CROSSTALK_MARGIN_DB}. */
  marginDb?: number;
  /** Pieces of one side left less than this apart are joined again (pauses between syllables); default 0.3 (the VAD's own). */
  joinSec?: number;
  /** Pieces shorter than this are dropped; default 0.25 (the VAD's shortest speech). */
  minSec?: number;
}

/**
 * Removes from one side's speech the frames that are leak of the other side (pure).
 *
 * @param mine this side's speech stretches, seconds, sorted, non-overlapping
 * @param mineLevels this side's {@link frameLevels}
 * @param theirs the other side's speech stretches (as its VAD found them, before its own crosstalk removal)
 * @param theirLevels the other side's {@link frameLevels}
 * @returns this side's speech without the leak, sorted; stretches not overlapping the other side are unchanged
 */
export function removeCrosstalk(
  mine: readonly TimeSpan[],
  mineLevels: Float32Array,
  theirs: readonly TimeSpan[],
  theirLevels: Float32Array,
  options: CrosstalkOptions = {},
): TimeSpan[] {
  const marginDb = options.marginDb ?? CROSSTALK_MARGIN_DB;
  const joinSec = options.joinSec ?? 0.3;
  const minSec = options.minSec ?? 0.25;
  const out: TimeSpan[] = [];
  for (const s of mine) {
    // Keep the frames of this stretch that are not leak.
    const kept: TimeSpan[] = [];
    let runStart: number | undefined;
    const first = Math.floor(s.start / LEVEL_FRAME_SEC);
    const last = Math.ceil(s.end / LEVEL_FRAME_SEC);
    for (let f = first; f <= last; f++) {
      const t0 = Math.max(s.start, f * LEVEL_FRAME_SEC);
      const t1 = Math.min(s.end, (f + 1) * LEVEL_FRAME_SEC);
      const mid = (t0 + t1) / 2;
      const leak =
        f < last &&
        theirs.some((o) => o.start <= mid && mid < o.end) &&
        (mineLevels[f] ?? FLOOR_DB) < (theirLevels[f] ?? FLOOR_DB) - marginDb;
      if (!leak && f < last && t1 > t0) runStart ??= t0;
      if ((leak || f === last) && runStart !== undefined) {
        kept.push({ start: runStart, end: leak ? t0 : s.end });
        runStart = undefined;
      }
    }
    const joined: TimeSpan[] = [];
    for (const k of kept) {
      const prev = joined[joined.length - 1];
      if (prev && k.start - prev.end < joinSec) prev.end = k.end;
      else joined.push({ ...k });
    }
    out.push(...joined.filter((k) => k.end - k.start >= minSec - 1e-9));
  }
  return out;
}
