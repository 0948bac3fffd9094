/**
 * Thin stage handlers: each takes typed job data, calls into pipeline/, records the recording's status in
 * PostgreSQL and queues the next stage. They know nothing of job objects, locks or retries.
 */
import { markRecordingFailed, markRecordingSuperseded, setRecordingStage } from '../infra/db/recordings-repository.js';
import { saveReportSummary } from '../infra/db/reports-repository.js';
import { ObjectChangedError } from '../infra/object-storage.js';
import { recordingId } from '../pipeline/storage-keys.js';
import type { Services } from '../infra/services.js';
import type { RecordingRef, StageContext } from '../pipeline/stages/context.js';
import { runPrepareStage } from '../pipeline/stages/prepare.js';
import { runTranscribeStage } from '../pipeline/stages/transcribe.js';
import type { TranscriptionEngine } from '../pipeline/transcribe/engine.js';
import { reportSummary, runAnalyzeStage } from '../pipeline/stages/analyze.js';
import { activeRuleset } from '../infra/ruleset-store.js';
import { queueNewRecordings, scanPrefix } from './enqueue.js';
import { nightlyTarget } from './nightly.js';
import { statsJobId, statsTargetMonth } from './monthly-stats.js';
import { samplingJobId, samplingTargetDate } from './daily-sampling.js';
import { drawSample } from '../infra/db/sampling-repository.js';
import { stageJobId, type JobData, type Queues, type Stage } from './queues.js';

/** What a handler reports back (logged; also the job's return value). */
export interface HandlerResult {
  status: 'done' | 'skipped';
  detail: Record<string, unknown>;
}

/** Everything a handler may use. */
export interface HandlerDeps {
  services: Services;
  queues: Queues;
  /**
   * The transcription engine (made once per worker process by `startWorkers`, closed on shutdown); only the
   * transcribe stage uses it.
   */
  engine?: TranscriptionEngine;
}

/** Handler of each stage. `firedAt`: when the job was created (the nightly run's fire time). */
export type StageHandlers = {
  [S in Stage]: (deps: HandlerDeps, data: JobData[S], job: { firedAt: Date; signal?: AbortSignal }) => Promise<HandlerResult>;
};

function stageContext(deps: HandlerDeps, signal?: AbortSignal): StageContext {
  const { storage, config, log } = deps.services;
  return { storage, resultsBucket: config.s3.resultsBucket, workDir: config.workDir, log, signal };
}

/**
 * What a stage job returns when its recording is already further on or terminal (the job ran again late,
 * e.g. after a Redis outage longer than its lock): it does nothing, so a row never moves backwards.
 */
const alreadyFurther: HandlerResult = { status: 'skipped', detail: { reason: 'the recording is already further on or finished' } };

