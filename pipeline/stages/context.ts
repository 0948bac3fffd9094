/**
 * What every stage needs from outside, passed in so stages stay plain functions that know nothing of
 * the queue (the queue layer in workers/ builds this).
 */
import type { Logger } from '../../infra/logger.js';
import type { ObjectStorage } from '../../infra/object-storage.js';

/** Shared dependencies of the stages. */
export interface StageContext {
  storage: ObjectStorage;
  /** Bucket for transcripts, reports and prepared audio. */
  resultsBucket: string;
  /** Parent folder for private per-job temp folders. */
  workDir: string;
  log: Logger;
  /** Aborted on worker shutdown: child processes are killed and the stage throws. */
  signal?: AbortSignal;
}

/** One version of a recording object. `size` in bytes. */
export interface RecordingRef {
  recordingId: string;
  bucket: string;
  key: string;
  etag: string;
  size: number;
  /** The file name before `callqa process` uploaded it under a content key, when there was one. */
  originalName?: string;
}

/** Call facts gathered in prepare and carried to the transcript. */
export interface CallFacts {
  callId: string;
  agentId?: string;
  startedAt?: string;
  line?: string;
}
