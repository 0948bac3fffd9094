#!/usr/bin/env node
/**
 * Writes an empty whisper.cpp test model: a ggml model file with the hyper-parameters of `tiny` (or `small`),
 * a mel filter bank and a vocabulary, and no tensors. whisper.cpp (1.5 and 1.9, `whisper_model_load` in
 * whisper.cpp) loads it, prints "no tensors loaded from model file - assuming empty model for testing", runs
 * the whole pipeline on zero weights (the real model's full compute: what the ASR benchmark times) and
 * transcribes nothing. The tiny one stands in for whisper.cpp's own `models/for-tests-ggml-tiny.bin` (MIT)
 * where that file (../shared/models/) is absent, e.g. a fresh clone.
 *
 * Plain Node, no dependencies. Usage:
 *   node scripts/make-test-model.mjs [OUT] [--shape tiny|small]
 *     (default .callqa/models/for-tests-ggml-tiny.bin, shape tiny)
 *
 * File layout (all little-endian), as read by `whisper_model_load`:
 *   uint32 magic 0x67676d6c ("ggml")
 *   int32 hparams: n_vocab=51865, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6, n_audio_layer=4,
 *                  n_text_ctx=448, n_text_state=384, n_text_head=6, n_text_layer=4, n_mels=80, ftype=1 (f16)
 *   int32 n_mel=80, int32 n_fft=201, then n_mel*n_fft float32: the Slaney-style mel filter bank of
 *         librosa.filters.mel(sr=16000, n_fft=400, n_mels=80), the same filters OpenAI's Whisper uses
 *   int32 n=50257, then per token: uint32 byte length + the token's bytes. Tokens 0..255 are the 256 single
 *         bytes in GPT-2's byte order (so any prompt text can be tokenised), 256..50255 are placeholders that
 *         start with 0xFF 0xFF (never part of valid UTF-8, so never matched), 50256 is empty (as in the
 *         original, where `<|endoftext|>` is stored empty). whisper.cpp adds the 1608 special tokens itself.
 *   no tensors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const GGML_MAGIC = 0x67676d6c;
/** Hyper-parameters of whisper `tiny` (multilingual), in file order. */
export const TINY_HPARAMS = Object.freeze({
  n_vocab: 51865,
  n_audio_ctx: 1500,
  n_audio_state: 384,
  n_audio_head: 6,
  n_audio_layer: 4,
  n_text_ctx: 448,
  n_text_state: 384,
  n_text_head: 6,
  n_text_layer: 4,
  n_mels: 80,
  ftype: 1,
});
/** Hyper-parameters of whisper `small` (multilingual), in file order. */
export const SMALL_HPARAMS = Object.freeze({
  ...TINY_HPARAMS,
  n_audio_state: 768,
  n_audio_head: 12,
  n_audio_layer: 12,
  n_text_state: 768,
  n_text_head: 12,
  n_text_layer: 12,
});
/** The shapes this script writes. */
export const SHAPES = Object.freeze({ tiny: TINY_HPARAMS, small: SMALL_HPARAMS });
const SAMPLE_RATE = 16000;
const N_FFT = 400;
const N_FFT_BINS = N_FFT / 2 + 1; // 201
const N_VOCAB_IN_FILE = 50257;

// Slaney mel scale (librosa `hz_to_mel` / `mel_to_hz` with htk=False).
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;
const hzToMel = (hz) => (hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP);
const melToHz = (mel) => (mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel);

/** Mel filter bank, row-major [nMels][201], Slaney-normalised (librosa default). */
export function melFilters(nMels = TINY_HPARAMS.n_mels) {
  const fftFreqs = Array.from({ length: N_FFT_BINS }, (_, i) => (i * (SAMPLE_RATE / 2)) / (N_FFT_BINS - 1));
  const maxMel = hzToMel(SAMPLE_RATE / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * maxMel) / (nMels + 1)));
  const out = new Float32Array(nMels * N_FFT_BINS);
  for (let m = 0; m < nMels; m++) {
    const lowDiff = melF[m + 1] - melF[m];
    const highDiff = melF[m + 2] - melF[m + 1];
    const enorm = 2 / (melF[m + 2] - melF[m]);
    for (let k = 0; k < N_FFT_BINS; k++) {
      const lower = (fftFreqs[k] - melF[m]) / lowDiff;
      const upper = (melF[m + 2] - fftFreqs[k]) / highDiff;
      out[m * N_FFT_BINS + k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return out;
}

/** GPT-2's byte order of the first 256 tokens (`bytes_to_unicode` in OpenAI's tokenizer). */
function gpt2ByteOrder() {
  const bytes = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  for (let b = 0; b < 256; b++) if (!bytes.includes(b)) bytes.push(b);
  return bytes;
}

/** The whole model file as a Buffer, with the hyper-parameters of `hparams` (default tiny). */
export function buildTestModel(hparams = TINY_HPARAMS) {
  const parts = [];
  const int32s = (values) => {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => b.writeInt32LE(v, 4 * i));
    parts.push(b);
  };
  const header = Buffer.alloc(4);
  header.writeUInt32LE(GGML_MAGIC, 0);
  parts.push(header);
  int32s(Object.values(hparams));

  const filters = melFilters();
  int32s([TINY_HPARAMS.n_mels, N_FFT_BINS]);
  parts.push(Buffer.from(filters.buffer, filters.byteOffset, filters.byteLength));

  int32s([N_VOCAB_IN_FILE]);
  const tokens = gpt2ByteOrder().map((b) => Buffer.from([b]));
  for (let id = tokens.length; id < N_VOCAB_IN_FILE - 1; id++) {
    tokens.push(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from(`unused${id}`, 'latin1')]));
  }
  tokens.push(Buffer.alloc(0));
  for (const t of tokens) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(t.length, 0);
    parts.push(len, t);
  }
  return Buffer.concat(parts);
}

/** Writes the model of `shape` (`tiny` or `small`) to `outPath` (creating its folder); returns the absolute path. */
export function writeTestModel(outPath, shape = 'tiny') {
  const hparams = SHAPES[shape];
  if (!hparams) throw new Error(`unknown model shape ${shape} (tiny or small)`);
  const abs = resolve(outPath);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, buildTestModel(hparams));
  return abs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const shapeAt = args.indexOf('--shape');
  const shape = shapeAt >= 0 ? args.splice(shapeAt, 2)[1] : 'tiny';
  const out = args[0] ?? resolve(projectRoot, `.callqa/models/for-tests-ggml-${shape}.bin`);
  const written = writeTestModel(out, shape);
  console.log(`make-test-model: wrote empty whisper.cpp test model (${shape} hparams, no tensors) to ${written}`);
}
