/**
 * The `callqa` command line. Each command loads only what it needs, so `analyze` starts without
 * touching Redis, PostgreSQL or storage.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../infra/config.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { projectRoot } from '../infra/paths.js';
import type { Services } from '../infra/services.js';
import { STAGES, type Queues, type Stage } from '../workers/queues.js';

/**
 * An AbortSignal that SIGINT or SIGTERM aborts, so a long command can stop its workers and child processes
 * and still write what it has; a second signal exits at once (code 130).
 */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`callqa: ${name}: stopping (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/**
 * Opens object storage (configured, never a local stand-in), PostgreSQL, Redis and the stage queues for one
 * command, runs `work`, and closes them all, also when `work` throws.
 */
async function withPipeline<T>(config: Config, log: Logger, work: (services: Services, queues: Queues) => Promise<T>): Promise<T> {
  const { openServices } = await import('../infra/services.js');
  const { openQueues, closeQueues } = await import('../workers/queues.js');
  const services = await openServices(config, log, { allowLocalS3: false });
  const queues = openQueues(services.redis, config);
  try {
    return await work(services, queues);
  } finally {
    await closeQueues(queues);
    await services.close();
  }
}

/** Prints a one-line error (no stack) and sets a failing exit code. */
function fail(error: unknown): void {
  const message = error instanceof ConfigError ? error.message : `callqa: ${(error as Error).message ?? String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exitCode = 2;
}

function setup(quietByDefault = false): { config: Config; log: Logger } {
  const config = loadConfig();
  const level = process.env.LOG_LEVEL ? config.logLevel : quietByDefault ? 'error' : config.logLevel;
  return { config, log: createLogger(level) };
}

function parseStages(value: string): Stage[] {
  const stages = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of stages) {
    if (!(STAGES as readonly string[]).includes(s)) throw new Error(`unknown stage "${s}" (stages: ${STAGES.join(', ')})`);
  }
  return stages as Stage[];
}

const { version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };

const program = new Command('callqa')
  .description('Quality checks of service-centre phone recordings against the staff code of conduct')
  .version(version)
  .showHelpAfterError()
  // `eval` has its own options and a subcommand (`eval asr`) with options of the same names: each command's
  // options are read where they are written.
  .enablePositionalOptions();

program
  .command('analyze')
  .description('score transcript files (format 1) or folders of them; no services needed')
  .argument('<path...>', 'transcript files or folders of *.json transcripts')
  .option('--json', 'print one report JSON per line (JSON Lines)')
  .action(async (paths: string[], opts: { json?: boolean }) => {
    const { analyzeCommand } = await import('./analyze-command.js');
    process.exitCode = await analyzeCommand(paths, { json: opts.json, centreNames: loadConfig().centreNames });
  });

program
  .command('process')
  .description('run the whole pipeline (prepare, transcribe, analyze) on a local folder of recordings')
  .argument('<dir>', 'folder of recordings, with optional .json / .transcript.json sidecars')
  .requiredOption('--out <outdir>', 'where reports and summary.json are written')
  .option('--json', 'print summary.json on stdout instead of a table')
  .option('--strict', 'exit with code 3 when any recording failed (default: 0 once every file is accounted for)')
  .action(async (dir: string, opts: { out: string; json?: boolean; strict?: boolean }) => {
    const { config, log } = setup(true);
    const { processFolder, formatSummaryTable } = await import('./process-command.js');
    const result = await processFolder(config, log, dir, opts.out, {
      signal: interruptSignal(),
      onProgress: (done, total, e) => process.stderr.write(`[${done}/${total}] ${e.status} ${e.file}${e.reason ? ` (${e.reason})` : ''}\n`),
    });
    process.stdout.write(
      opts.json ? `${JSON.stringify({ recordings: result.recordings })}\n` : `${formatSummaryTable(result.recordings)}\n`,
    );
    const failed = result.recordings.filter((r) => r.status === 'failed').length;
    if (failed)
      process.stderr.write(
        `${failed} of ${result.recordings.length} files not reported: failed, or no recording (reasons in ${path.join(opts.out, 'summary.json')})\n`,
      );
    if (result.interrupted) {
      process.stderr.write('callqa: interrupted; unfinished recordings are listed as failed with reason "interrupted"\n');
      process.exitCode = 130;
    } else if (opts.strict && failed) process.exitCode = 3;
  });

