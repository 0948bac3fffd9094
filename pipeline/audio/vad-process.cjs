/**
 * Long-lived child process of pipeline/audio/vad.ts: runs Silero VAD (through sherpa-onnx-node's `Vad`) over
 * 16 kHz mono WAVs on request, so the native inference never runs on the event loop of a queue worker, a time
 * limit or a shutdown can kill it (a worker thread cannot be stopped safely inside sherpa-onnx's native code:
 * the addon then aborts the whole process), and sherpa-onnx and the Silero model load once per process, not
 * once per channel.
 *
 * Requests: one JSON object per line on stdin,
 *   { id: number, wavPath: string, modelPath: string, threshold: number, minSilenceSec: number,
 *     minSpeechSec: number, maxSpeechSec: number }
 * Answers: one JSON line per request on stdout, in order,
 *   { id, stretches: [startSample, endSample][], sampleRate: number, samples: number } or { id, error: string }.
 * One detector is kept per distinct setting (model and thresholds) and reset before each file, so every file
 * starts from the model's initial state, as in a fresh process. The process exits when stdin closes (the
 * parent ended it or died; it also gets SIGKILL from the kernel when the parent dies, see infra/child-process.ts).
 */
'use strict';
const readline = require('node:readline');
const sherpa = require('sherpa-onnx-node');

/** Silero VAD v5 works on windows of 512 samples at 16 kHz (32 ms). */
const WINDOW_SAMPLES = 512;
const SAMPLE_RATE = 16000;

/** Detectors by their settings. */
const detectors = new Map();

function detectorFor(request) {
  const key = JSON.stringify([request.modelPath, request.threshold, request.minSilenceSec, request.minSpeechSec, request.maxSpeechSec]);
  let vad = detectors.get(key);
  if (vad) {
    vad.reset();
    return vad;
  }
  vad = new sherpa.Vad(
    {
      sileroVad: {
        model: request.modelPath,
        threshold: request.threshold,
        minSilenceDuration: request.minSilenceSec,
        minSpeechDuration: request.minSpeechSec,
        maxSpeechDuration: request.maxSpeechSec,
        windowSize: WINDOW_SAMPLES,
      },
      sampleRate: SAMPLE_RATE,
      numThreads: 1,
      debug: false,
    },
    // The detector keeps at most this much audio buffered; a stretch is cut at maxSpeechSec anyway.
    Math.ceil(request.maxSpeechSec) + 10,
  );
  detectors.set(key, vad);
  return vad;
}

function detect(request) {
  const wave = sherpa.readWave(request.wavPath);
  if (wave.sampleRate !== SAMPLE_RATE) {
    throw new Error(`${request.wavPath}: VAD needs 16 kHz audio, got ${wave.sampleRate} Hz`);
  }
  const vad = detectorFor(request);
  const stretches = [];
  const drain = () => {
    while (!vad.isEmpty()) {
      const segment = vad.front(false);
      stretches.push([segment.start, segment.start + segment.samples.length]);
      vad.pop();
    }
  };
  const samples = wave.samples;
  for (let i = 0; i < samples.length; i += WINDOW_SAMPLES) {
    vad.acceptWaveform(samples.subarray(i, Math.min(i + WINDOW_SAMPLES, samples.length)));
    drain();
  }
  vad.flush();
  drain();
  return { stretches, sampleRate: wave.sampleRate, samples: samples.length };
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let id = null;
  let answer;
  try {
    const request = JSON.parse(line);
    id = request.id;
    answer = { id, ...detect(request) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
lines.on('close', () => process.exit(0));
