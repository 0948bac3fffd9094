/**
 * The one configuration of callqa, read from environment variables and validated once at start-up.
 * Every variable is documented in README.md ("Configuration") and `.env.example`.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import path from 'node:path';
import os from 'node:os';
import { projectRoot } from './paths.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
const channelIndex = z.coerce.number().int().min(0).max(7);
/** An IANA time zone name that this Node.js knows, e.g. `Asia/Shanghai`. */
const timeZone = z.string().refine(
  (name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'unknown time zone (an IANA name such as Asia/Shanghai)' },
);
/** A 5-field cron pattern (minute hour day month weekday), checked by cron-parser as BullMQ reads it. */
const cronPattern = z.string().superRefine((value, ctx) => {
  try {
    if (value.trim().split(/\s+/).length !== 5) throw new Error('needs 5 fields: minute hour day month weekday');
    CronExpressionParser.parse(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a cron pattern (${(error as Error).message}), e.g. "0 1 * * *"` });
  }
});

/**
 * Values of `ASR_ENGINE`: which transcription engine the workers run (pipeline/transcribe/engines.ts).
 * `whisper.cpp`: whisper-cli with a ggml model (WHISPER_*). `sensevoice`, `paraformer`: sherpa-onnx offline
 * recognizers on the model folder ASR_MODEL_DIR (ASR_*, SENSEVOICE_LANGUAGE; pipeline/transcribe/sherpa-engine.ts).
 */
export const ASR_ENGINES = ['whisper.cpp', 'sensevoice', 'paraformer'] as const;
/** One of {@link ASR_ENGINES}. */
export type AsrEngineId = (typeof ASR_ENGINES)[number];

/** The environment variables callqa reads, with defaults. Units are in the variable names. */
const envSchema = z
  .object({
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
      .default('callqa'),

    S3_ENDPOINT: z.string().url().optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY: z.string().optional(),
    S3_SECRET_KEY: z.string().optional(),
    S3_PATH_STYLE: bool.default(true),
    S3_RECORDINGS_BUCKET: z.string().min(3).default('recordings'),
    S3_RESULTS_BUCKET: z.string().min(3).default('callqa-results'),
    S3_PROCESS_BUCKET: z.string().min(3).default('callqa-process'),
    S3_LOCAL_DIR: z.string().default(path.join(projectRoot, '.callqa', 's3')),

    DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/callqa'),

    // The engines callqa can run (pipeline/transcribe/engines.ts makes them); each engine's own settings follow.
    ASR_ENGINE: z.enum(ASR_ENGINES).default('whisper.cpp'),

    WHISPER_BIN: z.string().default(path.join(projectRoot, '.callqa', 'whisper-cli', 'whisper-cli')),
    WHISPER_MODEL: z.string().optional(),
    // One thread per whisper-cli and one whisper-cli per core (CONCURRENCY_TRANSCRIBE): whisper's decoding passes
    // run mostly on one thread, so two single-threaded runs keep two cores busy where one two-threaded run leaves
    // one idle (`npm run bench:asr`, README "Speed").
    WHISPER_THREADS: positiveInt.default(1),
    WHISPER_LANGUAGE: z.string().min(2).default('zh'),
    WHISPER_NO_SPEECH_THRESHOLD: z.coerce.number().min(0).max(1).default(0.6),

    ASR_MODEL_DIR: z.string().optional(),
    ASR_THREADS: positiveInt.default(Math.max(1, Math.min(4, os.availableParallelism()))),
    ASR_TIME_LIMIT_MS: positiveInt.default(30 * 60_000),
    SENSEVOICE_LANGUAGE: z.enum(['zh', 'yue', 'en', 'ja', 'ko', 'auto']).default('zh'),

    CONCURRENCY_SCAN: positiveInt.default(1),
    CONCURRENCY_PREPARE: positiveInt.default(2),
    CONCURRENCY_TRANSCRIBE: positiveInt.default(Math.max(1, Math.min(4, os.availableParallelism()))),
    CONCURRENCY_ANALYZE: positiveInt.default(4),

    FFMPEG_TIME_LIMIT_MS: positiveInt.default(120_000),
    WHISPER_TIME_LIMIT_MS: positiveInt.default(30 * 60_000),
    JOB_ATTEMPTS: positiveInt.default(5),
    JOB_BACKOFF_MS: positiveInt.default(10_000),
    KEEP_COMPLETED_JOBS: positiveInt.default(1000),
    KEEP_FAILED_JOBS: positiveInt.default(5000),
    JOB_LOCK_MS: positiveInt.optional(),
    RECONCILE_INTERVAL_MS: positiveInt.default(60_000),
    RECONCILE_GRACE_MS: positiveInt.default(120_000),
    RECONCILE_MAX_REQUEUES: positiveInt.default(3),
    STUCK_AFTER_MS: positiveInt.default(2 * 3_600_000),
    SHUTDOWN_TIME_LIMIT_MS: positiveInt.default(30_000),
    DEPENDENCY_RETRY_MS: positiveInt.default(2_000),

    CHANNEL_AGENT: channelIndex.default(0),
    CHANNEL_CUSTOMER: channelIndex.default(1),
    CENTRE_NAMES: z
      .string()
      .default('县婚姻登记中心,常州市行政服务中心')
      .transform((s) =>
        s
          .split(/[,，]/)
          .map((n) => n.trim())
          .filter(Boolean),
      ),

    NIGHTLY_CRON: cronPattern.default('0 1 * * *'),
    NIGHTLY_TZ: timeZone.default('Asia/Shanghai'),
    NIGHTLY_PREFIX_TEMPLATE: z.string().includes('{dd}', { message: 'must contain {dd}' }).default('{yyyy}/{mm}/{dd}/'),

    STATS_CRON: cronPattern.default('0 3 1 * *'),
    STATS_TZ: timeZone.default('Asia/Shanghai'),
    SAMPLING_CRON: cronPattern.default('0 7 * * *'),

    WEB_HOST: z.string().min(1).default('127.0.0.1'),
    WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    WEB_SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    WEB_COOKIE_SECURE: bool.default(false),
    WEB_TRUST_PROXY: bool.default(false),
    WEB_SESSION_HOURS: positiveInt.default(12),
    WEB_ASSIGNMENT: bool.default(true),
    WEB_APPEAL_DAYS: positiveInt.default(7),
    WEB_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    WEB_UNMASKED_ROLES: z
      .string()
      .default('supervisor')
      .transform((s) =>
        s
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(['officer', 'supervisor', 'admin']))),

    SMTP_URL: z.string().url().optional(),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    SMTP_FROM: z.string().min(3).optional(),
    APPEAL_NOTIFY_TO: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().email())),

    WORK_DIR: z.string().default(os.tmpdir()),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.CHANNEL_AGENT === env.CHANNEL_CUSTOMER) {
      ctx.addIssue({ code: 'custom', path: ['CHANNEL_CUSTOMER'], message: 'must differ from CHANNEL_AGENT' });
    }
    if ((env.SMTP_URL || env.SMTP_HOST) && !env.SMTP_FROM) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_FROM'],
        message: 'required with SMTP_URL or SMTP_HOST (the sender address of appeal e-mails)',
      });
    }
    if (env.S3_ENDPOINT && (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['S3_ACCESS_KEY'], message: 'S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT' });
    }
  });

/** Validated configuration. Times are in milliseconds where the name says `Ms`. */
export interface Config {
  redisUrl: string;
  /** Prefix of every BullMQ key in Redis; tests use their own to stay apart. */
  queuePrefix: string;
  s3: {
    /** Absent: commands that may (demo, process) start a local S3 server in `localDir`. */
    endpoint?: string;
    region: string;
    accessKey?: string;
    secretKey?: string;
    pathStyle: boolean;
    recordingsBucket: string;
    /** Transcripts, reports and prepared audio go here. */
    resultsBucket: string;
    /** Where `callqa process` uploads local folders (kept apart from the nightly recordings). */
    processBucket: string;
    localDir: string;
  };
  databaseUrl: string;
  /** Which transcription engine runs (`ASR_ENGINE`). */
  asrEngine: AsrEngineId;
  /** Settings of the whisper.cpp engine (pipeline/transcribe/whisper-engine.ts `WhisperEngineSettings`). */
  whisper: {
    /** whisper-cli program (`WHISPER_BIN`). */
    binaryPath: string;
    /** ggml model file (`WHISPER_MODEL`); absent: transcription fails each job with reason `no_model`. */
    modelPath?: string;
    /** Decoder threads (`WHISPER_THREADS`). */
    threads: number;
    /** Spoken language code (`WHISPER_LANGUAGE`), e.g. `zh`. */
    language: string;
    /** Wall-clock limit of one whisper.cpp run (all windows of a recording's channels), milliseconds (`WHISPER_TIME_LIMIT_MS`). */
    timeLimitMs: number;
    /** whisper-cli `-nth`, no-speech threshold 0..1 (`WHISPER_NO_SPEECH_THRESHOLD`; see pipeline/transcribe/whisper.ts). */
    noSpeechThreshold: number;
  };
  /**
   * The sherpa-onnx engines (`sensevoice`, `paraformer`; pipeline/transcribe/sherpa-engine.ts), as
   * `createSherpaEngine(kind, config.sherpa)` takes them.
   */
  sherpa: {
    /** Folder with model.int8.onnx or model.onnx and tokens.txt. Absent: transcription fails with `no_model`. */
    modelDir?: string;
    threads: number;
    /** Per channel, model load included. */
    timeLimitMs: number;
    /** SenseVoice's language; `zh` for Mandarin calls. */
    language: string;
  };
  concurrency: { scan: number; prepare: number; transcribe: number; analyze: number };
  ffmpegTimeLimitMs: number;
  /**
   * `lockMs`: when set, the job lock of every stage (milliseconds) instead of the per-stage defaults in
   * workers/queues.ts; a dead worker's jobs return after about one lock. Shorter locks bring them back sooner
   * but must stay well above the longest time the event loop may be busy.
   */
  jobs: { attempts: number; backoffMs: number; keepCompleted: number; keepFailed: number; lockMs?: number };
  /**
   * The reconciler in every worker (workers/reconcile.ts), one at a time by a Redis lock: every
   * `intervalMs` it looks at recordings not terminal for `graceMs` whose queue job is gone or finished out
   * of order; a recording queued again `maxRequeues` times fails with reason `stalled`.
   */
  reconcile: { intervalMs: number; graceMs: number; maxRequeues: number };
  /** `callqa status` lists recordings that have not changed status for this long (milliseconds) as stuck. */
  stuckAfterMs: number;
  /** A worker's shutdown ends within this many milliseconds whatever is unreachable (then it exits anyway). */
  shutdownTimeLimitMs: number;
  /** First wait (milliseconds) between checks of an unreachable dependency; doubles up to 30 s. */
  dependencyRetryMs: number;
  /** Which channel of a stereo recording is the agent and which the caller (overridable per recording). */
  channelMap: { agent: number; customer: number };
  /** Names the greeting rule accepts, e.g. 县婚姻登记中心. */
  centreNames: string[];
  nightly: { cron: string; timeZone: string; prefixTemplate: string };
  /** Monthly statistics: when the previous month is built (cron in `timeZone`) and the zone its calendar months are read in. */
  stats: { cron: string; timeZone: string };
  /**
   * Outgoing e-mail for appeal notifications (web/appeal-notifications.ts); absent when neither SMTP_URL nor
   * SMTP_HOST is set (notifications off). `url` wins over host/port/user/password.
   */
  smtp?: { url?: string; host?: string; port: number; secure: boolean; user?: string; password?: string; from: string };
  /** Supervisors' addresses told of each new appeal (APPEAL_NOTIFY_TO, comma-separated). */
  appealNotifyTo: string[];
  /** Daily sampling draw (workers/daily-sampling.ts): when the previous day (in `stats.timeZone`) is drawn. */
  sampling: { cron: string };
  /** The review workspace (`callqa serve`). */
  web: {
    host: string;
    port: number;
    /** Signs the session and CSRF cookies; required by `callqa serve` (see {@link requireWebSecret}). */
    sessionSecret?: string;
    /** Send cookies with `Secure` (set behind HTTPS). */
    cookieSecure: boolean;
    /** Take the client address from X-Forwarded-For (behind a reverse proxy), for sign-in rate limits and logs. */
    trustProxy: boolean;
    sessionHours: number;
    /** Officers see only unassigned calls and calls assigned to them. */
    assignment: boolean;
    /** Days after a finding's confirmation within which its agent may appeal it (issue 12). */
    appealDays: number;
    /** Lets Prometheus read /metrics with `Authorization: Bearer <token>` (admins' sessions always can). */
    metricsToken?: string;
    /** Roles that see ID-card, phone and bank-card numbers unmasked. */
    unmaskedRoles: ('officer' | 'supervisor' | 'admin')[];
  };
  workDir: string;
  logLevel: string;
}

/** Thrown by {@link loadConfig}: lists every bad variable, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates the configuration.
 *
 * @param env the environment, normally `process.env`; empty strings count as unset
 * @throws {ConfigError} one message listing every bad variable and why
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      pathStyle: e.S3_PATH_STYLE,
      recordingsBucket: e.S3_RECORDINGS_BUCKET,
      resultsBucket: e.S3_RESULTS_BUCKET,
      processBucket: e.S3_PROCESS_BUCKET,
      localDir: e.S3_LOCAL_DIR,
    },
    databaseUrl: e.DATABASE_URL,
    asrEngine: e.ASR_ENGINE,
    whisper: {
      binaryPath: e.WHISPER_BIN,
      modelPath: e.WHISPER_MODEL,
      threads: e.WHISPER_THREADS,
      language: e.WHISPER_LANGUAGE,
      timeLimitMs: e.WHISPER_TIME_LIMIT_MS,
      noSpeechThreshold: e.WHISPER_NO_SPEECH_THRESHOLD,
    },
    sherpa: {
      modelDir: e.ASR_MODEL_DIR,
      threads: e.ASR_THREADS,
      timeLimitMs: e.ASR_TIME_LIMIT_MS,
      language: e.SENSEVOICE_LANGUAGE,
    },
    concurrency: {
      scan: e.CONCURRENCY_SCAN,
      prepare: e.CONCURRENCY_PREPARE,
      transcribe: e.CONCURRENCY_TRANSCRIBE,
      analyze: e.CONCURRENCY_ANALYZE,
    },
    ffmpegTimeLimitMs: e.FFMPEG_TIME_LIMIT_MS,
    jobs: {
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      keepCompleted: e.KEEP_COMPLETED_JOBS,
      keepFailed: e.KEEP_FAILED_JOBS,
      lockMs: e.JOB_LOCK_MS,
    },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, graceMs: e.RECONCILE_GRACE_MS, maxRequeues: e.RECONCILE_MAX_REQUEUES },
    stuckAfterMs: e.STUCK_AFTER_MS,
    shutdownTimeLimitMs: e.SHUTDOWN_TIME_LIMIT_MS,
    dependencyRetryMs: e.DEPENDENCY_RETRY_MS,
    channelMap: { agent: e.CHANNEL_AGENT, customer: e.CHANNEL_CUSTOMER },
    centreNames: e.CENTRE_NAMES,
    nightly: { cron: e.NIGHTLY_CRON, timeZone: e.NIGHTLY_TZ, prefixTemplate: e.NIGHTLY_PREFIX_TEMPLATE },
    stats: { cron: e.STATS_CRON, timeZone: e.STATS_TZ },
    sampling: { cron: e.SAMPLING_CRON },
    ...(e.SMTP_URL || e.SMTP_HOST
      ? {
          smtp: {
            url: e.SMTP_URL,
            host: e.SMTP_HOST,
            port: e.SMTP_PORT,
            secure: e.SMTP_SECURE,
            user: e.SMTP_USER,
            password: e.SMTP_PASSWORD,
            from: e.SMTP_FROM!,
          },
        }
      : {}),
    appealNotifyTo: e.APPEAL_NOTIFY_TO,
    web: {
      host: e.WEB_HOST,
      port: e.WEB_PORT,
      sessionSecret: e.WEB_SESSION_SECRET,
      cookieSecure: e.WEB_COOKIE_SECURE,
      trustProxy: e.WEB_TRUST_PROXY,
      sessionHours: e.WEB_SESSION_HOURS,
      assignment: e.WEB_ASSIGNMENT,
      appealDays: e.WEB_APPEAL_DAYS,
      metricsToken: e.WEB_METRICS_TOKEN,
      unmaskedRoles: e.WEB_UNMASKED_ROLES,
    },
    workDir: e.WORK_DIR,
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * The session secret, which `callqa serve` cannot run without.
 *
 * @throws {ConfigError} when WEB_SESSION_SECRET is not set
 */
export function requireWebSecret(config: Config): string {
  if (!config.web.sessionSecret) {
    throw new ConfigError(
      'invalid configuration:\n  WEB_SESSION_SECRET: required by `callqa serve` (32 or more random characters, e.g. `openssl rand -hex 32`)',
    );
  }
  return config.web.sessionSecret;
}
