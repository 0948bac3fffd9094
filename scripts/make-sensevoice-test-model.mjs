#!/usr/bin/env node
/**
 * Writes a minimal SenseVoice (or Paraformer) model directory that sherpa-onnx loads and runs: a tiny ONNX
 * graph with the real model's inputs, outputs and metadata, and a tokens.txt. Its output does not depend on
 * the audio: every decode yields the same known token sequence (e.g. the four SenseVoice tags then 您好), or
 * nothing. It lets the sherpa-onnx engines (pipeline/transcribe/sherpa-engine.ts) run their real code paths
 * — model load, feature extraction, ONNX inference, CTC decoding, tag parsing, time mapping — on a fresh
 * clone without model weights. It is no speech recogniser: never present its output as ASR.
 *
 * Usage:
 *   node scripts/make-sensevoice-test-model.mjs OUT_DIR [--kind sensevoice|paraformer] [--text 您好]
 *                                               [--event Speech|BGM|Laughter|Applause|Cry|Cough|Sneeze]
 *   --text ''  decodes to no text (SenseVoice still emits its four tags).
 *
 * Writes OUT_DIR/model.onnx and OUT_DIR/tokens.txt.
 *
 * SenseVoice interface (as read by sherpa-onnx 1.13, csrc/offline-sense-voice-model.cc and
 * offline-recognizer-sense-voice-impl.h):
 *   inputs  x [N, T, 560] float (80-dim fbank stacked by LFR: window 7, shift 6), x_length [N] int32,
 *           language [N] int32, text_norm [N] int32
 *   output  logits [N, T + 4, vocab] float; CTC greedy search (blank 0); the first four decoded tokens are
 *           the language, emotion, event and ITN tags (<|zh|><|NEUTRAL|><|Speech|><|withitn|>)
 *   metadata vocab_size, lfr_window_size, lfr_window_shift, normalize_samples, neg_mean, inv_stddev (560
 *           comma-separated floats each), lang_auto, lang_zh, lang_en, lang_ja, lang_ko, lang_yue,
 *           with_itn, without_itn (token ids)
 * Paraformer interface (csrc/offline-paraformer-model.cc, offline-paraformer-greedy-search-decoder.cc):
 *   inputs  speech [N, T, 560] float, speech_lengths [N] int32
 *   outputs logits [N, U, vocab] float (argmax per position until </s>), token_num [N] int64
 *   metadata vocab_size, lfr_window_size, lfr_window_shift, neg_mean, inv_stddev
 *
 * The graph: a zero MatMul of the features plus a bias that makes blank (SenseVoice) or </s> (Paraformer)
 * win at every frame, with a constant one-hot prefix (the known tokens) concatenated in front; SenseVoice's
 * output is then sliced to T + 4 frames as the real model's is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FEATURE_DIM = 560; // 80 mel bins × LFR window 7
const EVENTS = ['Speech', 'BGM', 'Laughter', 'Applause', 'Cry', 'Cough', 'Sneeze'];
const LANGUAGES = ['auto', 'zh', 'en', 'ja', 'ko', 'yue'];
const EMOTIONS = ['NEUTRAL', 'HAPPY', 'SAD', 'ANGRY'];

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT32 = onnx.TensorProto.DataType.INT32;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A graph input/output with symbolic and fixed dimensions. */
function valueInfo(name, elemType, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function floatTensor(name, dims, values) {
  return onnx.TensorProto.create({ name, dataType: FLOAT, dims, floatData: Array.from(values) });
}
function int64Tensor(name, values) {
  return onnx.TensorProto.create({ name, dataType: INT64, dims: [values.length], int64Data: values });
}
function node(opType, inputs, outputs, attributes = []) {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: outputs[0], attribute: attributes });
}
const intAttr = (name, i) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });

/**
 * Token table of the test model: id → token. SenseVoice: <blank> (0, the CTC blank), the language, emotion
 * and event tags, <|withitn|>/<|woitn|>, then one token per character of `text`. Paraformer: <blank>, <s>,
 * </s>, then the characters.
 */
export function testTokens(kind, text) {
  const chars = [...new Set([...text])];
  if (kind === 'paraformer') return ['<blank>', '<s>', '</s>', ...chars];
  return [
    '<blank>',
    ...LANGUAGES.map((l) => `<|${l}|>`),
    ...EMOTIONS.map((e) => `<|${e}|>`),
    ...EVENTS.map((e) => `<|${e}|>`),
    '<|withitn|>',
    '<|woitn|>',
    ...chars,
  ];
}

/**
 * Builds the ONNX model bytes and tokens.txt text.
 *
 * @param {{kind?: 'sensevoice'|'paraformer', text?: string, event?: string}} options
 * @returns {{model: Uint8Array, tokens: string, expectedTokens: string[]}} expectedTokens: what a decode yields
 */
