/**
 * Silence and speech stretches of a (prepared, mono) recording, from ffmpeg's `silencedetect` filter: a
 * simple energy VAD. Used for non-talk time, holds and interruptions, and to tell a recording without speech.
 *
 * Units: seconds from the start of the file. Thresholds: `noiseDb` in dBFS (amplitude), `minSilenceSec` seconds.
 */
import { fileUrl, runFfmpeg, type FfmpegJob } from './ffmpeg.js';
import { parseAstatsSamples, parseInputSampleRate, TIMELINE_FILTER } from './probe.js';
import type { TimeSpan } from '../../domain/transcript.js';

/** A time span in seconds from the start of the recording, `start <= end` (defined with the transcript format). */
export type { TimeSpan };

/** Options of {@link detectSilences} and {@link speechStretches}. */
export interface SilenceOptions {
  /** Level below which audio counts as silence, dBFS; default -35. */
  noiseDb?: number;
  /** Shortest silence reported, seconds; default 0.4. */
  minSilenceSec?: number;
  /** Wall-clock limit of the ffmpeg run, milliseconds. */
  timeLimitMs: number;
  /** Name used in error messages; default: the path. */
  displayName?: string;
  /** Cancels the ffmpeg run (SIGKILL); the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Silences and the measured length of the audio. */
export interface SilenceAnalysis {
  /** Silent spans, sorted, from silencedetect. */
  silences: TimeSpan[];
  /** Length of the decoded audio in seconds (astats sample count / sample rate). */
  durationSec: number;
}

/** Default silence threshold, dBFS. */
export const DEFAULT_NOISE_DB = -35;
/** Default shortest silence, seconds. */
export const DEFAULT_MIN_SILENCE_SEC = 0.4;

/**
 * The ffmpeg run for silence analysis (pure): silencedetect on the first audio stream (all channels mixed
 * by the filter's mono logic: `mono=0`, i.e. silence only when every channel is silent), then astats to count
 * samples; nothing is written.
 */
export function buildSilenceJob(filePath: string, noiseDb = DEFAULT_NOISE_DB, minSilenceSec = DEFAULT_MIN_SILENCE_SEC): FfmpegJob {
  return {
    inputOptions: ['-nostdin', '-hide_banner', '-nostats'],
    input: fileUrl(filePath),
    outputs: [
      {
        options: [
          '-map',
          '0:a:0',
          '-af',
          `${TIMELINE_FILTER},silencedetect=noise=${noiseDb}dB:d=${minSilenceSec},astats=measure_perchannel=none`,
          '-f',
          'null',
        ],
        target: '-',
      },
    ],
  };
}

/**
 * Parses silencedetect's `silence_start: X` / `silence_end: Y | silence_duration: D` lines (pure).
 * A silence still open at the end of the stream is closed at `durationSec`.
 *
 * @param stderr ffmpeg's stderr
 * @param durationSec length of the audio, seconds
 */
export function parseSilenceDetect(stderr: string, durationSec: number): TimeSpan[] {
  const spans: TimeSpan[] = [];
  let open: number | null = null;
  for (const m of stderr.matchAll(/silence_(start|end): (-?[\d.]+(?:e[-+]?\d+)?)/g)) {
    const t = Math.max(0, Number(m[2]));
    if (m[1] === 'start') open = t;
    else if (open !== null) {
      spans.push({ start: open, end: Math.min(t, durationSec) });
      open = null;
    }
  }
  if (open !== null && open < durationSec) spans.push({ start: open, end: durationSec });
  return spans;
}

/**
 * The complement of `silences` within `[0, durationSec]` (pure): the stretches with sound.
 *
 * @param silences sorted, non-overlapping silent spans (seconds)
 * @param durationSec length of the audio (seconds)
 * @param minSec drop stretches shorter than this (seconds; default 0.05, i.e. filter edges)
 */
export function complementSpans(silences: TimeSpan[], durationSec: number, minSec = 0.05): TimeSpan[] {
  const out: TimeSpan[] = [];
  let cursor = 0;
  for (const s of [...silences].sort((a, b) => a.start - b.start)) {
    if (s.start - cursor >= minSec) out.push({ start: cursor, end: s.start });
    cursor = Math.max(cursor, s.end);
  }
  if (durationSec - cursor >= minSec) out.push({ start: cursor, end: durationSec });
  return out;
}

/**
 * Runs silencedetect once and returns silences plus the measured duration.
 *
 * @throws {TimeLimitError} past `timeLimitMs` (ffmpeg killed)
 * @throws {BadInputError} when ffmpeg cannot read the file
 * @throws {Error} when ffmpeg's output cannot be understood (transient)
 */
export async function analyzeSilence(filePath: string, options: SilenceOptions): Promise<SilenceAnalysis> {
  const name = options.displayName ?? filePath;
  const job = buildSilenceJob(filePath, options.noiseDb, options.minSilenceSec);
  const { stderr } = await runFfmpeg(job, { timeLimitMs: options.timeLimitMs, signal: options.signal }, name);
  const samples = parseAstatsSamples(stderr);
  const rate = parseInputSampleRate(stderr);
  let durationSec: number;
  if (samples === 0 || (samples === null && /nothing was encoded/i.test(stderr))) durationSec = 0;
  else if (samples !== null && rate) durationSec = samples / rate;
  else throw new Error(`${name}: could not read the decoded length from ffmpeg's output`);
  return { silences: parseSilenceDetect(stderr, durationSec), durationSec };
}

/**
 * Silent spans of a recording (ffmpeg silencedetect).
 *
 * @param filePath local audio file (normally a prepared 16 kHz mono WAV)
 * @param options `noiseDb` (dBFS, default -35), `minSilenceSec` (seconds, default 0.4), `timeLimitMs`
 * @returns sorted spans in seconds; a silence that runs to the end is closed at the measured duration
 * @throws see {@link analyzeSilence}
 */
export async function detectSilences(filePath: string, options: SilenceOptions): Promise<TimeSpan[]> {
  return (await analyzeSilence(filePath, options)).silences;
}

/**
 * Stretches with sound: the complement of {@link detectSilences} over the measured duration (energy VAD).
 * An all-silent file gives `[]`.
 *
 * @param filePath local audio file
 * @param options as {@link detectSilences}
 * @returns sorted spans in seconds, each at least 0.05 s long
 * @throws see {@link analyzeSilence}
 */
export async function speechStretches(filePath: string, options: SilenceOptions): Promise<TimeSpan[]> {
  const { silences, durationSec } = await analyzeSilence(filePath, options);
  return complementSpans(silences, durationSec);
}
