/**
 * The engine registry (pipeline/transcribe/engines.ts): ASR_ENGINE picks the engine; missing model files are
 * reported for the start-up log, naming the file, and every transcription then fails with no_model.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASR_ENGINES, loadConfig } from '../../infra/config.js';
import { BadInputError } from '../../domain/errors.js';
import { createEngine, ENGINE_FACTORIES } from '../../pipeline/transcribe/engines.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-engines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const input = () => ({ wavPath: path.join(dir, 'x.wav'), durationSec: 10, stretches: [{ start: 1, end: 2 }], workDir: dir });

describe('createEngine', () => {
  it('defaults to whisper.cpp and makes it when the model file is there', async () => {
    const model = path.join(dir, 'ggml-small.bin');
    await writeFile(model, 'placeholder');
    const config = loadConfig({ WHISPER_MODEL: model });
    expect(config.asrEngine).toBe('whisper.cpp');
    const { engine, problem } = createEngine(config);
    expect(problem).toBeUndefined();
    expect(engine.descriptor).toMatchObject({
      id: 'whisper.cpp',
      model: 'ggml-small.bin',
      options: { threads: config.whisper.threads, noSpeechThreshold: 0.6 },
    });
    await engine.close();
  });

  it('a missing model file: the problem names it, and every transcription fails with no_model saying so', async () => {
    const missing = path.join(dir, 'models', 'ggml-medium.bin');
    const { engine, problem } = createEngine(loadConfig({ WHISPER_MODEL: missing }));
    expect(problem).toContain(missing);
    expect(problem).toContain('WHISPER_MODEL');
    const err = await engine.transcribe(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).code).toBe('no_model');
    expect((err as Error).message).toContain(missing);
    // Also for a channel without speech: never a silent empty transcript.
    await expect(engine.transcribe({ ...input(), stretches: [] })).rejects.toMatchObject({ code: 'no_model' });
  });

  it('no model configured: the problem says which variable to set', () => {
    const { problem, engine } = createEngine(loadConfig({}));
    expect(problem).toMatch(/WHISPER_MODEL is not set/);
    expect(engine.descriptor.id).toBe('whisper.cpp');
  });

  it('makes the sherpa-onnx engines from ASR_MODEL_DIR, or names the missing file', async () => {
    const modelDir = path.join(dir, 'sensevoice');
    await mkdir(modelDir);
    for (const kind of ['sensevoice', 'paraformer'] as const) {
      const { engine, problem } = createEngine(loadConfig({ ASR_ENGINE: kind, ASR_MODEL_DIR: modelDir }));
      expect(problem).toContain(path.join(modelDir, 'model.onnx'));
      expect(engine.descriptor.id).toBe(kind);
      await expect(engine.transcribe(input())).rejects.toMatchObject({ code: 'no_model' });
    }
    await writeFile(path.join(modelDir, 'model.int8.onnx'), 'placeholder');
    await writeFile(path.join(modelDir, 'tokens.txt'), '<blank> 0\n');
    const { engine, problem } = createEngine(loadConfig({ ASR_ENGINE: 'sensevoice', ASR_MODEL_DIR: modelDir, ASR_THREADS: '1' }));
    expect(problem).toBeUndefined();
    expect(engine.descriptor).toMatchObject({
      id: 'sensevoice',
      model: 'model.int8.onnx',
      options: { threads: 1, language: 'zh', inverseTextNormalization: true },
    });
    await engine.close();
  });

  it('has a factory for every value ASR_ENGINE accepts, and rejects others', () => {
    expect(Object.keys(ENGINE_FACTORIES).sort()).toEqual([...ASR_ENGINES].sort());
    expect(() => loadConfig({ ASR_ENGINE: 'vosk' })).toThrow(/ASR_ENGINE/);
  });
});
