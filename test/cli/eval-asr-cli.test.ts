/**
 * `callqa eval asr DIR` as an operator runs it: the configured engine (ASR_ENGINE=sensevoice with the test
 * model of scripts/make-sensevoice-test-model.mjs, which writes 您好 for every speech stretch), the real
 * ffmpeg and Silero VAD, a table or JSON on stdout, exit codes.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCallqa } from '../support/integration.js';
import { makeLaidOutCall } from '../support/media.js';
// @ts-expect-error plain ES module script without type declarations
import { writeTestModel } from '../../scripts/make-sensevoice-test-model.mjs';

const aishell = path.resolve(import.meta.dirname, '../../../shared/audio/aishell-BAC009S0764W0121.wav');
const hasSharedAudio = existsSync(aishell);

let dir: string;
let model: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-eval-asr-cli-'));
  model = path.join(dir, 'model');
  writeTestModel(model, { text: '您好' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('callqa eval asr', () => {
  it('prints CER per file and pooled; exit 0 when every recording was evaluated', async () => {
    const set = path.join(dir, 'set');
    await mkdir(set);
    // Without ../shared: ringback and hold music, where VAD finds no speech (hypothesis empty, CER 1).
    await makeLaidOutCall(path.join(set, 'tones.wav'), [{ ringback: 6 }, { hold: 3 }], () => 0);
    await writeFile(path.join(set, 'tones.ref.txt'), '您好请讲');
    if (hasSharedAudio) {
      await copyFile(aishell, path.join(set, 'speech.wav'));
      await writeFile(path.join(set, 'speech.ref.txt'), '您好，甚至出现交易几乎停滞的情况');
    }
    const env = { ASR_ENGINE: 'sensevoice', ASR_MODEL_DIR: model, ASR_THREADS: '1' };
    const table = await runCallqa(['eval', 'asr', set], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^engine sensevoice \(model\.onnx\)/);
    expect(table.stdout).toMatch(/tones +4 +0 +4 +0 +100\.0%/);
    expect(table.stderr).toContain('tones: CER 100.0%');

    const json = await runCallqa(['eval', 'asr', set, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.engine).toMatchObject({ id: 'sensevoice', options: { language: 'zh', inverseTextNormalization: true } });
    if (hasSharedAudio) {
      // 您好 + 13 characters said; the test model writes 您好 for the one stretch: 13 deletions of 15.
      expect(result.files.find((f: { name: string }) => f.name === 'speech')).toMatchObject({
        hypothesis: '您好',
        referenceLength: 15,
        deletions: 13,
        substitutions: 0,
        insertions: 0,
      });
      expect(result.overall).toMatchObject({ referenceLength: 19, deletions: 17 });
    } else {
      expect(result.overall).toMatchObject({ referenceLength: 4, deletions: 4, cer: 1 });
    }
  });

  it('exits 1 naming the missing model file, and when no recording has a reference', async () => {
    const set = path.join(dir, 'no-model');
    await mkdir(set);
    await makeLaidOutCall(path.join(set, 'a.wav'), [{ silence: 1 }], () => 0);
    await writeFile(path.join(set, 'a.ref.txt'), '喂');
    const missing = await runCallqa(['eval', 'asr', set], { ASR_ENGINE: 'sensevoice', ASR_MODEL_DIR: path.join(dir, 'nowhere') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere.*does not exist/);

    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    const none = await runCallqa(['eval', 'asr', empty], { ASR_ENGINE: 'sensevoice', ASR_MODEL_DIR: model });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no recording .* has a reference/);
  });
});
