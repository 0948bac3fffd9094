/**
 * Preparing a recording for ASR and silence analysis: decode (WAV PCM / A-law / mu-law, MP3, AMR-NB/WB, …),
 * resample to 16 kHz mono 16-bit PCM WAV, one file per speaker channel.
 *
 * - stereo (or more) with a channel map → one file per role, taken from its own channel (`pan` filter);
 * - stereo without a map → one `unknown` file, the channels mixed down;
 * - mono → one `unknown` file (a channel map is ignored: there is nothing to split).
 *
 * Output files get generated names in `workDir` (never derived from the input's name); the caller owns them
 * and removes `workDir` when done.
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../../domain/errors.js';
import { fileUrl, runFfmpeg, type FfmpegJob } from './ffmpeg.js';
import { probeRecording, TIMELINE_FILTER, type RecordingProbe } from './probe.js';

/** Who speaks on a prepared channel. */
export type ChannelRole = 'agent' | 'customer' | 'unknown';

/** Which input channel (0-based) carries which party; from the metadata sidecar's `channels` (contracts §4). */
export interface ChannelMap {
  agent: number;
  customer: number;
}

/** One prepared file: 16 kHz mono 16-bit PCM WAV. */
export interface PreparedChannel {
  role: ChannelRole;
  /**
   * 0-based channel of the input this file was taken from; for a mono input or a downmix it is 0
   * (see `sourceChannels` for what was mixed).
   */
  channelIndex: number;
  /** Input channels that went into this file: `[i]` for a split or mono input, `[0, 1]` for a stereo downmix. */
  sourceChannels: number[];
  /** Absolute path of the WAV in `workDir`. */
  path: string;
  /** Length in seconds, from the WAV's data chunk size (bytes / 32000). */
  durationSec: number;
}

/** Result of {@link prepareRecording}. */
export interface PreparedRecording {
  /** Length in seconds of the prepared audio (the longest prepared channel; they are equal in practice). */
  durationSec: number;
  /** Agent first, then customer, for a split; a single `unknown` entry otherwise. */
  channels: PreparedChannel[];
  /** The probe used (given or made here), to pass along. */
  probe: RecordingProbe;
}

