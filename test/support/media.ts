/** Test media made with the real ffmpeg (argument arrays, no shell). */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs `ffmpeg -y -hide_banner -loglevel error ARGS…`; rejects with ffmpeg's stderr on failure. */
export async function ffmpeg(...args: string[]): Promise<void> {
  await execFileAsync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args]);
}

/** Writes a 10 s 8 kHz A-law stereo WAV: a 440 Hz tone on channel 0, noise after 4 s on channel 1. */
export async function makeAlawStereo(file: string, seconds = 10): Promise<void> {
  await ffmpeg(
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=8000:duration=${seconds}`,
    '-f', 'lavfi', '-i', `aevalsrc=exprs=if(lt(t\\,4)\\,0\\,0.3*(2*random(0)-1)):s=8000:d=${seconds}`,
    '-filter_complex', '[0:a][1:a]amerge=inputs=2[a]', '-map', '[a]',
    '-c:a', 'pcm_alaw', '-ar', '8000', file,
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

/** One piece of a laid-out call (see {@link makeLaidOutCall}). Seconds. */
export type CallPiece =
  | { speech: string }
  | { silence: number }
  /** Chinese ringback: 450 Hz, 1 s on, 4 s off (GB/T 3380 ringing tone cadence). */
  | { ringback: number }
  /** Hold music: a melody of chords (sine tones with harmonics) changing every 0.4 s. */
  | { hold: number };

/** Where each speech file landed in a laid-out call: seconds from its start. */
export interface LaidOutSpeech {
  file: string;
  offset: number;
}

/**
 * Writes a 16 kHz mono 16-bit WAV that plays `pieces` one after another (speech files are resampled and
 * downmixed by ffmpeg) and returns where each speech file starts. Used to test VAD timings against real speech
 * placed at known offsets among silence, ringback tones and hold music.
 */
export async function makeLaidOutCall(file: string, pieces: CallPiece[], durationOf: (speechFile: string) => number): Promise<LaidOutSpeech[]> {
  const inputs: string[] = [];
  const placed: LaidOutSpeech[] = [];
  let offset = 0;
  for (const piece of pieces) {
    if ('speech' in piece) {
      inputs.push('-i', piece.speech);
      placed.push({ file: piece.speech, offset });
      offset += durationOf(piece.speech);
    } else if ('silence' in piece) {
      inputs.push('-f', 'lavfi', '-t', String(piece.silence), '-i', 'anullsrc=r=16000:cl=mono');
      offset += piece.silence;
    } else if ('ringback' in piece) {
      inputs.push('-f', 'lavfi', '-i', `aevalsrc=exprs=0.3*sin(2*PI*450*t)*lt(mod(t\\,5)\\,1):s=16000:d=${piece.ringback}`);
      offset += piece.ringback;
    } else {
      const note = 'pow(2\\,floor(mod(t*2.5\\,8))/12)';
      inputs.push(
        '-f', 'lavfi',
        '-i', `aevalsrc=exprs=0.15*sin(2*PI*262*${note}*t)+0.1*sin(2*PI*330*${note}*t)+0.1*sin(2*PI*392*${note}*t)+0.05*sin(4*PI*262*${note}*t):s=16000:d=${piece.hold}`,
      );
      offset += piece.hold;
    }
  }
  const n = pieces.length;
  const streams = pieces.map((_, i) => `[${i}:a]aresample=16000,aformat=channel_layouts=mono[p${i}]`).join(';');
  const concat = `${pieces.map((_, i) => `[p${i}]`).join('')}concat=n=${n}:v=0:a=1[out]`;
  await ffmpeg(...inputs, '-filter_complex', `${streams};${concat}`, '-map', '[out]', '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', file);
  return placed;
}
