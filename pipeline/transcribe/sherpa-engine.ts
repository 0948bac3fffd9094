/**
 * The `sensevoice` and `paraformer` transcription engines: sherpa-onnx-node's offline recognizer
 * (`OfflineRecognizer`) on model files the operator provides, decoding each VAD speech stretch on its own.
 *
 * - Models: a folder (`ASR_MODEL_DIR`) with `model.int8.onnx` (preferred) or `model.onnx`, and `tokens.txt`,
 *   as in sherpa-onnx's released packs (e.g. sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17,
 *   sherpa-onnx-paraformer-zh-2023-09-14). Nothing is downloaded: a missing or unreadable file is a
 *   `no_model` BadInputError naming it (see {@link resolveSherpaModelFiles}, which start-up calls).
 * - SenseVoice runs with `language: zh` (not `auto`: the centre's calls are Mandarin, and auto-detection on a
 *   short 喂 can pick Cantonese or Japanese) and inverse text normalisation on (digits and punctuation written
 *   as text, `<|withitn|>`), the way the FunAudioLLM paper (arXiv 2407.04051) reports its CERs. Its four
 *   leading tags (language, emotion, event, ITN) are parsed by sherpa-onnx; a stretch whose event is not
 *   `Speech` (BGM, laughter, applause, crying, coughing, sneezing) is not speech and yields no utterance,
 *   so words "heard" in hold music never reach the rules.
 * - Paraformer (paraformer-zh) has no options: it writes no punctuation and no tags.
 * - Decoding per stretch, padded by {@link DEFAULT_PADDING_SEC} on each side (clamped to the file): Silero
 *   VAD starts about 0.2 s late right after hold music (measured in test/audio/vad.test.ts), and both models
 *   lose the first syllable when cut exactly at its onset. Utterances keep the stretch's own (unpadded)
 *   times on the channel's timeline.
 * - The recognizer runs in a child process (./sherpa-recognizer-process.cjs, spawned through infra/child-process.ts:
 *   its own process group, killed with the worker, a message channel for requests) that loads the model once per
 *   engine (with one trial decode) and is killed on close, on abort and when a channel runs past its
 *   wall-clock limit (the next channel starts a new one). A child process, not a worker thread, because
 *   sherpa-onnx aborts the whole process on a model.onnx that is not ONNX and on a tokens.txt of another
 *   model; both become `no_model` with the process's last stderr lines.
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { collectBoundedStderr, killChildGroup, spawnOwnedChild } from '../../infra/child-process.js';
import { projectRoot } from '../../infra/paths.js';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import type { EngineDescriptor, EngineInput, EngineUtterance, SpeechStretch, TranscriptionEngine } from './engine.js';

/** The sherpa-onnx engines, by their configuration name (`ASR_ENGINE`). */
export type SherpaEngineKind = 'sensevoice' | 'paraformer';

/**
 * Seconds added before and after each VAD stretch when it is cut for decoding. 0.25 s covers Silero's
 * measured ~0.2 s late start after hold music (test/audio/vad.test.ts) and a syllable's onset.
 */
export const DEFAULT_PADDING_SEC = 0.25;

/** Settings of a sherpa-onnx engine (from configuration: ASR_MODEL_DIR, ASR_THREADS, ASR_TIME_LIMIT_MS). */
export interface SherpaEngineSettings {
  /** Folder with model.int8.onnx or model.onnx, and tokens.txt. Absent: every job fails with `no_model`. */
  modelDir?: string;
  /** Inference threads of onnxruntime, integer >= 1. */
  threads: number;
  /** Wall-clock limit per channel (model load included), milliseconds. */
  timeLimitMs: number;
  /** Seconds of audio added on each side of a stretch; default {@link DEFAULT_PADDING_SEC}. */
  paddingSec?: number;
  /** SenseVoice's language (`zh`, `yue`, `en`, `ja`, `ko` or `auto`); default `zh`. Ignored by paraformer. */
  language?: string;
}

/** The files a sherpa-onnx engine loads. Absolute paths. */
export interface SherpaModelFiles {
  model: string;
  tokens: string;
}

/** Model file names looked for in the model folder, in order of preference (int8: ~4× smaller, as accurate). */
const MODEL_FILE_NAMES = ['model.int8.onnx', 'model.onnx'];

const ENGINE_LABEL: Record<SherpaEngineKind, string> = { sensevoice: 'SenseVoice', paraformer: 'Paraformer' };

