/**
 * The one module of the project that runs ffmpeg and ffprobe (and the only one that imports fluent-ffmpeg,
 * whose upstream is archived: we use as little of it as we can, so replacing it means rewriting this file only).
 *
 * - Both programs run through infra/child-process.ts (own process group, killed with the worker, bounded
 *   stderr); fluent-ffmpeg only builds ffmpeg's argument list.
 * - Every run has a wall-clock limit. When it passes, the child process gets SIGKILL, we wait until the
 *   operating system reports it gone, and then a {@link TimeLimitError} is thrown.
 * - ffprobe output is mapped to the project's own small type {@link MediaInfo}.
 * - Raw ffmpeg/ffprobe failures are classified by {@link classifyFfmpegFailure}: bad input (not audio, no audio
 *   stream, empty, zero length, unsupported codec) becomes a {@link BadInputError} naming the file; anything else
 *   a plain `Error` (treated as transient by the queue layer).
 * - Programs get argument arrays only, never a shell command line. Input files are passed as `file:<absolute path>`
 *   so that a name such as `http://…`, `concat:…` or `-i` can never be read as a protocol or an option.
 */
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { ChildProcessError, runChild, type ChildResult } from '../../infra/child-process.js';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { scalarText } from '../../domain/json-input.js';

/** One audio stream as ffprobe reports it. */
export interface AudioStreamInfo {
  /** Stream index in the container (ffprobe `index`). */
  index: number;
  /** Decoder name, ffprobe `codec_name`, e.g. `pcm_mulaw`, `pcm_alaw`, `pcm_s16le`, `mp3`, `amr_nb`. */
  codec: string;
  /** Number of channels (ffprobe `channels`). */
  channels: number;
  /** Samples per second, in Hz (ffprobe `sample_rate`). */
  sampleRate: number;
  /** Stream duration in seconds (ffprobe `duration`), or `null` when ffprobe gives none. */
  durationSec: number | null;
}

/** What ffprobe says about a file, reduced to what the pipeline needs. */
export interface MediaInfo {
  /** ffprobe `format.format_name`, e.g. `wav`, `mp3`, `amr`, `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  /** Container duration in seconds (ffprobe `format.duration`), or `null`. */
  formatDurationSec: number | null;
  /** File size in bytes (ffprobe `format.size`), or `null`. */
  sizeBytes: number | null;
  /** Number of streams of any kind. */
  streamCount: number;
  /** The first audio stream, or `null` when the file has none. */
  audio: AudioStreamInfo | null;
  /**
   * True when ffprobe warned that it estimated the duration from the bit rate (typical of MP3 without a
   * Xing/VBRI header and of AMR): such a duration may be off by several percent and should be measured by decoding.
   */
  durationEstimated: boolean;
}

/**
 * One ffmpeg run: a single input and one or more file outputs. fluent-ffmpeg turns it into the argument
 * list given by {@link ffmpegArgs}.
 */
export interface FfmpegJob {
  /** Options placed before `-i` (global options such as `-nostdin` go here too). */
  inputOptions: string[];
  /** The input, normally `file:<absolute path>` (see {@link fileUrl}). */
  input: string;
  /** Outputs in order; each has its options and its target (an absolute path, or `-` with `-f null`). */
  outputs: { options: string[]; target: string }[];
}

/** Options of every run. */
export interface RunLimits {
  /** Wall-clock limit in milliseconds; the child process is killed with SIGKILL after it. */
  timeLimitMs: number;
  /**
   * Cancels the run (e.g. on worker shutdown): the child process is killed with SIGKILL and the promise
   * rejects with an `Error` named `AbortError` (transient) once the process is gone.
   */
  signal?: AbortSignal;
}

/** The error thrown when a run is cancelled through {@link RunLimits.signal}. */
function abortError(what: string, signal: AbortSignal): Error {
  const e = new Error(`${what} was cancelled${signal.reason instanceof Error ? `: ${signal.reason.message}` : ''}`);
  e.name = 'AbortError';
  return e;
}

/** Path of the ffmpeg binary: `$FFMPEG_PATH` or `ffmpeg` on `PATH`. */
export const FFMPEG_BIN = process.env.FFMPEG_PATH || 'ffmpeg';
/** Path of the ffprobe binary: `$FFPROBE_PATH` or `ffprobe` on `PATH`. */
export const FFPROBE_BIN = process.env.FFPROBE_PATH || 'ffprobe';