program
  .command('demo')
  .description('process the bundled sample calls and print a summary table')
  .option('--out <outdir>', 'where reports are written', path.join(projectRoot, '.callqa', 'demo-reports'))
  .action(async (opts: { out: string }) => {
    const { config, log } = setup(true);
    const { demoCommand } = await import('./demo-command.js');
    const result = await demoCommand(config, log, opts.out, interruptSignal());
    if (result.interrupted) process.exitCode = 130;
  });

program
  .command('scan')
  .description('queue every recording under a prefix of the recordings bucket (e.g. a night: 2026/11/28/)')
  .argument('[prefix]', 'key prefix to scan')
  .option('--date <yyyy-mm-dd>', 'scan the prefix of this date, from NIGHTLY_PREFIX_TEMPLATE')
  .option('--bucket <name>', 'bucket to scan (default S3_RECORDINGS_BUCKET)')
  .action(async (prefixArg: string | undefined, opts: { date?: string; bucket?: string }) => {
    const { config, log } = setup();
    const { scanPrefix } = await import('../workers/enqueue.js');
    const { renderPrefixTemplate } = await import('../workers/nightly.js');
    let prefix = prefixArg;
    if (opts.date) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(opts.date);
      if (!m) throw new Error(`--date must be yyyy-mm-dd, got "${opts.date}"`);
      prefix = renderPrefixTemplate(config.nightly.prefixTemplate, { year: +m[1]!, month: +m[2]!, day: +m[3]! });
    }
    if (prefix === undefined) throw new Error('give a prefix or --date');
    await withPipeline(config, log, async (services, queues) => {
      const result = await scanPrefix(
        { storage: services.storage, db: services.db, queues },
        opts.bucket ?? config.s3.recordingsBucket,
        prefix,
        (c) => process.stderr.write(`scanned ${c.found} recordings, queued ${c.queued}\n`),
      );
      process.stdout.write(`${prefix}: ${result.found} recordings found, ${result.queued} queued, ${result.alreadyKnown} already known\n`);
    });
  });

