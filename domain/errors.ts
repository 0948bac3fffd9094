/**
 * Errors that the stages throw, classified so the queue layer knows whether to retry.
 *
 * - {@link BadInputError}: the recording or transcript itself is unusable (no audio stream, not audio,
 *   zero length, invalid transcript JSON, no ASR model configured). Retrying cannot help: the job fails at
 *   once and the recording is listed as failed with `code` and `message` as its reason.
 * - Anything else (network, Redis, storage, a killed child process) is treated as transient and retried
 *   with backoff by the queue layer.
 */

/** Machine-readable reason codes for recordings that fail on bad input. */
export type BadInputCode =
  | 'empty_file'
  | 'not_audio'
  | 'no_audio_stream'
  | 'zero_duration'
  | 'unsupported_audio'
  | 'invalid_transcript'
  | 'invalid_metadata'
  | 'no_model'
  | 'asr_failed';

/**
 * Every reason code a recording can end failed with (README, "Failure reason codes"): the bad-input codes, and
 * those the queue and run layers give — `time_limit` (a child process was killed at its limit), `stalled` (the
 * job lost its worker), `error` (transient retries used up), `not_a_file` / `unreadable` / `not_a_recording`
 * (what `callqa process` finds in a folder), `interrupted` (a `process` run stopped before the recording ended).
 */
export type FailureCode =
  BadInputCode | 'time_limit' | 'stalled' | 'error' | 'not_a_file' | 'unreadable' | 'not_a_recording' | 'interrupted';

/** The input (recording, sidecar, transcript) is unusable; never retried. */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
  /**
   * @param code reason code shown to operators (`callqa status`) and stored with the failed recording
   * @param message human-readable reason; names the file or object key it is about
   */
  constructor(
    readonly code: BadInputCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A child process (ffmpeg, ffprobe, whisper.cpp) ran past its wall-clock limit and was killed. */
export class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
  /**
   * @param what the program or step that timed out, e.g. `ffprobe`
   * @param limitMs the limit that was exceeded, in milliseconds
   */
  constructor(
    readonly what: string,
    readonly limitMs: number,
  ) {
    super(`${what} ran longer than its limit of ${limitMs} ms and was killed`);
  }
}

/** True when `error` is a {@link BadInputError}, i.e. retrying cannot help. */
export function isBadInput(error: unknown): error is BadInputError {
  return error instanceof BadInputError;
}