function fileProblem(file: string): string | undefined {
  try {
    const s = statSync(file);
    if (!s.isFile()) return 'is not a file';
    if (s.size === 0) return 'is empty';
    accessSync(file, fsConstants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
  }
}

/**
 * Finds and checks the model files of a sherpa-onnx engine (a few `stat` calls, synchronous so start-up
 * and the engine registry can call it). Start-up calls it so the operator learns at once which file is
 * missing; each job calls it again (the folder may change under a running worker).
 *
 * @param kind `sensevoice` or `paraformer`
 * @param modelDir the folder (ASR_MODEL_DIR); absent means not configured
 * @returns the model file (model.int8.onnx preferred over model.onnx) and tokens.txt
 * @throws {BadInputError} `no_model`, naming the folder or file and what is wrong with it
 */
export function resolveSherpaModelFiles(kind: SherpaEngineKind, modelDir: string | undefined): SherpaModelFiles {
  const label = ENGINE_LABEL[kind];
  if (!modelDir) {
    throw new BadInputError(
      'no_model',
      `no ${label} model configured: set ASR_MODEL_DIR to a folder holding model.int8.onnx (or model.onnx) and tokens.txt (callqa downloads none; see README "Choosing a speech recognition engine")`,
    );
  }
  const dir = path.resolve(modelDir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new BadInputError('no_model', `${label} model folder ${dir} (ASR_MODEL_DIR) does not exist or is not a folder`);
  }
  const problems: string[] = [];
  let model: string | undefined;
  for (const name of MODEL_FILE_NAMES) {
    const file = path.join(dir, name);
    const problem = fileProblem(file);
    if (problem === undefined) {
      model = file;
      break;
    }
    problems.push(`${file} ${problem}`);
  }
  if (!model) throw new BadInputError('no_model', `${label} model file missing (ASR_MODEL_DIR): ${problems.join('; ')}`);
  const tokens = path.join(dir, 'tokens.txt');
  const tokensProblem = fileProblem(tokens);
  if (tokensProblem !== undefined) throw new BadInputError('no_model', `${label} token list ${tokens} ${tokensProblem} (ASR_MODEL_DIR)`);
  return { model, tokens };
}

/**
 * Why a sherpa-onnx engine cannot run with `modelDir` (the message of {@link resolveSherpaModelFiles}'s
 * `no_model` error, naming the file), or `undefined` when its files are there. For start-up checks.
 */
export function sherpaModelProblem(kind: SherpaEngineKind, modelDir: string | undefined): string | undefined {
  try {
    resolveSherpaModelFiles(kind, modelDir);
    return undefined;
  } catch (error) {
    if (error instanceof BadInputError) return error.message;
    throw error;
  }
}

/**
 * The sherpa-onnx-node `OfflineRecognizerConfig` for a model (see node_modules/sherpa-onnx-node/types.js).
 * Features: 16 kHz, 80 mel bins (what both models were trained on); greedy search (the only decoding both
 * support). Pure function.
 */
export function sherpaRecognizerConfig(kind: SherpaEngineKind, files: SherpaModelFiles, settings: SherpaEngineSettings): object {
  const modelConfig: Record<string, unknown> = { tokens: files.tokens, numThreads: settings.threads, provider: 'cpu', debug: 0 };
  if (kind === 'sensevoice') {
    modelConfig['senseVoice'] = { model: files.model, language: settings.language ?? 'zh', useInverseTextNormalization: 1 };
  } else {
    modelConfig['paraformer'] = { model: files.model };
  }
  return { featConfig: { sampleRate: 16000, featureDim: 80 }, modelConfig, decodingMethod: 'greedy_search' };
}

/**
 * The stretches widened by `paddingSec` on each side and clamped to `[0, durationSec]`: the audio each
 * decode sees. Pure function; seconds.
 */
export function paddedRanges(stretches: SpeechStretch[], durationSec: number, paddingSec: number): [number, number][] {
  return stretches.map((s) => [Math.max(0, s.start - paddingSec), Math.min(durationSec, s.end + paddingSec)]);
}

/** What the recognizer process answers for one stretch. Tags as SenseVoice writes them, e.g. `<|Speech|>`; empty for Paraformer. */
export interface StretchResult {
  text: string;
  lang: string;
  emotion: string;
  event: string;
}

/**
 * Utterances from the per-stretch results: the stretch's own times (clamped to the file), the text trimmed;
 * stretches with no text, or whose SenseVoice event tag is not `<|Speech|>`, give none. Pure function.
 */
export function utterancesFromResults(stretches: SpeechStretch[], results: StretchResult[], durationSec: number): EngineUtterance[] {
  const utterances: EngineUtterance[] = [];
  stretches.forEach((s, i) => {
    const r = results[i];
    if (!r) return;
    const text = r.text.trim();
    if (text === '') return;
    if (r.event !== '' && r.event !== '<|Speech|>') return;
    utterances.push({ start: Math.max(0, s.start), end: Math.min(durationSec, s.end), text });
  });
  return utterances;
}

interface DecodeAnswer {
  id: number;
  results?: StretchResult[];
  stage?: 'read' | 'decode';
  error?: string;
}

const PROCESS_PATH = path.join(projectRoot, 'pipeline', 'transcribe', 'sherpa-recognizer-process.cjs');

class AbortedError extends Error {
  override readonly name = 'AbortError';
}

/** A loaded recognizer process. */
interface Recognizer {
  child: ChildProcess;
  stderr: () => string;
  /** Sends a decode request; resolves with the answer of the same `id`, rejects when the process exits first. */
  decode: (request: { id: number; wavPath: string; ranges: [number, number][] }) => Promise<DecodeAnswer>;
}

class SherpaEngine implements TranscriptionEngine {
  readonly descriptor: EngineDescriptor;
  /** Each VAD stretch is decoded on its own: a repeated 好的 is said twice, not a decoder loop. */
  readonly independentUtterances = true;
  private recognizer: Promise<Recognizer> | undefined;
  /** The recognizer process, from its start (before it has loaded). */
  private child: ChildProcess | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly kind: SherpaEngineKind,
    private readonly settings: SherpaEngineSettings,
  ) {
    if (!Number.isInteger(settings.threads) || settings.threads < 1) {
      throw new RangeError(`${kind} threads must be an integer >= 1, got ${settings.threads}`);
    }
    const options: Record<string, string | number | boolean> = {
      threads: settings.threads,
      decoding: 'greedy_search',
      paddingSec: settings.paddingSec ?? DEFAULT_PADDING_SEC,
      perStretch: true,
    };
    if (kind === 'sensevoice') Object.assign(options, { language: settings.language ?? 'zh', inverseTextNormalization: true });
    let model = MODEL_FILE_NAMES.at(-1)!;
    if (settings.modelDir) {
      const dir = path.resolve(settings.modelDir);
      options['modelFolder'] = path.basename(dir);
      model = MODEL_FILE_NAMES.find((name) => existsSync(path.join(dir, name))) ?? model;
    }
    this.descriptor = { id: kind, model, options };
  }

  async transcribe(input: EngineInput): Promise<EngineUtterance[]> {
    if (this.closed) throw new Error(`${this.kind} engine is closed`);
    input.signal?.throwIfAborted();
    const files = resolveSherpaModelFiles(this.kind, this.settings.modelDir);
    if (input.stretches.length === 0) return [];
    const ranges = paddedRanges(input.stretches, input.durationSec, this.settings.paddingSec ?? DEFAULT_PADDING_SEC);

    const answer = await this.withLimits(input.signal, async () => {
      const recognizer = await this.load(files);
      const answer = await recognizer.decode({ id: this.nextId++, wavPath: input.wavPath, ranges });
      return { answer, recognizer };
    });
    if (answer.answer.error !== undefined) {
      if (answer.answer.stage === 'read') {
        throw new BadInputError('asr_failed', `${ENGINE_LABEL[this.kind]} cannot read ${input.wavPath}: ${answer.answer.error}`);
      }
      throw new Error(
        `${ENGINE_LABEL[this.kind]} failed to decode ${input.wavPath}: ${answer.answer.error} ${answer.recognizer.stderr()}`.trim(),
      );
    }
    return utterancesFromResults(input.stretches, answer.answer.results ?? [], input.durationSec);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kill();
  }

  /** Runs `work` for at most `timeLimitMs` and until the abort signal; either kills the recognizer process. */
  private async withLimits<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const limitMs = this.settings.timeLimitMs;
    if (signal?.aborted) throw new AbortedError(`${this.kind} transcription aborted`);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new TimeLimitError(this.kind, limitMs));
      }, limitMs);
      onAbort = () => {
        this.kill();
        reject(new AbortedError(`${this.kind} transcription aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work(), stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private kill(): void {
    if (this.child) killChildGroup(this.child);
    this.child = undefined;
    this.recognizer = undefined;
  }

  /** The loaded recognizer process, started on first use. @throws {BadInputError} `no_model` when it cannot load. */
  private load(files: SherpaModelFiles): Promise<Recognizer> {
    if (!this.recognizer) {
      const started = this.start(files);
      this.recognizer = started;
      started.catch(() => {
        if (this.recognizer === started) this.recognizer = undefined;
      });
    }
    return this.recognizer;
  }

  private async start(files: SherpaModelFiles): Promise<Recognizer> {
    const child = spawnOwnedChild(process.execPath, [PROCESS_PATH], { ipc: true });
    this.child = child;
    child.stdout.resume();
    const stderrText = collectBoundedStderr(child.stderr);
    const pending = new Map<number, { resolve: (m: DecodeAnswer) => void; reject: (e: Error) => void }>();
    let onLoad: { resolve: (m: { type?: string; error?: string }) => void; reject: (e: Error) => void } | undefined;
    const loadAnswer = new Promise<{ type?: string; error?: string }>((resolve, reject) => (onLoad = { resolve, reject }));
    let exitError: Error | undefined;
    const failAll = (error: Error) => {
      exitError ??= error;
      onLoad?.reject(exitError);
      for (const p of pending.values()) p.reject(exitError);
      pending.clear();
    };
    child.on('message', (m: { id?: number; type?: string; error?: string }) => {
      if (typeof m.id !== 'number') return onLoad?.resolve(m);
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.resolve(m as DecodeAnswer);
    });
    child.on('exit', (code, signal) =>
      failAll(new Error(`${ENGINE_LABEL[this.kind]} recognizer process exited (code ${code}, signal ${signal}): ${stderrText().trim()}`)),
    );
    child.on('error', failAll);
    const recognizer: Recognizer = {
      child,
      stderr: () => stderrText().trim(),
      decode: (request) =>
        new Promise((resolve, reject) => {
          if (exitError) return reject(exitError);
          pending.set(request.id, { resolve, reject });
          child.send({ type: 'decode', ...request }, (error) => {
            if (error) failAll(error);
          });
        }),
    };
    child.send({ type: 'load', recognizerConfig: sherpaRecognizerConfig(this.kind, files, this.settings) });
    let loaded: { type?: string; error?: string };
    try {
      loaded = await loadAnswer;
    } catch (error) {
      killChildGroup(child);
      throw this.noModel(files, (error as Error).message);
    }
    if (loaded.type !== 'ready') {
      killChildGroup(child);
      throw this.noModel(files, `${loaded.error ?? 'no answer'} ${stderrText().trim()}`);
    }
    return recognizer;
  }

  private noModel(files: SherpaModelFiles, reason: string): BadInputError {
    return new BadInputError(
      'no_model',
      `${ENGINE_LABEL[this.kind]} model ${files.model} with ${files.tokens} could not be loaded: ${reason.trim()}`,
    );
  }
}

/**
 * Makes a `sensevoice` or `paraformer` engine. Cheap: the model is loaded in its own process on the first
 * `transcribe`, and kept until `close()` (or until a time limit or abort kills it; the next call reloads).
 *
 * @throws {RangeError} when `settings.threads` is not an integer >= 1
 */
export function createSherpaEngine(kind: SherpaEngineKind, settings: SherpaEngineSettings): TranscriptionEngine {
  return new SherpaEngine(kind, settings);
}

/**
 * The engine registry's entry for a sherpa-onnx engine (see pipeline/transcribe/engines.ts): whether its
 * model files are there, without loading anything, and how to make it, from the configuration's `sherpa`
 * block (ASR_MODEL_DIR, ASR_THREADS, ASR_TIME_LIMIT_MS, SENSEVOICE_LANGUAGE).
 */
export function sherpaEngineFactory(kind: SherpaEngineKind): {
  modelProblem(config: { sherpa: SherpaEngineSettings }): string | undefined;
  create(config: { sherpa: SherpaEngineSettings }): TranscriptionEngine;
  describe(config: { sherpa: SherpaEngineSettings }): EngineDescriptor;
} {
  return {
    modelProblem: (config) => sherpaModelProblem(kind, config.sherpa.modelDir),
    create: (config) => createSherpaEngine(kind, config.sherpa),
    describe: (config) => createSherpaEngine(kind, config.sherpa).descriptor,
  };
}
