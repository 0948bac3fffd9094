/**
 * `callqa eval asr DIR [--json]`: character error rate of the configured speech recognition engine
 * (`ASR_ENGINE` and its model settings) on the recordings of DIR that have a reference transcript beside
 * them (`NAME.ref.txt`, or `NAME.transcript.json`), through the pipeline's own prepare, VAD and clean-up.
 * See pipeline/transcribe/evaluate-asr.ts and the README ("Choosing a speech recognition engine").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelMap } from '../pipeline/audio/prepare.js';
import type { TranscriptionEngine } from '../pipeline/transcribe/engine.js';
import { evaluateAsr, formatAsrEvaluation, type AsrEvaluation } from '../pipeline/transcribe/evaluate-asr.js';

/** Options of {@link evalAsrCommand}. */
export interface EvalAsrOptions {
  /** The engine to measure; closed by the command. */
  engine: TranscriptionEngine;
  /** Why the engine cannot run (its model files are missing), from the engine registry; stops at once. */
  engineProblem?: string;
  /** Folder under which a private temporary folder for prepared audio is made (WORK_DIR). */
  workDir: string;
  ffmpegTimeLimitMs: number;
  channelMap?: ChannelMap;
  json?: boolean;
  signal?: AbortSignal;
}

/**
 * Runs the evaluation and prints the per-file table (or JSON), a progress line per file on stderr.
 *
 * @returns exit code: 0 when every recording with a reference was evaluated; 1 when the engine cannot run,
 *   DIR holds no recording with a reference, or some recordings failed (they are listed)
 */
export async function evalAsrCommand(
  dir: string,
  options: EvalAsrOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const work = await mkdtemp(path.join(options.workDir, 'callqa-eval-asr-'));
  let result: AsrEvaluation;
  try {
    if (options.engineProblem) {
      err.write(`callqa eval asr: ${options.engine.descriptor.id} cannot run: ${options.engineProblem}\n`);
      return 1;
    }
    result = await evaluateAsr(dir, {
      engine: options.engine,
      workDir: work,
      ffmpegTimeLimitMs: options.ffmpegTimeLimitMs,
      channelMap: options.channelMap,
      signal: options.signal,
      onFile: (f) => err.write('reason' in f ? `${f.name}: failed (${f.reason})\n` : `${f.name}: CER ${(f.cer * 100).toFixed(1)}%\n`),
    });
  } catch (error) {
    err.write(`callqa eval asr: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await options.engine.close();
    await rm(work, { recursive: true, force: true });
  }
  out.write(options.json ? `${JSON.stringify(result)}\n` : `${formatAsrEvaluation(result)}\n`);
  if (result.files.length === 0 && result.failed.length === 0) {
    err.write(`callqa eval asr: no recording in ${dir} has a reference (NAME.ref.txt or NAME.transcript.json beside NAME.wav)\n`);
    return 1;
  }
  return result.failed.length > 0 ? 1 : 0;
}
