/**
 * Speech recognition accuracy on a centre's own recordings (`callqa eval asr DIR`): each recording with a
 * reference transcript goes through the pipeline's own steps — prepare (ffmpeg: 16 kHz mono PCM, one file
 * per channel), Silero VAD, the configured engine, the ASR clean-up of text/transcript-cleanup.ts — and its text is
 * compared with the reference by character error rate (./cer.ts). This is how a centre compares engines on
 * its own calls before choosing one (README "Choosing a speech recognition engine").
 *
 * A recording's text is all its utterances, of every channel, in order of start time, joined; so is a
 * transcript JSON reference's. The overall CER is pooled: the sum of S + D + I over the sum of reference
 * lengths (longer calls weigh more), as ASR benchmarks report it.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { prepareRecording, type ChannelMap } from '../audio/prepare.js';
import { detectSpeech } from '../audio/vad.js';
import { isBadInput } from '../../domain/errors.js';
import { parseTranscriptText } from '../../domain/transcript.js';
import { characterErrorRate, normalizeForCer, type CharacterErrors } from '../../text/cer.js';
import { transcribeRecording, type EngineDescriptor, type TranscriptionEngine } from './engine.js';
import { postprocessSegments } from '../../text/transcript-cleanup.js';

/** Audio file extensions looked at (what prepare's ffmpeg decodes in practice for call recordings). */
export const AUDIO_EXTENSIONS = ['.wav', '.mp3', '.amr', '.m4a', '.aac', '.ogg', '.opus', '.flac', '.wma', '.gsm'];

/** A recording and its reference transcript. */
export interface AsrReference {
  /** File name without extension, e.g. `call-0001`. */
  name: string;
  /** Absolute path of the recording. */
  audioPath: string;
  /** Absolute path of the reference: `NAME.ref.txt` (plain text) or `NAME.transcript.json` (format 1). */
  referencePath: string;
}

/**
 * The recordings in `dir` (not its sub-folders) that have a reference beside them: `NAME.ref.txt`, else
 * `NAME.transcript.json`. Sorted by name.
 *
 * @returns the pairs, and the names of recordings without a reference (they are not evaluated)
 * @throws {Error} when `dir` cannot be read
 */
export async function findAsrReferences(dir: string): Promise<{ references: AsrReference[]; withoutReference: string[] }> {
  const root = path.resolve(dir);
  const names = new Set(await readdir(root));
  const references: AsrReference[] = [];
  const withoutReference: string[] = [];
  for (const file of [...names].sort()) {
    const ext = path.extname(file).toLowerCase();
    if (!AUDIO_EXTENSIONS.includes(ext)) continue;
    const name = file.slice(0, -ext.length);
    const reference = [`${name}.ref.txt`, `${name}.transcript.json`].find((r) => names.has(r));
    if (reference) references.push({ name, audioPath: path.join(root, file), referencePath: path.join(root, reference) });
    else withoutReference.push(file);
  }
  return { references, withoutReference };
}

/**
 * The reference text of a reference file: a `.ref.txt` as written; a transcript JSON's segment texts in
 * order of start time, joined.
 *
 * @throws {BadInputError} `invalid_transcript` for a transcript JSON that is not format 1
 */
export async function readReferenceText(referencePath: string): Promise<string> {
  const text = await readFile(referencePath, 'utf8');
  if (!referencePath.endsWith('.json')) return text;
  const transcript = parseTranscriptText(text, referencePath);
  return [...transcript.segments]
    .sort((a, b) => a.start - b.start)
    .map((s) => s.text)
    .join('');
}

/** One evaluated recording. */
export interface AsrFileResult extends CharacterErrors {
  name: string;
  reference: string;
  /** What the engine wrote, after the pipeline's clean-up. */
  hypothesis: string;
  /** Length of the recording, seconds. */
  durationSec: number;
  /** Wall-clock seconds spent in VAD and the engine (not in ffmpeg). */
  asrSec: number;
}

/** The result of {@link evaluateAsr}. */
export interface AsrEvaluation {
  engine: EngineDescriptor;
  files: AsrFileResult[];
  /** Recordings that could not be evaluated, with the reason (e.g. `no_model: …`, `not_audio: …`). */
  failed: { name: string; reason: string }[];
  /** Audio files in the folder without a reference. */
  withoutReference: string[];
  /** Pooled over `files`: the sums of S, D, I and N, and their CER. */
  overall: CharacterErrors & { durationSec: number; asrSec: number };
}

/** Options of {@link evaluateAsr}. */
export interface EvaluateAsrOptions {
  /** The engine to measure (the caller closes it). */
  engine: TranscriptionEngine;
  /** Existing folder for prepared audio (the caller removes it). */
  workDir: string;
  /** Wall-clock limit of each ffmpeg/ffprobe run, milliseconds. */
  ffmpegTimeLimitMs: number;
  /** Stereo channel map (configuration's CHANNEL_AGENT/CHANNEL_CUSTOMER). */
  channelMap?: ChannelMap;
  signal?: AbortSignal;
  /** Called after each recording (progress). */
  onFile?: (result: AsrFileResult | { name: string; reason: string }) => void;
}

