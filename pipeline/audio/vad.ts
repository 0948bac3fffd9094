/**
 * Neural voice activity detection (VAD): Silero VAD v5 through sherpa-onnx-node, on one prepared channel
 * (16 kHz mono 16-bit PCM WAV). It tells speech from silence AND from non-speech sound — ringback tones,
 * hold music, line noise — which the energy detector of ./silence.ts (ffmpeg silencedetect) counts as talk.
 *
 * - The model file is `silero_vad_v5.onnx` as shipped inside the npm package `@ricky0123/vad-web`
 *   (Silero VAD: MIT licence, snakers4/silero-vad; the package: ISC); an operator may point `modelPath`
 *   elsewhere. Nothing is downloaded.
 * - Inference runs in a child process (./vad-process.cjs, through infra/child-process.ts), so a queue
 *   worker's event loop stays free and the run can be killed when the wall-clock limit passes or the
 *   AbortSignal fires. (A worker thread cannot be: terminating one inside sherpa-onnx's native code makes the
 *   addon abort the whole process — measured.)
 * - Measured on this project's 2-core machines: about 8 ms of CPU per 10 s of audio (55 s in 0.46 s
 *   including model load).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ChildProcessError, runChild } from '../../infra/child-process.js';
import { projectRoot } from '../../infra/paths.js';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import type { SpeechStretch } from '../transcribe/engine.js';

/** Options of {@link detectSpeech}. Seconds unless named otherwise. */
export interface VadOptions {
  /** Silero ONNX model file; default {@link defaultVadModelPath}. */
  modelPath?: string;
  /** Speech probability above which a 32 ms window is speech, 0..1; default 0.5 (Silero's own default). */
  threshold?: number;
  /** Pause that ends a stretch, seconds; default 0.3 (shorter pauses stay inside one utterance). */
  minSilenceSec?: number;
  /** Shortest stretch kept, seconds; default 0.25 (clicks and breaths are dropped). */
  minSpeechSec?: number;
  /**
   * Longest stretch, seconds; longer speech is cut (sherpa-onnx raises the threshold to find a cut point).
   * Default 20, so every stretch fits a 30 s whisper window and SenseVoice's best input length.
   */
  maxSpeechSec?: number;
  /** Wall-clock limit, milliseconds; default 120000. */
  timeLimitMs?: number;
  /** Aborting kills the VAD child process; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Resolved VAD settings, recorded beside audio measurements. */
export interface VadSettings {
  model: string;
  threshold: number;
  minSilenceSec: number;
  minSpeechSec: number;
  maxSpeechSec: number;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Where the Silero VAD v5 model shipped in `@ricky0123/vad-web` is installed.
 *
 * @throws {Error} when the package is not installed (run `npm ci`)
 */
export function defaultVadModelPath(): string {
  return requireFromHere.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');
}

/** The settings {@link detectSpeech} uses for `options` (defaults filled in). Pure function. */
export function vadSettings(options: VadOptions = {}): VadSettings {
  return {
    model: options.modelPath ?? defaultVadModelPath(),
    threshold: options.threshold ?? 0.5,
    minSilenceSec: options.minSilenceSec ?? 0.3,
    minSpeechSec: options.minSpeechSec ?? 0.25,
    maxSpeechSec: options.maxSpeechSec ?? 20,
  };
}

const PROCESS_PATH = path.join(projectRoot, 'pipeline', 'audio', 'vad-process.cjs');

interface ProcessResult {
  stretches?: [number, number][];
  sampleRate?: number;
  error?: string;
}

/**
 * Finds the speech stretches of one prepared channel.
 *
 * @param wavPath 16 kHz mono 16-bit PCM WAV (as pipeline/audio/prepare.ts writes)
 * @returns stretches in time order, not overlapping, seconds from the start of the file; empty when the
 *   channel holds no speech
 * @throws {BadInputError} `no_model` when the VAD model file is missing
 * @throws {TimeLimitError} (`what` = `VAD`) when it runs past `timeLimitMs`
 * @throws {Error} named `AbortError` when `signal` aborts (the child process is killed); other errors when the WAV cannot be read or is not
 *   16 kHz (a prepared channel always is, so that is a fault of the pipeline, not of the recording)
 */
export async function detectSpeech(wavPath: string, options: VadOptions = {}): Promise<SpeechStretch[]> {
  const settings = vadSettings(options);
  if (!existsSync(settings.model)) {
    throw new BadInputError('no_model', `VAD model ${settings.model} does not exist: run npm ci (the Silero model ships in the npm package @ricky0123/vad-web)`);
  }
  const timeLimitMs = options.timeLimitMs ?? 120_000;
  options.signal?.throwIfAborted();
  const request = JSON.stringify({
    wavPath,
    modelPath: settings.model,
    threshold: settings.threshold,
    minSilenceSec: settings.minSilenceSec,
    minSpeechSec: settings.minSpeechSec,
    maxSpeechSec: settings.maxSpeechSec,
  });
  let result: ProcessResult;
  try {
    const run = await runChild('VAD', process.execPath, [PROCESS_PATH, request], { timeLimitMs, signal: options.signal });
    result = run.code === 0 ? (JSON.parse(run.stdout) as ProcessResult) : { error: `exit ${run.code ?? run.signal}: ${run.stderr.trim().slice(-500)}` };
  } catch (error) {
    if (error instanceof ChildProcessError && error.kind === 'time_limit') throw new TimeLimitError('VAD', timeLimitMs);
    if (error instanceof ChildProcessError && error.kind === 'aborted') throw Object.assign(new Error(`VAD of ${wavPath} aborted`), { name: 'AbortError' });
    throw error;
  }
  if (result.error !== undefined || !result.stretches || !result.sampleRate) {
    throw new Error(`VAD of ${wavPath} failed: ${result.error ?? 'no result'}`);
  }
  const rate = result.sampleRate;
  return result.stretches.map(([from, to]) => ({ start: from / rate, end: to / rate }));
}