/**
 * The input argument for a local file: `file:` plus the absolute path, so that ffmpeg never interprets the
 * name as a protocol (`http:`, `concat:`, …) or an option.
 */
export function fileUrl(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}

/**
 * The ffprobe argument array for {@link probeMedia}: JSON output of format and streams, warnings on stderr
 * (to see "Estimating duration from bitrate").
 */
export function buildProbeArgs(filePath: string): string[] {
  return ['-v', 'warning', '-hide_banner', '-print_format', 'json', '-show_format', '-show_streams', fileUrl(filePath)];
}

/**
 * The exact argument array that fluent-ffmpeg passes to ffmpeg for `job`: input options, `-i input`, `-y`
 * when fluent-ffmpeg takes an output for a file, then per output its options and target.
 *
 * fluent-ffmpeg 2.1.3 takes a target for a file when it has no `xx:` protocol prefix (so `-` counts) and,
 * through a bug, never when it starts with `file:`; our jobs with file outputs therefore carry their own `-y`.
 */
export function ffmpegArgs(job: FfmpegJob): string[] {
  const hasFile = job.outputs.some((o) => !/^([a-z]{2,}):/i.test(o.target));
  return [...job.inputOptions, '-i', job.input, ...(hasFile ? ['-y'] : []), ...job.outputs.flatMap((o) => [...o.options, o.target])];
}

/**
 * Runs ffmpeg or ffprobe through the project's child-process runner and maps its errors: past the limit
 * {@link TimeLimitError}, cancelled an `Error` named `AbortError`, anything else a plain (transient) `Error`.
 */
