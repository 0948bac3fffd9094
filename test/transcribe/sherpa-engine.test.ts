/**
 * The sensevoice and paraformer engines (pipeline/transcribe/sherpa-engine.ts) through the real
 * sherpa-onnx-node recognizer, with the test models of scripts/make-sensevoice-test-model.mjs (tiny ONNX
 * graphs with the real interfaces that decode to a known token sequence whatever the audio), and, where the
 * operator gives one in CALLQA_TEST_SENSEVOICE_DIR / CALLQA_TEST_PARAFORMER_DIR, a real model on the AISHELL
 * utterance of ../shared/audio.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { detectSpeech } from '../../pipeline/audio/vad.js';
import { measureDecodedDuration } from '../../pipeline/audio/probe.js';
import { BadInputError, TimeLimitError } from '../../domain/errors.js';
import { characterErrorRate, normalizeForCer } from '../../text/cer.js';
import {
  createSherpaEngine,
  paddedRanges,
  resolveSherpaModelFiles,
  sherpaEngineFactory,
  sherpaModelProblem,
  utterancesFromResults,
  type SherpaEngineKind,
} from '../../pipeline/transcribe/sherpa-engine.js';
import { makeLaidOutCall, makeNoiseWav } from '../support/media.js';
// @ts-expect-error plain ES module script without type declarations
import { writeTestModel } from '../../scripts/make-sensevoice-test-model.mjs';

const sharedAudio = path.resolve(import.meta.dirname, '../../../shared/audio');
const aishell = path.join(sharedAudio, 'aishell-BAC009S0764W0121.wav');
const mandarin = path.join(sharedAudio, 'mandarin-test.wav');
const hasSharedAudio = existsSync(aishell) && existsSync(mandarin);
const AISHELL_REFERENCE = '甚至出现交易几乎停滞的情况';

let dir: string;
let noise: string;
const settings = (modelDir: string | undefined) => ({ modelDir, threads: 1, timeLimitMs: 60_000 });

async function testModel(name: string, options: { kind?: SherpaEngineKind; text?: string; event?: string } = {}): Promise<string> {
  const out = path.join(dir, name);
  writeTestModel(out, options);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-sherpa-'));
  noise = path.join(dir, 'noise.wav');
  await makeNoiseWav(noise, 12);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('model files', () => {
  it('names what is missing, as no_model', async () => {
    const noModel = (e: unknown, text: string) => e instanceof BadInputError && e.code === 'no_model' && e.message.includes(text);
    expect(thrown(() => resolveSherpaModelFiles('sensevoice', undefined))).toSatisfy((e) => noModel(e, 'ASR_MODEL_DIR'));
    expect(thrown(() => resolveSherpaModelFiles('sensevoice', path.join(dir, 'nowhere')))).toSatisfy((e) => noModel(e, 'nowhere'));
    expect(sherpaModelProblem('sensevoice', path.join(dir, 'nowhere'))).toMatch(/nowhere.*does not exist/);
    const empty = path.join(dir, 'empty-folder');
    await mkdir(empty);
    expect(thrown(() => resolveSherpaModelFiles('paraformer', empty))).toSatisfy(
      (e) => noModel(e, path.join(empty, 'model.int8.onnx')) && noModel(e, path.join(empty, 'model.onnx')),
    );
    await writeFile(path.join(empty, 'model.onnx'), '');
    expect(thrown(() => resolveSherpaModelFiles('paraformer', empty))).toSatisfy((e) => noModel(e, 'is empty'));
    await writeFile(path.join(empty, 'model.onnx'), 'x');
    expect(thrown(() => resolveSherpaModelFiles('paraformer', empty))).toSatisfy((e) => noModel(e, path.join(empty, 'tokens.txt')));
  });

  it('gives the engine registry its entry from the configuration', async () => {
    const model = await testModel('registry');
    const factory = sherpaEngineFactory('sensevoice');
    expect(factory.modelProblem(loadConfig({ ASR_MODEL_DIR: path.join(dir, 'nowhere') }))).toMatch(/ASR_MODEL_DIR/);
    expect(factory.modelProblem(loadConfig({}))).toMatch(/no SenseVoice model configured/);
    const config = loadConfig({ ASR_MODEL_DIR: model, ASR_THREADS: '1' });
    expect(factory.modelProblem(config)).toBeUndefined();
    expect(factory.describe(config)).toMatchObject({ id: 'sensevoice', model: 'model.onnx', options: { threads: 1, language: 'zh' } });
    const engine = factory.create(config);
    try {
      expect(await engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 1, end: 2 }], workDir: dir })).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('prefers model.int8.onnx over model.onnx', async () => {
    const both = await testModel('both');
    await writeFile(path.join(both, 'model.int8.onnx'), 'x');
    expect(resolveSherpaModelFiles('sensevoice', both).model).toBe(path.join(both, 'model.int8.onnx'));
    expect(sherpaModelProblem('sensevoice', both)).toBeUndefined();
    expect(createSherpaEngine('sensevoice', settings(both)).descriptor).toMatchObject({
      id: 'sensevoice',
      model: 'model.int8.onnx',
      options: { language: 'zh', inverseTextNormalization: true, threads: 1, paddingSec: 0.25, modelFolder: 'both' },
    });
  });

  it('fails a job with no_model naming the file when the model cannot be loaded, without taking the process down', async () => {
    // sherpa-onnx aborts its process on both: a model.onnx that is not ONNX, and a tokens.txt of another model.
    const broken = await testModel('broken');
    await writeFile(path.join(broken, 'model.onnx'), 'this is not an ONNX file');
    const mismatched = await testModel('mismatched');
    await writeFile(path.join(mismatched, 'tokens.txt'), '<blank> 0\n<|zh|> 1\n');
    for (const [folder, why] of [
      [broken, /Protobuf parsing failed/],
      [mismatched, /out_of_range/],
    ] as const) {
      const engine = createSherpaEngine('sensevoice', settings(folder));
      try {
        await expect(
          engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 1, end: 2 }], workDir: dir }),
        ).rejects.toSatisfy(
          (e) =>
            e instanceof BadInputError &&
            e.code === 'no_model' &&
            e.message.includes(path.join(folder, 'model.onnx')) &&
            why.test(e.message),
        );
      } finally {
        await engine.close();
      }
    }
  });
});

describe('padding and mapping (pure)', () => {
  it('pads stretches and clamps them to the file', () => {
    expect(
      paddedRanges(
        [
          { start: 0.1, end: 2 },
          { start: 5, end: 9.9 },
        ],
        10,
        0.25,
      ),
    ).toEqual([
      [0, 2.25],
      [4.75, 10],
    ]);
  });

  it('keeps the stretch times, drops empty text and SenseVoice events other than Speech', () => {
    const stretches = [
      { start: 1, end: 2 },
      { start: 3, end: 4 },
      { start: 5, end: 6 },
      { start: 7, end: 8 },
    ];
    const tag = (event: string, text: string) => ({ text, lang: '<|zh|>', emotion: '<|NEUTRAL|>', event });
    const out = utterancesFromResults(
      stretches,
      [tag('<|Speech|>', ' 您好 '), tag('<|Speech|>', ''), tag('<|BGM|>', '啦啦啦'), { text: '请讲', lang: '', emotion: '', event: '' }],
      10,
    );
    expect(out).toEqual([
      { start: 1, end: 2, text: '您好' },
      { start: 7, end: 8, text: '请讲' },
    ]);
  });
});

describe('sensevoice engine with the test model', () => {
  it('decodes each stretch and puts the text on the channel timeline', async () => {
    const engine = createSherpaEngine('sensevoice', settings(await testModel('hello')));
    try {
      const stretches = [
        { start: 0.1, end: 1.4 },
        { start: 6, end: 8.5 },
        { start: 11.5, end: 12 },
      ];
      const out = await engine.transcribe({ wavPath: noise, durationSec: 12, stretches, workDir: dir });
      expect(out).toEqual(stretches.map((s) => ({ ...s, text: '您好' })));
      // The model stays loaded: a second channel decodes in the same process.
      expect(await engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [], workDir: dir })).toEqual([]);
      // Two channels at once (CONCURRENCY_TRANSCRIBE > 1) each get their own answer.
      const [a, b] = await Promise.all([
        engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 2, end: 3 }], workDir: dir }),
        engine.transcribe({
          wavPath: noise,
          durationSec: 12,
          stretches: [
            { start: 4, end: 5 },
            { start: 7, end: 9 },
          ],
          workDir: dir,
        }),
      ]);
      expect(a.map((u) => u.start)).toEqual([2]);
      expect(b.map((u) => u.start)).toEqual([4, 7]);
    } finally {
      await engine.close();
    }
  });

  it('gives no utterance for a model that decodes to nothing, or to background music', async () => {
    for (const options of [{ text: '' }, { event: 'BGM' }]) {
      const engine = createSherpaEngine('sensevoice', settings(await testModel(`quiet-${options.text ?? options.event}`, options)));
      try {
        expect(await engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 1, end: 3 }], workDir: dir })).toEqual([]);
      } finally {
        await engine.close();
      }
    }
  });

  it('fails with asr_failed when it cannot read the audio', async () => {
    const engine = createSherpaEngine('sensevoice', settings(await testModel('unreadable')));
    try {
      await expect(
        engine.transcribe({ wavPath: path.join(dir, 'no-such.wav'), durationSec: 3, stretches: [{ start: 0, end: 1 }], workDir: dir }),
      ).rejects.toSatisfy((e) => e instanceof BadInputError && e.code === 'asr_failed' && e.message.includes('no-such.wav'));
    } finally {
      await engine.close();
    }
  });

  it('stops at its time limit and when aborted, and loads again for the next channel', async () => {
    const model = await testModel('limits');
    const slow = createSherpaEngine('sensevoice', { ...settings(model), timeLimitMs: 1 });
    try {
      await expect(
        slow.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 0, end: 12 }], workDir: dir }),
      ).rejects.toBeInstanceOf(TimeLimitError);
    } finally {
      await slow.close();
    }
    const engine = createSherpaEngine('sensevoice', settings(model));
    try {
      const controller = new AbortController();
      const run = engine.transcribe({
        wavPath: noise,
        durationSec: 12,
        stretches: [{ start: 0, end: 12 }],
        workDir: dir,
        signal: controller.signal,
      });
      controller.abort();
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(await engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 1, end: 2 }], workDir: dir })).toEqual([
        { start: 1, end: 2, text: '您好' },
      ]);
    } finally {
      await engine.close();
    }
  });
});

describe('paraformer engine with the test model', () => {
  it('decodes each stretch', async () => {
    const engine = createSherpaEngine('paraformer', settings(await testModel('paraformer', { kind: 'paraformer', text: '请讲' })));
    try {
      expect(engine.descriptor).toMatchObject({ id: 'paraformer', model: 'model.onnx' });
      expect(await engine.transcribe({ wavPath: noise, durationSec: 12, stretches: [{ start: 4, end: 5.5 }], workDir: dir })).toEqual([
        { start: 4, end: 5.5, text: '请讲' },
      ]);
    } finally {
      await engine.close();
    }
  });
});

if (!hasSharedAudio) console.log('SKIP sensevoice engine on real speech laid out in a call: ../shared/audio is absent');
describe.skipIf(!hasSharedAudio)('sensevoice engine after VAD on real speech laid out in a call (../shared/audio)', () => {
  it('decodes what VAD found, at VAD times, and nothing in ringback or hold music', async () => {
    const durations = new Map<string, number>();
    for (const f of [aishell, mandarin]) durations.set(f, await measureDecodedDuration(f, { timeLimitMs: 30_000 }));
    const call = path.join(dir, 'call.wav');
    const placed = await makeLaidOutCall(
      call,
      [{ ringback: 12 }, { speech: aishell }, { silence: 4 }, { hold: 10 }, { speech: mandarin }, { silence: 2 }],
      (f) => durations.get(f)!,
    );
    const durationSec = await measureDecodedDuration(call, { timeLimitMs: 30_000 });
    const stretches = await detectSpeech(call);
    expect(stretches.length).toBeGreaterThanOrEqual(2);
    const engine = createSherpaEngine('sensevoice', settings(await testModel('laid-out')));
    try {
      const out = await engine.transcribe({ wavPath: call, durationSec, stretches, workDir: dir });
      expect(out).toEqual(stretches.map((s) => ({ start: s.start, end: s.end, text: '您好' })));
      // Every utterance lies inside a placed speech file (±0.3 s: VAD's measured lag after hold music).
      for (const u of out) {
        const inside = placed.some((p) => u.start >= p.offset - 0.3 && u.end <= p.offset + durations.get(p.file)! + 0.3);
        expect(inside, `${u.start}–${u.end} s`).toBe(true);
      }
    } finally {
      await engine.close();
    }
  });
});

for (const [kind, variable] of [
  ['sensevoice', 'CALLQA_TEST_SENSEVOICE_DIR'],
  ['paraformer', 'CALLQA_TEST_PARAFORMER_DIR'],
] as const) {
  const modelDir = process.env[variable];
  const reason = !modelDir
    ? `${variable} is not set (a folder with a real ${kind} model)`
    : !hasSharedAudio
      ? '../shared/audio is absent'
      : '';
  if (reason) console.log(`SKIP ${kind} engine with a real model: ${reason}`);
  describe.skipIf(reason !== '')(`${kind} engine with a real model (${reason || modelDir})`, () => {
    it('transcribes the AISHELL utterance within CER 0.15 of its reference', async () => {
      const durationSec = await measureDecodedDuration(aishell, { timeLimitMs: 30_000 });
      const engine = createSherpaEngine(kind, { modelDir, threads: 2, timeLimitMs: 120_000 });
      try {
        const out = await engine.transcribe({ wavPath: aishell, durationSec, stretches: await detectSpeech(aishell), workDir: dir });
        const text = out.map((u) => u.text).join('');
        expect(characterErrorRate(normalizeForCer(AISHELL_REFERENCE), normalizeForCer(text)).cer, text).toBeLessThanOrEqual(0.15);
      } finally {
        await engine.close();
      }
    });
  });
}
