/**
 * The queues: one per stage so each scales on its own, their job payloads, and their options, in one
 * table. This folder is the only code that imports bullmq.
 *
 * Topology: nightly (job scheduler) → scan (list a prefix) → prepare → transcribe → analyze.
 * prepare goes straight to analyze when a transcript arrived beside the recording.
 * Beside them: monthly (job scheduler, workers/monthly-stats.ts) → stats (a month's statistics).
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../infra/config.js';
import type { CallFacts, RecordingRef } from '../pipeline/stages/context.js';
import type { PreparedChannelRef } from '../pipeline/stages/prepare.js';
import type { AudioMeasurements } from '../domain/transcript.js';

/** The stages, in pipeline order. */
export const STAGES = ['scan', 'prepare', 'transcribe', 'analyze', 'stats'] as const;
export type Stage = (typeof STAGES)[number];

/** Payload of each stage's jobs. */
export interface JobData {
  /** `prefix` in `bucket`; `nightlyFor` set when the nightly scheduler asked for it (yyyy-mm-dd). */
  scan: { bucket: string; prefix: string; nightlyFor?: string } | { nightly: true };
  prepare: RecordingRef;
  /** `audio`: measurements made in prepare (numbers and time spans, no audio), for the transcript. */
  transcribe: RecordingRef & { call: CallFacts; durationSec: number; channels: PreparedChannelRef[]; audio?: AudioMeasurements };
  analyze: RecordingRef & { call: CallFacts; transcriptKey: string };
  /**
   * Scheduled work over the database: build a month's statistics (`yyyy-mm`; `monthly` from the job
   * scheduler: the month before it fired), or draw a day's sample (`sampleDate` `yyyy-mm-dd`; `dailySample`
   * from the job scheduler: the day before it fired, workers/daily-sampling.ts).
   */
  stats: { month: string } | { monthly: true } | { sampleDate: string } | { dailySample: true };
}

/** Redis queue name of each stage. */
export const QUEUE_NAMES: Record<Stage, string> = {
  scan: 'scan',
  prepare: 'prepare',
  transcribe: 'transcribe',
  analyze: 'analyze',
  stats: 'stats',
};

/**
 * Per-stage settings that every new stage must fill. `lockDurationMs`: how long a job may run between
 * lock renewals before BullMQ considers it stalled (renewed automatically while the event loop is free);
 * also about how long a dead worker's job waits before another worker takes it. `JOB_LOCK_MS` overrides it
 * for every stage.
 */
export const STAGE_SETTINGS: Record<Stage, { concurrency: (c: Config) => number; lockDurationMs: number }> = {
  scan: { concurrency: (c) => c.concurrency.scan, lockDurationMs: 60_000 },
  prepare: { concurrency: (c) => c.concurrency.prepare, lockDurationMs: 60_000 },
  transcribe: { concurrency: (c) => c.concurrency.transcribe, lockDurationMs: 120_000 },
  analyze: { concurrency: (c) => c.concurrency.analyze, lockDurationMs: 30_000 },
  stats: { concurrency: () => 1, lockDurationMs: 300_000 },
};

/**
 * Default job options: retries with exponential back-off and jitter for transient errors, and bounded
 * retention of completed and failed jobs (the durable record of failures is PostgreSQL's `recordings`).
 */
export function defaultJobOptions(config: Config): JobsOptions {
  return {
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.3 },
    removeOnComplete: { count: config.jobs.keepCompleted },
    removeOnFail: { count: config.jobs.keepFailed },
  };
}

/** The stage queues. */
export type Queues = { [S in Stage]: Queue<JobData[S]> };

/** Opens the stage queues on a shared connection, with the configured key prefix. */
export function openQueues(connection: Redis, config: Config): Queues {
  const make = <S extends Stage>(stage: S) =>
    new Queue<JobData[S]>(QUEUE_NAMES[stage], { connection, prefix: config.queuePrefix, defaultJobOptions: defaultJobOptions(config) });
  return { scan: make('scan'), prepare: make('prepare'), transcribe: make('transcribe'), analyze: make('analyze'), stats: make('stats') };
}

/** Closes the queues (not the shared connection). */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(STAGES.map((s) => queues[s].close()));
}

/** Job id of a recording's job in a stage: deterministic, so the same recording version is queued once. */
export function stageJobId(stage: Stage, recordingId: string): string {
  return `${stage}-${recordingId}`;
}