/** The handlers of the stages. */
export const handlers: StageHandlers = {
  async scan(deps, data, job) {
    const { config, storage, db } = deps.services;
    if ('nightly' in data) {
      const target = nightlyTarget(job.firedAt, config);
      // One scan per date, however many times the schedule fires or workers start.
      await deps.queues.scan.add(
        'scan',
        { bucket: config.s3.recordingsBucket, prefix: target.prefix, nightlyFor: target.date },
        { jobId: `scan-night-${target.date}` },
      );
      return { status: 'done', detail: { nightlyFor: target.date, prefix: target.prefix } };
    }
    const result = await scanPrefix({ storage, db, queues: deps.queues }, data.bucket, data.prefix);
    return {
      status: 'done',
      detail: { prefix: data.prefix, found: result.found, queued: result.queued, alreadyKnown: result.alreadyKnown },
    };
  },

  async prepare(deps, rec, job) {
    const { config, db } = deps.services;
    if (!(await setRecordingStage(db, rec.recordingId, 'preparing'))) return alreadyFurther;
    let outcome;
    try {
      outcome = await runPrepareStage(stageContext(deps, job.signal), rec, {
        defaultChannelMap: config.channelMap,
        ffmpegTimeLimitMs: config.ffmpegTimeLimitMs,
      });
    } catch (error) {
      if (error instanceof ObjectChangedError) return supersede(deps, rec, error);
      throw error;
    }
    if (outcome.next === 'analyze') {
      await setRecordingStage(db, rec.recordingId, 'analyzing', outcome.call.callId);
      await deps.queues.analyze.add(
        'analyze',
        { ...rec, call: outcome.call, transcriptKey: outcome.transcriptKey },
        { jobId: stageJobId('analyze', rec.recordingId) },
      );
      return { status: 'skipped', detail: { reused: outcome.reused } };
    }
    await setRecordingStage(db, rec.recordingId, 'transcribing', outcome.call.callId);
    await deps.queues.transcribe.add(
      'transcribe',
      { ...rec, call: outcome.call, durationSec: outcome.durationSec, channels: outcome.channels, audio: outcome.audio },
      { jobId: stageJobId('transcribe', rec.recordingId) },
    );
    return { status: 'done', detail: { durationSec: outcome.durationSec, channels: outcome.channels.map((c) => c.role) } };
  },

  async transcribe(deps, data, job) {
    const { config, db } = deps.services;
    if (!(await setRecordingStage(db, data.recordingId, 'transcribing', data.call.callId))) return alreadyFurther;
    if (!deps.engine) throw new Error('transcribe stage started without a transcription engine (startWorkers makes one)');
    const result = await runTranscribeStage(stageContext(deps, job.signal), data, data, {
      engine: deps.engine,
      language: config.whisper.language,
      vadTimeLimitMs: config.ffmpegTimeLimitMs,
    });
    await setRecordingStage(db, data.recordingId, 'analyzing');
    const { recordingId, bucket, key, etag, size, call } = data;
    await deps.queues.analyze.add(
      'analyze',
      { recordingId, bucket, key, etag, size, call, transcriptKey: result.transcriptKey },
      { jobId: stageJobId('analyze', recordingId) },
    );
    return { status: result.skipped ? 'skipped' : 'done', detail: { segments: result.segments, dropped: result.dropped } };
  },

  async analyze(deps, data, job) {
    const { config, db } = deps.services;
    if (!(await setRecordingStage(db, data.recordingId, 'analyzing', data.call.callId))) return alreadyFurther;
    // The active ruleset (saved in PostgreSQL by /rules or `callqa rules activate`), else the shipped file.
    const ruleset = await activeRuleset(db);
    const outcome = await runAnalyzeStage(stageContext(deps, job.signal), data, data.transcriptKey, config.centreNames, { ruleset });
    const { report } = outcome;
    await saveReportSummary(db, reportSummary(data.recordingId, outcome, data.call.line));
    return {
      status: outcome.reused ? 'skipped' : 'done',
      detail: { score: report.score, flagged: report.flagged, reportKey: outcome.reportKey },
    };
  },

  async stats(deps, data, job) {
    const { config, storage, db } = deps.services;
    if ('monthly' in data) {
      // One build per month, however many times the schedule fires or workers start.
      const month = statsTargetMonth(job.firedAt, config);
      await deps.queues.stats.add('stats', { month }, { jobId: statsJobId(month) });
      return { status: 'done', detail: { monthlyFor: month } };
    }
    if ('dailySample' in data) {
      // One draw per day, however many times the schedule fires or workers start.
      const date = samplingTargetDate(job.firedAt, config);
      await deps.queues.stats.add('sample', { sampleDate: date }, { jobId: samplingJobId(date) });
      return { status: 'done', detail: { samplingFor: date } };
    }
    if ('sampleDate' in data) {
      const drawn = await drawSample(db, data.sampleDate, config.stats.timeZone);
      return { status: 'done', detail: { sampleDate: data.sampleDate, drawn: drawn.length } };
    }
    // Loaded on first use: the chart and workbook libraries are large and only this stage needs them.
    const { buildMonthlyStats } = await import('../pipeline/stats/build.js');
    const { parseMonth } = await import('../pipeline/stats/month.js');
    const result = await buildMonthlyStats(
      { db, storage, resultsBucket: config.s3.resultsBucket, timeZone: config.stats.timeZone },
      parseMonth(data.month),
    );
    return { status: 'done', detail: { month: data.month, calls: result.stats.centre.calls, files: result.keys.length } };
  },
};

/**
 * The object of `rec` was replaced between listing and download: this version ends `superseded` (it can no
 * longer be read) and the object's current version is queued, once however many workers or scans meet it
 * (its row and job ids come from its ETag).
 */
async function supersede(deps: HandlerDeps, rec: RecordingRef, error: ObjectChangedError): Promise<HandlerResult> {
  const { db, storage } = deps.services;
  await markRecordingSuperseded(db, rec.recordingId, error.message);
  const current = await storage.stat(rec.bucket, rec.key);
  if (current) {
    const next: RecordingRef = {
      recordingId: recordingId(rec.bucket, rec.key, current.etag),
      bucket: rec.bucket,
      key: rec.key,
      etag: current.etag,
      size: current.size,
    };
    await queueNewRecordings({ db, queues: deps.queues }, [next]);
  }
  deps.services.log.info(
    { key: rec.key, etag: rec.etag, current: current?.etag },
    'recording replaced after it was listed: this version is superseded, the current one queued',
  );
  return { status: 'skipped', detail: { superseded: true, currentEtag: current?.etag } };
}

/** Records a recording's final failure (after retries, or at once for bad input). */
export async function recordFailure(deps: HandlerDeps, stage: Stage, recordingId: string, code: string, reason: string): Promise<void> {
  await markRecordingFailed(deps.services.db, recordingId, stage, code, reason);
}
