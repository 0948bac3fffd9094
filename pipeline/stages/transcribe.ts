/**
 * Transcribe stage: hand the prepared channels' speech stretches (Silero VAD, found once in prepare) to the
 * configured transcription engine, all channels of the recording at once (an engine may share work between them) (pipeline/transcribe/engines.ts; the stage never knows which), clean its
 * output (Traditional → Simplified, hallucinated credits, decoder loops, times clamped), merge the channels by
 * time into one transcript (format 1) with speaker labels, and store it with the engine's descriptor as its
 * `source`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type AudioMeasurements, type RoleAssignment, type Transcript } from '../../domain/transcript.js';
import { detectSpeech } from '../audio/vad.js';
import { transcribeRecording, type EngineChannel, type SpeechStretch, type TranscriptionEngine } from '../transcribe/engine.js';
import { postprocessSegments } from '../../text/transcript-cleanup.js';
import { mergeChannels } from '../transcribe/merge.js';
import { assignRoles } from '../transcribe/roles.js';
import { transcriptKey } from '../storage-keys.js';
import { readStoredTranscript } from './stored-output.js';
import { withTempDir } from './temp-dir.js';
import type { CallFacts, RecordingRef, StageContext } from './context.js';
import type { PreparedChannelRef } from './prepare.js';

/** What the stage needs besides the job: the engine (made once per worker) and the transcript's language. */
export interface TranscribeSettings {
  engine: TranscriptionEngine;
  /** Language code written into the transcript, e.g. `zh`. */
  language: string;
  /** Wall-clock limit of a VAD run for jobs queued without speech stretches, milliseconds. */
  vadTimeLimitMs: number;
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
 * Runs the transcribe stage for one recording and returns the key of the stored transcript.
 * A transcript already stored for this recording version (same ETag) is kept and ASR is skipped.
 * A channel without speech stretches is not given to the engine at all.
 *
 * @throws {BadInputError} `no_model` (the engine's model files are missing), `asr_failed` (the engine cannot
 *   read the prepared audio)
 * @throws {TimeLimitError} the engine or VAD ran past its limit (the queue retries)
 */
export async function runTranscribeStage(
  ctx: StageContext,
  rec: RecordingRef,
  input: TranscribeInput,
  settings: TranscribeSettings,
): Promise<{ transcriptKey: string; segments: number; dropped: number; skipped: boolean }> {
  const outKey = transcriptKey(rec.key);
  if ((await readStoredTranscript(ctx, outKey))?.recording?.etag === rec.etag) {
    return { transcriptKey: outKey, segments: 0, dropped: 0, skipped: true };
  }
  const { engine } = settings;

  return withTempDir(ctx.workDir, async (dir) => {
    const inputs: EngineChannel[] = [];
    for (const channel of input.channels) {
      const wav = await ctx.storage.download(ctx.resultsBucket, channel.key, dir);
      // Jobs queued before prepare ran VAD carry no stretches: find them here (once).
      const stretches: SpeechStretch[] =
        channel.speech ?? (await detectSpeech(wav, { timeLimitMs: settings.vadTimeLimitMs, signal: ctx.signal }));
      inputs.push({ wavPath: wav, durationSec: channel.durationSec, stretches });
    }
    const workDir = path.join(dir, 'engine');
    await mkdir(workDir);
    const raw = await transcribeRecording(engine, inputs, { workDir, signal: ctx.signal });
    const channels = [];
    let dropped = 0;
    for (const [i, channel] of input.channels.entries()) {
      const cleaned = postprocessSegments(raw[i]!, {
        durationSec: input.durationSec,
        collapseRepeatedSegments: !engine.independentUtterances,
      });
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
      source: { kind: 'asr', engine: engine.descriptor.id, model: engine.descriptor.model, options: { ...engine.descriptor.options } },
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
