/**
 * Prepare stage: gather the call's metadata, then either take a ready-made transcript that arrived
 * beside the recording, or download the recording, probe and convert it (16 kHz mono 16-bit PCM per
 * channel) and store the prepared audio for transcription.
 */
import { BadInputError } from '../../domain/errors.js';
import { decodeUtf8 } from '../../domain/json-input.js';
import { parseCallMetadata, type CallMetadata } from '../../domain/call-metadata.js';
import { parseTranscriptText, type AudioMeasurements, type TimeSpan, type Transcript } from '../../domain/transcript.js';
import { prepareRecording } from '../audio/prepare.js';
import { measureChannels } from '../audio/measure.js';
import { assignRoles } from '../transcribe/roles.js';
import { cleanTranscriptSegments } from '../../text/transcript-cleanup.js';
import { callIdFromKey, metadataKey, preparedAudioKey, transcriptKey, transcriptSidecarKey } from '../storage-keys.js';
import { readStoredTranscript } from './stored-output.js';
import { withTempDir } from './temp-dir.js';
import type { CallFacts, RecordingRef, StageContext } from './context.js';

/** One prepared channel stored in the results bucket. `durationSec` in seconds. */
export interface PreparedChannelRef {
  role: 'agent' | 'customer' | 'unknown';
  channelIndex: number;
  key: string;
  durationSec: number;
  /**
   * Speech stretches of this channel found by Silero VAD in prepare (seconds), so the transcribe stage decodes
   * only speech without running VAD again. Absent in jobs queued before prepare ran VAD.
   */
  speech?: TimeSpan[];
}

/** What the queue layer does next with the recording. */
export type PrepareOutcome =
  | { next: 'analyze'; call: CallFacts; transcriptKey: string; reused: 'transcript' | 'sidecar' }
  | { next: 'transcribe'; call: CallFacts; durationSec: number; channels: PreparedChannelRef[]; audio: AudioMeasurements };

/** Options of {@link runPrepareStage}. Times in milliseconds. */
export interface PrepareOptions {
  /** Channel map used for stereo recordings whose metadata gives none. */
  defaultChannelMap: { agent: number; customer: number };
  ffmpegTimeLimitMs: number;
}

/**
 * Runs the prepare stage for one recording.
 *
 * Skips work that is done: a transcript already written for this version (same ETag) goes straight to
 * analysis.
 *
 * @throws {BadInputError} bad metadata, bad transcript sidecar, or a recording that is not usable audio
 * @throws {Error} storage or ffmpeg trouble that may pass (the queue retries)
 */
export async function runPrepareStage(ctx: StageContext, rec: RecordingRef, options: PrepareOptions): Promise<PrepareOutcome> {
  const { storage } = ctx;
  const metaSource = `${rec.bucket}/${metadataKey(rec.key)}`;
  const metaBytes = await storage.getBytes(rec.bucket, metadataKey(rec.key));
  const meta: CallMetadata =
    metaBytes === undefined ? {} : parseCallMetadata(decodeUtf8(metaBytes, metaSource, 'invalid_metadata'), metaSource);
  // Without a call id in the metadata, the file name gives it: the uploader's original name when it set one.
  const originalName = meta.callId ? undefined : (await storage.stat(rec.bucket, rec.key))?.originalName;
  const call: CallFacts = {
    callId: meta.callId ?? callIdFromKey(originalName ?? rec.key),
    agentId: meta.agentId,
    startedAt: meta.startedAt,
    line: meta.line,
  };

  const outKey = transcriptKey(rec.key);
  const previous = await readStoredTranscript(ctx, outKey);
  if (previous) {
    if (previous.recording?.etag === rec.etag) {
      ctx.log.info({ key: rec.key }, 'transcript already exists for this recording version: skipping prepare');
      return { next: 'analyze', call: { ...call, callId: previous.callId }, transcriptKey: outKey, reused: 'transcript' };
    }
  }

  const sidecarKey = transcriptSidecarKey(rec.key);
  const sidecarBytes = await storage.getBytes(rec.bucket, sidecarKey);
  const sidecarText = sidecarBytes && decodeUtf8(sidecarBytes, `${rec.bucket}/${sidecarKey}`, 'invalid_transcript');
  if (sidecarText !== undefined) {
    const parsed = parseTranscriptText(sidecarText, `${rec.bucket}/${sidecarKey}`);
    // The transcript replaces ASR, not the recording: reviewers listen to it, so it must be usable audio,
    // and the audio measurements come from it.
    const audio = await measureRecording(ctx, rec, meta, options);
    assertSidecarFitsAudio(parsed, audio.durationSec, `${rec.bucket}/${sidecarKey}`);
    // The same clean-up as ASR output: labels, invented lines and loops never reach the rules.
    const cleaned = cleanTranscriptSegments(parsed.segments, { durationSec: parsed.durationSec });
    if (cleaned.dropped.length) ctx.log.info({ key: rec.key, dropped: cleaned.dropped }, 'dropped sidecar lines judged invented');
    const sidecar = { ...parsed, segments: cleaned.segments };
    // A mono sidecar (every utterance `unknown`) gets roles the way a mono ASR transcript does.
    const assigned =
      sidecar.segments.length > 0 && sidecar.segments.every((s) => s.speaker === 'unknown')
        ? assignRoles(sidecar.segments, { silences: audio.silences })
        : undefined;
    const transcript: Transcript = {
      ...sidecar,
      ...(assigned ? { segments: assigned.segments, roles: assigned.roles } : {}),
      audio,
      callId: meta.callId ?? sidecar.callId,
      agentId: sidecar.agentId ?? call.agentId,
      startedAt: sidecar.startedAt ?? call.startedAt,
      ...((sidecar.line ?? call.line) !== undefined ? { line: sidecar.line ?? call.line } : {}),
      source: { kind: 'sidecar', file: sidecarKey },
      recording: { bucket: rec.bucket, key: rec.key, etag: rec.etag },
    };
    await storage.putJson(ctx.resultsBucket, outKey, transcript);
    ctx.log.info({ key: rec.key }, 'using the transcript that arrived beside the recording instead of ASR');
    return { next: 'analyze', call: { ...call, callId: transcript.callId }, transcriptKey: outKey, reused: 'sidecar' };
  }

  return withTempDir(ctx.workDir, async (dir) => {
    const { prepared, measured } = await prepareAndMeasure(ctx, rec, meta, options, dir);
    const { audio } = measured;
    const channels: PreparedChannelRef[] = [];
    for (const [i, channel] of prepared.channels.entries()) {
      const key = preparedAudioKey(rec.recordingId, channel.role, channel.channelIndex);
      await storage.putFile(ctx.resultsBucket, key, channel.path, 'audio/wav');
      const speech = measured.speech[i] ?? [];
      channels.push({ role: channel.role, channelIndex: channel.channelIndex, key, durationSec: channel.durationSec, speech });
    }
    return { next: 'transcribe', call, durationSec: prepared.durationSec, channels, audio };
  });
}

