/**
 * Probing a recording: is it audio at all, and how long, how many channels, which codec.
 *
 * One ffprobe per file; its result ({@link RecordingProbe}) is passed along to `prepareRecording`.
 * The duration comes from what ffprobe finds in the data, not from a header's claim (ffmpeg's WAV demuxer
 * caps the data chunk at the real file size); for compressed audio (MP3, AMR, …), or when ffprobe has no
 * duration or only an estimate from the bit rate, the file is decoded once to count its samples.
 */
import { open, stat } from 'node:fs/promises';
import { BadInputError } from '../../domain/errors.js';
import { fileUrl, probeMedia, runFfmpeg, type FfmpegJob, type MediaInfo, type RunLimits } from './ffmpeg.js';

/** What the pipeline needs to know about a recording. */
export interface RecordingProbe {
  /** Length in seconds, measured (see the module comment), > 0. */
  durationSec: number;
  /** Channels of the first audio stream (1 mono, 2 stereo, …). */
  channels: number;
  /** Sample rate of the first audio stream in Hz, e.g. 8000. */
  sampleRate: number;
  /** ffprobe codec name of the first audio stream, e.g. `pcm_mulaw`, `pcm_alaw`, `mp3`, `amr_nb`. */
  codec: string;
  /** ffprobe container name, e.g. `wav`, `mp3`, `amr`. */
  formatName: string;
  /** How `durationSec` was obtained: ffprobe's stream/format duration, or counting decoded samples. */
  durationSource: 'ffprobe' | 'decoded';
}

/** Options of {@link probeRecording}. */
export interface ProbeOptions {
  /** Wall-clock limit in milliseconds for each child process (ffprobe, and the decode pass when needed). */
  timeLimitMs: number;
  /** Name used in error messages (e.g. the object key); default: the path. */
  displayName?: string;
  /** Cancels the child process (SIGKILL); the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/**
 * First filter of every decode: fills gaps in the timestamps with silence, from time 0. Without it, frames
 * the decoder drops shorten the audio and shift every later time. This matters for AMR-NB with DTX: ffmpeg's
 * native decoder (5.x) drops NO_DATA and SID (comfort-noise) frames, i.e. the pauses, so a 15.4 s call
 * decodes to 12.9 s; with this filter to 15.0 s with the speech at the right times (pauses at the very end,
 * after the last decoded frame, are still lost).
 */
export const TIMELINE_FILTER = 'aresample=async=1:first_pts=0';

/** Containers that ffmpeg can "read" but that are never audio recordings (text art, single images). */
const NON_AUDIO_FORMATS = /^(tty|image2|[a-z0-9]+_pipe|png_pipe|jpeg_pipe|gif|webp_pipe|svg_pipe|bmp_pipe)$/;

/**
 * Looks at the first bytes of a file and says whether it is text (HTML, JSON, an error page…) rather
 * than binary media. Text: no NUL or other control bytes except tab/newline/CR/form feed, and valid UTF-8.
 *
 * @param head the first bytes of the file (up to a few KiB)
 * @returns `html` for markup, `text` for other text, `binary` otherwise (including an empty buffer)
 */
export function sniffContent(head: Uint8Array): 'html' | 'text' | 'binary' {
  if (head.length === 0) return 'binary';
  for (const b of head) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return 'binary';
    if (b === 0x7f) return 'binary';
  }
  // Drop up to 3 trailing bytes that may be a multi-byte character cut in half.
  let text: string | undefined;
  for (let cut = 0; cut <= 3 && text === undefined; cut++) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
    } catch {
      /* try a shorter prefix */
    }
  }
  if (text === undefined) return 'binary';
  return /^\uFEFF?\s*<(!doctype|html|head|body|\?xml|[a-z])/i.test(text) ? 'html' : 'text';
}

/**
 * Audio formats we know by their first bytes and that ffmpeg cannot decode: named so the operator learns
 * what the file is (and that converting it first is the way), instead of a bare `not_audio`.
 *
 * - SILK v3 (Skype's codec, used by WeChat and QQ voice messages): `#!SILK_V3` at byte 0, or at byte 1 after
 *   a 0x02 byte in WeChat's files (format notes of the open-source silk-v3-decoder). Often stored as `.amr`,
 *   whose own header is `#!AMR`.
 */
const UNSUPPORTED_SIGNATURES: { name: string; at: number[]; magic: Buffer }[] = [
  {
    name: 'SILK v3 (WeChat/QQ/Skype voice; convert it to WAV with a SILK decoder first)',
    at: [0, 1],
    magic: Buffer.from('#!SILK_V3', 'latin1'),
  },
];

/**
 * The name of a known audio format that ffmpeg cannot decode, from the file's first bytes, or undefined.
 */
export function sniffUnsupportedAudio(head: Uint8Array): string | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return UNSUPPORTED_SIGNATURES.find((sig) => sig.at.some((at) => bytes.subarray(at, at + sig.magic.length).equals(sig.magic)))?.name;
}

/**
 * Decodes the first audio stream once and counts its samples with the `astats` filter.
 *
 * @param input `file:` URL of the input (see {@link fileUrl})
 */
export function buildMeasureJob(input: string): FfmpegJob {
  return {
    inputOptions: ['-nostdin', '-hide_banner', '-nostats'],
    input,
    outputs: [{ options: ['-map', '0:a:0', '-af', `${TIMELINE_FILTER},astats=measure_perchannel=none`, '-f', 'null'], target: '-' }],
  };
}

