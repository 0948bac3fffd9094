/** Test media made with the real ffmpeg (argument arrays, no shell). */
import { readFile, writeFile } from 'node:fs/promises';
import { ffmpeg } from '../../scripts/laid-out-calls.js';

export { ffmpeg, makeLaidOutCall, makeStereoCall, type CallPiece, type LaidOutSpeech } from '../../scripts/laid-out-calls.js';

/** Writes a 10 s 8 kHz A-law stereo WAV: a 440 Hz tone on channel 0, noise after 4 s on channel 1. */
export async function makeAlawStereo(file: string, seconds = 10): Promise<void> {
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=8000:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `aevalsrc=exprs=if(lt(t\\,4)\\,0\\,0.3*(2*random(0)-1)):s=8000:d=${seconds}`,
    '-filter_complex',
    '[0:a][1:a]amerge=inputs=2[a]',
    '-map',
    '[a]',
    '-c:a',
    'pcm_alaw',
    '-ar',
    '8000',
    file,
  );
}

/** Writes an all-zero 8 kHz 16-bit mono WAV of `seconds`. */
export async function makeSilentWav(file: string, seconds: number): Promise<void> {
  await ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', String(seconds), '-c:a', 'pcm_s16le', file);
}

/** Writes a 16 kHz mono 16-bit WAV of pink noise, `seconds` long (long inputs for time limits). */
export async function makeNoiseWav(file: string, seconds: number): Promise<void> {
  await ffmpeg('-f', 'lavfi', '-i', `anoisesrc=sample_rate=16000:duration=${seconds}:amplitude=0.2:color=pink`, '-c:a', 'pcm_s16le', file);
}

/** Writes a 5 s 8 kHz WAV whose RIFF and data headers claim one hour. */
export async function makeLyingHeaderWav(file: string): Promise<void> {
  await ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=8000:duration=5', '-c:a', 'pcm_s16le', file);
  const buf = await readFile(file);
  const data = buf.indexOf('data');
  const hour = 3600 * 16000;
  buf.writeUInt32LE(hour + data, 4);
  buf.writeUInt32LE(hour, data + 4);
  await writeFile(file, buf);
}
