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
 * 4. decodes all windows of the channel with ONE whisper-cli process (the model is loaded once), each window
 *    its own input file, so no decoded text carries from one window into the next (see
 *    {@link WhisperDecodeOptions}); flags `-nth`, `-sns`, `-mc`, `--prompt` + `--carry-initial-prompt`, `-ojf`;
 * 5. maps every segment's times back onto the channel's own timeline (a time inside a gap goes to the nearest
 *    edge of the speech it belongs to), with the mean token probability as confidence.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { readWavInfo, PREPARED_SAMPLE_RATE } from '../audio/prepare.js';
import { BadInputError } from '../../domain/errors.js';
import type { EngineDescriptor, EngineInput, EngineUtterance, SpeechStretch, TranscriptionEngine } from './engine.js';
import { assertWhisperModel, maxContextForPrompt, runWhisper, type WhisperDecodeOptions } from './whisper.js';

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
 * Writes each planned window of a prepared channel as its own WAV (16 kHz mono 16-bit PCM) by copying the
 * pieces' samples, with silence in the gaps, `gapSec` of silence after the last piece, and at least
 * {@link MIN_WINDOW_SEC} in all.
 *
 * @param channelWav prepared channel (16 kHz mono 16-bit PCM WAV)
 * @param windows from {@link planWhisperWindows}
 * @param outDir existing folder; files are named `window-000.wav`, …
 * @param gapSec silence after the last piece, seconds (the plan's `gapSec`)
 * @returns the written paths, in window order
 * @throws {BadInputError} `asr_failed` when the channel is not a 16 kHz mono 16-bit PCM WAV
 */
export async function writeWindowWavs(
  channelWav: string,
  windows: readonly WhisperWindow[],
  outDir: string,
  gapSec = DEFAULT_WINDOW_PLAN.gapSec,
): Promise<string[]> {
  const info = await readWavInfo(channelWav).catch((error: unknown) => {
    throw new BadInputError('asr_failed', `${channelWav}: cannot read the prepared channel: ${(error as Error).message}`);
  });
  if (info.formatTag !== 1 || info.channels !== 1 || info.sampleRate !== PREPARED_SAMPLE_RATE || info.bitsPerSample !== 16) {
    throw new BadInputError('asr_failed', `${channelWav}: a prepared channel must be 16 kHz mono 16-bit PCM, got ${JSON.stringify(info)}`);
  }
  const totalSamples = Math.floor(info.dataBytes / BYTES_PER_SAMPLE);
  const source = await open(channelWav, 'r');
  const paths: string[] = [];
  try {
    for (const [index, window] of windows.entries()) {
      const samples = Math.round(Math.max(window.lengthSec + gapSec, MIN_WINDOW_SEC) * PREPARED_SAMPLE_RATE);
      const data = Buffer.alloc(samples * BYTES_PER_SAMPLE); // zeros: silence in gaps and padding
      for (const p of window.pieces) {
        const from = Math.min(totalSamples, Math.round(p.sourceStart * PREPARED_SAMPLE_RATE));
        const to = Math.min(totalSamples, Math.round(p.sourceEnd * PREPARED_SAMPLE_RATE));
        const at = Math.round(p.windowStart * PREPARED_SAMPLE_RATE);
        const count = Math.max(0, Math.min(to - from, samples - at));
        if (count > 0) {
          await source.read(data, at * BYTES_PER_SAMPLE, count * BYTES_PER_SAMPLE, info.dataOffset + from * BYTES_PER_SAMPLE);
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
  } finally {
    await source.close();
  }
  return paths;
}

/** Settings of the whisper.cpp engine (from configuration: WHISPER_*). */
export interface WhisperEngineSettings {
  /** whisper-cli program (`WHISPER_BIN`). */
  binaryPath: string;
  /** ggml model file (`WHISPER_MODEL`); absent: every transcription fails with `no_model`. */
  modelPath?: string;
  /** Decoder threads (`WHISPER_THREADS`). */
  threads: number;
  /** Spoken language code (`WHISPER_LANGUAGE`), e.g. `zh`. */
  language: string;
  /** Wall-clock limit of one channel's whisper.cpp run, milliseconds (`WHISPER_TIME_LIMIT_MS`). */
  timeLimitMs: number;
  /** No-speech threshold 0..1 (`WHISPER_NO_SPEECH_THRESHOLD`), see {@link WhisperDecodeOptions}. */
  noSpeechThreshold: number;
  /** Initial prompt (see `initialPrompt` in text/asr-prompt.ts); empty or absent: none. */
  prompt?: string;
  /** Window packing; defaults {@link DEFAULT_WINDOW_PLAN}. */
  windows?: Partial<WindowPlanOptions>;
}

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
 * Makes the whisper.cpp engine. Cheap: nothing is loaded until the first channel (whisper-cli loads the model
 * in each run, once for all the channel's windows).
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
    },
  };
  const closing = new AbortController();

  return {
    descriptor,
    async transcribe(input: EngineInput): Promise<EngineUtterance[]> {
      if (!settings.modelPath) {
        throw new BadInputError(
          'no_model',
          'no ASR model configured: set WHISPER_MODEL to a whisper.cpp ggml model file (e.g. ggml-small.bin; callqa downloads none), or put a KEY.transcript.json transcript beside the recording',
        );
      }
      await assertWhisperModel(settings.modelPath);
      const windows = planWhisperWindows(input.stretches, input.durationSec, plan);
      if (windows.length === 0) return [];
      const signal = input.signal ? AbortSignal.any([input.signal, closing.signal]) : closing.signal;
      signal.throwIfAborted();
      const wavPaths = await writeWindowWavs(input.wavPath, windows, input.workDir, plan.gapSec);
      const results = await runWhisper({
        ...decode,
        binaryPath: settings.binaryPath,
        modelPath: settings.modelPath,
        wavPaths,
        threads: settings.threads,
        language: settings.language,
        timeLimitMs: settings.timeLimitMs,
        workDir: input.workDir,
        signal,
      });
      const utterances: EngineUtterance[] = [];
      results.forEach((segments, i) => {
        const window = windows[i]!;
        for (const seg of segments) {
          const start = windowTimeToChannel(window, seg.start, 'start');
          const end = Math.max(start, windowTimeToChannel(window, seg.end, 'end'));
          utterances.push({ start, end, text: seg.text, ...(seg.confidence !== undefined ? { confidence: seg.confidence } : {}) });
        }
      });
      return utterances;
    },
    async close() {
      closing.abort(new Error('transcription engine closed'));
    },
  };
}
