/**
 * Deterministic object keys for everything the pipeline reads beside a recording or writes for it, so a
 * re-run finds earlier output and skips the stage (issue: "re-running a night is cheap").
 *
 * Sidecars beside a recording (contract §4): `<key>.json` (call metadata) and `<key>.transcript.json`
 * (a ready-made transcript). Outputs in the results bucket mirror the recording key:
 * `transcripts/<key>.transcript.json`, `reports/<key>.report.json`, `reports/<key>.report.html`, and
 * transient prepared audio under `prepared/<recordingId>/`.
 */
import { createHash } from 'node:crypto';

/** Suffix of the call-metadata sidecar. */
export const METADATA_SUFFIX = '.json';
/** Suffix of a ready-made transcript sidecar. */
export const TRANSCRIPT_SIDECAR_SUFFIX = '.transcript.json';

/** True for keys that are recordings, i.e. not sidecars, folder markers or hidden files. */
export function isRecordingKey(key: string): boolean {
  if (key.endsWith('/') || key.toLowerCase().endsWith('.json')) return false;
  const base = key.slice(key.lastIndexOf('/') + 1);
  return base.length > 0 && !base.startsWith('.');
}

/**
 * The recording a file of a folder is a sidecar of (pure): `<recording>.transcript.json` or `<recording>.json`
 * with `<recording>` itself in the folder; undefined for any other name.
 *
 * @param name a file name in the folder
 * @param inFolder whether a name is a file of the same folder
 */
export function sidecarOf(name: string, inFolder: (name: string) => boolean): string | undefined {
  for (const suffix of [TRANSCRIPT_SIDECAR_SUFFIX, METADATA_SUFFIX]) {
    if (name.endsWith(suffix) && inFolder(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** Key of a recording's metadata sidecar. */
export function metadataKey(recordingKey: string): string {
  return recordingKey + METADATA_SUFFIX;
}

/** Key of a recording's ready-made transcript sidecar. */
export function transcriptSidecarKey(recordingKey: string): string {
  return recordingKey + TRANSCRIPT_SIDECAR_SUFFIX;
}

/** Key of the transcript the pipeline wrote for a recording (results bucket). */
export function transcriptKey(recordingKey: string): string {
  return `transcripts/${recordingKey}.transcript.json`;
}

/** Key of the report JSON for a recording (results bucket). */
export function reportKey(recordingKey: string): string {
  return `reports/${recordingKey}.report.json`;
}

/** Key of the readable report page for a recording (results bucket). */
export function reportHtmlKey(recordingKey: string): string {
  return `reports/${recordingKey}.report.html`;
}

/** Key of one prepared (16 kHz mono) channel of a recording (results bucket; removed after ASR). */
export function preparedAudioKey(recordingId: string, role: string, channelIndex: number): string {
  return `prepared/${recordingId}/${role}-${channelIndex}.wav`;
}

/**
 * Stable identity of one version of a recording: sha1 over bucket, key and ETag (hex, 40 chars).
 * A replaced object (new ETag) is a new recording version and is processed again.
 */
export function recordingId(bucket: string, key: string, etag: string): string {
  return createHash('sha1').update(`${bucket}\n${key}\n${etag}`).digest('hex');
}

/**
 * The call id used when no metadata gives one: the file name without its extension.
 * `2026/11/28/张三 通话1.wav` → `张三 通话1`.
 */
export function callIdFromKey(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