/**
 * Reads the sample rate of input #0's first audio stream from ffmpeg's stderr
 * (`Stream #0:0: Audio: pcm_s16le, 8000 Hz, mono, …`).
 * @returns Hz, or `null` when not found
 */
export function parseInputSampleRate(stderr: string): number | null {
  const inputPart = stderr.split(/^Output #0/m)[0] ?? stderr;
  const m = /Stream #0:\d+.*?: Audio: [^\n]*?, (\d+) Hz/.exec(inputPart);
  return m ? Number(m[1]) : null;
}

/**
 * Reads the number of samples per channel that `astats` counted (the last `Number of samples:` line, i.e.
 * the overall figure).
 * @returns sample count, or `null` when astats printed none
 */
export function parseAstatsSamples(stderr: string): number | null {
  const all = [...stderr.matchAll(/Number of samples: (\d+)/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : null;
}

/**
 * Measures a file's audio length by decoding it (one ffmpeg run).
 *
 * @returns seconds (sample count / sample rate); 0 when the stream holds no samples
 * @throws {TimeLimitError} past `limits.timeLimitMs`
 * @throws {BadInputError} when ffmpeg cannot read the file
 * @throws {Error} when ffmpeg's output cannot be understood
 */
export async function measureDecodedDuration(filePath: string, limits: RunLimits, displayName = filePath): Promise<number> {
  const { stderr } = await runFfmpeg(buildMeasureJob(fileUrl(filePath)), limits, displayName);
  const samples = parseAstatsSamples(stderr);
  if (samples === 0) return 0;
  const rate = parseInputSampleRate(stderr);
  if (samples === null) {
    // astats prints nothing when no frame reached it.
    if (/Output file is empty|nothing was encoded/i.test(stderr)) return 0;
    throw new Error(`${displayName}: could not count decoded samples`);
  }
  if (!rate) throw new Error(`${displayName}: could not read the sample rate from ffmpeg's output`);
  return samples / rate;
}

/**
 * Probes a local recording: one ffprobe, plus one decode pass when the audio is not PCM/G.711 (MP3, AMR, …) or
 * ffprobe's duration is missing or estimated.
 *
 * @param filePath local file
 * @param options `timeLimitMs` per child process (milliseconds), `displayName` for messages
 * @returns format, codec, channels, sample rate (Hz) and duration (seconds)
 * @throws {BadInputError} `empty_file` (0 bytes), `not_audio` (HTML/text or unreadable data),
 *   `no_audio_stream` (media without audio), `zero_duration` (an audio stream without samples),
 *   `unsupported_audio` (a codec ffmpeg cannot decode); the message names the file
 * @throws {TimeLimitError} when ffprobe or ffmpeg ran past the limit (it was killed)
 * @throws {Error} anything else, e.g. the file is missing or ffprobe is not installed (transient)
 */
export async function probeRecording(filePath: string, options: ProbeOptions): Promise<RecordingProbe> {
  const name = options.displayName ?? filePath;
  const limits = { timeLimitMs: options.timeLimitMs, signal: options.signal };
  const st = await stat(filePath);
  if (!st.isFile()) throw new Error(`${name}: not a regular file`);
  if (st.size === 0) throw new BadInputError('empty_file', `${name}: the file is empty (0 bytes)`);

  const fh = await open(filePath, 'r');
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(Math.min(4096, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const unsupported = sniffUnsupportedAudio(head);
  if (unsupported) throw new BadInputError('unsupported_audio', `${name}: unsupported audio format: ${unsupported}`);
  const kind = sniffContent(head);
  if (kind !== 'binary') {
    throw new BadInputError(
      'not_audio',
      `${name}: not audio: the file holds ${kind === 'html' ? 'an HTML/XML page' : 'text'} (${st.size} bytes)`,
    );
  }

  const info: MediaInfo = await probeMedia(filePath, limits, name);
  if (!info.audio) {
    if (info.streamCount === 0 || NON_AUDIO_FORMATS.test(info.formatName)) {
      throw new BadInputError('not_audio', `${name}: not audio (ffprobe reads it as "${info.formatName}")`);
    }
    throw new BadInputError(
      'no_audio_stream',
      `${name}: has no audio stream (${info.streamCount} other stream(s), format ${info.formatName})`,
    );
  }
  if (info.audio.channels < 1 || info.audio.sampleRate <= 0) {
    throw new BadInputError('unsupported_audio', `${name}: audio stream without channels or sample rate`);
  }

  let durationSec = info.audio.durationSec ?? info.formatDurationSec;
  let durationSource: RecordingProbe['durationSource'] = 'ffprobe';
  // Compressed audio: container durations include encoder padding (MP3: ~0.17 s more than the decoder gives)
  // or are estimates (AMR), so count decoded samples. PCM/G.711 durations come from the data size: exact.
  if (durationSec === null || info.durationEstimated || !info.audio.codec.startsWith('pcm_')) {
    durationSec = await measureDecodedDuration(filePath, limits, name);
    durationSource = 'decoded';
  }
  if (!(durationSec > 0)) {
    throw new BadInputError('zero_duration', `${name}: the audio stream holds no samples (duration 0 s)`);
  }
  return {
    durationSec,
    channels: info.audio.channels,
    sampleRate: info.audio.sampleRate,
    codec: info.audio.codec,
    formatName: info.formatName,
    durationSource,
  };
}
