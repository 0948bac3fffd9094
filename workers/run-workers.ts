/**
 * Runs BullMQ workers for the chosen stages: wraps each handler with failure classification (bad input
 * fails at once with `UnrecoverableError`, anything else retries with back-off and is recorded as failed
 * when the attempts run out), outages of PostgreSQL, Redis or object storage (the workers pause and the job
 * is put back without using an attempt, see infra/dependencies.ts), the reconciler (workers/reconcile.ts),
 * and shutdown bounded in time (running child processes are killed through the job's AbortSignal and the
 * job goes back to waiting, so nothing stays active).
 */
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { isBadInput, TimeLimitError } from '../domain/errors.js';
import type { Redis } from 'ioredis';
import { checkDependencies, looksLikeOutage, type DependencyName } from '../infra/dependencies.js';
import { createRedis } from '../infra/redis.js';
import { asrModelProblem, createEngine } from '../pipeline/transcribe/engines.js';
import { handlers, recordFailure, type HandlerDeps } from './handlers.js';
import { QUEUE_NAMES, STAGE_SETTINGS, type JobData, type Stage } from './queues.js';
import { startReconciler, type Reconciler } from './reconcile.js';
import { sweepStaleTempDirs } from '../pipeline/stages/temp-dir.js';

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
   * waiting) and closes the connections, within SHUTDOWN_TIME_LIMIT_MS whatever is unreachable (then the
   * workers are closed by force). Safe to call twice.
   *
   * @returns true when everything closed in time, false when the time limit forced it
   */
  close(): Promise<boolean>;
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
  /**
   * Run the reconciler for the recordings bucket (`callqa worker`). Off for `callqa process`, whose
   * recordings are followed by the run itself.
   */
  reconcile?: boolean;
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
      log.error(
        { engine: config.asrEngine, problem },
        `transcribe stage NOT started: ${problem}. Other stages run; transcribe jobs wait until a worker with a model takes them`,
      );
    } else {
      const { engine } = createEngine(config);
      deps = { ...deps, engine };
      ownEngine = true;
      if (problem)
        log.error({ engine: engine.descriptor.id, problem }, `ASR cannot run: ${problem}; transcribe jobs will fail with no_model`);
      else log.info({ engine: engine.descriptor }, 'transcription engine ready');
    }
  }
  let shuttingDown = false;
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  // Temp folders of workers killed on this machine (kill -9, power loss) are removed before work starts.
  void sweepStaleTempDirs(config.workDir).then(
    (removed) => removed.length && log.info({ removed }, 'removed temp folders left by workers that are gone'),
    (error: unknown) => log.warn({ err: (error as Error).message }, 'could not sweep stale temp folders'),
  );
  const checks = { db: deps.services.db, redis: deps.services.redis, storage: deps.services.storage, bucket: config.s3.resultsBucket };

  /** Set while a dependency is down: the workers are paused and this loop waits for it. */
  let outage: Promise<void> | undefined;
  const waitOut = (down: { name: DependencyName; reason: string }[]) => {
    outage ??= (async () => {
      log.warn({ down }, `pausing workers: ${down.map((d) => d.name).join(', ')} not answering`);
      await Promise.all(workers.map((w) => w.pause(true)));
      let delay = config.dependencyRetryMs;
      for (let still = down; still.length && !shuttingDown;) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        still = await checkDependencies(checks);
        if (still.length) log.warn({ down: still, retryInMs: delay }, `waiting for ${still.map((d) => d.name).join(', ')}`);
        delay = Math.min(delay * 2, 30_000);
      }
      if (!shuttingDown) {
        await Promise.all(workers.map((w) => w.resume()));
        log.info('dependencies answer again: workers resumed');
      }
    })().finally(() => (outage = undefined));
  };

  for (const stage of stages) {
    const processor = async (job: Job, token: string | undefined, signal: AbortSignal | undefined) => {
      const started = Date.now();
      const id = recordingIdOf(stage, job.data);
      try {
        const handler = handlers[stage] as (
          d: HandlerDeps,
          data: unknown,
          j: { firedAt: Date; signal?: AbortSignal },
        ) => ReturnType<(typeof handlers)[Stage]>;
        const result = await handler(deps, job.data, { firedAt: new Date(job.timestamp), signal });
        log.info(
          { stage, jobId: job.id, key: (job.data as { key?: string }).key, ms: Date.now() - started, ...result },
          `${stage} ${result.status}`,
        );
        return result;
      } catch (error) {
        if (shuttingDown && signal?.aborted) {
          // Shutdown: give the job back untouched (no attempt used) for the next worker.
          await job.moveToWait(token);
          log.info({ stage, jobId: job.id }, 'shutdown: job returned to waiting');
          throw new WaitingError();
        }
        if (!isBadInput(error) && !(error instanceof TimeLimitError) && looksLikeOutage(error)) {
          const down = await checkDependencies(checks);
          if (down.length) {
            // Not the recording's fault: put the job back without using an attempt and wait for the system.
            waitOut(down);
            log.warn(
              { stage, jobId: job.id, down: down.map((d) => d.name), err: error instanceof Error ? error.message : String(error) },
              `${stage}: dependency down, job put back`,
            );
            await job.moveToDelayed(Date.now() + config.dependencyRetryMs, token);
            throw new DelayedError();
          }
        }
        const [code, message] = classify(error);
        const last = isBadInput(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log.warn(
          { stage, jobId: job.id, key: (job.data as { key?: string }).key, code, reason: message, attempt: job.attemptsMade + 1, last },
          `${stage} failed`,
        );
        if (last && id) {
          // When this fails too (the database went away just now), the reconciler marks it from the failed job.
          await recordFailure(deps, stage, id, code, message).catch((e: unknown) =>
            log.warn({ stage, jobId: job.id, err: (e as Error).message }, 'could not record the failure; the reconciler will'),
          );
        }
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
      lockDuration: config.jobs.lockMs ?? STAGE_SETTINGS[stage].lockDurationMs,
      // Look for stalled jobs (a dead worker's) once a lock at least, and at least every 30 s (BullMQ's default).
      stalledInterval: Math.min(30_000, config.jobs.lockMs ?? STAGE_SETTINGS[stage].lockDurationMs),
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
    workers.push(worker);
  }

  const reconciler: Reconciler | undefined = options.reconcile
    ? startReconciler(
        { db: deps.services.db, queues: deps.queues, redis: deps.services.redis, log, queuePrefix: config.queuePrefix },
        { bucket: config.s3.recordingsBucket, ...config.reconcile },
      )
    : undefined;

  let closing: Promise<boolean> | undefined;
  return {
    workers,
    stages,
    transcribeRefused,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        for (const worker of workers) worker.cancelAllJobs('shutdown');
        const graceful = Promise.all([reconciler?.stop(), ...workers.map((w) => w.close())]).then(() => true);
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          graceful,
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), config.shutdownTimeLimitMs))),
        ]);
        clearTimeout(timer);
        if (!inTime) {
          log.warn(
            { limitMs: config.shutdownTimeLimitMs },
            'shutdown time limit reached (a dependency does not answer): closing the workers by force',
          );
          await Promise.race([Promise.all(workers.map((w) => w.close(true))), new Promise((resolve) => setTimeout(resolve, 1_000))]);
        }
        if (ownEngine) await deps.engine?.close();
        for (const connection of connections) connection.disconnect();
        return inTime;
      })();
      return closing;
    },
  };
}
