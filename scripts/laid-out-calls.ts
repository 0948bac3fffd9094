/**
 * Calls laid out from real speech files at known offsets, among silence, ringback tones and hold music, made
 * with the real ffmpeg (argument arrays, no shell). The tests (VAD timings, measures, the whisper engine's time
 * mapping) and the ASR benchmark (scripts/bench-asr.ts) build their calls with these, so both use the same truth.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs `ffmpeg -y -hide_banner -loglevel error ARGS…`; rejects with ffmpeg's stderr on failure. */
export async function ffmpeg(...args: string[]): Promise<void> {
  await execFileAsync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args]);
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
export async function makeLaidOutCall(
  file: string,
  pieces: CallPiece[],
  durationOf: (speechFile: string) => number,
): Promise<LaidOutSpeech[]> {
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
        '-f',
        'lavfi',
        '-i',
        `aevalsrc=exprs=0.15*sin(2*PI*262*${note}*t)+0.1*sin(2*PI*330*${note}*t)+0.1*sin(2*PI*392*${note}*t)+0.05*sin(4*PI*262*${note}*t):s=16000:d=${piece.hold}`,
      );
      offset += piece.hold;
    }
  }
  const n = pieces.length;
  const streams = pieces.map((_, i) => `[${i}:a]aresample=16000,aformat=channel_layouts=mono[p${i}]`).join(';');
  const concat = `${pieces.map((_, i) => `[p${i}]`).join('')}concat=n=${n}:v=0:a=1[out]`;
  await ffmpeg(
    ...inputs,
    '-filter_complex',
    `${streams};${concat}`,
    '-map',
    '[out]',
    '-ar',
    '16000',
    '-ac',
    '1',
    '-c:a',
    'pcm_s16le',
    file,
  );
  return placed;
}

/** Length in seconds of a list of pieces. */
function piecesLength(pieces: readonly CallPiece[], durationOf: (speechFile: string) => number): number {
  return pieces.reduce(
    (t, p) => t + ('speech' in p ? durationOf(p.speech) : 'silence' in p ? p.silence : 'ringback' in p ? p.ringback : p.hold),
    0,
  );
}

/**
 * Writes an 8 kHz 16-bit stereo WAV, agent on the left channel and caller on the right, each laid out like
 * {@link makeLaidOutCall}; the shorter side is padded with silence to `lengthSec` (default: the longer side + 1 s).
 *
 * @returns where each side's speech files start, seconds
 */
export async function makeStereoCall(
  file: string,
  agent: CallPiece[],
  customer: CallPiece[],
  durationOf: (speechFile: string) => number,
  lengthSec?: number,
): Promise<{ agent: LaidOutSpeech[]; customer: LaidOutSpeech[] }> {
  const end = lengthSec ?? Math.max(piecesLength(agent, durationOf), piecesLength(customer, durationOf)) + 1;
  const left = `${file}.left.wav`;
  const right = `${file}.right.wav`;
  const pad = (pieces: CallPiece[]) => [...pieces, { silence: Math.max(0.01, end - piecesLength(pieces, durationOf)) }];
  const placedAgent = await makeLaidOutCall(left, pad(agent), durationOf);
  const placedCustomer = await makeLaidOutCall(right, pad(customer), durationOf);
  await ffmpeg(
    '-i',
    left,
    '-i',
    right,
    '-filter_complex',
    '[0:a][1:a]amerge=inputs=2[s]',
    '-map',
    '[s]',
    '-t',
    String(end),
    '-ar',
    '8000',
    '-c:a',
    'pcm_s16le',
    path.resolve(file),
  );
  return { agent: placedAgent, customer: placedCustomer };
}