export function buildTestModel({ kind = 'sensevoice', text = '您好', event = 'Speech' } = {}) {
  if (kind !== 'sensevoice' && kind !== 'paraformer') throw new Error(`--kind must be sensevoice or paraformer, got ${kind}`);
  if (!EVENTS.includes(event)) throw new Error(`--event must be one of ${EVENTS.join(', ')}, got ${event}`);
  const tokens = testTokens(kind, text);
  const id = (t) => tokens.indexOf(t);
  const vocab = tokens.length;
  const expected = kind === 'sensevoice' ? ['<|zh|>', '<|NEUTRAL|>', `<|${event}|>`, '<|withitn|>', ...text] : [...text];
  // CTC collapses repeated tokens: SenseVoice needs a blank between two equal neighbours.
  const prefixTokens = [];
  for (const t of expected) {
    if (kind === 'sensevoice' && prefixTokens.at(-1) === t) prefixTokens.push('<blank>');
    prefixTokens.push(t);
  }
  const fillToken = kind === 'sensevoice' ? '<blank>' : '</s>';
  const prefixLength = Math.max(prefixTokens.length, 1);
  const prefix = new Float32Array(prefixLength * vocab);
  prefixTokens.forEach((t, row) => (prefix[row * vocab + id(t)] = 10));
  if (prefixTokens.length === 0) prefix[id(fillToken)] = 10;
  const fillBias = new Float32Array(vocab);
  fillBias[id(fillToken)] = 1;

  const featuresName = kind === 'sensevoice' ? 'x' : 'speech';
  const initializer = [
    floatTensor('zero_projection', [FEATURE_DIM, vocab], new Float32Array(FEATURE_DIM * vocab)),
    floatTensor('fill_bias', [vocab], fillBias),
    floatTensor('prefix', [1, prefixLength, vocab], prefix),
    int64Tensor('batch_index', [0]),
    int64Tensor('frames_index', [1]),
    int64Tensor('prefix_tail', [prefixLength, vocab]),
    int64Tensor('tag_frames', [4]),
    int64Tensor('zero', [0]),
    int64Tensor('time_axis', [1]),
  ];
  const nodes = [
    node('MatMul', [featuresName, 'zero_projection'], ['zeros']),
    node('Add', ['zeros', 'fill_bias'], ['body']),
    node('Shape', [featuresName], ['feature_shape']),
    node('Gather', ['feature_shape', 'batch_index'], ['batch'], [intAttr('axis', 0)]),
    node('Concat', ['batch', 'prefix_tail'], ['prefix_shape'], [intAttr('axis', 0)]),
    node('Expand', ['prefix', 'prefix_shape'], ['batched_prefix']),
  ];
  const inputs = [valueInfo(featuresName, FLOAT, ['N', 'T', FEATURE_DIM])];
  const outputs = [];
  if (kind === 'sensevoice') {
    inputs.push(valueInfo('x_length', INT32, ['N']), valueInfo('language', INT32, ['N']), valueInfo('text_norm', INT32, ['N']));
    nodes.push(
      node('Concat', ['batched_prefix', 'body'], ['all_frames'], [intAttr('axis', 1)]),
      node('Gather', ['feature_shape', 'frames_index'], ['frames']),
      node('Add', ['frames', 'tag_frames'], ['output_frames']),
      node('Slice', ['all_frames', 'zero', 'output_frames', 'time_axis'], ['logits']),
    );
    outputs.push(valueInfo('logits', FLOAT, ['N', 'T4', vocab]));
  } else {
    inputs.push(valueInfo('speech_lengths', INT32, ['N']));
    nodes.push(
      node('Concat', ['batched_prefix', 'body'], ['logits'], [intAttr('axis', 1)]),
      node('Shape', ['logits'], ['logits_shape']),
      node('Gather', ['logits_shape', 'frames_index'], ['token_count']),
      node('Expand', ['token_count', 'batch'], ['token_num']),
    );
    outputs.push(valueInfo('logits', FLOAT, ['N', 'U', vocab]), valueInfo('token_num', INT64, ['N']));
  }

  const zeros = Array(FEATURE_DIM).fill('0').join(',');
  const ones = Array(FEATURE_DIM).fill('1').join(',');
  const metadata = {
    vocab_size: String(vocab),
    lfr_window_size: '7',
    lfr_window_shift: '6',
    neg_mean: zeros,
    inv_stddev: ones,
    model_type: kind === 'sensevoice' ? 'sense_voice_ctc' : 'paraformer',
    comment: 'callqa test model: decodes to a fixed token sequence whatever the audio (not a speech recogniser)',
  };
  if (kind === 'sensevoice') {
    Object.assign(metadata, {
      normalize_samples: '0',
      with_itn: String(id('<|withitn|>')),
      without_itn: String(id('<|woitn|>')),
      ...Object.fromEntries(LANGUAGES.map((l) => [`lang_${l}`, String(id(`<|${l}|>`))])),
    });
  }
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'callqa scripts/make-sensevoice-test-model.mjs',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: { name: `${kind}-test`, node: nodes, initializer, input: inputs, output: outputs },
  });
  return {
    model: onnx.ModelProto.encode(model).finish(),
    tokens: tokens.map((t, i) => `${t} ${i}\n`).join(''),
    expectedTokens: expected,
  };
}

/** Writes `model.onnx` and `tokens.txt` into `outDir` (created when missing). */
export function writeTestModel(outDir, options) {
  const { model, tokens } = buildTestModel(options);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'model.onnx'), model);
  writeFileSync(join(outDir, 'tokens.txt'), tokens);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { kind: { type: 'string' }, text: { type: 'string' }, event: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: make-sensevoice-test-model.mjs OUT_DIR [--kind sensevoice|paraformer] [--text 您好] [--event Speech]');
    process.exit(2);
  }
  const outDir = resolve(positionals[0]);
  writeTestModel(outDir, { kind: values.kind, text: values.text, event: values.event });
  console.log(`wrote ${join(outDir, 'model.onnx')} and tokens.txt`);
}
