/**
 * The engine registry: which transcription engine runs is configuration (`ASR_ENGINE`), and this is the one
 * place that turns the configuration into a {@link TranscriptionEngine}. The transcribe stage and the workers
 * only ever see the interface.
 *
 * To add an engine: add its id to `ASR_ENGINES` in infra/config.ts (with its settings) and an entry to
 * {@link ENGINE_FACTORIES} below that says, without loading anything heavy, whether its model files are
 * there ({@link EngineFactory.modelProblem}) and makes the engine.
 */
import { existsSync, statSync } from 'node:fs';
import type { AsrEngineId, Config } from '../../infra/config.js';
import { BadInputError } from '../../domain/errors.js';
import type { EngineDescriptor, TranscriptionEngine } from './engine.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import { createWhisperEngine } from './whisper-engine.js';
import { sherpaEngineFactory } from './sherpa-engine.js';

/** How one engine is made from the configuration. */
export interface EngineFactory {
  /**
   * Why the engine cannot transcribe with this configuration (a model file missing or not a file), naming
   * the file and the variable that points at it; `undefined` when the files are there.
   */
  modelProblem(config: Config): string | undefined;
  /** Makes the engine (called once per worker process). Only called when {@link modelProblem} found none. */
  create(config: Config): TranscriptionEngine;
  /** The descriptor recorded for this engine, also when it cannot run. */
  describe(config: Config): EngineDescriptor;
}

function whisperSettings(config: Config) {
  return { ...config.whisper, prompt: initialPrompt(config.centreNames) };
}

/** One entry per value of `ASR_ENGINE`. */
export const ENGINE_FACTORIES: Record<AsrEngineId, EngineFactory> = {
  'whisper.cpp': {
    modelProblem(config) {
      const model = config.whisper.modelPath;
      if (!model)
        return 'WHISPER_MODEL is not set: whisper.cpp needs a ggml model file you provide (e.g. ggml-small.bin; callqa downloads none)';
      if (!existsSync(model) || !statSync(model).isFile())
        return `whisper.cpp model ${model} (WHISPER_MODEL) does not exist or is not a file`;
      return undefined;
    },
    create: (config) => createWhisperEngine(whisperSettings(config)),
    describe: (config) => createWhisperEngine(whisperSettings(config)).descriptor,
  },
  sensevoice: sherpaEngineFactory('sensevoice'),
  paraformer: sherpaEngineFactory('paraformer'),
};

/**
 * Why the configured engine (`config.asrEngine`) cannot transcribe: the missing model file and the variable
 * that points at it; `undefined` when its model files are there. Cheap (file checks only), so the worker's
 * start-up and the web app's /healthz both ask it.
 */
export function asrModelProblem(config: Config): string | undefined {
  return ENGINE_FACTORIES[config.asrEngine].modelProblem(config);
}

/** An engine that cannot run: every transcription fails with `no_model` and the reason. */
function unavailableEngine(descriptor: EngineDescriptor, problem: string): TranscriptionEngine {
  return {
    descriptor,
    async transcribe() {
      throw new BadInputError('no_model', `${descriptor.id}: ${problem}`);
    },
    async close() {},
  };
}

/** What {@link createEngine} returns. */
export interface CreatedEngine {
  engine: TranscriptionEngine;
  /**
   * Set when the model files are missing: which file, for the start-up log. The engine then fails every
   * transcription with `no_model` and this reason (never a silent empty transcript).
   */
  problem?: string;
}

/**
 * Makes the configured engine (`config.asrEngine`). Never throws for a missing model: see {@link CreatedEngine}.
 *
 * @throws {Error} when the engine itself fails to load (e.g. a native library error), with the reason
 */
export function createEngine(config: Config): CreatedEngine {
  const factory = ENGINE_FACTORIES[config.asrEngine];
  const problem = asrModelProblem(config);
  if (problem) return { engine: unavailableEngine(factory.describe(config), problem), problem };
  return { engine: factory.create(config) };
}