/**
 * How much longer than the audio a transcript that arrived beside it may say the call is, in seconds: the
 * larger of 1 s and 2 % of the audio (sidecar tools round, and container durations differ by padding).
 */
export function sidecarDurationTolerance(audioSec: number): number {
  return Math.max(1, audioSec * 0.02);
}

/**
 * A transcript sidecar must describe the recording beside it: one that claims a longer call than the audio
 * (e.g. 3,600 s for 30 s of audio) would put findings where nobody can listen to them.
 *
 * @throws {BadInputError} `invalid_transcript` naming the file, the field and both durations
 */
function assertSidecarFitsAudio(sidecar: Transcript, audioSec: number, source: string): void {
  if (sidecar.durationSec > audioSec + sidecarDurationTolerance(audioSec)) {
    throw new BadInputError(
      'invalid_transcript',
      `${source}: durationSec: ${sidecar.durationSec} s is longer than the recording's ${audioSec.toFixed(2)} s (allowed: ${sidecarDurationTolerance(audioSec).toFixed(2)} s more)`,
    );
  }
}

/**
 * Downloads the listed version of the recording into `dir` (an empty recording is told from the bytes of
 * that version, never from the listing: issue 10's false `empty_file`), prepares it (16 kHz mono WAV per
 * channel) and measures the prepared channels (pipeline/audio/measure.ts: Silero VAD and silencedetect;
 * ffmpeg time limit per run).
 * @throws {BadInputError} when it is not usable audio or the channel map does not fit
 * @throws {ObjectChangedError} the object was replaced after it was listed
 */
async function prepareAndMeasure(ctx: StageContext, rec: RecordingRef, meta: CallMetadata, options: PrepareOptions, dir: string) {
  const displayName = `${rec.bucket}/${rec.key}`;
  const local = await ctx.storage.download(rec.bucket, rec.key, dir, { etag: rec.etag });
  const limits = { timeLimitMs: options.ffmpegTimeLimitMs, displayName, signal: ctx.signal };
  const prepared = await prepareRecording(local, { ...limits, workDir: dir, channelMap: meta.channels ?? options.defaultChannelMap });
  const measured = await measureChannels(prepared.channels, limits);
  return { prepared, measured };
}

/** Prepares and measures the recording in a temp folder, keeping only the measurements (sidecar transcripts). */
async function measureRecording(
  ctx: StageContext,
  rec: RecordingRef,
  meta: CallMetadata,
  options: PrepareOptions,
): Promise<AudioMeasurements> {
  return withTempDir(ctx.workDir, async (dir) => (await prepareAndMeasure(ctx, rec, meta, options, dir)).measured.audio);
}