async function runTool(
  program: 'ffmpeg' | 'ffprobe',
  file: string,
  args: string[],
  limits: RunLimits,
  displayName: string,
): Promise<ChildResult> {
  try {
    return await runChild(program, file, args, { timeLimitMs: limits.timeLimitMs, signal: limits.signal });
  } catch (error) {
    if (error instanceof ChildProcessError) {
      if (error.kind === 'time_limit') throw new TimeLimitError(program, limits.timeLimitMs);
      if (error.kind === 'aborted') throw abortError(program, limits.signal!);
      if (error.kind === 'not_started') throw new Error(`${displayName}: ${program} not available: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function toNumber(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== 'N/A' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/**
 * Maps ffprobe's `-print_format json -show_format -show_streams` output to {@link MediaInfo}.
 *
 * @param json ffprobe stdout
 * @param stderr ffprobe stderr (warnings), used for `durationEstimated`
 * @throws {Error} when `json` is not JSON
 */
export function parseProbeOutput(json: string, stderr = ''): MediaInfo {
  const data = JSON.parse(json) as {
    format?: Record<string, unknown>;
    streams?: Record<string, unknown>[];
  };
  const streams = data.streams ?? [];
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    formatName: scalarText(data.format?.format_name),
    formatDurationSec: toNumber(data.format?.duration),
    sizeBytes: toNumber(data.format?.size),
    streamCount: streams.length,
    audio: a
      ? {
          index: toNumber(a.index) ?? 0,
          codec: scalarText(a.codec_name, 'unknown'),
          channels: toNumber(a.channels) ?? 0,
          sampleRate: toNumber(a.sample_rate) ?? 0,
          durationSec: toNumber(a.duration),
        }
      : null,
    durationEstimated: /Estimating duration from bitrate/i.test(stderr),
  };
}

/**
 * Classifies the stderr of a failed ffmpeg or ffprobe run.
 *
 * @param file the file name to name in the message (an object key or a local path)
 * @param stderr the program's stderr
 * @param program `ffmpeg` or `ffprobe`, for the message
 * @returns a {@link BadInputError} (`not_audio`, `no_audio_stream`, `empty_file`, `zero_duration`,
 *   `unsupported_audio`) when the input itself is the problem, otherwise a plain `Error` (transient)
 */
export function classifyFfmpegFailure(file: string, stderr: string, program = 'ffmpeg'): Error {
  const tail = lastLines(stderr, 3);
  const bad = (code: ConstructorParameters<typeof BadInputError>[0], what: string) =>
    new BadInputError(code, `${file}: ${what} (${program}: ${tail})`);
  if (/Invalid data found when processing input|moov atom not found/i.test(stderr)) {
    return bad('not_audio', 'not audio: ffmpeg cannot read it as a media file');
  }
  if (/matches no streams|does not contain any stream|no audio stream/i.test(stderr)) {
    return bad('no_audio_stream', 'has no audio stream');
  }
  if (/Decoder \(codec .*\) not found|Unsupported codec|unknown codec|Could not find codec parameters/i.test(stderr)) {
    const named = /Decoder \(codec ([\w-]+)\) not found/i.exec(stderr)?.[1];
    return bad('unsupported_audio', named ? `audio codec ${named} cannot be decoded` : 'audio codec cannot be decoded');
  }
  if (/Output file is empty, nothing was encoded/i.test(stderr)) {
    return bad('zero_duration', 'holds no audio samples');
  }
  if (/End of file/i.test(stderr)) {
    return bad('empty_file', 'ends before any audio data');
  }
  return new Error(`${file}: ${program} failed: ${tail || 'no error output'}`);
}

function lastLines(text: string, n: number): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^size=.*time=/.test(l))
    .slice(-n)
    .join(' | ');
}

/**
 * Runs ffprobe once on a local file and maps the result.
 *
 * @param filePath local file
 * @param limits wall-clock limit
 * @param displayName name used in error messages (default: `filePath`)
 * @throws {TimeLimitError} when ffprobe runs past `limits.timeLimitMs` (it is killed first)
 * @throws {BadInputError} when ffprobe cannot read the file as media (see {@link classifyFfmpegFailure})
 * @throws {Error} for anything else (ffprobe missing, unexpected output): transient
 */
export async function probeMedia(filePath: string, limits: RunLimits, displayName = filePath): Promise<MediaInfo> {
  const r = await runTool('ffprobe', FFPROBE_BIN, buildProbeArgs(filePath), limits, displayName);
  if (r.code !== 0) throw classifyFfmpegFailure(displayName, r.stderr, 'ffprobe');
  try {
    return parseProbeOutput(r.stdout, r.stderr);
  } catch (error) {
    throw new Error(`${displayName}: unreadable ffprobe output: ${(error as Error).message}`);
  }
}

/** fluent-ffmpeg's command with the member we use that its type declarations leave out. */
type FluentCommand = ffmpeg.FfmpegCommand & { _getArguments(): string[] };

/**
 * fluent-ffmpeg splits a lone option string with exactly one space into two arguments; passing two or more
 * arguments at once turns that off, so options reach ffmpeg exactly as given.
 */
function addOptions(add: (...opts: string[]) => unknown, opts: string[]): void {
  if (opts.length === 0) return;
  if (opts.length === 1) {
    if (opts[0]!.split(' ').length === 2) throw new Error(`option "${opts[0]}" would be split by fluent-ffmpeg`);
    add(opts[0]!);
    return;
  }
  add(...opts);
}

/** Result of a finished ffmpeg run. */
export interface FfmpegRunResult {
  /** Everything ffmpeg wrote to stderr (log lines; use `-nostats` to keep progress lines out), head and tail kept. */
  stderr: string;
  /** Wall-clock time of the run in milliseconds. */
  elapsedMs: number;
  /** The command line run (`ffmpeg` + arguments joined by spaces), for logs. */
  commandLine: string;
}

/** The argument list fluent-ffmpeg builds for `job` (equal to {@link ffmpegArgs}). */
function fluentArgs(job: FfmpegJob): string[] {
  const cmd = ffmpeg() as FluentCommand;
  cmd.input(job.input);
  addOptions((...o) => cmd.inputOptions(...o), job.inputOptions);
  for (const out of job.outputs) {
    cmd.output(out.target);
    addOptions((...o) => cmd.outputOptions(...o), out.options);
  }
  return cmd._getArguments();
}

/**
 * Runs ffmpeg with a wall-clock limit.
 *
 * @param job input, options and outputs; see {@link ffmpegArgs} for the resulting argument list
 * @param limits `timeLimitMs`: after it the ffmpeg process gets SIGKILL and we wait until it has exited
 * @param displayName file name used in error messages
 * @throws {TimeLimitError} `what` = `ffmpeg` when the limit passed (the process is gone when this is thrown)
 * @throws {BadInputError} when ffmpeg failed because of the input (see {@link classifyFfmpegFailure})
 * @throws {Error} any other failure (transient)
 */
export async function runFfmpeg(job: FfmpegJob, limits: RunLimits, displayName: string): Promise<FfmpegRunResult> {
  const args = fluentArgs(job);
  const r = await runTool('ffmpeg', FFMPEG_BIN, args, limits, displayName);
  if (r.code !== 0) throw classifyFfmpegFailure(displayName, r.stderr);
  return { stderr: r.stderr, elapsedMs: r.elapsedMs, commandLine: ['ffmpeg', ...args].join(' ') };
}
