/**
 * The one module of the project that runs ffmpeg and ffprobe (and the only one that imports fluent-ffmpeg,
 * whose upstream is archived: we use as little of it as we can, so replacing it means rewriting this file only).
 *
 * - Every run has a wall-clock limit. When it passes, the child process gets SIGKILL, we wait until the
 *   operating system reports it gone, and then a {@link TimeLimitError} is thrown.
 * - ffprobe output is mapped to the project's own small type {@link MediaInfo}.
 * - Raw ffmpeg/ffprobe failures are classified by {@link classifyFfmpegFailure}: bad input (not audio, no audio
 *   stream, empty, zero length, unsupported codec) becomes a {@link BadInputError} naming the file; anything else
 *   a plain `Error` (treated as transient by the queue layer).
 * - Programs get argument arrays only, never a shell command line. Input files are passed as `file:<absolute path>`
 *   so that a name such as `http://…`, `concat:…` or `-i` can never be read as a protocol or an option.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { BadInputError, TimeLimitError } from '../errors.js';

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
  return [
    ...job.inputOptions,
    '-i',
    job.input,
    ...(hasFile ? ['-y'] : []),
    ...job.outputs.flatMap((o) => [...o.options, o.target]),
  ];
}

/** Exit code, signal and output of a child process that ran to its end. */
interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Resolves when `child` has exited (immediately when it already has). */
function whenGone(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** True when a process with this pid still exists (zombies of other parents included). */
function processExists(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills `child` with SIGKILL and waits until it has really exited.
 * @throws {Error} when the process is still there 5 s after SIGKILL (should never happen)
 */
async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    whenGone(child),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 5000);
    }),
  ]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null && processExists(child.pid)) {
    throw new Error(`process ${child.pid} is still running after SIGKILL`);
  }
}

/**
 * Runs ffprobe with a time limit and captures its output.
 * @throws {TimeLimitError} after `timeLimitMs` (the process is killed and gone first)
 */
async function runProbeProcess(args: string[], limits: RunLimits): Promise<ChildResult> {
  const child = spawn(FFPROBE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<ChildResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeLimitMs);
  });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'abort'>((resolve) => {
    onAbort = () => resolve('abort');
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([closed, timedOut, aborted]);
    if (result === 'timeout') {
      await killHard(child);
      throw new TimeLimitError('ffprobe', limits.timeLimitMs);
    }
    if (result === 'abort') {
      await killHard(child);
      throw abortError('ffprobe', limits.signal!);
    }
    return result;
  } finally {
    clearTimeout(timer);
    if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
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
    formatName: String(data.format?.format_name ?? ''),
    formatDurationSec: toNumber(data.format?.duration),
    sizeBytes: toNumber(data.format?.size),
    streamCount: streams.length,
    audio: a
      ? {
          index: toNumber(a.index) ?? 0,
          codec: String(a.codec_name ?? 'unknown'),
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
    return bad('unsupported_audio', 'audio codec cannot be decoded');
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
  const r = await runProbeProcess(buildProbeArgs(filePath), limits);
  if (r.code !== 0) throw classifyFfmpegFailure(displayName, r.stderr, 'ffprobe');
  try {
    return parseProbeOutput(r.stdout, r.stderr);
  } catch (error) {
    throw new Error(`${displayName}: unreadable ffprobe output: ${(error as Error).message}`);
  }
}

/** fluent-ffmpeg's command with the two members we use that its type declarations leave out. */
type FluentCommand = ffmpeg.FfmpegCommand & { ffmpegProc?: ChildProcess };

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
  /** Everything ffmpeg wrote to stderr (log lines; use `-nostats` to keep progress lines out). */
  stderr: string;
  /** Wall-clock time of the run in milliseconds. */
  elapsedMs: number;
  /** The command line fluent-ffmpeg reported on start (`ffmpeg` + arguments joined by spaces), for logs. */
  commandLine: string;
}

/**
 * Runs ffmpeg (through fluent-ffmpeg) with a wall-clock limit.
 *
 * @param job input, options and outputs; see {@link ffmpegArgs} for the resulting argument list
 * @param limits `timeLimitMs`: after it the ffmpeg process gets SIGKILL and we wait until it has exited
 * @param displayName file name used in error messages
 * @throws {TimeLimitError} `what` = `ffmpeg` when the limit passed (the process is gone when this is thrown)
 * @throws {BadInputError} when ffmpeg failed because of the input (see {@link classifyFfmpegFailure})
 * @throws {Error} any other failure (transient)
 */
export function runFfmpeg(job: FfmpegJob, limits: RunLimits, displayName: string): Promise<FfmpegRunResult> {
  const started = Date.now();
  return new Promise<FfmpegRunResult>((resolve, reject) => {
    // stdoutLines 0: keep all of stderr (silencedetect lines can be many).
    const cmd = ffmpeg({ stdoutLines: 0 }) as FluentCommand;
    cmd.setFfmpegPath(FFMPEG_BIN);
    cmd.input(job.input);
    addOptions((...o) => cmd.inputOptions(...o), job.inputOptions);
    for (const out of job.outputs) {
      cmd.output(out.target);
      addOptions((...o) => cmd.outputOptions(...o), out.options);
    }
    /** Why we are killing the process, once we are. */
    let stopping: Error | undefined;
    let settled = false;
    let proc: ChildProcess | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const stop = (why: Error) => {
      stopping ??= why;
      if (proc) {
        killHard(proc).then(
          () => finish(() => reject(stopping)),
          (e: unknown) => finish(() => reject(e)),
        );
      }
      // Not spawned yet (fluent-ffmpeg still checking capabilities): killed as soon as it starts.
    };
    const onAbort = () => stop(abortError('ffmpeg', limits.signal!));
    const timer = setTimeout(() => stop(new TimeLimitError('ffmpeg', limits.timeLimitMs)), limits.timeLimitMs);
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
    let commandLine = '';
    cmd.on('start', (line: string) => {
      commandLine = line;
      proc = cmd.ffmpegProc;
      if (stopping && proc) stop(stopping);
    });
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      if (stopping) {
        if (!proc) finish(() => reject(stopping));
        return; // the kill path settles
      }
      if (/Cannot find ffmpeg|spawn .* ENOENT/i.test(err.message)) {
        finish(() => reject(new Error(`${displayName}: ffmpeg not available: ${err.message}`)));
        return;
      }
      finish(() => reject(classifyFfmpegFailure(displayName, stderr ?? err.message)));
    });
    cmd.on('end', (_stdout: string | null, stderr: string | null) => {
      if (stopping) return;
      finish(() => resolve({ stderr: stderr ?? '', elapsedMs: Date.now() - started, commandLine }));
    });
    cmd.run();
  });
}
