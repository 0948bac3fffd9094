/**
 * The whisper.cpp transcription engine (`ASR_ENGINE=whisper.cpp`): speech only, packed into 30 s windows.
 *
 * Whisper decodes 30 s of audio at a time and its encoder costs the same for 2 s of speech as for 30 s, so
 * running a whole channel (silence, ringback and hold music included) spends most of its time on nothing and
 * invites invented text on the silent windows. This engine instead:
 *
 * 1. pads each VAD speech stretch (0.3 s before: Silero starts about 0.2 s late after music, see
 *    test/audio/vad.test.ts; 0.2 s after), joins stretches that then lie closer than the gap;
 * 2. packs them in time order into windows of at most 30 s with 0.5 s of silence between stretches (a pause
 *    whisper sees as a segment boundary, short enough to waste little of the window);
 * 3. writes each window as a 16 kHz mono 16-bit WAV by slicing the channel's PCM in Node (no ffmpeg, no shell),
 *    padding a window shorter than 1 s with silence to 1.1 s (whisper.cpp 1.5 returns nothing below 1 s and
 *    1.9.1 below 0.1 s; a 0.8 s "喂" must reach it);
 * 4. shares windows between the channels of a recording ({@link packChannelWindows}): a window of one channel
 *    with room left takes a whole window of the other channel after {@link CHANNEL_GAP_SEC} of silence, so a
 *    stereo call whose sides each end in a half-empty window needs one encoder pass fewer;
 * 5. decodes all windows of the recording with ONE whisper-cli process (the model is loaded once), each window
 *    its own input file, so no decoded text carries from one window into the next (see
 *    {@link WhisperDecodeOptions}); flags `-nth`, `-sns`, `-mc`, `--prompt` + `--carry-initial-prompt`, `-ojf`;
 * 6. gives every segment of a shared window to the channel whose part it lies in; a segment that runs across
 *    both parts ({@link partOfSegment}) cannot be split by speaker, so the two parts of that window are
 *    decoded again each on its own (a second whisper-cli run, only for such windows);
 * 7. maps every segment's times back onto its channel's own timeline (a time inside a gap goes to the nearest
 *    edge of the speech it belongs to), with the mean token probability as confidence.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { readWavInfo, PREPARED_SAMPLE_RATE } from '../audio/prepare.js';
import { BadInputError } from '../../domain/errors.js';
import type { Config } from '../../infra/config.js';
import type {
  EngineChannel,
  EngineDescriptor,
  EngineInput,
  EngineRun,
  EngineUtterance,
  SpeechStretch,
  TranscriptionEngine,
} from './engine.js';
import { assertWhisperModel, maxContextForPrompt, runWhisper, type RawSegment, type WhisperDecodeOptions } from './whisper.js';

/** How speech stretches become windows. Seconds. */
export interface WindowPlanOptions {
  /** Audio kept before each stretch; default 0.3 (Silero VAD starts ~0.2 s late right after music). */
  padBeforeSec: number;
  /** Audio kept after each stretch; default 0.2 (word endings the VAD cut short). */
  padAfterSec: number;
  /** Longest window; default 30 (whisper's input length: one encoder pass). */
  maxWindowSec: number;
  /** Silence put between two stretches in a window; default 0.5. Stretches closer than this in the channel are joined. */
  gapSec: number;
}

/** Defaults of {@link WindowPlanOptions}. */
export const DEFAULT_WINDOW_PLAN: Readonly<WindowPlanOptions> = Object.freeze({
  padBeforeSec: 0.3,
  padAfterSec: 0.2,
  maxWindowSec: 30,
  gapSec: 0.5,
});

/**
 * Shortest window written, seconds: shorter ones are padded with silence at the end. whisper.cpp 1.5 skips input
 * under 1 s (`seek_end < seek_start + 100` in 10 ms frames); 0.1 s of margin covers frame rounding.
 */
