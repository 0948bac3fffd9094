/**
 * Child process of pipeline/transcribe/sherpa-engine.ts: loads one sherpa-onnx-node OfflineRecognizer
 * (SenseVoice or Paraformer) once, then decodes speech stretches of prepared channels on request.
 *
 * Why a child process and not a worker thread: sherpa-onnx's native code aborts the whole process on some
 * bad model files (e.g. a model.onnx that is not ONNX: "terminate called after throwing an instance of
 * 'Ort::Exception' … Protobuf parsing failed"). In a worker thread that would take the queue worker down
 * with it; here only this process dies, and the engine reports `no_model` with its stderr.
 *
 * Messages over the IPC channel (JSON):
 *   in   { type: 'load', recognizerConfig: OfflineRecognizerConfig }   (sherpa-onnx-node/types.js)
 *   out  { type: 'ready' } (loaded, and one trial decode went through) | { type: 'load_failed', error: string }
 *   in   { type: 'decode', id: number, wavPath: string, ranges: [startSec, endSec][] }
 *   out  { id, results: { text, lang, emotion, event }[] }   (one per range, in order)
 *        | { id, stage: 'read' | 'decode', error: string }
 * The process exits when its IPC channel closes (the parent closed the engine or died).
 */
'use strict';
const sherpa = require('sherpa-onnx-node');

let recognizer;
const message = (error) => (error instanceof Error ? error.message : String(error));

function decode(request) {
  let wave;
  try {
    wave = sherpa.readWave(request.wavPath);
  } catch (error) {
    return { id: request.id, stage: 'read', error: message(error) };
  }
  try {
    const results = request.ranges.map(([from, to]) => {
      const first = Math.max(0, Math.floor(from * wave.sampleRate));
      const last = Math.min(wave.samples.length, Math.ceil(to * wave.sampleRate));
      const stream = recognizer.createStream();
      stream.acceptWaveform({ samples: wave.samples.subarray(first, last), sampleRate: wave.sampleRate });
      recognizer.decode(stream);
      const r = recognizer.getResult(stream);
      return { text: r.text ?? '', lang: r.lang ?? '', emotion: r.emotion ?? '', event: r.event ?? '' };
    });
    return { id: request.id, results };
  } catch (error) {
    return { id: request.id, stage: 'decode', error: message(error) };
  }
}

process.on('message', (request) => {
  if (request.type === 'load') {
    try {
      recognizer = new sherpa.OfflineRecognizer(request.recognizerConfig);
      // One decode of 1 s of silence before answering: a tokens.txt that does not belong to the model aborts
      // the process here (std::out_of_range), so it is reported as a model that cannot load, not later as a
      // crash on every recording.
      const stream = recognizer.createStream();
      stream.acceptWaveform({ samples: new Float32Array(16000), sampleRate: 16000 });
      recognizer.decode(stream);
      recognizer.getResult(stream);
      process.send({ type: 'ready' });
    } catch (error) {
      process.send({ type: 'load_failed', error: message(error) });
    }
  } else if (request.type === 'decode') {
    process.send(decode(request));
  }
});
process.on('disconnect', () => process.exit(0));
