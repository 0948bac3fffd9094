/**
 * Neural voice activity detection (VAD): Silero VAD v5 through sherpa-onnx-node, on one prepared channel
 * (16 kHz mono 16-bit PCM WAV). It tells speech from silence AND from non-speech sound — ringback tones,
 * hold music, line noise — which the energy detector of ./silence.ts (ffmpeg silencedetect) counts as talk.
 *
 * - The model file is `silero_vad_v5.onnx` as shipped inside the npm package `@ricky0123/vad-web`
 *   (Silero VAD: MIT licence, snakers4/silero-vad; the package: ISC); an operator may point `modelPath`
 *   elsewhere. Nothing is downloaded.
 * - Inference runs in a long-lived child process (./vad-process.cjs, spawned through infra/child-process.ts:
 *   own process group, killed with the worker even by kill -9), so a queue worker's event loop stays free and
 *   a run can be killed when the wall-clock limit passes or the AbortSignal fires. (A worker thread cannot be:
 *   terminating one inside sherpa-onnx's native code makes the addon abort the whole process — measured.)
 * - The process serves channel after channel: Node, sherpa-onnx and the Silero model load once per process,
 *   not once per channel (measured: 0.2 s of CPU per start, next to 0.4 s of inference for a 120 s channel).
 *   Each concurrent {@link detectSpeech} gets a process of its own (idle ones are reused, at most
 *   {@link MAX_IDLE_VAD_PROCESSES} are kept); one killed at a time limit or by an abort is replaced by a new
 *   one at the next call, and when a kept process has died (a crash, an operator's kill) the file is tried
 *   once more in a new one. Idle processes do not keep the worker's event loop alive, and
 *   end when it exits.
 * - Measured on this project's 2-core machines: about 35 ms of CPU per 10 s of audio in a warm process.
 */
import { existsSync } from 'node:fs';
import type { ChildProcessByStdio } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { collectBoundedStderr, killChildGroup, spawnOwnedChild } from '../../infra/child-process.js';
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
  /** Wall-clock limit of this file's detection (a process start included when one is needed), milliseconds; default 120000. */
  timeLimitMs?: number;
  /** Aborting kills the VAD child process (a new one serves the next call); the promise rejects with an `AbortError`. */
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

/**
 * Most idle VAD processes kept for later calls (each holds sherpa-onnx and the model, ~60 MB). As many run as
 * there are concurrent calls (prepare's concurrency); past this many idle ones, a finished process is ended.
 */
export const MAX_IDLE_VAD_PROCESSES = 4;

/** Longest answer line accepted from a VAD process, bytes (an answer is a few KiB; more is a fault). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** One answer of ./vad-process.cjs. */
interface VadAnswer {
  id: number | null;
  stretches?: [number, number][];
  sampleRate?: number;
  error?: string;
}

/** Why a request to a VAD process ended without an answer. */
type VadStop = { kind: 'time_limit' } | { kind: 'aborted' } | { kind: 'exited'; message: string };

/**
 * A running ./vad-process.cjs: requests one at a time. `gone` resolves once the process has exited (after a
 * kill too), so a time limit or an abort is reported only when it is gone.
 */
class VadProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly stderr: () => string;
  private readonly gone: Promise<void>;
  private exited = false;
  private buffered = '';
  private nextId = 1;
  private waiting: { id: number; resolve: (a: VadAnswer) => void; reject: (s: VadStop) => void } | undefined;
  /** Why the process is being killed: the waiting request ends with this once the process is gone. */
  private stopping: VadStop | undefined;

  constructor() {
    this.child = spawnOwnedChild(process.execPath, [PROCESS_PATH], { stdin: 'pipe' });
    this.stderr = collectBoundedStderr(this.child.stderr);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    // A write after the process died fails with EPIPE; the exit below reports it.
    this.child.stdin.on('error', () => undefined);
    const ended = (message: string) => {
      this.exited = true;
      this.fail(this.stopping ?? { kind: 'exited', message });
    };
    this.gone = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        ended(`VAD process exited (${signal ?? `code ${code}`}): ${this.stderr().trim().slice(-500) || 'no stderr'}`);
        resolve();
      });
      this.child.once('error', (error) => {
        // Not started at all (no pid): there will be no close event.
        if (this.child.pid === undefined) {
          ended(`could not start the VAD process: ${error.message}`);
          resolve();
        }
      });
    });
    this.idle();
  }

  /** True while the process runs and can take a request. */
  get usable(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lets the worker exit while this process waits for work. */
  idle(): void {
    this.child.unref();
    (this.child.stdout as Readable & { unref?: () => void }).unref?.();
    (this.child.stderr as Readable & { unref?: () => void }).unref?.();
    (this.child.stdin as Writable & { unref?: () => void }).unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as Readable & { ref?: () => void }).ref?.();
  }

  /** Ends the process (SIGKILL to its group) and waits until it is gone. */
  async kill(): Promise<void> {
    killChildGroup(this.child, 'SIGKILL');
    await this.gone;
  }

  /**
   * Sends one request and waits for its answer, for at most `timeLimitMs` and until `signal` aborts; either
   * kills the process, and the request ends (rejected with the {@link VadStop}) once the process is gone.
   */
  async request(body: object, timeLimitMs: number, signal: AbortSignal | undefined): Promise<VadAnswer> {
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const stop = (why: VadStop) => {
      this.stopping ??= why;
      killChildGroup(this.child, 'SIGKILL');
    };
    const onAbort = () => stop({ kind: 'aborted' });
    this.busy();
    try {
      return await new Promise<VadAnswer>((resolve, reject) => {
        this.waiting = { id, resolve, reject };
        if (!this.usable)
          return this.fail({ kind: 'exited', message: `VAD process exited: ${this.stderr().trim().slice(-500) || 'no stderr'}` });
        timer = setTimeout(() => stop({ kind: 'time_limit' }), timeLimitMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.waiting = undefined;
      this.idle();
    }
  }

  private fail(why: VadStop): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(why);
  }

  private onData(chunk: string): void {
    if (this.stopping) return;
    this.buffered += chunk;
    if (this.buffered.length > MAX_ANSWER_BYTES) {
      this.buffered = '';
      killChildGroup(this.child, 'SIGKILL');
      return;
    }
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      let answer: VadAnswer;
      try {
        answer = JSON.parse(line) as VadAnswer;
      } catch {
        answer = { id: this.waiting?.id ?? null, error: `unreadable answer from the VAD process: ${line.slice(0, 200)}` };
      }
      const waiting = this.waiting;
      if (waiting && (answer.id === waiting.id || answer.id === null)) {
        this.waiting = undefined;
        waiting.resolve(answer);
      }
    }
  }
}

