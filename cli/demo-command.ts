/**
 * `callqa demo`: runs `process` on the bundled sample calls (samples/calls) and prints a summary table.
 * Without a configured ASR model the demo cannot transcribe, so it hands the pipeline each sample's own
 * script (the text espeak-ng was told to say) as a `.transcript.json` sidecar, and says so.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { projectRoot } from '../infra/paths.js';
import { formatSummaryTable, processFolder, type ProcessResult } from './process-command.js';

/** Folder of the sample calls. */
export const SAMPLES_DIR = path.join(projectRoot, 'samples', 'calls');
const SCRIPT_SUFFIX = '.script.json';

/**
 * Copies the samples into a temp folder for `process`: recordings and metadata always; each script as a
 * `.transcript.json` sidecar only when `useScripts`.
 *
 * @returns the temp folder (the caller removes it)
 */
export async function stageSamples(useScripts: boolean): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-demo-'));
  for (const name of await readdir(SAMPLES_DIR)) {
    if (name === 'README.md') continue;
    if (name.endsWith(SCRIPT_SUFFIX)) {
      if (useScripts)
        await copyFile(path.join(SAMPLES_DIR, name), path.join(dir, name.slice(0, -SCRIPT_SUFFIX.length) + '.transcript.json'));
    } else {
      await copyFile(path.join(SAMPLES_DIR, name), path.join(dir, name));
    }
  }
  return dir;
}

/** The sample that is not audio (samples/README.md): the demo shows it failing with `not_audio` while the others go on. */
const BROKEN_SAMPLE = 'broken-page.wav';

/** Runs the demo; writes reports to `outDir`. Prints to `out`. Aborting `signal` stops it (see processFolder). */
export async function demoCommand(
  config: Config,
  log: Logger,
  outDir: string,
  signal?: AbortSignal,
  out: NodeJS.WritableStream = process.stdout,
): Promise<ProcessResult> {
  const useScripts = !config.whisper.modelPath;
  if (useScripts) {
    out.write(
      'Note: no ASR model is configured (WHISPER_MODEL), so this demo does NOT transcribe the audio.\n' +
        '      Each sample call is given its own script (the text espeak-ng was told to say) as a transcript\n' +
        '      sidecar; the audio is still uploaded, listed and queued, and the rules score the scripts.\n' +
        '      Set WHISPER_MODEL to a whisper.cpp ggml model file to run speech recognition instead.\n\n',
    );
  } else {
    out.write(`Transcribing the sample calls with ${config.whisper.modelPath}.\n\n`);
  }
  const dir = await stageSamples(useScripts);
  try {
    const result = await processFolder(config, log, dir, outDir, {
      signal,
      onProgress: (done, total, entry) =>
        out.write(`[${done}/${total}] ${entry.status.padEnd(8)} ${entry.file}${entry.reason ? `  (${entry.reason})` : ''}\n`),
    });
    out.write(`\n${formatSummaryTable(result.recordings)}\n\n`);
    const reported = result.recordings.filter((r) => r.status === 'reported').length;
    out.write(
      `${reported} reported, ${result.recordings.length - reported} failed, in ${result.wallSec.toFixed(1)} s. Reports: ${outDir}\n`,
    );
    if (result.recordings.some((r) => r.file === BROKEN_SAMPLE && r.status === 'failed'))
      out.write(
        `(${BROKEN_SAMPLE} is broken on purpose — an HTML page saved as .wav, see samples/README.md: it must fail, and the others go on.)\n`,
      );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