export const MIN_WINDOW_SEC = 1.1;

/** A stretch of the channel placed in a window. Seconds. */
export interface WindowPiece {
  /** Where the piece starts and ends in the channel. */
  sourceStart: number;
  sourceEnd: number;
  /** Where it starts in the window's WAV. */
  windowStart: number;
}

/**
 * One window: pieces in time order, `lengthSec` from the start of the first to the end of the last. Its WAV is
 * `lengthSec` + one gap of silence long (a pause after the last word lets whisper close its last segment), and at
 * least {@link MIN_WINDOW_SEC}.
 */
export interface WhisperWindow {
  pieces: WindowPiece[];
  lengthSec: number;
}

/**
 * Plans the windows for one channel (pure).
 *
 * @param stretches VAD speech stretches, seconds, any order
 * @param durationSec length of the channel, seconds (padding never goes past it)
 * @param options see {@link WindowPlanOptions}; missing fields take {@link DEFAULT_WINDOW_PLAN}
 * @returns windows in time order, each at most `maxWindowSec` long with its closing gap; `[]` without stretches
 */
export function planWhisperWindows(
  stretches: readonly SpeechStretch[],
  durationSec: number,
  options: Partial<WindowPlanOptions> = {},
): WhisperWindow[] {
  const o = { ...DEFAULT_WINDOW_PLAN, ...options };
  // 1. Pad, sort, and join what then lies closer than the gap.
  const padded = stretches
    .map((s) => ({ start: Math.max(0, s.start - o.padBeforeSec), end: Math.min(durationSec, s.end + o.padAfterSec) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const joined: { start: number; end: number }[] = [];
  for (const s of padded) {
    const last = joined[joined.length - 1];
    if (last && s.start - last.end <= o.gapSec) last.end = Math.max(last.end, s.end);
    else joined.push({ ...s });
  }
  // 2. Cut anything longer than a window less its closing gap (VAD caps stretches at 20 s, so this is rare).
  const room = o.maxWindowSec - o.gapSec;
  const pieces: { start: number; end: number }[] = [];
  for (const s of joined) {
    const n = Math.ceil((s.end - s.start) / room - 1e-9);
    for (let k = 0; k < n; k++) pieces.push({ start: s.start + k * room, end: Math.min(s.end, s.start + (k + 1) * room) });
  }
  // 3. Pack in time order.
  const windows: WhisperWindow[] = [];
  let current: WhisperWindow | undefined;
  for (const p of pieces) {
    const len = p.end - p.start;
    const gap = current && current.pieces.length ? o.gapSec : 0;
    if (!current || current.lengthSec + gap + len + o.gapSec > o.maxWindowSec + 1e-9) {
      current = { pieces: [], lengthSec: 0 };
      windows.push(current);
    }
    const windowStart = current.lengthSec + (current.pieces.length ? o.gapSec : 0);
    current.pieces.push({ sourceStart: p.start, sourceEnd: p.end, windowStart });
    current.lengthSec = windowStart + len;
  }
  return windows;
}

/**
 * Maps a time in a window's WAV back onto the channel's timeline (pure). Inside a piece: the same offset in the
 * piece's source. In a gap between pieces, or in the padding after the last one: a segment `start` goes to the
 * start of the next piece, an `end` to the end of the piece before (so no utterance claims the gap).
 *
 * @param window the window the time belongs to
 * @param t seconds from the start of the window's WAV
 * @param edge whether `t` starts or ends a segment
 */
export function windowTimeToChannel(window: WhisperWindow, t: number, edge: 'start' | 'end'): number {
  const { pieces } = window;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const len = p.sourceEnd - p.sourceStart;
    if (t < p.windowStart) {
      // In the gap before piece i (or before the first piece: cannot happen, the first starts at 0).
      return edge === 'start' || i === 0 ? p.sourceStart : pieces[i - 1]!.sourceEnd;
    }
    if (t <= p.windowStart + len) return p.sourceStart + (t - p.windowStart);
  }
  return pieces[pieces.length - 1]!.sourceEnd;
}

/**
 * Silence between the two channels' parts of a shared window, seconds: twice the gap between stretches, so
 * whisper sees the change of speaker as a clear pause and ends its segment there.
 */
export const CHANNEL_GAP_SEC = 1;

/**
 * How much of each part a segment may cover and still be given to one channel, seconds: the stretches' padding
 * (at most 0.3 s of near-silence before a stretch) is where whisper's segment times may spill over; a segment
 * that covers more than this of both parts holds speech of both sides.
 */
export const STRADDLE_SEC = 0.3;

/** One channel's window placed in a decoded window. Seconds. */
export interface WindowPart {
  /** Index of the channel (in the order the channels were given). */
  channel: number;
  window: WhisperWindow;
  /** Where the part starts in the decoded window's WAV. */
  offsetSec: number;
}

/**
 * One whisper input: one channel's window, or a window of one channel followed by a whole window of another
 * ({@link packChannelWindows}). Its WAV is `lengthSec` + one gap of silence long, at least {@link MIN_WINDOW_SEC}.
 */
export interface DecodeWindow {
  parts: WindowPart[];
  lengthSec: number;
}

/** Each window of one channel as a decode window of its own (pure). */
export function singleChannelWindows(windows: readonly WhisperWindow[], channel = 0): DecodeWindow[] {
  return windows.map((window) => ({ parts: [{ channel, window, offsetSec: 0 }], lengthSec: window.lengthSec }));
}

/**
 * Packs the windows of a recording's channels into as few decode windows as pairs allow (pure): each window
 * stays whole (its pieces, its gaps, its mapping), and a window of one channel is put after a window of another
 * channel when both, with {@link CHANNEL_GAP_SEC} between them and a closing gap, fit in `maxWindowSec`. At most
 * two parts per decode window (one change of channel, so a segment belongs to one side or visibly to both).
 * Shortest windows are placed first, each after the longest one of another channel it fits after; a pair is
 * laid out in time order (the part that starts earlier in the call first).
 *
 * @param perChannel {@link planWhisperWindows} of each channel, in channel order
 * @param options `maxWindowSec` and `gapSec` of the plan (defaults {@link DEFAULT_WINDOW_PLAN}), `channelGapSec`
 *   (default {@link CHANNEL_GAP_SEC})
 * @returns decode windows: the pairs, then the windows left alone, each group in the order of their first part
 */
export function packChannelWindows(
  perChannel: readonly (readonly WhisperWindow[])[],
  options: Partial<Pick<WindowPlanOptions, 'maxWindowSec' | 'gapSec'>> & { channelGapSec?: number } = {},
): DecodeWindow[] {
  const maxWindowSec = options.maxWindowSec ?? DEFAULT_WINDOW_PLAN.maxWindowSec;
  const gapSec = options.gapSec ?? DEFAULT_WINDOW_PLAN.gapSec;
  const channelGapSec = options.channelGapSec ?? CHANNEL_GAP_SEC;
  const all = perChannel.flatMap((windows, channel) => windows.map((window) => ({ channel, window, taken: false })));
  const start = (w: WhisperWindow) => w.pieces[0]?.sourceStart ?? 0;
  const fits = (a: WhisperWindow, b: WhisperWindow) => a.lengthSec + channelGapSec + b.lengthSec + gapSec <= maxWindowSec + 1e-9;
  const pairs: DecodeWindow[] = [];
  for (const short of [...all].sort((a, b) => a.window.lengthSec - b.window.lengthSec)) {
    if (short.taken) continue;
    const partner = all
      .filter((o) => !o.taken && o !== short && o.channel !== short.channel && fits(o.window, short.window))
      .sort((a, b) => b.window.lengthSec - a.window.lengthSec)[0];
    if (!partner) continue;
    short.taken = partner.taken = true;
    const [first, second] = start(partner.window) <= start(short.window) ? [partner, short] : [short, partner];
    const secondAt = first.window.lengthSec + channelGapSec;
    pairs.push({
      parts: [
        { channel: first.channel, window: first.window, offsetSec: 0 },
        { channel: second.channel, window: second.window, offsetSec: secondAt },
      ],
      lengthSec: secondAt + second.window.lengthSec,
    });
  }
  const alone = all
    .filter((w) => !w.taken)
    .map((w) => ({ parts: [{ channel: w.channel, window: w.window, offsetSec: 0 }], lengthSec: w.window.lengthSec }));
  const byStart = (a: DecodeWindow, b: DecodeWindow) =>
    start(a.parts[0]!.window) - start(b.parts[0]!.window) || a.parts[0]!.channel - b.parts[0]!.channel;
  return [...pairs.sort(byStart), ...alone.sort(byStart)];
}

/**
 * Which part of a decode window a segment belongs to (pure): the only part of a single-channel window; in a
 * shared window the part it covers more of, unless it covers more than `straddleSec` of both (`'both'`: speech
 * of two sides in one segment, which cannot be split by speaker).
 *
 * @param window the decode window
 * @param start segment start, seconds from the start of the window's WAV
 * @param end segment end, same
 */
export function partOfSegment(window: DecodeWindow, start: number, end: number, straddleSec = STRADDLE_SEC): WindowPart | 'both' {
  if (window.parts.length === 1) return window.parts[0]!;
  const covered = window.parts.map((p) => Math.min(end, p.offsetSec + p.window.lengthSec) - Math.max(start, p.offsetSec));
  if (covered.every((c) => c > straddleSec)) return 'both';
  if (covered.every((c) => c <= 0)) {
    // Inside the silence between the parts: the nearer part.
    const mid = (start + end) / 2;
    const first = window.parts[0]!;
    return mid < (first.offsetSec + first.window.lengthSec + window.parts[1]!.offsetSec) / 2 ? first : window.parts[1]!;
  }
  return covered[0]! >= covered[1]! ? window.parts[0]! : window.parts[1]!;
}

const BYTES_PER_SAMPLE = 2;

/** A 44-byte RIFF/WAVE header for 16 kHz mono 16-bit PCM with `dataBytes` of samples. */
function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(PREPARED_SAMPLE_RATE, 24);
  h.writeUInt32LE(PREPARED_SAMPLE_RATE * BYTES_PER_SAMPLE, 28);
  h.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * Writes each decode window as its own WAV (16 kHz mono 16-bit PCM) by copying the pieces' samples from their
 * channels, with silence in the gaps, between the parts and `gapSec` after the last piece, and at least
 * {@link MIN_WINDOW_SEC} in all.
 *
 * @param channelWavs prepared channels (16 kHz mono 16-bit PCM WAV), indexed by {@link WindowPart.channel}
 * @param windows from {@link packChannelWindows} or {@link singleChannelWindows}
 * @param outDir existing folder; files are named `window-000.wav`, …
 * @param gapSec silence after the last piece, seconds (the plan's `gapSec`)
 * @returns the written paths, in window order
 * @throws {BadInputError} `asr_failed` when a channel is not a 16 kHz mono 16-bit PCM WAV
 */
export async function writeWindowWavs(
  channelWavs: readonly string[],
  windows: readonly DecodeWindow[],
  outDir: string,
  gapSec = DEFAULT_WINDOW_PLAN.gapSec,
): Promise<string[]> {
  const sources = [];
  try {
    for (const channelWav of channelWavs) {
      const info = await readWavInfo(channelWav).catch((error: unknown) => {
        throw new BadInputError('asr_failed', `${channelWav}: cannot read the prepared channel: ${(error as Error).message}`);
      });
      if (info.formatTag !== 1 || info.channels !== 1 || info.sampleRate !== PREPARED_SAMPLE_RATE || info.bitsPerSample !== 16) {
        throw new BadInputError(
          'asr_failed',
          `${channelWav}: a prepared channel must be 16 kHz mono 16-bit PCM, got ${JSON.stringify(info)}`,
        );
      }
      sources.push({ info, totalSamples: Math.floor(info.dataBytes / BYTES_PER_SAMPLE), file: await open(channelWav, 'r') });
    }
    const paths: string[] = [];
    for (const [index, window] of windows.entries()) {
      const samples = Math.round(Math.max(window.lengthSec + gapSec, MIN_WINDOW_SEC) * PREPARED_SAMPLE_RATE);
      const data = Buffer.alloc(samples * BYTES_PER_SAMPLE); // zeros: silence in gaps and padding
      for (const part of window.parts) {
        const source = sources[part.channel];
        if (!source) throw new RangeError(`window ${index} takes channel ${part.channel}, but ${channelWavs.length} channel(s) were given`);
        for (const p of part.window.pieces) {
          const from = Math.min(source.totalSamples, Math.round(p.sourceStart * PREPARED_SAMPLE_RATE));
          const to = Math.min(source.totalSamples, Math.round(p.sourceEnd * PREPARED_SAMPLE_RATE));
          const at = Math.round((part.offsetSec + p.windowStart) * PREPARED_SAMPLE_RATE);
          const count = Math.max(0, Math.min(to - from, samples - at));
          if (count > 0) {
            await source.file.read(data, at * BYTES_PER_SAMPLE, count * BYTES_PER_SAMPLE, source.info.dataOffset + from * BYTES_PER_SAMPLE);
          }
        }
      }
      const file = path.join(outDir, `window-${String(index).padStart(3, '0')}.wav`);
      const out = await open(file, 'w');
      try {
        await out.write(wavHeader(data.length));
        await out.write(data);
      } finally {
        await out.close();
      }
      paths.push(file);
    }
    return paths;
  } finally {
    await Promise.all(sources.map((s) => s.file.close()));
  }
}

/**
 * Settings of the whisper.cpp engine: the configuration's `whisper` part (WHISPER_*: program, model, threads,
 * language, time limit, no-speech threshold), the initial prompt (see `initialPrompt` in text/asr-prompt.ts;
 * empty or absent: none) and the window packing (defaults {@link DEFAULT_WINDOW_PLAN}).
 */
export type WhisperEngineSettings = Config['whisper'] & { prompt?: string; windows?: Partial<WindowPlanOptions> };

/** The decoding flags the engine passes, from its settings (pure; recorded in the descriptor). */
export function whisperDecodeOptions(settings: Pick<WhisperEngineSettings, 'noSpeechThreshold' | 'prompt'>): WhisperDecodeOptions {
  const prompt = settings.prompt?.trim() ? settings.prompt : undefined;
  return {
    noSpeechThreshold: settings.noSpeechThreshold,
    suppressNonSpeech: true,
    maxContext: maxContextForPrompt(prompt),
    ...(prompt ? { prompt } : {}),
  };
}

/**
 * Makes the whisper.cpp engine. Cheap: nothing is loaded until the first recording (whisper-cli loads the model
 * in each run, once for all the windows of a recording's channels).
 *
 * `transcribe` throws `BadInputError` `no_model` when the model is not configured or not a file,
 * `asr_failed` when whisper.cpp cannot read the audio, `TimeLimitError` past `timeLimitMs`, and an
 * `AbortError` when the input's signal fires or the engine is closed.
 */
export function createWhisperEngine(settings: WhisperEngineSettings): TranscriptionEngine {
  const decode = whisperDecodeOptions(settings);
  const plan = { ...DEFAULT_WINDOW_PLAN, ...settings.windows };
  const descriptor: EngineDescriptor = {
    id: 'whisper.cpp',
    model: settings.modelPath ? path.basename(settings.modelPath) : '(none)',
    options: {
      binary: path.basename(settings.binaryPath),
      language: settings.language,
      threads: settings.threads,
      noSpeechThreshold: decode.noSpeechThreshold,
      suppressNonSpeech: decode.suppressNonSpeech,
      maxContext: decode.maxContext,
      carryInitialPrompt: decode.prompt !== undefined,
      windowSec: plan.maxWindowSec,
      gapSec: plan.gapSec,
      padBeforeSec: plan.padBeforeSec,
      padAfterSec: plan.padAfterSec,
      channelGapSec: CHANNEL_GAP_SEC,
    },
  };
  const closing = new AbortController();

  const decodeWindows = async (channels: EngineChannel[], windows: DecodeWindow[], signal: AbortSignal, outDir: string) => {
    await mkdir(outDir, { recursive: true });
    const wavPaths = await writeWindowWavs(
      channels.map((c) => c.wavPath),
      windows,
      outDir,
      plan.gapSec,
    );
    return runWhisper({
      ...decode,
      binaryPath: settings.binaryPath,
      modelPath: settings.modelPath!,
      wavPaths,
      threads: settings.threads,
      language: settings.language,
      timeLimitMs: settings.timeLimitMs,
      workDir: outDir,
      signal,
    });
  };

  const transcribeChannels = async (channels: EngineChannel[], run: EngineRun): Promise<EngineUtterance[][]> => {
    if (!settings.modelPath) {
      throw new BadInputError(
        'no_model',
        'no ASR model configured: set WHISPER_MODEL to a whisper.cpp ggml model file (e.g. ggml-small.bin; callqa downloads none), or put a KEY.transcript.json transcript beside the recording',
      );
    }
    await assertWhisperModel(settings.modelPath);
    const utterances: EngineUtterance[][] = channels.map(() => []);
    const windows = packChannelWindows(
      channels.map((c) => planWhisperWindows(c.stretches, c.durationSec, plan)),
      plan,
    );
    if (windows.length === 0) return utterances;
    const signal = run.signal ? AbortSignal.any([run.signal, closing.signal]) : closing.signal;
    signal.throwIfAborted();
    const results = await decodeWindows(channels, windows, signal, run.workDir);
    const add = (part: WindowPart, seg: RawSegment) => {
      const start = windowTimeToChannel(part.window, seg.start - part.offsetSec, 'start');
      const end = Math.max(start, windowTimeToChannel(part.window, seg.end - part.offsetSec, 'end'));
      utterances[part.channel]!.push({
        start,
        end,
        text: seg.text,
        ...(seg.confidence !== undefined ? { confidence: seg.confidence } : {}),
      });
    };
    // Shared windows with a segment across both sides: each part again on its own.
    const again: WindowPart[] = [];
    results.forEach((segments, i) => {
      const window = windows[i]!;
      if (segments.some((seg) => partOfSegment(window, seg.start, seg.end) === 'both')) {
        again.push(...window.parts);
        return;
      }
      for (const seg of segments) add(partOfSegment(window, seg.start, seg.end) as WindowPart, seg);
    });
    if (again.length) {
      const alone = again.map((part) => ({ parts: [{ ...part, offsetSec: 0 }], lengthSec: part.window.lengthSec }));
      const rerun = await decodeWindows(channels, alone, signal, path.join(run.workDir, 'parts-alone'));
      rerun.forEach((segments, i) => segments.forEach((seg) => add(alone[i]!.parts[0]!, seg)));
    }
    for (const list of utterances) list.sort((a, b) => a.start - b.start || a.end - b.end);
    return utterances;
  };

  return {
    descriptor,
    async transcribe(input: EngineInput): Promise<EngineUtterance[]> {
      const [utterances] = await transcribeChannels([input], input);
      return utterances!;
    },
    transcribeChannels,
    async close() {
      closing.abort(new Error('transcription engine closed'));
    },
  };
}