/** Options of {@link prepareRecording}. */
export interface PrepareOptions {
  /** Existing folder where the prepared WAV files are written. */
  workDir: string;
  /** Channel assignment from the metadata sidecar, used for inputs with 2 or more channels. */
  channelMap?: ChannelMap;
  /** Wall-clock limit in milliseconds for each child process (ffprobe, ffmpeg). */
  timeLimitMs: number;
  /** A probe made earlier for this file (skips ffprobe). */
  probe?: RecordingProbe;
  /** Name used in error messages (e.g. the object key); default: the input path. */
  displayName?: string;
  /** Cancels the running child process (SIGKILL); the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Target sample rate of prepared audio, Hz (what whisper.cpp expects). */
export const PREPARED_SAMPLE_RATE = 16000;

/** One planned output of a conversion. */
export interface ChannelPlan {
  role: ChannelRole;
  channelIndex: number;
  sourceChannels: number[];
  /** `pan` expression selecting the channel, or `null` to mix all channels down with `-ac 1`. */
  pan: string | null;
}

/**
 * Decides which files to make from a probe and an optional channel map (pure).
 *
 * @param channels number of channels of the input's audio stream
 * @param channelMap agent/customer channel indices, or undefined
 * @param displayName for error messages
 * @throws {BadInputError} `invalid_metadata` when the map points at a channel the input does not have, or
 *   gives both parties the same channel
 */
export function planChannels(channels: number, channelMap: ChannelMap | undefined, displayName = 'recording'): ChannelPlan[] {
  if (channels <= 1) return [{ role: 'unknown', channelIndex: 0, sourceChannels: [0], pan: null }];
  if (!channelMap) {
    return [{ role: 'unknown', channelIndex: 0, sourceChannels: [...Array(channels).keys()], pan: null }];
  }
  const { agent, customer } = channelMap;
  for (const [role, idx] of [
    ['agent', agent],
    ['customer', customer],
  ] as const) {
    if (!Number.isInteger(idx) || idx < 0 || idx >= channels) {
      throw new BadInputError(
        'invalid_metadata',
        `${displayName}: channel map gives ${role} channel ${idx}, but the recording has ${channels} channel(s)`,
      );
    }
  }
  if (agent === customer) {
    throw new BadInputError('invalid_metadata', `${displayName}: channel map gives agent and customer the same channel ${agent}`);
  }
  return [
    { role: 'agent', channelIndex: agent, sourceChannels: [agent], pan: `pan=mono|c0=c${agent}` },
    { role: 'customer', channelIndex: customer, sourceChannels: [customer], pan: `pan=mono|c0=c${customer}` },
  ];
}

/**
 * Output options that make a 16 kHz mono 16-bit PCM WAV, bit-exact (no encoder tag, no metadata).
 * The filter chain starts with {@link TIMELINE_FILTER} so that frames the decoder drops leave silence,
 * not a shorter recording.
 *
 * @param pan `pan` filter for one channel, or `null` to mix down with `-ac 1`
 */
export function buildOutputOptions(pan: string | null): string[] {
  return [
    '-map',
    '0:a:0',
    '-af',
    pan ? `${TIMELINE_FILTER},${pan}` : TIMELINE_FILTER,
    ...(pan ? [] : ['-ac', '1']),
    '-ar',
    String(PREPARED_SAMPLE_RATE),
    '-c:a',
    'pcm_s16le',
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags:a',
    '+bitexact',
    '-f',
    'wav',
  ];
}

/**
 * The one ffmpeg run that makes all planned files from `inputPath` (pure).
 *
 * @param inputPath local input file
 * @param outputs planned channels with their output paths
 */
export function buildConvertJob(inputPath: string, outputs: { plan: ChannelPlan; path: string }[]): FfmpegJob {
  return {
    inputOptions: ['-nostdin', '-hide_banner', '-nostats', '-v', 'error', '-y'],
    input: fileUrl(inputPath),
    outputs: outputs.map((o) => ({ options: buildOutputOptions(o.plan.pan), target: fileUrl(o.path) })),
  };
}

/** Format of a PCM WAV file, from its header. */
export interface WavInfo {
  /** WAVE format tag: 1 = PCM, 6 = A-law, 7 = mu-law, 0xFFFE = extensible. */
  formatTag: number;
  channels: number;
  /** Hz. */
  sampleRate: number;
  bitsPerSample: number;
  /** Byte offset of the first sample (just after the `data` chunk header). */
  dataOffset: number;
  /** Size of the `data` chunk in bytes, capped at what the file really holds. */
  dataBytes: number;
  /** dataBytes / (sampleRate * channels * bitsPerSample / 8), seconds. */
  durationSec: number;
}

/**
 * Reads a WAV file's `fmt ` and `data` chunk headers (used to check our own outputs).
 * @throws {Error} when the file is not a RIFF/WAVE file with both chunks
 */
export async function readWavInfo(filePath: string): Promise<WavInfo> {
  const fh = await open(filePath, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await fh.read(head, 0, head.length, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
      throw new Error(`${filePath}: not a RIFF/WAVE file`);
    }
    let pos = 12;
    let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationSec'> | undefined;
    while (pos + 8 <= head.length) {
      const id = head.toString('ascii', pos, pos + 4);
      const len = head.readUInt32LE(pos + 4);
      if (id === 'fmt ' && pos + 24 <= head.length) {
        fmt = {
          formatTag: head.readUInt16LE(pos + 8),
          channels: head.readUInt16LE(pos + 10),
          sampleRate: head.readUInt32LE(pos + 12),
          bitsPerSample: head.readUInt16LE(pos + 22),
        };
      } else if (id === 'data') {
        if (!fmt) break;
        const dataBytes = Math.min(len, size - (pos + 8));
        const bytesPerSec = (fmt.sampleRate * fmt.channels * fmt.bitsPerSample) / 8;
        return { ...fmt, dataOffset: pos + 8, dataBytes, durationSec: bytesPerSec > 0 ? dataBytes / bytesPerSec : 0 };
      }
      pos += 8 + len + (len % 2);
    }
    throw new Error(`${filePath}: WAV without fmt/data chunks`);
  } finally {
    await fh.close();
  }
}

/**
 * Prepares a recording: probe (unless given), then one ffmpeg run writing 16 kHz mono 16-bit PCM WAV
 * file(s) to `workDir`.
 *
 * @param inputPath local recording
 * @param options see {@link PrepareOptions}; `timeLimitMs` applies to each child process separately
 * @returns the prepared files with roles and durations (seconds, from the output headers)
 * @throws {BadInputError} from probing (`empty_file`, `not_audio`, `no_audio_stream`, `zero_duration`,
 *   `unsupported_audio`), `invalid_metadata` for a channel map that does not fit, `zero_duration` when decoding
 *   produced no samples
 * @throws {TimeLimitError} when ffprobe/ffmpeg ran past the limit (killed; partial outputs removed)
 * @throws {Error} anything else (transient); partial outputs are removed
 */
export async function prepareRecording(inputPath: string, options: PrepareOptions): Promise<PreparedRecording> {
  const name = options.displayName ?? inputPath;
  const limits = { timeLimitMs: options.timeLimitMs, signal: options.signal };
  const probe =
    options.probe ?? (await probeRecording(inputPath, { timeLimitMs: options.timeLimitMs, displayName: name, signal: options.signal }));
  const plans = planChannels(probe.channels, options.channelMap, name);
  const id = randomBytes(6).toString('hex');
  const outputs = plans.map((plan) => ({
    plan,
    path: path.resolve(options.workDir, `prep-${id}-${plan.role}-c${plan.channelIndex}.wav`),
  }));
  try {
    await runFfmpeg(buildConvertJob(inputPath, outputs), limits, name);
    const channels: PreparedChannel[] = [];
    for (const o of outputs) {
      const wav = await readWavInfo(o.path);
      if (wav.formatTag !== 1 || wav.channels !== 1 || wav.sampleRate !== PREPARED_SAMPLE_RATE || wav.bitsPerSample !== 16) {
        throw new Error(`${name}: ffmpeg wrote an unexpected WAV format (${JSON.stringify(wav)})`);
      }
      if (wav.dataBytes === 0) {
        throw new BadInputError('zero_duration', `${name}: decoding produced no audio samples (duration 0 s)`);
      }
      channels.push({
        role: o.plan.role,
        channelIndex: o.plan.channelIndex,
        sourceChannels: o.plan.sourceChannels,
        path: o.path,
        durationSec: wav.durationSec,
      });
    }
    return { durationSec: Math.max(...channels.map((c) => c.durationSec)), channels, probe };
  } catch (error) {
    await Promise.all(outputs.map((o) => rm(o.path, { force: true })));
    throw error;
  }
}