program
  .command('worker')
  .description('run queue workers until SIGTERM/SIGINT; installs the nightly schedule')
  .addOption(new Option('--stages <list>', `comma-separated stages to work (${STAGES.join(',')})`).default(STAGES.join(',')))
  .option('--no-schedule', 'do not install the nightly job scheduler')
  .action(async (opts: { stages: string; schedule: boolean }) => {
    const stages = parseStages(opts.stages);
    const { config, log } = setup();
    const { openServices } = await import('../infra/services.js');
    const { openQueues, closeQueues } = await import('../workers/queues.js');
    const { startWorkers } = await import('../workers/run-workers.js');
    const { installNightlySchedule } = await import('../workers/nightly.js');
    const { installStatsSchedule } = await import('../workers/monthly-stats.js');
    const { installSamplingSchedule } = await import('../workers/daily-sampling.js');
    // Stopping while still waiting for a dependency at start-up ends the wait.
    const starting = new AbortController();
    const stopStarting = () => starting.abort();
    process.once('SIGTERM', stopStarting);
    process.once('SIGINT', stopStarting);
    let services;
    try {
      services = await openServices(config, log, { allowLocalS3: false, waitForDependencies: true, signal: starting.signal });
    } catch (error) {
      if (starting.signal.aborted) {
        log.info('stopped while waiting for a dependency at start-up');
        log.flush();
        process.exit(0);
      }
      throw error;
    }
    process.off('SIGTERM', stopStarting);
    process.off('SIGINT', stopStarting);
    const queues = openQueues(services.redis, config);
    if (opts.schedule) {
      await installNightlySchedule(queues, config);
      await installStatsSchedule(queues, config);
      await installSamplingSchedule(queues, config);
    }
    const running = startWorkers({ services, queues }, stages, { withoutModel: 'refuse', reconcile: true });
    if (running.transcribeRefused) process.stderr.write(`callqa worker: transcribe stage not started: ${running.transcribeRefused}\n`);
    log.info(
      { stages: running.stages, schedule: opts.schedule ? `${config.nightly.cron} ${config.nightly.timeZone}` : 'off' },
      'workers started',
    );
    const stop = async (signal: string) => {
      log.info({ signal }, 'stopping workers');
      // Whatever does not answer, the process ends within the shutdown time limit (plus closing the connections).
      setTimeout(() => {
        log.warn('shutdown: connections did not close in time; exiting');
        log.flush();
        process.exit(1);
      }, config.shutdownTimeLimitMs + 5_000).unref();
      const inTime = await running.close();
      await closeQueues(queues);
      await services.close();
      log.info({ inTime }, 'workers stopped');
      log.flush();
      process.exit(inTime ? 0 : 1);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('stats')
  .description("build a month's compliance statistics (workbook, HTML report, CSV) into the results bucket under stats/<month>/")
  .option('--month <yyyy-mm>', 'calendar month in STATS_TZ (default: the previous month)')
  .option('--out <dir>', 'also write the files into this folder')
  .action(async (opts: { month?: string; out?: string }) => {
    const { config, log } = setup(true);
    const { statsCommand } = await import('./stats-command.js');
    await statsCommand(config, log, { month: opts.month, out: opts.out });
  });

program
  .command('sample')
  .description("draw a day's sampling (抽检) into the review queue now, at the rates set on /settings/sampling")
  .option('--date <yyyy-mm-dd>', 'the day in STATS_TZ (default: yesterday)')
  .action(async (opts: { date?: string }) => {
    const { config } = setup(true);
    const { samplingTargetDate } = await import('../workers/daily-sampling.js');
    const { drawSample } = await import('../infra/db/sampling-repository.js');
    const { openDatabase } = await import('../infra/db/pool.js');
    const date = opts.date ?? samplingTargetDate(new Date(), config);
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const day = new Date(`${date}T00:00:00Z`);
    if (!m || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date)
      throw new Error(`--date must be a calendar date yyyy-mm-dd, got "${date}"`);
    const db = await openDatabase(config.databaseUrl);
    try {
      const drawn = await drawSample(db, date, config.stats.timeZone);
      process.stdout.write(`${date}: ${drawn.length} calls drawn for sampling (${config.stats.timeZone})\n`);
    } finally {
      await db.end();
    }
  });

program
  .command('status')
  .description('jobs per stage (waiting / active / done / failed) and the failed recordings with their reasons')
  .option('--json', 'print JSON')
  .option('--limit <n>', 'failed recordings to list', '50')
  .option('--bucket <bucket>', 'only this bucket (default: every bucket the pipeline processed, `process` runs included)')
  .action(async (opts: { json?: boolean; limit: string; bucket?: string }) => {
    const { config, log } = setup(true);
    const { statusCommand } = await import('./status-command.js');
    await statusCommand(config, log, { json: opts.json, limit: Number(opts.limit), bucket: opts.bucket });
  });

program
  .command('retry')
  .description('queue failed recordings again (from the first stage whose output is missing)')
  .option('--prefix <prefix>', 'only recordings whose key starts with this')
  .option('--bucket <name>', 'recordings bucket (default S3_RECORDINGS_BUCKET)')
  .option('--limit <n>', 'at most this many', '1000')
  .action(async (opts: { prefix?: string; bucket?: string; limit: string }) => {
    const { config, log } = setup(true);
    const { retryFailedRecordings } = await import('../workers/enqueue.js');
    await withPipeline(config, log, async (services, queues) => {
      const { queued, missing } = await retryFailedRecordings(
        { db: services.db, queues, storage: services.storage },
        { bucket: opts.bucket ?? config.s3.recordingsBucket, prefix: opts.prefix, limit: Number(opts.limit) },
      );
      for (const q of queued) {
        process.stdout.write(`${q.action === 'replaced' ? 'queued its new version' : 'queued again'}: ${q.recording.key}\n`);
      }
      for (const key of missing) process.stdout.write(`not queued, the object no longer exists: ${key}\n`);
      process.stdout.write(
        `${queued.length} failed recordings of bucket ${opts.bucket ?? config.s3.recordingsBucket} queued again; ` +
          'they are processed by the running workers (`callqa worker`)\n',
      );
    });
  });

program
  .command('serve')
  .description("run the quality officers' review workspace (web) on WEB_HOST:WEB_PORT until SIGTERM/SIGINT")
  .action(async () => {
    const { config, log } = setup();
    const { startWeb } = await import('./serve-command.js');
    if (!config.s3.endpoint) {
      process.stderr.write(
        `callqa serve: S3_ENDPOINT is not set: serving the local S3 files in ${config.s3.localDir} (what demo and process wrote)\n`,
      );
    }
    const web = await startWeb(config, log, { allowLocalS3: !config.s3.endpoint });
    log.info({ url: web.url }, 'review workspace listening');
    process.stderr.write(`callqa serve: listening on ${web.url}\n`);
    const stop = async (signal: string) => {
      log.info({ signal }, 'stopping the review workspace');
      await web.close();
      log.flush();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

const users = program
  .command('users')
  .description('accounts of the review workspace (password from CALLQA_PASSWORD or the first line of stdin)');
users
  .command('add')
  .description('create a user')
  .argument('<username>', 'sign-in name: letters, digits, ".", "_", "-"')
  .requiredOption('--role <role>', 'officer | supervisor | admin | agent (坐席: sees and appeals only their own calls)')
  .option('--name <name>', 'name shown on the pages, e.g. 王芳')
  .option('--agent <id>', 'for --role agent: the agent id whose calls the account sees, e.g. A017')
  .option('--email <address>', 'e-mail address: an agent is told there when an appeal is decided (with SMTP configured)')
  .action(async (username: string, opts: { role: string; name?: string; agent?: string; email?: string }) => {
    const { usersAdd } = await import('./users-command.js');
    await usersAdd(loadConfig(), username, opts);
  });
users
  .command('list')
  .description('list users')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const { usersList } = await import('./users-command.js');
    await usersList(loadConfig(), opts);
  });
for (const [name, disabled] of [
  ['disable', true],
  ['enable', false],
] as const) {
  users
    .command(name)
    .description(disabled ? 'disable a user and end their sessions' : 'enable a disabled user')
    .argument('<username>')
    .action(async (username: string) => {
      const { usersSetDisabled } = await import('./users-command.js');
      await usersSetDisabled(loadConfig(), username, disabled);
    });
}
users
  .command('passwd')
  .description("set a new password (ends the user's sessions)")
  .argument('<username>')
  .action(async (username: string) => {
    const { usersPasswd } = await import('./users-command.js');
    await usersPasswd(loadConfig(), username);
  });

const agents = program
  .command('agents')
  .description('the agent directory: names and teams of agent ids, for statistics and the review workspace');
agents
  .command('import')
  .description('add or update agents from a CSV staff list (header: id/工号, name/姓名, optional team/班组/线路)')
  .argument('<file>', 'CSV file, UTF-8')
  .action(async (file: string) => {
    const { agentsImport } = await import('./agents-command.js');
    await agentsImport(loadConfig(), file);
  });
agents
  .command('list')
  .description('list the agent directory')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const { agentsList } = await import('./agents-command.js');
    await agentsList(loadConfig(), opts);
  });

const rules = program
  .command('rules')
  .description('tools for ruleset files: validate one, trace it on a transcript; activate one in production, list the saved versions');

rules
  .command('validate')
  .description('load and check a ruleset file; prints file:line: reason for the first mistake and exits non-zero')
  .argument('<file>', 'ruleset YAML file')
  .action(async (file: string) => {
    const { rulesValidateCommand } = await import('./rules-command.js');
    process.exitCode = rulesValidateCommand(file);
  });

rules
  .command('test')
  .description('run a ruleset on one transcript and show which conditions hit, where and why')
  .argument('<file>', 'ruleset YAML file')
  .argument('<transcript>', 'transcript JSON (format 1)')
  .option('--json', 'print { report, trace } as JSON')
  .action(async (file: string, transcript: string, opts: { json?: boolean }) => {
    const { rulesTestCommand } = await import('./rules-command.js');
    process.exitCode = await rulesTestCommand(file, transcript, { json: opts.json, centreNames: loadConfig().centreNames });
  });

rules
  .command('activate')
  .description('check a ruleset file, save it as a new version in PostgreSQL and make it the active ruleset for new reports')
  .argument('<file>', 'ruleset YAML file (its version: must be new)')
  .action(async (file: string) => {
    const { rulesActivateCommand } = await import('./rules-command.js');
    process.exitCode = await rulesActivateCommand(loadConfig().databaseUrl, file);
  });

rules
  .command('list')
  .description('the ruleset versions saved in PostgreSQL and the shipped file; * marks the active one')
  .option('--json', 'print versions and activations as JSON')
  .action(async (opts: { json?: boolean }) => {
    const { rulesListCommand } = await import('./rules-command.js');
    await rulesListCommand(loadConfig().databaseUrl, { json: opts.json });
  });

const evalCmd = program
  .command('eval')
  .enablePositionalOptions()
  .description(
    'precision / recall / F1 per rule and the confusion list against DIR/labels.jsonl (`eval asr DIR`: ASR character error rate)',
  )
  .argument('<dir>', 'folder of transcripts (*.json) with labels.jsonl')
  .option('--ruleset <file>', 'ruleset YAML file (default: the shipped one)')
  .option('--json', 'print the evaluation as JSON')
  .option('--min-f1 <x>', 'exit 1 when a labelled rule’s F1 is below this')
  .option('--asr-noise <rate>', 'corrupt every transcript as Mandarin ASR does before scoring: share of Han characters hit, 0..1')
  .option('--seed <n>', 'seed of the simulated ASR errors (integer; default 1)')
  .action(async (dir: string, opts: { ruleset?: string; json?: boolean; minF1?: string; asrNoise?: string; seed?: string }) => {
    const { evalCommand } = await import('./eval-command.js');
    const minF1 = opts.minF1 === undefined ? undefined : Number(opts.minF1);
    if (minF1 !== undefined && !(minF1 >= 0 && minF1 <= 1)) throw new Error(`--min-f1 must be a number 0..1, got "${opts.minF1}"`);
    const asrNoise = opts.asrNoise === undefined ? undefined : Number(opts.asrNoise);
    if (asrNoise !== undefined && !(asrNoise >= 0 && asrNoise <= 1))
      throw new Error(`--asr-noise must be a number 0..1, got "${opts.asrNoise}"`);
    const seed = opts.seed === undefined ? undefined : Number(opts.seed);
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${opts.seed}"`);
    process.exitCode = await evalCommand(dir, {
      ruleset: opts.ruleset,
      json: opts.json,
      minF1,
      asrNoise,
      seed,
      centreNames: loadConfig().centreNames,
    });
  });

evalCmd
  .command('asr')
  .description(
    'character error rate of the configured ASR engine (ASR_ENGINE) on the recordings of DIR against NAME.ref.txt or NAME.transcript.json beside them',
  )
  .argument('<dir>', 'folder of recordings with their reference transcripts')
  .option('--json', 'print the evaluation as JSON')
  .action(async (dir: string, opts: { json?: boolean }) => {
    const config = loadConfig();
    const { createEngine } = await import('../pipeline/transcribe/engines.js');
    const { evalAsrCommand } = await import('./eval-asr-command.js');
    const { engine, problem } = createEngine(config);
    process.exitCode = await evalAsrCommand(dir, {
      engine,
      engineProblem: problem,
      workDir: config.workDir,
      ffmpegTimeLimitMs: config.ffmpegTimeLimitMs,
      channelMap: config.channelMap,
      json: opts.json,
      signal: interruptSignal(),
    });
  });

program
  .command('rescore')
  .description('re-run the rules with the current ruleset on stored transcripts of calls in a date range; reports keep the previous score')
  .requiredOption('--from <date>', 'first day (yyyy-mm-dd, in NIGHTLY_TZ) or ISO 8601 time with offset')
  .requiredOption('--to <date>', 'last day, included (yyyy-mm-dd), or an ISO 8601 time (excluded)')
  .action(async (opts: { from: string; to: string }) => {
    const { config, log } = setup(true);
    const { rescoreCommand, parseRescoreRange } = await import('./rescore-command.js');
    const range = parseRescoreRange(opts.from, opts.to, config.nightly.timeZone);
    const { openServices } = await import('../infra/services.js');
    const services = await openServices(config, log, { allowLocalS3: false });
    try {
      const result = await rescoreCommand(services, range, config.centreNames);
      if (result.failed.length) process.exitCode = 1;
    } finally {
      await services.close();
    }
  });

// Every command's error ends here: one line on stderr, exit code 2 (see fail).
try {
  await program.parseAsync(process.argv);
} catch (error) {
  fail(error);
}
