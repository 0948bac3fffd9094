/**
 * The one interface every speech recognition (ASR) engine implements, so the transcribe stage does not know
 * which engine runs: whisper.cpp (a child process), or SenseVoice / Paraformer through sherpa-onnx-node.
 *
 * The stage finds speech first (VAD, see pipeline/audio/vad.ts), then hands the engine one prepared
 * channel (16 kHz mono 16-bit PCM WAV) with its speech stretches; the engine decides how to decode them
 * (per stretch, or packed into windows) and returns utterances on the channel's own timeline.
 *
 * Rules every engine keeps:
 * - never blocks the event loop for more than a few milliseconds (a BullMQ worker that does loses its job
 *   lock and the job runs twice): heavy work runs in a child process (a worker thread cannot be stopped safely inside a native addon);
 * - runs under a wall-clock limit and an AbortSignal, both of which stop the work for good;
 * - downloads nothing: missing or unreadable model files are a `no_model` BadInputError naming the file;
 * - returns raw text: Traditional→Simplified, hallucination and loop clean-up happen after, once, for
 *   every transcript source.
 */

/** A stretch of speech found by VAD. Seconds from the start of the channel's WAV, `start < end`. */
export interface SpeechStretch {
  start: number;
  end: number;
}

/** One prepared channel with its speech. */
export interface EngineChannel {
  /** Prepared channel: 16 kHz mono 16-bit PCM WAV. */
  wavPath: string;
  /** Length of the WAV in seconds. */
  durationSec: number;
  /** Speech stretches in time order, not overlapping; empty means no speech (the engine returns []). */
  stretches: SpeechStretch[];
}

/** Where and under which signal an engine works. */
export interface EngineRun {
  /** Existing folder owned by the caller (who removes it) for the engine's temporary files. */
  workDir: string;
  /** Aborting stops the engine's work (worker shutdown). */
  signal?: AbortSignal;
}

/** What the stage hands an engine for one channel. */
export interface EngineInput extends EngineChannel, EngineRun {}

/** One recognised utterance, before clean-up. Times in seconds on the channel's timeline. */
export interface EngineUtterance {
  start: number;
  end: number;
  /** Text as the engine wrote it. */
  text: string;
  /** 0..1 where the engine gives one (e.g. mean token probability); absent otherwise. */
  confidence?: number;
}

/** Which engine, with which model and options; recorded in every transcript's `source`. */
export interface EngineDescriptor {
  /** Configuration name (`ASR_ENGINE`): `whisper.cpp`, `sensevoice` or `paraformer`. */
  id: string;
  /** Model file name as the operator provided it (base name only, no directories). */
  model: string;
  /** The options the engine runs with (flags, thresholds, threads), for the record. */
  options: Record<string, string | number | boolean>;
}

/** A transcription engine, made once per worker and used for many channels. */
export interface TranscriptionEngine {
  readonly descriptor: EngineDescriptor;
  /**
   * True when every utterance is decoded on its own (no text carries from one to the next, e.g. SenseVoice
   * per VAD stretch): identical neighbouring utterances are then speech said twice ("好的" … "好的"), not a
   * decoder loop, and the clean-up keeps them. Absent: false (whisper, which decodes windows of many).
   */
  readonly independentUtterances?: boolean;
  /**
   * Transcribes the speech stretches of one channel.
   *
   * @throws {BadInputError} `no_model` (model files missing or unloadable), `asr_failed` (the engine cannot
   *   read the audio)
   * @throws {TimeLimitError} the engine ran past its wall-clock limit (the queue retries)
   */
  transcribe(input: EngineInput): Promise<EngineUtterance[]>;
  /**
   * Transcribes the channels of one recording together, for an engine that gains from it (whisper.cpp shares
   * its 30 s windows between the channels: see pipeline/transcribe/whisper-engine.ts). Same results and
   * errors as {@link transcribe} per channel: one array per channel, in order, each on its channel's timeline.
   * Absent: the channels go to {@link transcribe} one after the other (see {@link transcribeRecording}).
   */
  transcribeChannels?(channels: EngineChannel[], run: EngineRun): Promise<EngineUtterance[][]>;
  /** Releases what the engine holds (child processes, native handles). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Transcribes the channels of one recording with `engine`: together when it implements `transcribeChannels`,
 * else one after the other. The stage and `callqa eval asr` both go through here.
 *
 * @returns one array of utterances per channel, in the order given, each on its channel's timeline
 * @throws whatever the engine throws (see {@link TranscriptionEngine.transcribe})
 */
export async function transcribeRecording(
  engine: TranscriptionEngine,
  channels: EngineChannel[],
  run: EngineRun,
): Promise<EngineUtterance[][]> {
  if (engine.transcribeChannels) return engine.transcribeChannels(channels, run);
  const out: EngineUtterance[][] = [];
  for (const channel of channels) out.push(await engine.transcribe({ ...channel, ...run }));
  return out;
}
