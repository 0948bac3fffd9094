/**
 * whisper.ts against the REAL whisper.cpp binary (whisper.cpp 1.9.1 .callqa/whisper-cli/whisper-cli, built by
 * scripts/build-whisper.sh in beforeAll when missing) and REAL empty test models: ../shared/models/for-tests-ggml-tiny.bin when present and
 * the one written by scripts/make-test-model.mjs. The test models transcribe nothing, so these tests check the
 * run, its arguments and failure handling, not words.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { initialPrompt } from '../../text/asr-prompt.js';
import {
  buildWhisperArgs,
  isSpecialToken,
  maxContextForPrompt,
  parseWhisperJson,
  runWhisper,
  WhisperAbortedError,
} from '../../pipeline/transcribe/whisper.js';
import {
  buildScript,
  ensureWhisperBinary,
  fixturesDir,
  hasSharedModel,
  hasSharedWav,
  makeTestModel,
  makeWav,
  processRunning,
  run,
  sharedSpeechWav,
  sharedTestModel,
} from './helpers.js';

if (!hasSharedModel) console.log(`SKIP shared-model cases: ${sharedTestModel} is absent (fresh clone without ../shared)`);
if (!hasSharedWav) console.log(`NOTE: ${sharedSpeechWav} is absent; using an ffmpeg-made 16 kHz WAV instead`);

describe('buildWhisperArgs', () => {
  const decode = { noSpeechThreshold: 0.6, suppressNonSpeech: true, maxContext: 0 };
  it('builds the exact argument array of whisper-cli 1.9.1, one -f/-of pair per input', () => {
    expect(
      buildWhisperArgs({
        ...decode,
        maxContext: 64,
        modelPath: '/m/ggml-small.bin',
        inputs: [
          { wavPath: '/w/a b.wav', outBase: '/t/a b' },
          { wavPath: '/w/c.wav', outBase: '/t/c' },
        ],
        threads: 4,
        prompt: '您好，县婚姻登记中心，请讲。',
      }),
    ).toEqual([
      '-m',
      '/m/ggml-small.bin',
      '-l',
      'zh',
      '-t',
      '4',
      '-nth',
      '0.6',
      '-sns',
      '-mc',
      '64',
      '--prompt',
      '您好，县婚姻登记中心，请讲。',
      '--carry-initial-prompt',
      '-ojf',
      '-np',
      '-f',
      '/w/a b.wav',
      '-of',
      '/t/a b',
      '-f',
      '/w/c.wav',
      '-of',
      '/t/c',
    ]);
  });
  it('omits an empty prompt and -sns when not asked, and passes the language', () => {
    expect(
      buildWhisperArgs({
        ...decode,
        suppressNonSpeech: false,
        modelPath: 'm',
        inputs: [{ wavPath: 'w', outBase: 'o' }],
        threads: 1,
        language: 'yue',
        prompt: ' ',
      }),
    ).toEqual(['-m', 'm', '-l', 'yue', '-t', '1', '-nth', '0.6', '-mc', '0', '-ojf', '-np', '-f', 'w', '-of', 'o']);
  });
  it('rejects bad numbers and an empty input list', () => {
    const ok = { ...decode, modelPath: 'm', inputs: [{ wavPath: 'w', outBase: 'o' }], threads: 1 };
    expect(() => buildWhisperArgs({ ...ok, threads: 0 })).toThrow(RangeError);
    expect(() => buildWhisperArgs({ ...ok, noSpeechThreshold: 1.5 })).toThrow(RangeError);
    expect(() => buildWhisperArgs({ ...ok, maxContext: -1 })).toThrow(RangeError);
    expect(() => buildWhisperArgs({ ...ok, inputs: [] })).toThrow(RangeError);
  });
});

describe('maxContextForPrompt', () => {
  it("is the prompt's UTF-8 length + 1 (never fewer than its tokens), 0 without a prompt", () => {
    expect(maxContextForPrompt('您好，请讲。')).toBe(19);
    expect(maxContextForPrompt('')).toBe(0);
    expect(maxContextForPrompt(undefined)).toBe(0);
  });
});

describe('parseWhisperJson', () => {
  it('returns both segments of a two-segment -ojf file, the first included', async () => {
    const file = join(fixturesDir, 'whisper-1.5-ojf-two-segments.json');
    const segs = parseWhisperJson(await readFile(file, 'utf8'), file);
    expect(segs).toHaveLength(2);
    expect(segs[0]).toMatchObject({ start: 0, end: 2.85, text: '您好，縣婚姻登記中心，請講。' });
    expect(segs[1]).toMatchObject({ start: 3.1, end: 7.4, text: '你好，我想問一下結婚登記要帶什麼材料' });
    // Mean p of the text tokens, [_BEG_] and [_TT_n] excluded.
    expect(segs[0]!.confidence).toBeCloseTo(0.857, 6);
    expect(segs[1]!.confidence).toBeCloseTo(0.8445454545, 6);
  });
  it('reads the captured empty output of the test model', async () => {
    const file = join(fixturesDir, 'whisper-1.5-ojf-test-model-empty.json');
    expect(parseWhisperJson(await readFile(file, 'utf8'), file)).toEqual([]);
  });
  it('tolerates raw control characters inside strings (whisper.cpp 1.5 escapes only " and \\)', () => {
    const text = '{"transcription": [{"offsets": {"from": 10, "to": 20}, "text": "好\u0001的\n"}]}';
    expect(parseWhisperJson(text, 'x.json')).toEqual([{ start: 0.01, end: 0.02, text: '好\u0001的\n' }]);
  });
  it('rejects output without a transcription', () => {
    expect(() => parseWhisperJson('{}', 'x.json')).toThrow(/x\.json.*transcription/);
    expect(() => parseWhisperJson('not json', 'x.json')).toThrow(/x\.json.*not JSON/);
  });
  it('recognises special tokens', () => {
    for (const t of ['[_BEG_]', '[_TT_150]', '[_SOT_]', '[_LANG_zh]', '<|endoftext|>']) expect(isSpecialToken(t)).toBe(true);
    for (const t of ['您好', '[', ' [音乐]']) expect(isSpecialToken(t)).toBe(false);
  });
});

describe('importing whisper.ts', () => {
  it('leaves process.cwd() unchanged and never imports the whisper-node wrapper', async () => {
    const before = process.cwd();
    vi.resetModules();
    const mod = await import('../../pipeline/transcribe/whisper.js');
    expect(typeof mod.runWhisper).toBe('function');
    expect(process.cwd()).toBe(before);
    const source = await readFile(new URL('../../pipeline/transcribe/whisper.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from ['"]whisper-node/);
  });
});

describe('runWhisper with the real binary', () => {
  let binary: string;
  let tmp: string;
  let generatedModel: string;
  let speechWav: string;
  let longWav: string;
  const decode = { noSpeechThreshold: 0.6, suppressNonSpeech: true, maxContext: 0 };

  beforeAll(async () => {
    binary = await ensureWhisperBinary();
    tmp = await mkdtemp(join(tmpdir(), 'callqa-whisper-test-'));
    generatedModel = await makeTestModel(join(tmp, 'generated-ggml-tiny.bin'));
    speechWav = hasSharedWav ? sharedSpeechWav : await makeWav(join(tmp, 'speech16k.wav'), 16000, 4);
    longWav = await makeWav(join(tmp, 'long16k.wav'), 16000, 120);
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const models: { name: string; path: () => string }[] = [
    ...(hasSharedModel ? [{ name: 'shared for-tests-ggml-tiny.bin', path: () => sharedTestModel }] : []),
    { name: 'model from make-test-model.mjs', path: () => generatedModel },
  ];

  describe.each(models)('$name', ({ path: model }) => {
    it('runs on real 16 kHz WAVs, two in one process, and returns no segments (the test model transcribes nothing)', async () => {
      const workDir = await mkdtemp(join(tmp, 'run-'));
      const prompt = initialPrompt(['县婚姻登记中心']);
      const segs = await runWhisper({
        ...decode,
        binaryPath: binary,
        modelPath: model(),
        wavPaths: [speechWav, speechWav],
        threads: 2,
        prompt,
        maxContext: maxContextForPrompt(prompt),
        timeLimitMs: 60_000,
        workDir,
      });
      expect(segs).toEqual([[], []]);
      // One JSON per input, written in workDir.
      for (const name of ['whisper-out-000.json', 'whisper-out-001.json']) {
        const json = JSON.parse(await readFile(join(workDir, name), 'utf8'));
        expect(json.params.language).toBe('zh');
        expect(json.model.type).toBe('tiny');
      }
    });
  });

  it('scripts/build-whisper.sh is idempotent: a second run does nothing', async () => {
    const r = await run('bash', [buildScript]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /up to date: .*whisper-cli \(nodejs-whisper=0\.3\.1 whisper\.cpp=1\.9\.1 sha256=[0-9a-f]{16} blas=openblas patch=[0-9a-f]{16}\)/,
    );
  });

  it("callqa's patch is in the binary: temperature fallbacks do not decode the initial prompt again", async () => {
    // The zero-weight model fails every decoding pass, so each window falls back through all 5 temperatures;
    // the prompt goes before the passes below 0.5 (0.0, 0.2, 0.4). whisper.cpp counts the tokens of every batch
    // of 16 or more as "prompt" runs: patched, the prompt is decoded once per window whether or not passes fall
    // back (as with -nf); unpatched, three times as often with fallbacks.
    const prompt = initialPrompt(['县婚姻登记中心']);
    const promptRuns = async (extra: string[]) => {
      const r = await run(binary, [
        ...['-m', generatedModel, '-l', 'zh', '-t', '1', '-mc', String(maxContextForPrompt(prompt))],
        ...['--prompt', prompt, '--carry-initial-prompt', ...extra, '-f', speechWav, '-f', speechWav, '-of', join(tmp, 'p1')],
        ...['-of', join(tmp, 'p2')],
      ]);
      expect(r.code).toBe(0);
      const runs = /prompt time =\s*[\d.]+ ms \/\s*(\d+) runs/.exec(r.stderr);
      const fallbacks = /fallbacks =\s*(\d+) p/.exec(r.stderr);
      return { runs: Number(runs?.[1]), fallbacks: Number(fallbacks?.[1]) };
    };
    const withFallbacks = await promptRuns([]);
    const withoutFallbacks = await promptRuns(['-nf']);
    expect(withFallbacks.fallbacks).toBe(10);
    expect(withoutFallbacks.fallbacks).toBe(0);
    // The prompt's bytes (one token each in the test model's vocabulary) and [_PREV_], SOT, language, task.
    expect(withoutFallbacks.runs).toBe(2 * (Buffer.byteLength(prompt, 'utf8') + 4));
    expect(withFallbacks.runs).toBe(withoutFallbacks.runs);
  });

  it('the generated model loads as an empty test model in whisper.cpp 1.9.1', async () => {
    const r = await run(binary, ['-m', generatedModel, '-f', speechWav, '-l', 'zh', '-t', '1', '-ojf', '-of', join(tmp, 'direct')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no tensors loaded from model file - assuming empty model for testing');
    expect(r.stderr).toContain('n_vocab       = 51865');
    // Built on OpenBLAS (scripts/build-whisper.sh): the encoder's matrix products go to the BLAS backend.
    expect(r.stderr).toContain('whisper_backend_init: using BLAS backend');
    expect(r.stderr).not.toContain('unknown token');
    expect(JSON.parse(await readFile(join(tmp, 'direct.json'), 'utf8')).transcription).toEqual([]);
  });

  it('a file that is not audio → BadInputError asr_failed naming it, although whisper-cli exits 0', async () => {
    const notWav = join(tmp, 'not-audio.wav');
    await writeFile(notWav, 'this is not a RIFF file\n'.repeat(100));
    const direct = await run(binary, ['-m', generatedModel, '-f', notWav, '-of', join(tmp, 'na'), '-ojf']);
    expect(direct.code).toBe(0); // the reason this module checks stderr
    const err = await runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: generatedModel,
      wavPaths: [speechWav, notWav],
      threads: 1,
      timeLimitMs: 30_000,
      workDir: tmp,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).code).toBe('asr_failed');
    expect((err as BadInputError).message).toContain(notWav);
    expect((err as BadInputError).message).toMatch(/failed to read audio/);
  });

  it('exit 0 without output JSON → error, and a stale JSON from an earlier attempt is not taken for output', async () => {
    const workDir = await mkdtemp(join(tmp, 'stale-'));
    // A stand-in program that behaves like whisper.cpp on an unknown failure: exits 0, writes nothing.
    const silent = join(workDir, 'silent-main');
    await writeFile(silent, '#!/bin/sh\necho "something went wrong" >&2\nexit 0\n', { mode: 0o755 });
    await writeFile(
      join(workDir, 'whisper-out-000.json'),
      JSON.stringify({ transcription: [{ offsets: { from: 0, to: 1000 }, text: '旧的' }] }),
    );
    const err = await runWhisper({
      ...decode,
      binaryPath: silent,
      modelPath: generatedModel,
      wavPaths: [join(workDir, 'call.wav')],
      threads: 1,
      timeLimitMs: 30_000,
      workDir,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/wrote no JSON output.*something went wrong/);
  });

  it('a missing WAV → asr_failed', async () => {
    const err = await runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: generatedModel,
      wavPaths: [join(tmp, 'nope.wav')],
      threads: 1,
      timeLimitMs: 30_000,
      workDir: tmp,
    }).catch((e: unknown) => e);
    expect((err as BadInputError).code).toBe('asr_failed');
    expect((err as BadInputError).message).toMatch(/input file not found/);
  });

  it('a missing model → BadInputError no_model naming the path', async () => {
    const missing = join(tmp, 'models', 'ggml-small.bin');
    const err = await runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: missing,
      wavPaths: [speechWav],
      threads: 1,
      timeLimitMs: 30_000,
      workDir: tmp,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).code).toBe('no_model');
    expect((err as BadInputError).message).toContain(missing);
    expect((err as BadInputError).message).toMatch(/operator must provide a ggml model/);
  });

  it('a file that is not a model → no_model', async () => {
    const bad = join(tmp, 'bad-model.bin');
    await writeFile(bad, 'not a model');
    const err = await runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: bad,
      wavPaths: [speechWav],
      threads: 1,
      timeLimitMs: 30_000,
      workDir: tmp,
    }).catch((e: unknown) => e);
    expect((err as BadInputError).code).toBe('no_model');
  });

  it('a missing binary → a plain (retryable) error saying how to build it', async () => {
    const err = await runWhisper({
      ...decode,
      binaryPath: join(tmp, 'no-such-main'),
      modelPath: generatedModel,
      wavPaths: [speechWav],
      threads: 1,
      timeLimitMs: 30_000,
      workDir: tmp,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/build-whisper\.sh/);
  });

  it('the time limit kills the process and throws TimeLimitError', async () => {
    const workDir = await mkdtemp(join(tmp, 'timeout-unique-'));
    const started = Date.now();
    const err = await runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: generatedModel,
      wavPaths: [longWav],
      threads: 1,
      timeLimitMs: 150,
      workDir,
      killGraceMs: 500,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as TimeLimitError).limitMs).toBe(150);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await processRunning(workDir)).toBe(false);
  });

  it('an abort signal kills the process', async () => {
    const workDir = await mkdtemp(join(tmp, 'abort-unique-'));
    const controller = new AbortController();
    const pending = runWhisper({
      ...decode,
      binaryPath: binary,
      modelPath: generatedModel,
      wavPaths: [longWav],
      threads: 1,
      timeLimitMs: 60_000,
      workDir,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 150));
    expect(await processRunning(workDir)).toBe(true);
    controller.abort(new Error('worker shutting down'));
    const err = await pending;
    expect(err).toBeInstanceOf(WhisperAbortedError);
    expect((err as Error).message).toMatch(/worker shutting down/);
    expect(await processRunning(workDir)).toBe(false);
  });

  it('an already aborted signal does not start the process', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runWhisper({
        ...decode,
        binaryPath: binary,
        modelPath: generatedModel,
        wavPaths: [longWav],
        threads: 1,
        timeLimitMs: 60_000,
        workDir: tmp,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(WhisperAbortedError);
  });
});