/** Idle VAD processes of this worker, most recently used last. */
const idleProcesses: VadProcess[] = [];

/** An idle VAD process that still runs (`reused`), or a new one. */
function takeVadProcess(): { vad: VadProcess; reused: boolean } {
  for (let p = idleProcesses.pop(); p; p = idleProcesses.pop()) if (p.usable) return { vad: p, reused: true };
  return { vad: new VadProcess(), reused: false };
}

/** Keeps a process that finished a request for the next call, or ends it when enough are idle or it is gone. */
function returnVadProcess(p: VadProcess): void {
  if (!p.usable) return;
  if (idleProcesses.length < MAX_IDLE_VAD_PROCESSES) idleProcesses.push(p);
  else void p.kill();
}

/**
 * Finds the speech stretches of one prepared channel.
 *
 * @param wavPath 16 kHz mono 16-bit PCM WAV (as pipeline/audio/prepare.ts writes)
 * @returns stretches in time order, not overlapping, seconds from the start of the file; empty when the
 *   channel holds no speech
 * @throws {BadInputError} `no_model` when the VAD model file is missing
 * @throws {TimeLimitError} (`what` = `VAD`) when it runs past `timeLimitMs` (the process is gone when this is thrown)
 * @throws {Error} named `AbortError` when `signal` aborts (the child process is killed); other errors when the WAV cannot be read or is not
 *   16 kHz (a prepared channel always is, so that is a fault of the pipeline, not of the recording), or when
 *   the VAD process died (transient; a kept process that dies is replaced and the file tried once more in a
 *   new one)
 */
export async function detectSpeech(wavPath: string, options: VadOptions = {}): Promise<SpeechStretch[]> {
  const settings = vadSettings(options);
  if (!existsSync(settings.model)) {
    throw new BadInputError(
      'no_model',
      `VAD model ${settings.model} does not exist: run npm ci (the Silero model ships in the npm package @ricky0123/vad-web)`,
    );
  }
  const timeLimitMs = options.timeLimitMs ?? 120_000;
  options.signal?.throwIfAborted();
  const request = {
    wavPath,
    modelPath: settings.model,
    threshold: settings.threshold,
    minSilenceSec: settings.minSilenceSec,
    minSpeechSec: settings.minSpeechSec,
    maxSpeechSec: settings.maxSpeechSec,
  };
  let result: VadAnswer | undefined;
  for (let attempt = 1; !result; attempt++) {
    const { vad, reused } = takeVadProcess();
    try {
      result = await vad.request(request, timeLimitMs, options.signal);
    } catch (error) {
      const stop = error as VadStop;
      if (stop.kind === 'time_limit') throw new TimeLimitError('VAD', timeLimitMs);
      if (stop.kind === 'aborted') throw Object.assign(new Error(`VAD of ${wavPath} aborted`), { name: 'AbortError' });
      // A kept process that died (while idle, or under this request): once more in a new one.
      if (stop.kind === 'exited' && reused && attempt === 1) continue;
      if (stop.kind === 'exited') throw new Error(`VAD of ${wavPath} failed: ${stop.message}`);
      throw error;
    } finally {
      returnVadProcess(vad);
    }
  }
  if (result.error !== undefined || !result.stretches || !result.sampleRate) {
    throw new Error(`VAD of ${wavPath} failed: ${result.error ?? 'no result'}`);
  }
  const rate = result.sampleRate;
  return result.stretches.map(([from, to]) => ({ start: from / rate, end: to / rate }));
}
