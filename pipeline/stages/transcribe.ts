/**
 * Transcribe stage: run whisper.cpp on each prepared channel, clean its output (Traditional →
 * Simplified, hallucinated credits, decoder loops, times clamped), merge the channels by time into one
 * transcript (format 1) with speaker labels, and store it.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../errors.js';
import { type AudioMeasurements, type RoleAssignment, type Transcript } from '../transcript.js';
import { initialPrompt, runWhisper } from '../transcribe/whisper.js';
import { postprocessSegments } from '../transcribe/postprocess.js';
import { mergeChannels } from '../transcribe/merge.js';
import { assignRoles } from '../transcribe/roles.js';
import { transcriptKey } from '../storage-keys.js';
import { readStoredTranscript } from './stored-output.js';
import { withTempDir } from './temp-dir.js';
import type { CallFacts, RecordingRef, StageContext } from './context.js';
import type { PreparedChannelRef } from './prepare.js';

/** whisper.cpp settings. `timeLimitMs` in milliseconds, per channel. */
export interface WhisperSettings {
  binaryPath: string;
  /** Absent: every transcription fails with reason `no_model`. */
  modelPath?: string;
  threads: number;
  language: string;
  timeLimitMs: number;
  centreNames: string[];
}

/** Input of {@link runTranscribeStage}, as prepare produced it. */
export interface TranscribeInput {
  call: CallFacts;
  durationSec: number;
  channels: PreparedChannelRef[];
  /** Audio measurements made in prepare; absent in jobs queued before they existed. */
  audio?: AudioMeasurements;
}

/**
 * Checks that ASR can run at all: a model is configured and readable.
 *
 * @throws {BadInputError} code `no_model`, saying what the operator must provide
 */
export async function assertModelAvailable(settings: WhisperSettings): Promise<string> {
  if (!settings.modelPath) {
    throw new BadInputError(
      'no_model',
      'no ASR model configured: set WHISPER_MODEL to a whisper.cpp ggml model file (e.g. ggml-small.bin; callqa downloads none), or put a KEY.transcript.json transcript beside the recording',
    );
  }
  try {
    await access(settings.modelPath);
  } catch {
    throw new BadInputError('no_model', `ASR model ${settings.modelPath} cannot be read: check WHISPER_MODEL`);
  }
  return settings.modelPath;
}

/**
 * Runs the transcribe stage for one recording and returns the key of the stored transcript.
 * A transcript already stored for this recording version (same ETag) is kept and ASR is skipped.
 *
 * @throws {BadInputError} no model, or whisper.cpp cannot read the prepared audio
 * @throws {TimeLimitError} whisper.cpp ran past its limit (the queue retries)
 */
export async function runTranscribeStage(
  ctx: StageContext,
  rec: RecordingRef,
  input: TranscribeInput,
  settings: WhisperSettings,
): Promise<{ transcriptKey: string; segments: number; dropped: number; skipped: boolean }> {
  const outKey = transcriptKey(rec.key);
  if ((await readStoredTranscript(ctx, outKey))?.recording?.etag === rec.etag) {
    return { transcriptKey: outKey, segments: 0, dropped: 0, skipped: true };
  }
  const modelPath = await assertModelAvailable(settings);

  return withTempDir(ctx.workDir, async (dir) => {
    const channels = [];
    let dropped = 0;
    for (const channel of input.channels) {
      const wav = await ctx.storage.download(ctx.resultsBucket, channel.key, dir);
      const raw = await runWhisper({
        binaryPath: settings.binaryPath,
        modelPath,
        wavPath: wav,
        threads: settings.threads,
        language: settings.language,
        prompt: initialPrompt(settings.centreNames),
        timeLimitMs: settings.timeLimitMs,
        workDir: dir,
        signal: ctx.signal,
      });
      const cleaned = postprocessSegments(raw, { durationSec: input.durationSec });
      dropped += cleaned.dropped.length;
      if (cleaned.dropped.length) {
        ctx.log.info({ key: rec.key, role: channel.role, dropped: cleaned.dropped }, 'dropped ASR lines judged invented');
      }
      channels.push({ role: channel.role, segments: cleaned.segments });
    }
    const merged = mergeChannels(channels, {
      callId: input.call.callId,
      durationSec: input.durationSec,
      agentId: input.call.agentId,
      startedAt: input.call.startedAt,
      language: settings.language,
    });
    // Split channels say who speaks; one `unknown` channel (mono, or stereo without a channel map) gets roles
    // from the text (pipeline/transcribe/roles.ts), or keeps `unknown` when that is not confident enough.
    let roles: RoleAssignment = { method: 'channels', confidence: 1 };
    if (input.channels.every((c) => c.role === 'unknown')) {
      const assigned = assignRoles(merged.segments, { silences: input.audio?.silences });
      merged.segments = assigned.segments;
      roles = assigned.roles;
    }
    const transcript: Transcript = {
      ...merged,
      roles,
      ...(input.call.line !== undefined ? { line: input.call.line } : {}),
      ...(input.audio ? { audio: input.audio } : {}),
      source: { kind: 'asr', engine: `whisper.cpp (${path.basename(settings.binaryPath)})`, model: path.basename(modelPath) },
      recording: { bucket: rec.bucket, key: rec.key, etag: rec.etag },
    };
    await ctx.storage.putJson(ctx.resultsBucket, outKey, transcript);
    await ctx.storage.remove(
      ctx.resultsBucket,
      input.channels.map((c) => c.key),
    );
    return { transcriptKey: outKey, segments: transcript.segments.length, dropped, skipped: false };
  });
}