/**
 * Transcribes every recording of `dir` that has a reference, through the pipeline's steps, and measures CER.
 * A recording that fails (bad audio, no model) is listed in `failed` and the others go on; a time limit or an
 * abort stops the run.
 *
 * @throws {Error} when `dir` cannot be read, on abort, and on errors that are not about one recording's input
 */
export async function evaluateAsr(dir: string, options: EvaluateAsrOptions): Promise<AsrEvaluation> {
  const { references, withoutReference } = await findAsrReferences(dir);
  const files: AsrFileResult[] = [];
  const failed: { name: string; reason: string }[] = [];
  for (const ref of references) {
    let preparedPaths: string[] = [];
    try {
      const reference = await readReferenceText(ref.referencePath);
      const prepared = await prepareRecording(ref.audioPath, {
        workDir: options.workDir,
        channelMap: options.channelMap,
        timeLimitMs: options.ffmpegTimeLimitMs,
        displayName: path.basename(ref.audioPath),
        signal: options.signal,
      });
      preparedPaths = prepared.channels.map((c) => c.path);
      const began = performance.now();
      const channels = [];
      for (const channel of prepared.channels) {
        channels.push({
          wavPath: channel.path,
          durationSec: channel.durationSec,
          stretches: await detectSpeech(channel.path, { signal: options.signal }),
        });
      }
      const raw = await transcribeRecording(options.engine, channels, { workDir: options.workDir, signal: options.signal });
      const utterances = raw.flatMap(
        (r, i) =>
          postprocessSegments(r, {
            durationSec: prepared.channels[i]!.durationSec,
            collapseRepeatedSegments: !options.engine.independentUtterances,
          }).segments,
      );
      const hypothesis = utterances
        .sort((a, b) => a.start - b.start)
        .map((u) => u.text)
        .join('');
      const result: AsrFileResult = {
        name: ref.name,
        reference: reference.trim(),
        hypothesis,
        durationSec: prepared.durationSec,
        asrSec: (performance.now() - began) / 1000,
        ...characterErrorRate(normalizeForCer(reference), normalizeForCer(hypothesis)),
      };
      files.push(result);
      options.onFile?.(result);
    } catch (error) {
      if (!isBadInput(error)) throw error;
      const item = { name: ref.name, reason: `${error.code}: ${error.message}` };
      failed.push(item);
      options.onFile?.(item);
    } finally {
      await Promise.all(preparedPaths.map((p) => rm(p, { force: true })));
    }
  }
  const sum = (key: 'substitutions' | 'deletions' | 'insertions' | 'referenceLength' | 'durationSec' | 'asrSec') =>
    files.reduce((total, f) => total + f[key], 0);
  const errors = sum('substitutions') + sum('deletions') + sum('insertions');
  const referenceLength = sum('referenceLength');
  return {
    engine: options.engine.descriptor,
    files,
    failed,
    withoutReference,
    overall: {
      substitutions: sum('substitutions'),
      deletions: sum('deletions'),
      insertions: sum('insertions'),
      referenceLength,
      cer: referenceLength === 0 ? errors : errors / referenceLength,
      durationSec: sum('durationSec'),
      asrSec: sum('asrSec'),
    },
  };
}

/** Percent with one decimal, e.g. `12.5%`. */
function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

/** The evaluation as a table (one row per recording, then the pooled total) and the failures. */
export function formatAsrEvaluation(e: AsrEvaluation): string {
  const options = Object.entries(e.engine.options)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = [`engine ${e.engine.id} (${e.engine.model}) ${options}`, ''];
  const header = ['file', 'N', 'S', 'D', 'I', 'CER', 'audio s', 'ASR s'];
  const rows = e.files.map((f) => [
    f.name,
    f.referenceLength,
    f.substitutions,
    f.deletions,
    f.insertions,
    percent(f.cer),
    f.durationSec.toFixed(1),
    f.asrSec.toFixed(1),
  ]);
  const o = e.overall;
  rows.push([
    `overall (${e.files.length})`,
    o.referenceLength,
    o.substitutions,
    o.deletions,
    o.insertions,
    percent(o.cer),
    o.durationSec.toFixed(1),
    o.asrSec.toFixed(1),
  ]);
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => [...r[i]!].length)));
  for (const r of cells) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  for (const f of e.failed) lines.push(`failed ${f.name}: ${f.reason}`);
  if (e.withoutReference.length) lines.push(`no reference (skipped): ${e.withoutReference.join(', ')}`);
  return lines.join('\n');
}
