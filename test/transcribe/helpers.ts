/**
 * Shared set-up for the transcription tests: the real whisper.cpp binary (built by scripts/build-whisper.sh when
 * missing), the real test models, WAV files made with ffmpeg, and the optional ../shared material.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const whisperBinary = fileURLToPath(new URL('../../.callqa/whisper-cli/whisper-cli', import.meta.url));
export const buildScript = fileURLToPath(new URL('../../scripts/build-whisper.sh', import.meta.url));
export const makeModelScript = fileURLToPath(new URL('../../scripts/make-test-model.mjs', import.meta.url));
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** whisper.cpp's own test model in ../shared, when present. */
export const sharedTestModel = fileURLToPath(new URL('../../../shared/models/for-tests-ggml-tiny.bin', import.meta.url));
/** A real 16 kHz mono Mandarin recording in ../shared, when present. */
export const sharedSpeechWav = fileURLToPath(new URL('../../../shared/audio/aishell-BAC009S0764W0121.wav', import.meta.url));
export const hasSharedModel = existsSync(sharedTestModel);
export const hasSharedWav = existsSync(sharedSpeechWav);

/** Result of running a program to completion. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` without a shell and collects its output. */
export function run(file: string, args: string[], cwd = projectRoot): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Builds .callqa/whisper-cli/whisper-cli with scripts/build-whisper.sh unless it exists; throws with the log otherwise. */
export async function ensureWhisperBinary(): Promise<string> {
  if (existsSync(whisperBinary)) return whisperBinary;
  const r = await run('bash', [buildScript]);
  if (r.code !== 0 || !existsSync(whisperBinary)) {
    throw new Error(
      `whisper.cpp binary missing at ${whisperBinary} and scripts/build-whisper.sh failed (exit ${r.code}):\n` + `${r.stdout}\n${r.stderr}`,
    );
  }
  return whisperBinary;
}

/** Writes the empty test model with scripts/make-test-model.mjs to `outPath`. */
export async function makeTestModel(outPath: string): Promise<string> {
  const r = await run(process.execPath, [makeModelScript, outPath]);
  if (r.code !== 0) throw new Error(`make-test-model.mjs failed: ${r.stderr}`);
  return outPath;
}

/**
 * Makes a mono 16-bit PCM WAV with ffmpeg's sine source: `seconds` long at `rate` Hz.
 * `codec` may be e.g. `pcm_f32le` for a float WAV.
 */
export async function makeWav(outPath: string, rate: number, seconds: number, codec = 'pcm_s16le'): Promise<string> {
  const r = await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`,
    '-ac',
    '1',
    '-c:a',
    codec,
    outPath,
  ]);
  if (r.code !== 0) throw new Error(`ffmpeg failed making ${outPath}: ${r.stderr}`);
  return outPath;
}

/** True when `pgrep -f pattern` finds a process (other than pgrep itself). */
export async function processRunning(pattern: string): Promise<boolean> {
  const r = await run('pgrep', ['-f', pattern]);
  return r.code === 0 && r.stdout.trim() !== '';
}
