/**
 * Runs BullMQ workers for the chosen stages: wraps each handler with failure classification (bad input
 * fails at once with `UnrecoverableError`, anything else retries with back-off and is recorded as failed
 * when the attempts run out) and clean shutdown (running child processes are killed through the job's
 * AbortSignal and the job goes back to waiting, so nothing stays active).
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { isBadInput, TimeLimitError } from '../pipeline/errors.js';
import type { Redis } from 'ioredis';
import { createRedis } from '../infra/redis.js';
import { asrModelProblem, createEngine } from '../pipeline/transcribe/engines.js';
import { handlers, recordFailure, type HandlerDeps } from './handlers.js';
import { QUEUE_NAMES, STAGE_SETTINGS, type JobData, type Stage } from './queues.js';

/** Running workers. */
export interface RunningWorkers {
  workers: Worker[];
  /** The stages that run (`stages` less a refused transcribe stage). */
  stages: Stage[];
  /**
   * Set when the transcribe stage was not started because the engine has no usable model (option
   * `withoutModel: 'refuse'`): the reason, naming the missing file or variable.
   */
  transcribeRefused?: string;
  /**
   * Stops taking jobs, aborts running ones (their child processes are killed and the jobs return to
   * waiting) and closes the connections. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Reason recorded for a recording whose job failed: `[code, message]`. */
function classify(error: unknown): [string, string] {
  if (isBadInput(error)) return [error.code, error.message];
  if (error instanceof TimeLimitError) return ['time_limit', error.message];
  return ['error', error instanceof Error ? error.message : String(error)];
}

function recordingIdOf(stage: Stage, data: unknown): string | undefined {
  return stage === 'scan' ? undefined : (data as JobData['prepare']).recordingId;
}

/** Options of {@link startWorkers}. */
export interface StartWorkersOptions {
  /**
   * What to do when the transcribe stage is asked for and the configured engine has no usable model:
   * - `'refuse'` (the long-running `callqa worker`): do not start the transcribe stage, log the reason as an
   *   error; the other stages run and transcribe jobs wait in their queue until a worker with a model
   *   takes them (nothing fails for a configuration mistake);
   * - `'fail-jobs'` (default; `callqa process` and the demo, which must account for every file): start it,
   *   and every recording that needs ASR fails with `no_model` naming the file, while recordings with a
   *   `.transcript.json` sidecar are still transcribed from it.
   */
  withoutModel?: 'refuse' | 'fail-jobs';
}

/**
 * Starts one worker per stage in `stages`, each with its own Redis connection. With the transcribe stage and
 * no `deps.engine`, the configured transcription engine (`ASR_ENGINE`) is made here, once, and closed by
 * `close()`; when its model files are missing, see {@link StartWorkersOptions.withoutModel}.
 */
export function startWorkers(givenDeps: HandlerDeps, requestedStages: readonly Stage[], options: StartWorkersOptions = {}): RunningWorkers {
  const { config, log } = givenDeps.services;
  let deps = givenDeps;
  let ownEngine = false;
  let stages = [...requestedStages];
  let transcribeRefused: string | undefined;
  if (stages.includes('transcribe') && !deps.engine) {
    const problem = asrModelProblem(config);
    if (problem && options.withoutModel === 'refuse') {
      transcribeRefused = problem;
      stages = stages.filter((s) => s !== 'transcribe');
      log.error({ engine: config.asrEngine, problem }, `transcribe stage NOT started: ${problem}. Other stages run; transcribe jobs wait until a worker with a model takes them`);
    } else {
      const { engine } = createEngine(config);
      deps = { ...deps, engine };
      ownEngine = true;
      if (problem) log.error({ engine: engine.descriptor.id, problem }, `ASR cannot run: ${problem}; transcribe jobs will fail with no_model`);
      else log.info({ engine: engine.descriptor }, 'transcription engine ready');
    }
  }
  let shuttingDown = false;
  const connections: Redis[] = [];
  const workers = stages.map((stage) => {
    const processor = async (job: Job, token: string | undefined, signal: AbortSignal | undefined) => {
      const started = Date.now();
      const id = recordingIdOf(stage, job.data);
      try {
        const handler = handlers[stage] as (d: HandlerDeps, data: unknown, j: { firedAt: Date; signal?: AbortSignal }) => ReturnType<(typeof handlers)[Stage]>;
        const result = await handler(deps, job.data, { firedAt: new Date(job.timestamp), signal });
        log.info({ stage, jobId: job.id, key: (job.data as { key?: string }).key, ms: Date.now() - started, ...result }, `${stage} ${result.status}`);
        return result;
      } catch (error) {
        if (shuttingDown && signal?.aborted) {
          // Shutdown: give the job back untouched (no attempt used) for the next worker.
          await job.moveToWait(token);
          log.info({ stage, jobId: job.id }, 'shutdown: job returned to waiting');
          throw new WaitingError();
        }
        const [code, message] = classify(error);
        const last = isBadInput(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log.warn({ stage, jobId: job.id, key: (job.data as { key?: string }).key, code, reason: message, attempt: job.attemptsMade + 1, last }, `${stage} failed`);
        if (last && id) await recordFailure(deps, stage, id, code, message);
        if (isBadInput(error)) throw new UnrecoverableError(`${code}: ${message}`);
        throw error;
      }
    };
    const connection = createRedis(config.redisUrl);
    connections.push(connection);
    const worker = new Worker(QUEUE_NAMES[stage], processor, {
      connection,
      prefix: config.queuePrefix,
      concurrency: STAGE_SETTINGS[stage].concurrency(config),
      lockDuration: STAGE_SETTINGS[stage].lockDurationMs,
      maxStalledCount: 2,
    });
    worker.on('failed', (job, error) => {
      // A job that stalled too often fails without reaching the processor's catch: record it here.
      if (job && /stalled/i.test(error.message)) {
        const id = recordingIdOf(stage, job.data);
        if (id) void recordFailure(deps, stage, id, 'stalled', error.message).catch(() => undefined);
      }
    });
    worker.on('error', (error) => log.error({ stage, err: error.message }, 'worker error'));
    return worker;
  });

  let closing: Promise<void> | undefined;
  return {
    workers,
    stages,
    transcribeRefused,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        for (const worker of workers) worker.cancelAllJobs('shutdown');
        await Promise.all(workers.map((w) => w.close()));
        if (ownEngine) await deps.engine?.close();
        for (const connection of connections) connection.disconnect();
      })();
      return closing;
    },
  };
}
