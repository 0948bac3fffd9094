/**
 * Child process of pipeline/audio/vad.ts: runs Silero VAD (through sherpa-onnx-node's `Vad`) over one
 * 16 kHz mono WAV, so the native inference never runs on the event loop of a queue worker, and a time limit
 * or a shutdown can kill it (a worker thread cannot be stopped safely inside sherpa-onnx's native code: the
 * addon then aborts the whole process).
 *
 * argv[2]: JSON { wavPath: string, modelPath: string, threshold: number, minSilenceSec: number,
 *                 minSpeechSec: number, maxSpeechSec: number }
 * Writes exactly one JSON line to stdout: { stretches: [startSample, endSample][], sampleRate: number,
 * samples: number } or { error: string }.
 */
'use strict';
const workerData = JSON.parse(process.argv[2]);

/** Silero VAD v5 works on windows of 512 samples at 16 kHz (32 ms). */
const WINDOW_SAMPLES = 512;

try {
  const sherpa = require('sherpa-onnx-node');
  const wave = sherpa.readWave(workerData.wavPath);
  if (wave.sampleRate !== 16000) {
    throw new Error(`${workerData.wavPath}: VAD needs 16 kHz audio, got ${wave.sampleRate} Hz`);
  }
  const vad = new sherpa.Vad(
    {
      sileroVad: {
        model: workerData.modelPath,
        threshold: workerData.threshold,
        minSilenceDuration: workerData.minSilenceSec,
        minSpeechDuration: workerData.minSpeechSec,
        maxSpeechDuration: workerData.maxSpeechSec,
        windowSize: WINDOW_SAMPLES,
      },
      sampleRate: wave.sampleRate,
      numThreads: 1,
      debug: false,
    },
    // The detector keeps at most this much audio buffered; a stretch is cut at maxSpeechSec anyway.
    Math.ceil(workerData.maxSpeechSec) + 10,
  );
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
  process.stdout.write(`${JSON.stringify({ stretches, sampleRate: wave.sampleRate, samples: samples.length })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
}
