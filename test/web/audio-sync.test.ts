/**
 * The review workspace plays each recording on the transcript's timeline: for every format the pipeline
 * accepts, the audio the server sends (web/audio.ts) lasts as long as the pipeline's prepared audio, which
 * is the report's `durationSec` for transcribed calls, within 50 ms. Each format is made from one speech
 * recording (the bundled call 3) with the real encoders; AMR-NB is the bundled sample (ffmpeg has no AMR
 * encoder), AMR-WB is made with sox when it can encode AMR-WB (Debian's sox cannot: no VisualOn encoder), else
 * that case is skipped and its name says why.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { prepareRecording } from '../../pipeline/audio/prepare.js';
import { measureDecodedDuration } from '../../pipeline/audio/probe.js';
import { AudioStreamer, wavFormatCode } from '../../web/audio.js';
import { startTestEnv, type TestEnv } from '../support/integration.js';
import { ffmpeg } from '../support/media.js';

const LIMIT = { timeLimitMs: 60_000 };

/**
 * True when sox can encode AMR-WB (it needs the VisualOn encoder at build time; Debian's sox lists the
 * format but cannot write it): tried on 0.1 s of silence.
 */
function soxWritesAmrWb(): boolean {
  const probe = path.join(os.tmpdir(), `callqa-amrwb-probe-${process.pid}.awb`);
  try {
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-t', 'amr-wb', probe, 'trim', '0', '0.1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

describe('served audio lasts as long as the transcript, per format', () => {
  let env: TestEnv;
  let storage: ObjectStorage;
  let streamer: AudioStreamer;
  let dir: string;
  let source: string;
  const bucket = () => env.config.s3.recordingsBucket;

  beforeAll(async () => {
    env = await startTestEnv();
    storage = new ObjectStorage(env.s3.connection);
    await storage.ensureBuckets([bucket()]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-audio-sync-'));
    streamer = new AudioStreamer(storage, path.join(dir, 'cache'), 60_000);
    source = path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav');
  });

  afterAll(async () => {
    await streamer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await env?.cleanup();
  });

  /** Uploads `file`, serves it through the streamer and compares lengths; returns [prepared, served] seconds. */
  async function servedAndPrepared(file: string, name: string): Promise<[number, number]> {
    const work = await mkdtemp(path.join(dir, 'prep-'));
    const prepared = await prepareRecording(file, { workDir: work, timeLimitMs: 60_000, displayName: name });
    const key = `2026/11/28/${name}`;
    await storage.putFile(bucket(), key, file);
    const id = Buffer.from(name.padEnd(20, '-')).toString('hex').slice(0, 40);
    const served = await streamer.source(id, bucket(), key);
    expect(served, name).toBeDefined();
    const out = path.join(dir, `served-${name}.wav`);
    await pipeline(await served!.open({ start: 0, end: served!.size - 1 }), createWriteStream(out));
    return [prepared.durationSec, await measureDecodedDuration(out, LIMIT, name)];
  }

  const cases: [string, string[] | null][] = [
    ['mulaw.wav', ['-c:a', 'pcm_mulaw']],
    ['alaw.wav', ['-c:a', 'pcm_alaw']],
    ['pcm.wav', ['-c:a', 'pcm_s16le']],
    ['call.mp3', ['-c:a', 'libmp3lame', '-b:a', '32k']],
    ['call.opus', ['-c:a', 'libopus', '-b:a', '16k', '-ar', '16000']],
    ['call.amr', null],
  ];
  for (const [name, args] of cases) {
    it(`${name}: the served audio lasts the report's durationSec (±50 ms)`, async () => {
      let file = path.join(SAMPLES_DIR, 'call-06-banned-phrases.amr');
      if (args) {
        file = path.join(dir, name);
        await ffmpeg('-i', `file:${source}`, ...args, `file:${file}`);
      }
      const [prepared, served] = await servedAndPrepared(file, name);
      expect(prepared).toBeGreaterThan(10);
      expect(Math.abs(served - prepared), `${name}: prepared ${prepared} s, served ${served} s`).toBeLessThanOrEqual(0.05);
    }, 60_000);
  }

  const amrWb = soxWritesAmrWb();
  if (!amrWb) console.log('SKIP AMR-WB served-audio test: sox cannot encode AMR-WB here (ffmpeg cannot encode AMR)');
  it.skipIf(!amrWb)(
    "call.awb (AMR-WB): the served audio lasts the report's durationSec (±50 ms) [skipped unless sox can encode AMR-WB]",
    async () => {
      const wide = path.join(dir, 'wide.wav');
      await ffmpeg('-i', `file:${source}`, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', `file:${wide}`);
      const file = path.join(dir, 'call.awb');
      execFileSync('sox', ['-R', wide, '-t', 'amr-wb', '-C', '8', file]);
      const [prepared, served] = await servedAndPrepared(file, 'call.awb');
      expect(Math.abs(served - prepared)).toBeLessThanOrEqual(0.05);
    },
    60_000,
  );

  it('serves PCM and G.711 WAV as stored and recognises their format code', () => {
    const header = (code: number) => {
      const b = Buffer.alloc(46);
      b.write('RIFF', 0, 'latin1');
      b.write('WAVE', 8, 'latin1');
      b.write('fmt ', 12, 'latin1');
      b.writeUInt16LE(code, 20);
      return b;
    };
    expect([1, 6, 7, 85].map((c) => wavFormatCode(header(c)))).toEqual([1, 6, 7, 85]);
    const extensible = header(0xfffe);
    extensible.writeUInt16LE(7, 44);
    expect(wavFormatCode(extensible)).toBe(7);
    expect(wavFormatCode(Buffer.from('<html>not a wave file at all, certainly not</html>'))).toBeUndefined();
  });
});
